"""Replay of learning from corrections on real photos: correct the first k wrong items, tag the rest.

    python -m bench.correction_replay [--data ../shared/data] [--seeds 20]
    python -m bench.correction_replay --calibrate      # choose the thresholds on validation (the product's are
                                                       # in engine/tagging/examples.py)

A simulated user photographs their garments one by one in a random order. Each photo is tagged by the product's
tagger (cached once, ``bench/_tagged_photos.py``) and then by the product's learning rule
(``engine.tagging.examples.learn``) over the user's corrections so far. While they have made fewer than k
corrections, the user corrects a photo whose field is wrong (it becomes an example); the photos after the k-th
correction are "the rest", tagged with no further help. Reported per k: accuracy of the rest without learning
(the tagger alone: the baseline, same photos, same run) and with it, and how many overrides happened and were
right. Users: the senders of clothing_small test (5 people, 11-235 photos), each with their own corrections only;
clothing_extra (the network's training data, so the tagger is rarely wrong there) as one user. Fields: type
(with its category), the dominant colour and the pattern, where by-eye labels exist (validation, first 160 test).
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bench._tagged_photos import LabelledPhoto, tagged_photos
from config.vocabulary import load_vocabulary
from engine.tagging.examples import THRESHOLDS, Example, Thresholds, example_of, learn
from engine.types import Color, Tags

REPO = Path(__file__).resolve().parent.parent
KS = (0, 1, 2, 3, 5, 10, 20)
FIELDS = ("type", "colour", "pattern")


def tags_of(d: dict) -> Tags:
    """Return the ``Tags`` of their JSON form."""
    return Tags(d["category"], d["type"], tuple(Color(c["name"], c["hex"], c["share"]) for c in d["colors"]),
                d["pattern"], d["formality"], tuple(d["seasons"]), dict(d["confidence"]))


def truth(photo: LabelledPhoto, field: str) -> str:
    """Return the label of ``field`` ("" when the photo has none)."""
    return {"type": photo.type, "colour": photo.colour, "pattern": photo.pattern}[field]


def value(tags: Tags, field: str) -> str:
    """Return what the tags say for ``field``."""
    return {"type": tags.type, "colour": tags.colors[0].name, "pattern": tags.pattern}[field]


def correction(photo: LabelledPhoto, field: str) -> dict:
    """Return what the user types to correct ``field`` of a photo."""
    if field == "type":
        return {"type": photo.type, "category": photo.category}
    return {"colors": [photo.colour]} if field == "colour" else {"pattern": photo.pattern}


@dataclass
class Tally:
    """Counts of one (field, k) cell over users and seeds."""

    n: int = 0
    before: int = 0
    after: int = 0
    overrides: int = 0
    overrides_right: int = 0
    users: int = 0

    def row(self, k: int) -> str:
        """Return one markdown table row."""
        if not self.n:
            return f"| {k} | 0 | | | | |"
        prec = f"{self.overrides_right / self.overrides:.2f}" if self.overrides else "-"
        return (f"| {k} | {self.n / self.users:.1f} | {self.before / self.n:.3f} | **{self.after / self.n:.3f}** | "
                f"{self.after / self.n - self.before / self.n:+.3f} | {self.overrides / self.users:.1f} ({prec}) |")


def replay_user(photos: Sequence[LabelledPhoto], field: str, k: int, thresholds: Thresholds, order: np.ndarray,
                tally: Tally) -> None:
    """Replay one user's photos in ``order``: correct the first k wrong ones, count the rest into ``tally``.

    Every photo joins the user's wardrobe as it is tagged (the product looks at all of the user's garments: a
    nearer garment of the same call that was not corrected blocks an override).
    """
    vocabulary = load_vocabulary()
    wardrobe: list[Example] = []
    corrections = 0
    rest = k == 0
    counted = False
    for i in order:
        photo = photos[int(i)]
        label = truth(photo, field)
        if not label:
            continue
        model = tags_of(photo.tags)
        learned = learn(model, photo.embedding, wardrobe, thresholds, vocabulary)
        fixes: dict = {}
        if rest:
            counted = True
            tally.n += 1
            tally.before += value(model, field) == label
            tally.after += value(learned, field) == label
            name = {"colour": "colors"}.get(field, field)
            if name in learned.learned_from:
                tally.overrides += 1
                tally.overrides_right += value(learned, field) == label
        elif value(learned, field) != label:
            fixes = correction(photo, field)
            corrections += 1
            rest = corrections >= k
        wardrobe.append(example_of(photo.path, photo.embedding, learned.to_dict(), fixes))
    tally.users += counted


def replay(users: Sequence[Sequence[LabelledPhoto]], field: str, ks: Sequence[int], thresholds: Thresholds,
           seeds: int) -> dict[int, Tally]:
    """Return a tally per k over every user and ``seeds`` random orders of their photos."""
    out: dict[int, Tally] = defaultdict(Tally)
    for u, photos in enumerate(users):
        for seed in range(seeds):
            order = np.random.default_rng([seed, u]).permutation(len(photos))
            for k in ks:
                replay_user(photos, field, k, thresholds, order, out[k])
    return out


def by_sender(photos: Sequence[LabelledPhoto]) -> list[list[LabelledPhoto]]:
    """Group photos into users by the person who sent them."""
    groups: dict[str, list[LabelledPhoto]] = defaultdict(list)
    for p in photos:
        groups[p.sender].append(p)
    return sorted(groups.values(), key=len, reverse=True)


def reshot(photos: Sequence[LabelledPhoto], renders: Sequence[LabelledPhoto], field: str,
           thresholds: Thresholds) -> Tally:
    """Count the tagger alone and with learning on a second photo of a garment the user corrected: each photo whose
    field is wrong is corrected (the user's other photos are in their wardrobe, as tagged), then its studio
    rendering (the same garment shot again) is tagged."""
    vocabulary = load_vocabulary()
    tally = Tally()
    senders = {p.sender for p in photos}
    for sender in senders:
        mine = [i for i, p in enumerate(photos) if p.sender == sender]
        for i in mine:
            photo, again = photos[i], renders[i]
            label = truth(photo, field)
            if not label or value(tags_of(photo.tags), field) == label:
                continue
            wardrobe = [example_of(photos[j].path, photos[j].embedding, photos[j].tags,
                                   correction(photo, field) if j == i else {}) for j in mine]
            model = tags_of(again.tags)
            learned = learn(model, again.embedding, wardrobe, thresholds, vocabulary)
            tally.n += 1
            tally.before += value(model, field) == label
            tally.after += value(learned, field) == label
            if {"colour": "colors"}.get(field, field) in learned.learned_from:
                tally.overrides += 1
                tally.overrides_right += value(learned, field) == label
    tally.users = len(senders)
    return tally


def table(title: str, tallies: dict[int, Tally]) -> None:
    """Print one markdown table of a replay."""
    print(f"\n{title}\n")
    print("| k corrected | photos tagged after (per user) | tagger alone | with learning | gain | overrides per user "
          "(share right) |")
    print("|---|---|---|---|---|---|")
    for k, t in sorted(tallies.items()):
        print(t.row(k))


def calibrate(data: Path, seeds: int) -> None:
    """Print, per field and threshold on validation: the replay gain (users: the senders; different garments) and
    the gain on the same garment shot again (its studio rendering). The product takes the lowest threshold with no
    loss in the replay: the most help on a second photo of a corrected thing that costs nothing elsewhere."""
    validation = tagged_photos(data, "validation")
    renders = tagged_photos(data, "validation", "white")
    base = THRESHOLDS["embedded:style_v1"]
    grids: dict[str, tuple[Sequence[float], Callable[[float], Thresholds]]] = {
        "type": ((0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.96, 0.98),
                 lambda t: replace(base, similarity={**base.similarity, "type": t})),
        "pattern": ((0.8, 0.85, 0.9, 0.92, 0.94, 0.96, 0.98),
                    lambda t: replace(base, similarity={**base.similarity, "pattern": t})),
        "colour (distance, style similarity >= 0.90)": (
            (2.0, 4.0, 8.0, 15.0), lambda t: replace(base, colour_distance=t)),
        "colour (distance, no style similarity)": (
            (2.0, 4.0, 8.0, 15.0),
            lambda t: replace(base, colour_distance=t, similarity={**base.similarity, "colors": -1.0})),
    }
    users = by_sender(validation)
    for name, (grid, make) in grids.items():
        field = name.split(" ")[0]
        print(f"\n{name}: threshold | replay over k=1,2,5 ({len(users)} senders, {seeds} orders): photos gained, "
              "overrides, right | same garment shot again: right alone -> with learning")
        for t in grid:
            tallies = replay(users, field, (1, 2, 5), make(t), seeds)
            gain = sum(x.after - x.before for x in tallies.values())
            over = sum(x.overrides for x in tallies.values())
            right = sum(x.overrides_right for x in tallies.values())
            again = reshot(validation, renders, field, make(t))
            print(f"  {t:5.2f} | {gain:+5d} {over:5d} {right:5d} | {again.before}/{again.n} -> {again.after}/{again.n}")


def main() -> None:
    """Run the replay (or the calibration) and print markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--seeds", type=int, default=20, help="random photo orders per user")
    parser.add_argument("--calibrate", action="store_true", help="print the threshold grids on validation")
    args = parser.parse_args()
    if args.calibrate:
        calibrate(args.data, args.seeds)
        return
    thresholds = THRESHOLDS["embedded:style_v1"]
    test = tagged_photos(args.data, "test")
    extra = tagged_photos(args.data, "extra")
    for field in FIELDS:
        users = by_sender(test)
        table(f"clothing_small test, {field}: {len(users)} users (senders), {args.seeds} orders each",
              replay(users, field, KS, thresholds, args.seeds))
    table(f"clothing_extra (training data of the network), type: one user, {args.seeds} orders",
          replay([extra], "type", KS, thresholds, args.seeds))
    renders = tagged_photos(args.data, "test", "white")
    print("\nThe same garment photographed again (its studio rendering on white), after correcting the first photo:\n")
    print("| field | corrected photos | second photo right, tagger alone | with learning | overrides (share right) |")
    print("|---|---|---|---|---|")
    for field in FIELDS:
        t = reshot(test, renders, field, thresholds)
        prec = f"{t.overrides_right / t.overrides:.2f}" if t.overrides else "-"
        print(f"| {field} | {t.n} | {t.before}/{t.n} | **{t.after}/{t.n}** | {t.overrides} ({prec}) |")


if __name__ == "__main__":
    main()
