"""Replay of learning from corrections on real photos: correct the first k wrong items, tag the rest.

    python -m bench.correction_replay [--data ../shared/data] [--seeds 20]
    python -m bench.correction_replay --calibrate      # choose the thresholds on validation (the product's are
                                                       # in engine/tagging/examples.py)
    python -m bench.correction_replay --cross-validate # colour learning: is its validation gain more than noise?
    python -m bench.correction_replay --colour-compare 0.90 8 --seeds 10   # test: a colour setting vs the product's

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


# --- is the colour threshold's gain real? (validation senders as folds) -------------------------------------

COLOUR_SETTINGS: tuple[tuple[float, float], ...] = (
    (0.90, 2.0), (0.90, 4.0), (0.90, 8.0), (0.90, 15.0), (0.93, 8.0), (0.95, 8.0), (0.95, 15.0), (0.97, 15.0),
)  # (style similarity, CIELAB distance); "off" (no colour learning) is always a candidate too


def _colour_thresholds(setting: tuple[float, float] | None) -> Thresholds:
    """Return the product's thresholds with colour learning set to ``setting`` (None: off)."""
    base = THRESHOLDS["embedded:style_v1"]
    if setting is None:
        return replace(base, colour_distance=-1.0)
    return replace(base, colour_distance=setting[1], similarity={**base.similarity, "colors": setting[0]})


def per_sender_colour(data: Path, seeds: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Return the settings' names and, per validation sender and setting, the colour replay gain (photos, summed
    over k=1,2,5 and ``seeds`` orders) and the gain on the same garment shot again (its white rendering)."""
    validation = tagged_photos(data, "validation")
    renders = tagged_photos(data, "validation", "white")
    users = [u for u in by_sender(validation) if any(p.colour for p in u)]
    settings = [None, *COLOUR_SETTINGS]
    names = ["off"] + [f"sim>={s:.2f} dist<={d:g}" for s, d in COLOUR_SETTINGS]
    replay_gain = np.zeros((len(users), len(settings)))
    again_gain = np.zeros((len(users), len(settings)))
    index = {p.path: i for i, p in enumerate(validation)}
    for j, setting in enumerate(settings):
        thresholds = _colour_thresholds(setting)
        for u, photos in enumerate(users):
            tallies = replay([photos], "colour", (1, 2, 5), thresholds, seeds)
            replay_gain[u, j] = sum(t.after - t.before for t in tallies.values())
            again = reshot(photos, [renders[index[p.path]] for p in photos], "colour", thresholds)
            again_gain[u, j] = again.after - again.before
    return names, replay_gain, again_gain


def _choose(replay_gain: np.ndarray, again_gain: np.ndarray, sure: bool = False) -> int:
    """The selection rule on the given senders: of the settings with no loss in the replay, the one that helps the
    same garment shot again most (off when every setting loses). ``sure``: "no loss" means with 90 % confidence
    (the 5th percentile of a bootstrap over senders at least 0), not only on the total."""
    replay_sum, again_sum = replay_gain.sum(0), again_gain.sum(0)
    if sure:
        n = len(replay_gain)
        rng = np.random.default_rng(n)
        boot = np.stack([replay_gain[rng.integers(0, n, n)].sum(0) for _ in range(500)])
        replay_sum = np.percentile(boot, 5, axis=0)
    ok = [j for j in range(len(replay_sum)) if j == 0 or replay_sum[j] >= 0]
    return max(ok, key=lambda j: (again_sum[j], replay_sum[j], -j))


def cross_validate(data: Path, seeds: int, folds: int = 5, repeats: int = 20) -> None:
    """Print, for colour learning: each setting's replay gain on validation with a 90 % interval over senders
    (bootstrap), then the product's selection rule cross-validated over sender folds (``repeats`` random splits):
    what it chooses, and what the chosen setting gains on the senders it did not see."""
    names, replay_gain, again_gain = per_sender_colour(data, seeds)
    n = len(replay_gain)
    rng = np.random.default_rng(0)
    boot = np.stack([replay_gain[rng.integers(0, n, n)].sum(0) for _ in range(2000)])
    print(f"\ncolour learning on validation ({n} senders with colour labels, k=1,2,5, {seeds} orders; "
          "photos gained, 90 % bootstrap interval over senders | same garment shot again, photos gained)\n")
    print("| setting | replay gain | 90 % interval | shot again |")
    print("|---|---|---|---|")
    for j, name in enumerate(names):
        lo, hi = np.percentile(boot[:, j], [5, 95])
        print(f"| {name} | {replay_gain[:, j].sum():+.0f} | {lo:+.0f} .. {hi:+.0f} | {again_gain[:, j].sum():+.0f} |")
    for sure in (False, True):
        _cross_validated(names, replay_gain, again_gain, folds, repeats, sure)


def _cross_validated(names: list[str], replay_gain: np.ndarray, again_gain: np.ndarray, folds: int, repeats: int,
                     sure: bool) -> None:
    """Print what the selection rule chooses on sender folds and what that gains on the senders left out."""
    n = len(replay_gain)
    chosen: list[str] = []
    held_replay, held_again = [], []
    for r in range(repeats):
        fold_of = np.random.default_rng([r, 1]).permutation(n) % folds
        total_replay = total_again = 0.0
        for f in range(folds):
            j = _choose(replay_gain[fold_of != f], again_gain[fold_of != f], sure)
            chosen.append(names[j])
            total_replay += replay_gain[fold_of == f, j].sum()
            total_again += again_gain[fold_of == f, j].sum()
        held_replay.append(total_replay)
        held_again.append(total_again)
    counts = {name: chosen.count(name) for name in names if name in chosen}
    rule = "no loss with 90 % confidence" if sure else "no loss on the total"
    print(f"\nselection rule ({rule}) cross-validated, {folds} sender folds x {repeats} splits: chosen {counts}")
    print(f"held-out replay gain: mean {np.mean(held_replay):+.1f}, range {min(held_replay):+.0f} .. "
          f"{max(held_replay):+.0f}; held-out shot-again gain: mean {np.mean(held_again):+.1f}")

def compare_colour(data: Path, seeds: int, before: Sequence[float]) -> None:
    """Print the colour replay and the same garment shot again on test with colour learning at ``before`` (style
    similarity, CIELAB distance) and at the product's setting, in one run (same tags, same orders)."""
    product = THRESHOLDS["embedded:style_v1"]
    test = tagged_photos(data, "test")
    renders = tagged_photos(data, "test", "white")
    users = by_sender(test)
    for sim, dist in ((before[0], before[1]), (product.similarity["colors"], product.colour_distance)):
        thresholds = _colour_thresholds((sim, dist))
        table(f"clothing_small test, colour, style similarity {sim:g}, CIELAB distance {dist:g}: {len(users)} users, "
              f"{seeds} orders each", replay(users, "colour", KS, thresholds, seeds))
        t = reshot(test, renders, "colour", thresholds)
        prec = f"{t.overrides_right / t.overrides:.2f}" if t.overrides else "-"
        print(f"\nsame garment shot again: {t.before}/{t.n} -> {t.after}/{t.n}, {t.overrides} overrides ({prec} right)")


def main() -> None:
    """Run the replay (or the calibration) and print markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--seeds", type=int, default=20, help="random photo orders per user")
    parser.add_argument("--calibrate", action="store_true", help="print the threshold grids on validation")
    parser.add_argument("--cross-validate", action="store_true",
                        help="colour learning: bootstrap intervals and the selection rule over sender folds")
    parser.add_argument("--colour-compare", type=float, nargs=2, metavar=("SIMILARITY", "DISTANCE"),
                        help="colour only, on test: the product's colour setting against this one in one run")
    args = parser.parse_args()
    if args.calibrate:
        calibrate(args.data, args.seeds)
        return
    if args.cross_validate:
        cross_validate(args.data, args.seeds)
        return
    if args.colour_compare is not None:
        compare_colour(args.data, args.seeds, args.colour_compare)
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
