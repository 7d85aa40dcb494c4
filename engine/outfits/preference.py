"""A user's taste, learned from their feedback at once: affinities for items and for tag values."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations

from engine.looks import FeedbackKind
from engine.types import Garment

# How much one piece of feedback moves the affinity of each item in the look.
FEEDBACK_WEIGHT = {
    FeedbackKind.LIKE: 1.0,
    FeedbackKind.WORE: 1.5,
    FeedbackKind.DISLIKE: -1.5,
    FeedbackKind.NOT_TODAY: -0.2,
}
HALF_LIFE_DAYS = 60.0  # older feedback counts less: tastes change
ITEM_GAIN = 0.8  # logit per unit of item affinity
FEATURE_GAIN = 0.25  # logit per unit of tag-value affinity (shared by all items with that value)
PAIR_SHIFT = 0.3  # most a pair's compatibility moves for this user: "not these two together", "these two, yes"


@dataclass(frozen=True, slots=True)
class FeedbackEvent:
    """One stored piece of feedback: what was said about which items, when."""

    kind: FeedbackKind
    item_ids: tuple[str, ...]
    at: datetime


def tag_keys(garment: Garment) -> list[str]:
    """Return the tag values a taste can attach to, e.g. ``type:jeans``, ``color:navy``."""
    tags = garment.tags
    keys = [f"type:{tags.type}", f"pattern:{tags.pattern}", f"formality:{tags.formality}"]
    if tags.colors:
        keys.append(f"color:{tags.colors[0].name}")
    return keys


@dataclass
class Preference:
    """Affinities of one user; ``score`` maps a garment to [0, 1] (0.5 = no opinion)."""

    items: dict[str, float] = field(default_factory=dict)
    features: dict[str, float] = field(default_factory=dict)
    disliked_looks: set[frozenset[str]] = field(default_factory=set)
    #: Affinity of two items worn together (from feedback on looks and on pairs), keyed by the pair.
    pairs: dict[frozenset[str], float] = field(default_factory=dict)

    def pair_shifts(self) -> dict[frozenset[str], float]:
        """Return, per pair with an opinion, how much to move its compatibility (within +-``PAIR_SHIFT``)."""
        return {pair: PAIR_SHIFT * math.tanh(a) for pair, a in self.pairs.items() if abs(a) > 1e-6}

    def score(self, garment: Garment) -> float:
        """Return how much this user likes a garment, from their feedback on it and on similar ones."""
        logit = ITEM_GAIN * self.items.get(garment.id, 0.0)
        logit += FEATURE_GAIN * sum(self.features.get(k, 0.0) for k in tag_keys(garment))
        return 1.0 / (1.0 + math.exp(-logit))


def build_preference(events: Iterable[FeedbackEvent], garments: dict[str, Garment], now: datetime) -> Preference:
    """Fold a user's feedback into a ``Preference`` (recent feedback weighs more)."""
    pref = Preference()
    for event in events:
        age_days = max(0.0, (now - event.at).total_seconds() / 86400)
        weight = FEEDBACK_WEIGHT[event.kind] * 0.5 ** (age_days / HALF_LIFE_DAYS)
        if event.kind is FeedbackKind.DISLIKE and len(event.item_ids) > 1:
            pref.disliked_looks.add(frozenset(event.item_ids))
        # Feedback on a whole look is shared among its items; on one pair it lands fully on both.
        share = weight / max(1.0, len(event.item_ids) / 2)
        # ... and among its pairs: each item's pairs together carry the look's weight.
        for a, b in combinations(sorted(set(event.item_ids)), 2):
            pair = frozenset((a, b))
            pref.pairs[pair] = pref.pairs.get(pair, 0.0) + weight / max(1, len(set(event.item_ids)) - 1)
        for item_id in event.item_ids:
            pref.items[item_id] = pref.items.get(item_id, 0.0) + share
            garment = garments.get(item_id)
            if garment is not None:
                for key in tag_keys(garment):
                    pref.features[key] = pref.features.get(key, 0.0) + share / 2
    return pref
