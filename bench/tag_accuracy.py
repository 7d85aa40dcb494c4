"""Accuracy of ``stylist tag --json`` (the real command line) on a labelled split of clothing_small.

    python -m bench.tag_accuracy [--split test] [--data ../shared/data]

Runs the command once over the whole split, reads its JSON lines and compares category and type with
``labels.csv``; prints overall, per-class accuracy and the most common confusions.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_tag(paths: list[Path], data_dir: Path) -> dict[str, dict]:
    """Run ``stylist tag --json`` over ``paths`` and return its objects by path."""
    cmd = [sys.executable, "-m", "bot.cli", "--data-dir", str(data_dir), "tag", "--json", *map(str, paths)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        sys.exit(f"stylist tag failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return {obj["path"]: obj for obj in map(json.loads, proc.stdout.splitlines())}


def main() -> None:
    """Print accuracy figures for one split."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--split", default="test", choices=["train", "validation", "test"])
    args = parser.parse_args()
    root = args.data / "clothing_small"
    rows = [r for r in csv.DictReader((root / "labels.csv").open()) if r["split"] == args.split]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        results = run_tag([root / r["path"] for r in rows], Path(tmp))
        seconds = time.perf_counter() - start
    per_class: dict[str, Counter] = {}
    confusions: Counter = Counter()
    cat_right = type_right = errors = 0
    for r in rows:
        got = results.get(str(root / r["path"]))
        if got is None or "error" in got:
            errors += 1
            continue
        cat_ok, type_ok = got["category"] == r["category"], got["type"] == r["type"]
        cat_right += cat_ok
        type_right += type_ok
        per_class.setdefault(r["label"], Counter()).update(n=1, category=cat_ok, type=type_ok)
        if not type_ok:
            confusions[(r["type"], got["type"])] += 1
    n = len(rows)
    print(f"clothing_small/{args.split}: {n} photos, {errors} not tagged, {seconds:.1f} s for the whole command")
    print(f"category accuracy {cat_right / n:.3f}   type accuracy {type_right / n:.3f}\n")
    print("| class | n | category | type |\n|---|---|---|---|")
    for label, c in sorted(per_class.items()):
        print(f"| {label} | {c['n']} | {c['category'] / c['n']:.3f} | {c['type'] / c['n']:.3f} |")
    print("\nmost common type confusions (true -> predicted: count):")
    for (true, pred), count in confusions.most_common(10):
        print(f"  {true} -> {pred}: {count}")


if __name__ == "__main__":
    main()
