"""Formality the photo shows: the tagger's formality against by-eye labels, with and without the ImageNet branch.

    python -m bench.formality_accuracy [--data ../shared/data] [--split test]

``bench/data/formality_by_eye.csv`` labels every shoes, shirt and pants photo of the clothing_small *test* split
(141) as formal (dress shoes and leather loafers, plain dress shirts, tailored trousers), sport (running and
training shoes, track pants, sports leggings) or casual (the rest), by one person looking at contact sheets for
this project; and the 26 validation shoes the same way (used only to check that no lower ``kind_min`` than the
default 0.5 is better: at 0.3, 4 right and 3 wrong formal/sport calls of 26; at 0.5, 2 and 2). Nothing was tuned
on the test rows. The rows are those labels, the columns the tagger's formality (it also
says smart-casual, which the labels do not use).
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

from engine.types import PhotoInput, Tagged

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "bench" / "data" / "formality_by_eye.csv"
ROWS = ("formal", "casual", "sport")
COLUMNS = ("formal", "smart-casual", "casual", "sport")


def tag_all(data: Path, branch: bool, split: str) -> list[tuple[str, str, str]]:
    """Return (by-eye formality, tagged formality, tagged type) of every labelled photo."""
    from config.settings import load_settings
    from engine.tagging.tagger import build_tagger

    tagger = build_tagger(load_settings(imagenet_branch=branch))
    with LABELS.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["path"].startswith(f"{split}/")]
    out = []
    for start in range(0, len(rows), 32):
        chunk = rows[start : start + 32]
        photos = [PhotoInput((data / "clothing_small" / r["path"]).read_bytes(), r["path"]) for r in chunk]
        for row, result in zip(chunk, tagger.tag_photos(photos), strict=True):
            assert isinstance(result, Tagged), result
            out.append((row["formality"], result.tags.formality, result.tags.type))
    return out


def report(results: list[tuple[str, str, str]], title: str) -> None:
    """Print the confusion matrix and per-label recall."""
    counts = Counter((truth, got) for truth, got, _ in results)
    print(f"\n{title}\n")
    print("| by eye \\ tagger | " + " | ".join(COLUMNS) + " | recall |")
    print("|---|" + "---|" * (len(COLUMNS) + 1))
    for truth in ROWS:
        n = sum(counts[(truth, c)] for c in COLUMNS)
        recall = counts[(truth, truth)] / n if n else 0.0
        print(f"| {truth} ({n}) | " + " | ".join(str(counts[(truth, c)]) for c in COLUMNS) + f" | {recall:.2f} |")
    right = sum(counts[(t, t)] for t in ROWS)
    print(f"\nexact agreement {right}/{len(results)}; types: {dict(Counter(t for *_, t in results).most_common())}")


def main() -> None:
    """Tag the labelled photos both ways and print both matrices."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--split", choices=["test", "validation"], default="test")
    args = parser.parse_args()
    report(tag_all(args.data, False, args.split), f"{args.split}: tagger without the ImageNet branch (previous)")
    report(tag_all(args.data, True, args.split), f"{args.split}: tagger with the ImageNet branch (product)")


if __name__ == "__main__":
    main()
