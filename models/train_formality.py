"""Train the formality probe on the by-eye formality labels of train photos; choose its strength on validation.

    python -m models.train_formality [--data ../shared/data] [--folder models/weights/formality_v1]

``bench/data/formality_by_eye_train.csv`` labels 943 photos (shoes, trousers, shorts, shirts, t-shirts,
longsleeves) of the clothing_small train and validation splits and of clothing_extra as formal, smart-casual, casual
or sport (how: ``bench.formality_accuracy``). The probe (:mod:`models.formality_probe`) is a
class-balanced softmax regression on the style embedding plus the log ImageNet mass of each group of classes in
``config/data/imagenet_types.csv`` (one per mapped kind, then the formal and the sport classes), both from one pass of
the product network with its ImageNet branch. It is fitted on the train and extra rows for each L2 strength in a grid;
the strength kept is the one with the best mean recall over the four labels on the validation rows among those that
call no more casual validation photos formal than the tagger without a probe did (4: the issue's complaint). The test
split is never read here. Writes ``probe.npz`` + ``probe.json`` (byte-reproducible).
"""

from __future__ import annotations

import argparse
import csv
import os
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from models.artifacts import IMAGENET_DIR, STYLE_DIR, model_tag
from models.formality_probe import FORMALITY_DIR, FormalityProbe
from models.runtime import StyleRuntime
from models.style_data import missing_data, open_rgb

LABELS = ("formal", "smart-casual", "casual", "sport")
LABEL_FILE = Path(__file__).resolve().parent.parent / "bench" / "data" / "formality_by_eye_train.csv"
#: The types the tagger gives the labelled photos (shirts, t-shirts, longsleeves; trousers, jeans and shorts, and the
#: kinds of trousers; every kind of shoe): the probe says nothing sure about others (a skirt, a dress, a coat).
TYPES = ("shirt", "t-shirt", "longsleeve", "pants", "jeans", "shorts", "track-pants", "leggings", "shoes", "sneakers",
         "sports-shoes", "casual-shoes", "formal-shoes", "boots", "heels", "flats", "sandals", "flip-flops")
C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3)
MIN_GRID = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
#: Casual validation photos the tagger called formal before the probe (the bar a strength must not exceed).
CASUAL_AS_FORMAL_BEFORE = 4


def imagenet_groups() -> tuple[np.ndarray, list[str]]:
    """Return the [1000, G] class groups of ``config/data/imagenet_types.csv`` and their names."""
    text = resources.files("config").joinpath("data", "imagenet_types.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    names = list(dict.fromkeys(r["type"] for r in rows)) + ["formal", "sport"]
    groups = np.zeros((1000, len(names)), dtype=np.float32)
    for row in rows:
        groups[int(row["index"]), names.index(row["type"])] = 1.0
        if row["formality"] in ("formal", "sport"):
            groups[int(row["index"]), names.index(row["formality"])] = 1.0
    return groups, names


def fit(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, ...]:
    """Fit a class-balanced L2 softmax regression (C * weighted sum of losses + |W|^2 / 2) on standardised rows."""
    mean, scale = x.mean(0), np.maximum(x.std(0), 1e-6)
    z = torch.from_numpy(((x - mean) / scale).astype(np.float64))
    target = torch.from_numpy(y)
    counts = np.bincount(y, minlength=len(LABELS))
    balance = torch.tensor(len(y) / (len(LABELS) * np.maximum(counts, 1)), dtype=torch.float64)
    w = torch.zeros(z.shape[1], len(LABELS), dtype=torch.float64, requires_grad=True)
    b = torch.zeros(len(LABELS), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=300, tolerance_grad=1e-9, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = c * torch.nn.functional.cross_entropy(z @ w + b, target, weight=balance, reduction="sum")
        loss = loss + 0.5 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return mean, scale, w.detach().numpy(), b.detach().numpy()


def scores(y: np.ndarray, pred: np.ndarray) -> tuple[float, int, list[float]]:
    """Return mean recall over the labels, casual photos called formal, and each label's recall."""
    recall = [float(((pred == k) & (y == k)).sum() / max(1, (y == k).sum())) for k in range(len(LABELS))]
    casual_formal = int(((y == LABELS.index("casual")) & (pred == LABELS.index("formal"))).sum())
    return float(np.mean(recall)), casual_formal, recall


def choose_minimums(probs: np.ndarray, y: np.ndarray) -> tuple[dict[str, float], dict[str, object]]:
    """Choose the probability under which formal and sport are not claimed (the next likeliest label is), by mean
    recall on validation among the pairs that call no more casual photos formal than before; ties: the higher."""
    best: tuple[float, float, float] | None = None
    for formal_min in MIN_GRID:
        for sport_min in MIN_GRID:
            p = probs.copy()
            p[p[:, LABELS.index("formal")] < formal_min, LABELS.index("formal")] = 0.0
            p[p[:, LABELS.index("sport")] < sport_min, LABELS.index("sport")] = 0.0
            mean_recall, casual_formal, _ = scores(y, p.argmax(1))
            if casual_formal <= CASUAL_AS_FORMAL_BEFORE and (best is None or mean_recall >= best[0] - 1e-9):
                best = (mean_recall, formal_min, sport_min)
    mean_recall, formal_min, sport_min = best or (0.0, 0.0, 0.0)
    return {"formal": formal_min, "sport": sport_min}, {"mean_recall": round(mean_recall, 4)}


def train_formality(data: Path, folder: Path) -> dict[str, object]:
    """Fit per strength on train + extra, keep the best on validation, write the probe into ``folder``."""
    torch.manual_seed(0)
    with LABEL_FILE.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    from config.settings import load_settings

    runtime = StyleRuntime(STYLE_DIR, cache_dir=load_settings().cache_dir, device="cpu", branch=IMAGENET_DIR,
                           formality=None)
    emb, imagenet = runtime.look([open_rgb(data / r["path"]) for r in rows])
    assert imagenet is not None
    groups, names = imagenet_groups()
    shell = FormalityProbe(LABELS, np.zeros(1), np.ones(1), np.zeros((1, 4)), np.zeros(4), groups, {})
    x = shell.features(emb, imagenet)
    y = np.array([LABELS.index(r["formality"]) for r in rows])
    train = np.array([r["part"] != "validation" for r in rows])
    results = {}
    for c in C_GRID:
        mean, scale, weight, bias = (p.astype(np.float32) for p in fit(x[train], y[train], c))
        probe = FormalityProbe(LABELS, mean, scale, weight, bias, groups, {})
        results[c] = (probe, scores(y[~train], probe.probs(emb[~train], imagenet[~train]).argmax(1)))
    allowed = [c for c in C_GRID if results[c][1][1] <= CASUAL_AS_FORMAL_BEFORE] or list(C_GRID)
    best = max(allowed, key=lambda c: results[c][1][0])
    chosen = results[best][0]
    minimums, figures = choose_minimums(chosen.probs(emb[~train], imagenet[~train]), y[~train])
    info: dict[str, object] = {
        "network": model_tag(STYLE_DIR),
        "features": "style embedding + log(ImageNet mass + 0.001) per group: " + ", ".join(names),
        "trained_on": f"{int(train.sum())} by-eye labelled photos (clothing_small train + clothing_extra)",
        "types": list(TYPES),
        "class_counts": {LABELS[k]: int((y[train] == k).sum()) for k in range(len(LABELS))},
        "c": best,
        "chosen_on": f"{int((~train).sum())} clothing_small validation photos: best mean recall with at most "
                     f"{CASUAL_AS_FORMAL_BEFORE} casual called formal",
        "validation": {str(c): {"mean_recall": round(r[0], 4), "casual_as_formal": r[1],
                                "recall": dict(zip(LABELS, (round(v, 3) for v in r[2]), strict=True))}
                       for c, (_, r) in results.items()},
        "minimums": minimums,
        "minimums_validation": figures,
        "command": "python -m models.train_formality",
    }
    FormalityProbe(LABELS, chosen.mean, chosen.scale, chosen.weight, chosen.bias, groups, info).save(folder)
    return info


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, train and print the validation figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("STYLIST_SHARED_DATA", "../shared/data")))
    parser.add_argument("--folder", type=Path, default=FORMALITY_DIR)
    args = parser.parse_args(argv)
    if problem := missing_data(args.data):
        parser.error(problem)
    torch.set_num_threads(2)
    info = train_formality(args.data, args.folder)
    print(f"formality probe for network {info['network']}: C {info['c']} ({info['chosen_on']})")
    for c, figures in dict(info["validation"]).items():  # type: ignore[call-overload]
        print(f"  C {c}: {figures}")


if __name__ == "__main__":
    main()
