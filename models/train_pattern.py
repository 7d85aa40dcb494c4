"""Train the pattern head on the by-eye pattern labels of the validation split.

    python -m models.train_pattern [--data ../shared/data] [--folder models/weights/style_v1]

``clothing_small/colour_pattern_labels.csv`` labels every validation photo and the first 160 test photos with
a pattern (solid, striped, checked, floral, dotted, printed). The head is a softmax regression on the style
embedding of the network in ``--folder`` (through the product's own encoder) plus the six texture measures of
:func:`models.pixels.texture`. The L2 strength is chosen by 5-fold cross-validation on the validation
rows (one-standard-error rule); the head is then fitted on all of them. Test rows are only reported. Writes
``pattern.npz`` + ``pattern.json`` into the folder (byte-reproducible). ``models.train_style`` runs this as its
last step.

The features are computed as the tagger computes them (:mod:`models.pixels` for the garment mask and texture,
the style network through :mod:`models.runtime`).
"""

from __future__ import annotations

import argparse
import csv
import os
from collections import Counter
from pathlib import Path

import numpy as np
import torch

from models.artifacts import STYLE_DIR, model_tag
from models.pattern_head import PatternHead
from models.pixels import pattern_features, photo_lab_and_mask
from models.runtime import StyleRuntime
from models.style_data import missing_data

SEED = 0
FOLDS = 5
C_GRID = (0.03, 0.1, 0.3, 1.0)


def _rows(data: Path, split: str) -> list[dict[str, str]]:
    with (data / "clothing_small" / "colour_pattern_labels.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["path"].startswith(split + "/")]


def features(data: Path, rows: list[dict[str, str]], encoder: StyleRuntime) -> np.ndarray:
    """Return float32 [N, D + 6] rows ``[style embedding, texture]`` computed as the tagger computes them."""
    from models.style_data import open_rgb

    images = [open_rgb(data / "clothing_small" / r["path"]) for r in rows]
    emb = encoder.embed_images(images)
    texture = []
    for im in images:
        lab, mask = photo_lab_and_mask(im)  # one working image for the mask and the texture, as the tagger does
        texture.append(pattern_features(im, mask, lab)[1])
    tex = np.stack(texture)
    return np.concatenate([emb, tex], axis=1).astype(np.float32)


def fit(x: np.ndarray, y: np.ndarray, classes: int, c: float) -> tuple[np.ndarray, ...]:
    """Fit an L2-regularised softmax regression (sklearn's objective: C * sum of losses + |W|^2 / 2)."""
    mean = x.mean(0)
    scale = np.maximum(x.std(0), 1e-6)
    z = torch.from_numpy(((x - mean) / scale).astype(np.float64))
    target = torch.from_numpy(y)
    w = torch.zeros(z.shape[1], classes, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=500, tolerance_grad=1e-9, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = c * torch.nn.functional.cross_entropy(z @ w + b, target, reduction="sum") + 0.5 * (w * w).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return mean, scale, w.detach().numpy(), b.detach().numpy()


def _predict(params: tuple[np.ndarray, ...], x: np.ndarray) -> np.ndarray:
    mean, scale, w, b = params
    return np.asarray(((x - mean) / scale) @ w + b).argmax(1)


def cross_validate(x: np.ndarray, y: np.ndarray, classes: int, c: float) -> float:
    """Return the 5-fold cross-validated accuracy of one L2 strength (fixed shuffled folds)."""
    order = np.random.default_rng(SEED).permutation(len(y))
    hits = 0
    for fold in np.array_split(order, FOLDS):
        keep = np.setdiff1d(order, fold)
        hits += int((_predict(fit(x[keep], y[keep], classes, c), x[fold]) == y[fold]).sum())
    return hits / len(y)


def train_pattern(data: Path, folder: Path) -> dict[str, object]:
    """Choose C by cross-validation on validation, fit on all of it, report test; write the head."""
    from config.vocabulary import PATTERNS

    torch.manual_seed(SEED)
    labels = tuple(PATTERNS)
    val, test = _rows(data, "validation"), _rows(data, "test")
    from config.settings import load_settings

    encoder = StyleRuntime(folder, cache_dir=load_settings().cache_dir, device="cpu")
    xv, xt = features(data, val, encoder), features(data, test, encoder)
    yv = np.array([labels.index(r["pattern"]) for r in val])
    yt = np.array([labels.index(r["pattern"]) for r in test])
    scores = {c: cross_validate(xv, yv, len(labels), c) for c in C_GRID}
    # One-standard-error rule: the strongest regularisation whose cross-validated accuracy is within one standard
    # error of the best. The curve is flat here, and the simpler head is the safer bet on other kinds of photo.
    top = max(scores.values())
    se = float(np.sqrt(top * (1 - top) / len(yv)))
    best = min(c for c in C_GRID if scores[c] >= top - se)
    params = fit(xv, yv, len(labels), best)
    pred = _predict(params, xt)
    solid = labels.index("solid")
    info: dict[str, object] = {
        "network": model_tag(folder),
        "features": "style embedding + texture (energy, edges, colour_edges, coherence, peak, centre)",
        "trained_on": f"clothing_small validation, {len(val)} photos, by-eye pattern labels",
        "c": best,
        "cross_validated_accuracy": {str(c): round(s, 4) for c, s in scores.items()},
        "test_accuracy": round(float((pred == yt).mean()), 4),
        "test_always_solid": round(float((yt == solid).mean()), 4),
        "test_n": len(test),
        "test_per_class": {
            labels[k]: [int(((pred == yt) & (yt == k)).sum()), int((yt == k).sum())] for k in sorted(set(yt.tolist()))
        },
        "test_confusions": {
            f"{labels[g]}->{labels[p]}": n
            for (g, p), n in Counter(zip(yt.tolist(), pred.tolist(), strict=True)).most_common()
            if g != p
        },
    }
    mean, scale, w, b = params
    PatternHead(labels, mean, scale, w.astype(np.float32), b.astype(np.float32), info).save(folder)
    return info


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, train and print the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("STYLIST_SHARED_DATA", "../shared/data")))
    parser.add_argument("--folder", type=Path, default=STYLE_DIR)
    args = parser.parse_args(argv)
    if problem := missing_data(args.data):
        parser.error(problem)
    torch.set_num_threads(2)
    info = train_pattern(args.data, args.folder)
    print(f"pattern head for network {info['network']}: C {info['c']}")
    print(f"  cross-validated accuracy on validation: {info['cross_validated_accuracy']}")
    print(f"  test accuracy {info['test_accuracy']} (always solid {info['test_always_solid']}, n={info['test_n']})")
    print(f"  test per class (right, n): {info['test_per_class']}")
    print(f"  test confusions: {info['test_confusions']}")


if __name__ == "__main__":
    main()
