"""The composition rules, as data: slots and templates, score weights, thresholds and the filter stages.

The slots and templates come from ``config/data/slots.csv`` and ``templates.csv``; the numbers live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.vocabulary import load_vocabulary

_SLOTS = load_vocabulary().slots
_TEMPLATES = load_vocabulary().templates

SLOT_ORDER = tuple(_SLOTS)  # look order: a look lists its items so
MAIN_SLOTS = frozenset(name for name, slot in _SLOTS.items() if slot.main)
# slots no template requires: a look may fill them
OPTIONAL_SLOTS = tuple(s for s in SLOT_ORDER if not any(s in required for required in _TEMPLATES.values()))


@dataclass(frozen=True, slots=True)
class Template:
    """A way to build a look: slots it must fill, then slots it may fill (one item each)."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = OPTIONAL_SLOTS


TEMPLATES = tuple(Template(name, required) for name, required in _TEMPLATES.items())
NEVER_COMPOSED = frozenset({"innerwear", "other"})  # categories
# No occasion given: an everyday look. Sport is in it because trainers are everyday shoes: since the tagger sees
# sportswear in the photo (issue 14), running shoes are tagged sport, and leaving them out left a wardrobe's
# everyday looks one pair of shoes to repeat. The compatibility prior still keeps sport away from dressier pieces.
DEFAULT_FORMALITIES = ("casual", "smart-casual", "sport")

# score = W_COMPAT * mean pair compatibility + W_PREFERENCE * mean preference + W_NOVELTY * novelty
#       + W_WEATHER * weather fit; each part is in [0, 1] and the weights sum to 1
W_COMPAT, W_PREFERENCE, W_NOVELTY, W_WEATHER = 0.55, 0.20, 0.10, 0.15
NOVELTY_DAYS = 14  # an item worn this many days ago (or never) is fully fresh
REPEAT_LOOK_FACTOR = 0.5  # novelty of the exact combination of a recent look is multiplied by this
UNNEEDED_OUTER_FIT = 0.5  # weather fit of an outer layer the weather does not call for
LAYER_SLACK = 2  # under a required outer layer the top may be this much lighter than warmth_need's floor
LEGS_FEET_SLACK = 1  # bottoms and shoes tolerate one warmth level either side of warmth_need
RAIN_SHY_MATERIALS = frozenset({"suede", "canvas"})
OVERLAP_LEVELS: tuple[int | None, ...] = (1, 2, 3, None)  # most main items a look may share with each other one
NEUTRAL_PARTIAL = 0.5  # compatibility of a partial look with no pair yet
MAX_REASON_CHARS = 140
MAX_EXHAUSTIVE = 20_000_000  # combinations per template that compose_exhaustive agrees to score

# the filter stages, in order; a slot left empty names the stage that emptied it
ABSENT, LAUNDRY, OCCASION, WEATHER = range(4)
SINGULAR = {name: slot.singular for name, slot in _SLOTS.items()}
PLURAL = {name: slot.plural for name, slot in _SLOTS.items()}
EMPTY_WARDROBE = "any clothes (your wardrobe is empty)"
