"""Evaluate the committed tag heads through the product's own inference path (the ``embedded`` encoder).

    python -m models.eval_tagger [--data /work/shared/data] [--splits train validation test] [--threads 1]

Prints accuracy and calibration error per split, and per-class accuracy and the main confusions for the
validation and test splits. The photos go through ``EmbeddedEncoder`` exactly as a user's photos do
(numpy preprocessing, the cached ONNX export, the heads in numpy), so these numbers are the product's.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path

import numpy as np
from PIL import Image

from models.train_tagger import Sample, expected_calibration_error, load_samples


def _print_report(name: str, labels: tuple[str, ...], probs: np.ndarray, gold: list[str], detail: bool) -> None:
    pred = [labels[j] for j in probs.argmax(axis=1)]
    hits = [p == g for p, g in zip(pred, gold, strict=True)]
    gold_idx = np.array([labels.index(g) for g in gold])
    ece = expected_calibration_error(probs, gold_idx)
    print(f"  {name:9s} accuracy {np.mean(hits):.4f}  ECE {ece:.4f}  mean confidence {probs.max(1).mean():.3f}")
    if not detail:
        return
    per_class = Counter(g for g in gold)
    right = Counter(g for g, h in zip(gold, hits, strict=True) if h)
    print("    per class: " + ", ".join(f"{c} {right[c] / n:.2f} ({n})" for c, n in sorted(per_class.items())))
    confusions = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p).most_common(8)
    print("    main confusions (gold -> predicted): " + ", ".join(f"{g}->{p} {n}" for (g, p), n in confusions))


def evaluate(samples: list[Sample], splits: list[str], threads: int) -> None:
    """Embed and tag each split with the product encoder and print the report."""
    from config.settings import load_settings
    from engine.encoders.embedded import EmbeddedEncoder

    encoder = EmbeddedEncoder(load_settings(encoder_threads=threads))
    print(f"encoder {encoder.name} on {encoder.device}, onnx {encoder.onnx_path}")
    for split in splits:
        chosen = [s for s in samples if s.split == split]
        images = []
        for sample in chosen:
            with Image.open(sample.path) as img:
                images.append(img.convert("RGB"))
        heads = encoder.tag_heads(encoder.embed_images(images))
        print(f"{split} (n={len(chosen)})")
        for name in ("category", "type"):
            gold = [getattr(s, name) for s in chosen]
            _print_report(name, heads[name].labels, heads[name].probs, gold, detail=split != "train")


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and run the evaluation."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_data = Path(os.environ.get("STYLIST_SHARED_DATA", "/work/shared/data"))
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--splits", nargs="+", default=["train", "validation", "test"])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    evaluate(load_samples(args.data), args.splits, args.threads)


if __name__ == "__main__":
    main()
