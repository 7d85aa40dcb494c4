"""Evaluate the committed style network through the product's own inference path.

    python -m models.eval_style [--data ../shared/data] [--splits validation test] [--threads 1] [--product-shots]

Photos go through :class:`models.runtime.StyleRuntime`, which the product's ``embedded`` encoder wraps, exactly
as a user's photos do (numpy preprocessing, the cached ONNX export, the heads in numpy). Prints per split:
category and type accuracy with ECE, per-class accuracy, the main confusions and the low-confidence rule; then
same-type precision@5 of style retrieval with the validation split as queries and the test split as gallery.
``extra`` (clothing_extra, a training split) is accepted too.

``--product-shots`` first re-renders every photo as a catalog-style shot (the garment cut out and centred on
white, :func:`models.style_data.product_shot`): a proxy for catalog photos, and an optimistic one, because
training saw the same rendering of the training photos.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from models.artifacts import NETWORK_FILE, STYLE_DIR
from models.calibration import expected_calibration_error, precision_at_k
from models.runtime import RuntimeUnavailable, StyleRuntime
from models.style_data import Sample, load_samples, missing_data, open_rgb, product_shot


def _report(name: str, labels: tuple[str, ...], probs: np.ndarray, gold: list[str]) -> None:
    pred = [labels[j] for j in probs.argmax(axis=1)]
    hits = [p == g for p, g in zip(pred, gold, strict=True)]
    ece = expected_calibration_error(probs, np.array([labels.index(g) for g in gold]))
    print(f"  {name:9s} accuracy {np.mean(hits):.4f}  ECE {ece:.4f}  mean confidence {probs.max(1).mean():.3f}")
    per_class, right = Counter(gold), Counter(g for g, h in zip(gold, hits, strict=True) if h)
    print("    per class: " + ", ".join(f"{c} {right[c] / n:.2f} ({n})" for c, n in sorted(per_class.items())))
    confusions = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p).most_common(8)
    print("    main confusions (gold -> predicted): " + ", ".join(f"{g}->{p} {n}" for (g, p), n in confusions))


def _product_shots(images: list[Image.Image]) -> list[Image.Image]:
    return [product_shot(im, np.random.default_rng([0, i]), grey=False) for i, im in enumerate(images)]


def evaluate(
    samples: list[Sample], splits: list[str], threads: int, product_shots: bool = False, folder: Path = STYLE_DIR
) -> None:
    """Embed and tag each split with the style network in ``folder`` (the product's by default); print the report."""
    from config.settings import load_settings

    encoder = StyleRuntime(folder, cache_dir=load_settings().cache_dir, threads=threads)
    threshold = encoder.low_confidence_threshold
    print(f"style network {encoder.folder.name}@{encoder.tag} on {encoder.device}, onnx {encoder.onnx_path}")
    embedded: dict[str, tuple[np.ndarray, list[Sample]]] = {}
    for split in splits:
        chosen = [s for s in samples if s.split == split]
        images = [open_rgb(s.path) for s in chosen]
        emb = encoder.embed_images(_product_shots(images) if product_shots else images)
        embedded[split] = (emb, chosen)
        heads = encoder.predict(emb)
        print(f"{split} (n={len(chosen)}){' as product shots on white' if product_shots else ''}")
        for name in ("category", "type"):
            _report(name, *heads[name], [getattr(s, name) for s in chosen])
        type_labels, type_probs = heads["type"]
        conf = type_probs.max(1)
        pred = np.asarray(type_labels)[type_probs.argmax(1)]
        right = pred == np.asarray([s.type for s in chosen])
        low = conf < threshold
        print(
            f"  low confidence (top type p < {threshold:.3f}): {low.mean():.3f} flagged, accuracy flagged "
            f"{right[low].mean() if low.any() else float('nan'):.3f}, kept {right[~low].mean():.3f}; "
            f"answered `other` {np.mean(pred == 'other'):.3f}"
        )
    if "validation" in embedded and "test" in embedded:
        (q, qs), (g, gs) = embedded["validation"], embedded["test"]
        p5 = precision_at_k(q, [s.type for s in qs], g, [s.type for s in gs])
        print(f"retrieval: validation queries vs test gallery, same-type precision@5 {p5:.4f}")


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the evaluation."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("STYLIST_SHARED_DATA", "../shared/data")))
    parser.add_argument("--splits", nargs="+", default=["validation", "test"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--product-shots", action="store_true", help="re-render photos as catalog-style shots")
    parser.add_argument("--model", type=Path, default=STYLE_DIR, help="a style network folder (a candidate from "
                        "`train_style --out`); the committed one by default")
    args = parser.parse_args(argv)
    if problem := missing_data(args.data):
        parser.error(problem)
    if not (args.model / NETWORK_FILE).is_file():
        parser.error(f"{args.model} holds no style network ({NETWORK_FILE}); train one with models.train_style --out")
    try:
        evaluate(load_samples(args.data), args.splits, args.threads, args.product_shots, args.model)
    except RuntimeUnavailable as exc:
        parser.error(str(exc))


if __name__ == "__main__":
    main()
