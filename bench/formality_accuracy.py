"""Formality the photo shows: the tagger's formality against by-eye labels, before and with the formality probe.

    python -m bench.formality_accuracy [--data ../shared/data] [--split test|validation]

``bench/data/formality_by_eye.csv`` labels photos of the clothing_small *test* split by eye, by people looking at
contact sheets (numbered thumbnails, 36 to a sheet) for this project: every shoes, shirt and pants photo (141) as
formal (dress shoes and leather loafers, plain dress shirts, tailored trousers), sport (running and training shoes,
track pants, sports leggings) or casual (the rest), and later every shorts, t-shirt and longsleeve photo (154: sport
for running, football and training shorts, branded sports tops, track jackets and fleeces; casual the rest), labelled
before any formality probe existed. It also holds the 26 validation shoes of the first round (used then only to check
that no lower ``kind_min`` than 0.5 was better).

``bench/data/formality_by_eye_train.csv`` labels 943 photos the same way but with four labels (smart-casual too:
chinos, plain trousers, heels and ballet flats, knitwear, short-sleeved or checked shirts), for training and choosing
the probe (``python -m models.train_formality``): every validation shoes, pants, shorts and shirt photo and 45
t-shirts (174, the ``validation`` rows); 558 random train photos (every shoes photo; pants, shirts, shorts, t-shirts,
longsleeves) and 103 clothing_extra shoes and trousers (mostly kids' shoes, slippers and clogs); then 108 more train
pants, shorts and t-shirts, the ones the first probe found sportiest, so that it learns from its likeliest mistakes
(train rows only; 63 of those 108 were casual by eye, 42 sport). Nothing was tuned on the test rows.

Three taggers run on the same photos: without the ImageNet branch, with it but no probe (the formality rule of the
first round), and the product (branch + probe). The rows are the labels, the columns the tagger's formality.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from pathlib import Path

from engine.types import PhotoInput, Tagged

REPO = Path(__file__).resolve().parent.parent
LABELS = REPO / "bench" / "data" / "formality_by_eye.csv"
TRAIN_LABELS = REPO / "bench" / "data" / "formality_by_eye_train.csv"
COLUMNS = ("formal", "smart-casual", "casual", "sport")
#: The garment folders of the first labelling round (the figures before this one were on these alone).
FIRST_ROUND = ("shoes", "shirt", "pants")


def labelled(split: str) -> list[dict[str, str]]:
    """Return the by-eye rows of ``split`` (test: the test file; validation: the training file's validation rows),
    each with its path under the shared data folder."""
    if split == "test":
        with LABELS.open(encoding="utf-8") as fh:
            rows = [r for r in csv.DictReader(fh) if r["path"].startswith("test/")]
        return [{**r, "path": f"clothing_small/{r['path']}"} for r in rows]
    with TRAIN_LABELS.open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["part"] == split]


def tag_all(data: Path, variant: str, rows: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    """Return (by-eye formality, tagged formality, tagged type) of every row; ``variant``: no-branch, no-probe or
    product."""
    from config.settings import load_settings
    from engine.tagging.tagger import build_tagger

    tagger = build_tagger(load_settings(imagenet_branch=variant != "no-branch"))
    if variant == "no-probe":
        tagger.formality_probe = None  # the first round's rule: type, colour, pattern and ImageNet formal/sport
    out = []
    for start in range(0, len(rows), 32):
        chunk = rows[start : start + 32]
        photos = [PhotoInput((data / r["path"]).read_bytes(), r["path"]) for r in chunk]
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
    rows = [label for label in COLUMNS if any(truth == label for truth, *_ in results)]
    for truth in rows:
        n = sum(counts[(truth, c)] for c in COLUMNS)
        recall = counts[(truth, truth)] / n if n else 0.0
        print(f"| {truth} ({n}) | " + " | ".join(str(counts[(truth, c)]) for c in COLUMNS) + f" | {recall:.2f} |")
    right = sum(counts[(t, t)] for t in rows)
    print(f"\nexact agreement {right}/{len(results)}; types: {dict(Counter(t for *_, t in results).most_common())}")


def main() -> None:
    """Tag the labelled photos three ways and print the matrices."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--split", choices=["test", "validation"], default="test")
    args = parser.parse_args()
    rows = labelled(args.split)
    first = [i for i, r in enumerate(rows) if r["path"].split("/")[-2] in FIRST_ROUND]
    for variant, title in (("no-branch", "without the ImageNet branch"),
                           ("no-probe", "with the ImageNet branch, no probe (previous product)"),
                           ("product", "with the ImageNet branch and the probe (product)")):
        results = tag_all(args.data, variant, rows)
        report(results, f"{args.split}, {len(rows)} photos: {title}")
        if args.split == "test":
            report([results[i] for i in first], f"{args.split}, shoes/shirt/pants only ({len(first)}): {title}")


if __name__ == "__main__":
    main()
