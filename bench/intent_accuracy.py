"""Intent and slot accuracy of the dialog's understanding on the held-apart utterances.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python -m bench.intent_accuracy [--cv] [--set tests/data/utterances.csv]

Prints intent accuracy (with the nearest-example-only baseline measured in the same run), per-intent recall,
slot accuracy per slot and exact match, and the confusions. ``--cv`` adds a leave-one-out sweep of the
nearest-example settings over the *training* examples (how ``TOP_K`` and ``FALLBACK_BELOW`` were chosen: the
held-apart set is never used to tune).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from dialog.nlu import Understander
from dialog.nlu.intents import INTENTS, IntentModel
from dialog.nlu.slots import read
from dialog.nlu.understander import CUE_BONUS, FALLBACK_BELOW, cue_matrix, speaks_of_clothes
from dialog.understanding import Intent, Understanding

REPO = Path(__file__).resolve().parent.parent
TEST_SET = REPO / "tests" / "data" / "utterances.csv"
TODAY = date(2026, 3, 11)  # the held-apart set's dates are written against this Wednesday


@dataclass(frozen=True)
class Case:
    """One labelled utterance of the held-apart set."""

    text: str
    has_photos: bool
    intent: Intent
    slots: dict[str, object]


def load_cases(path: Path = TEST_SET) -> list[Case]:
    """Read the held-apart utterances (text, has_photos, intent, slots as JSON)."""
    with path.open(encoding="utf-8", newline="") as f:
        return [Case(row["text"], row["has_photos"] == "yes", Intent(row["intent"]), json.loads(row["slots"]))
                for row in csv.DictReader(f)]


def same_value(expected: object, got: object) -> bool:
    """Compare one slot's values: numbers within 0.05, lists as sets, item references field by field."""
    if isinstance(expected, int | float) and isinstance(got, int | float) and not isinstance(expected, bool):
        return abs(float(expected) - float(got)) < 0.05
    if isinstance(expected, list) and isinstance(got, list):
        return set(map(str, expected)) == set(map(str, got))
    if isinstance(expected, dict) and isinstance(got, dict):
        return expected.keys() == got.keys() and all(same_value(expected[k], got[k]) for k in expected)
    return expected == got


def slot_scores(cases: list[Case], found: list[Understanding]) -> tuple[dict[str, tuple[int, int]], float]:
    """Return per slot ``(right, asked)`` over the cases that expect or produce it, and the exact-match rate."""
    per: dict[str, list[int]] = {}
    exact = 0
    for case, understanding in zip(cases, found, strict=True):
        got = understanding.slots.to_dict()
        for name in set(case.slots) | set(got):
            right = name in case.slots and name in got and same_value(case.slots[name], got[name])
            per.setdefault(name, [0, 0])
            per[name][0] += right
            per[name][1] += 1
        exact += case.slots.keys() == got.keys() and all(same_value(case.slots[k], got[k]) for k in got)
    return {name: (v[0], v[1]) for name, v in sorted(per.items())}, exact / len(cases)


def nearest_only(understander: Understander, cases: list[Case]) -> list[Intent]:
    """The baseline: the best-scoring intent of the nearest examples, with no photo cue, threshold or day rule."""
    readings = [read(case.text, understander.lexicon) for case in cases]
    return [INTENTS[int(np.argmax(row))] for row in understander.scores(readings)]


def _loo_intents(scores: np.ndarray, understander: Understander, floor: float) -> list[Intent]:
    """Return the intents of the examples' leave-one-out scores under a fallback threshold (no photos)."""
    return [Intent.FALLBACK if row.max() < floor and not speaks_of_clothes(reading) else INTENTS[int(row.argmax())]
            for row, reading in zip(scores, understander.example_readings, strict=True)]


def leave_one_out(understander: Understander) -> None:
    """Print leave-one-out intent accuracy on the training examples over a small grid of settings."""
    labels = [INTENTS[i] for i in understander.model.labels]
    views = understander.model.views
    cues = cue_matrix(understander.example_readings)
    for k in (1, 2, 3):
        for share in (0.0, 0.5, 1.0):
            scores = IntentModel(views, labels, k=k, nearest_share=share).scores(views, leave_out=True)
            for bonus in (0.0, 0.05, 0.1, 0.15):
                cued = scores + bonus * cues
                for floor in (0.3, 0.35, 0.4):
                    got = _loo_intents(cued, understander, floor)
                    accuracy = np.mean([g == t for g, t in zip(got, labels, strict=True)])
                    print(f"  loo k={k} nearest_share={share} cue_bonus={bonus} fallback_below={floor:.2f}: "
                          f"{accuracy:.3f}")
    shipped = IntentModel(views, labels).scores(views, leave_out=True) + CUE_BONUS * cues
    got = _loo_intents(shipped, understander, FALLBACK_BELOW)
    pairs = Counter((t.value, g.value) for t, g in zip(labels, got, strict=True) if t != g)
    print("  loo confusions of the shipped settings: "
          + ", ".join(f"{t}->{g} {n}" for (t, g), n in pairs.most_common(12)))


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", type=Path, default=TEST_SET, help="held-apart CSV (text,has_photos,intent,slots)")
    parser.add_argument("--cv", action="store_true", help="also sweep settings by leave-one-out on the examples")
    parser.add_argument("--show-slots", action="store_true", help="also list the utterances whose slots differ")
    args = parser.parse_args()

    import torch

    from engine import SentenceEncoder

    torch.set_num_threads(1)
    started = time.perf_counter()
    understander = Understander(SentenceEncoder.load())
    print(f"built in {time.perf_counter() - started:.1f} s ({len(understander.model.labels)} examples)")
    if args.cv:
        leave_one_out(understander)
    cases = load_cases(args.set)
    started = time.perf_counter()
    found = understander.understand_many([c.text for c in cases], has_photos=[c.has_photos for c in cases],
                                         today=TODAY)
    took = time.perf_counter() - started
    baseline = nearest_only(understander, cases)
    right = [u.intent == c.intent for c, u in zip(cases, found, strict=True)]
    print(f"held-apart set: {len(cases)} utterances, {took / len(cases) * 1000:.1f} ms each (batched)")
    print(f"intent accuracy: {np.mean(right):.3f}   baseline nearest-example only: "
          f"{np.mean([b == c.intent for b, c in zip(baseline, cases, strict=True)]):.3f}")
    totals = Counter(c.intent for c in cases)
    hits = Counter(c.intent for c, ok in zip(cases, right, strict=True) if ok)
    print("recall per intent: " + ", ".join(f"{i.value} {hits[i]}/{totals[i]}" for i in INTENTS if totals[i]))
    per_slot, exact = slot_scores(cases, found)
    print(f"slot exact match (all slots of an utterance): {exact:.3f}")
    print("per slot (right/asked): " + ", ".join(f"{n} {r}/{a}" for n, (r, a) in per_slot.items()))
    print("confusions (expected -> got):")
    for case, understanding in zip(cases, found, strict=True):
        if understanding.intent != case.intent:
            print(f"  {case.intent.value} -> {understanding.intent.value} ({understanding.confidence:.2f}): "
                  f"{case.text!r}{' +photo' if case.has_photos else ''}")
    if args.show_slots:
        print("slot differences (expected / got):")
        for case, understanding in zip(cases, found, strict=True):
            got = understanding.slots.to_dict()
            if case.slots.keys() != got.keys() or not all(same_value(case.slots[k], got[k]) for k in got):
                print(f"  {case.text!r}: {json.dumps(case.slots)} / {json.dumps(got)}")


if __name__ == "__main__":
    main()
