"""A user's taste from feedback: items, tag values and pairs."""

from __future__ import annotations

from datetime import datetime, timedelta

from engine.looks import FeedbackKind
from engine.outfits.preference import PAIR_SHIFT, FeedbackEvent, build_preference
from tests.garments import candidate

NOW = datetime(2025, 3, 10, 8, 0)


def _garments() -> dict:
    items = [candidate("shirt", "shirt", ("white",)), candidate("jeans", "jeans", ("blue",)),
             candidate("boots", "boots", ("brown",)), candidate("skirt", "skirt", ("red",))]
    return {c.garment.id: c.garment for c in items}


def test_pair_feedback_judges_the_pair_more_than_its_items() -> None:
    events = [FeedbackEvent(FeedbackKind.DISLIKE, ("shirt", "jeans"), NOW)]
    pref = build_preference(events, _garments(), NOW)
    shifts = pref.pair_shifts()
    assert shifts[frozenset(("shirt", "jeans"))] < -0.2  # "not these two together"
    assert min(shifts.values()) >= -PAIR_SHIFT and max(shifts.values()) <= PAIR_SHIFT
    assert frozenset(("shirt", "boots")) not in shifts  # other pairs keep no opinion


def test_a_liked_look_likes_all_its_pairs_and_old_feedback_fades() -> None:
    look = ("shirt", "jeans", "boots")
    fresh = build_preference([FeedbackEvent(FeedbackKind.LIKE, look, NOW)], _garments(), NOW).pair_shifts()
    old = build_preference([FeedbackEvent(FeedbackKind.LIKE, look, NOW - timedelta(days=120))], _garments(),
                           NOW).pair_shifts()
    assert len(fresh) == 3 and all(v > 0 for v in fresh.values())
    assert all(old[p] < fresh[p] for p in fresh)  # two half-lives later it counts for a quarter


def test_a_like_then_a_dislike_of_the_same_pair_cancel_out_mostly() -> None:
    pair = ("shirt", "skirt")
    pref = build_preference([FeedbackEvent(FeedbackKind.LIKE, pair, NOW),
                             FeedbackEvent(FeedbackKind.DISLIKE, pair, NOW)], _garments(), NOW)
    assert pref.pair_shifts()[frozenset(pair)] < 0  # a dislike weighs 1.5, a like 1.0
