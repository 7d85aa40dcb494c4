"""What the ImageNet branch adds to the garment heads: bags and accessories, shoe and hat kinds, the formality a
photo shows, and ``other`` for a thing neither recognises.

The encoder's ``imagenet`` head gives the 1000 ImageNet-1k class probabilities of a photo; ``config/data/
imagenet_types.csv`` maps the classes that mean something to a stylist to our types (with a reason per row), the
rest mean nothing here. :func:`decide` combines that with the garment heads' choice by a rule whose thresholds are
calibrated on the train and validation photos (``python -m bench.kind_rule --write``, stored in
``models/weights/imagenet_v1/rule.json``). Numpy only.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from config.vocabulary import CONFIRM_BELOW, Vocabulary, load_vocabulary
from models.artifacts import IMAGENET_DIR

#: A mapped class that shows a garment (or fabric) without naming its kind: it supports the garment heads.
GARMENT = "garment"
#: Categories the garment heads never learned: only the ImageNet branch names them.
ADDED_CATEGORIES = ("bag", "accessory")
RULE_FILE = "rule.json"
_CANDIDATES = 4


@dataclass(frozen=True)
class Rule:
    """The thresholds of :func:`decide` (probabilities; see ``bench.kind_rule`` for how each was chosen)."""

    accessory_min: float = 0.55  # ImageNet mass on one bag/accessory category that overrides the garment heads
    kind_min: float = 0.5  # ImageNet mass on a shoe/hat/trouser kind that names the kind within the category
    unknown_heads_max: float = 0.9  # garment heads less sure than this (over 1: however sure) ...
    unknown_known_max: float = 0.15  # ... and ImageNet mass on all mapped classes under this: ``other``
    doubt_known_max: float = 0.12  # mapped mass under this: the category is asked about, however sure the heads
    formality_min: float = 0.4  # ImageNet mass on formal (or sport) classes that sets the formality

    @classmethod
    def load(cls, folder: Path = IMAGENET_DIR) -> Rule:
        """Read the calibrated rule beside the branch weights (the defaults when there is none)."""
        path = folder / RULE_FILE
        if not path.exists():
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(**{k: float(v) for k, v in data["thresholds"].items()})


@dataclass(frozen=True)
class KindMap:
    """ImageNet classes mapped to our types: ``mass = probs @ matrix`` is each type's probability."""

    types: tuple[str, ...]
    matrix: np.ndarray  # float32 [1000, len(types)], one 1 per mapped class
    refines: dict[str, str]  # kind -> the garment-head type it may replace (e.g. formal-shoes -> shoes)
    formal: np.ndarray  # float32 [1000]: 1 for classes that show formal wear
    sport: np.ndarray  # float32 [1000]: 1 for classes that show sportswear

    def mass(self, probs: np.ndarray) -> np.ndarray:
        """Return the probability of each mapped type, [N, len(types)], from ImageNet probabilities [N, 1000]."""
        return (probs @ self.matrix).astype(np.float32)


@cache
def load_kind_map() -> KindMap:
    """Read and check ``config/data/imagenet_types.csv`` against the vocabulary (cached)."""
    text = resources.files("config").joinpath("data", "imagenet_types.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    known = load_vocabulary().types
    types = tuple(dict.fromkeys(r["type"] for r in rows))
    matrix = np.zeros((1000, len(types)), dtype=np.float32)
    formal, sport = np.zeros(1000, dtype=np.float32), np.zeros(1000, dtype=np.float32)
    refines: dict[str, str] = {}
    for row in rows:
        index, kind, where = int(row["index"]), row["type"], f"imagenet_types.csv:{row['index']}"
        if kind != GARMENT and kind not in known:
            raise ValueError(f"{where}: {kind!r} is not a type in types.csv")
        if not 0 <= index < 1000 or matrix[index].any():
            raise ValueError(f"{where}: class index out of range or mapped twice")
        if row["refines"]:
            refines[kind] = row["refines"]
        matrix[index, types.index(kind)] = 1.0
        formal[index] = row["formality"] == "formal"
        sport[index] = row["formality"] == "sport"
    return KindMap(types, matrix, refines, formal, sport)


@dataclass(frozen=True)
class Decision:
    """What a photo is: category and type with confidences, a formality the photo shows (or None), and the likely
    kinds to offer as answers when the category is ``other``."""

    category: str
    category_conf: float
    type: str
    type_conf: float
    formality: str | None = None
    formality_conf: float = 0.0
    candidates: tuple[str, ...] = ()


def decide(garment: Decision, head_types: dict[str, float], mass: np.ndarray, probs: np.ndarray, rule: Rule,
           kinds: KindMap | None = None, vocabulary: Vocabulary | None = None) -> Decision:
    """Combine the garment heads' ``garment`` decision with one photo's ImageNet ``probs`` [1000] (``mass`` =
    ``kinds.mass``, per mapped type).

    In order: a bag or accessory the ImageNet branch is sure of wins (the garment heads never saw one and name
    something else with confidence); else a photo neither side recognises is ``other`` with the likely kinds (the
    garment heads are sure of themselves even on drawn shapes, so the ImageNet mass on mapped classes decides);
    else the garment heads' category stands, doubted when that mass is low, and a sure ImageNet kind names the
    type within it (a Loafer is a formal shoe); formal or sport classes set the formality either way.
    """
    kinds = kinds or load_kind_map()
    vocabulary = vocabulary or load_vocabulary()
    by_type = dict(zip(kinds.types, mass.tolist(), strict=True))
    formality, formality_conf = _formality(probs, kinds, rule)
    added = _added_category(by_type, vocabulary, rule)
    if added is not None:
        kind, cat_mass = added
        return Decision(vocabulary.type_of(kind).category, cat_mass, kind, by_type[kind], formality, formality_conf)
    known = float(sum(by_type.values()))
    if garment.category == "other" or (garment.category_conf < rule.unknown_heads_max
                                       and known < rule.unknown_known_max):
        conf = garment.category_conf if garment.category == "other" else 1.0 - max(garment.category_conf, known)
        return Decision("other", conf, "other", conf, None, 0.0, _candidates(head_types, by_type))
    if known < rule.doubt_known_max:  # the heads name a garment the photo barely shows: ask, never assert
        doubt = min(garment.category_conf, CONFIRM_BELOW - 0.01)
        garment = Decision(garment.category, doubt, garment.type, min(garment.type_conf, doubt))
    return _refined(garment, by_type, kinds, rule, formality, formality_conf)


def _added_category(by_type: dict[str, float], vocabulary: Vocabulary, rule: Rule) -> tuple[str, float] | None:
    """Return the likeliest bag/accessory type and its category's mass when that mass clears the rule."""
    per_category: dict[str, float] = {}
    for kind, p in by_type.items():
        if kind != GARMENT and vocabulary.type_of(kind).category in ADDED_CATEGORIES:
            category = vocabulary.type_of(kind).category
            per_category[category] = per_category.get(category, 0.0) + p
    if not per_category:
        return None
    category = max(per_category, key=per_category.__getitem__)
    if per_category[category] < rule.accessory_min:
        return None
    in_category = [k for k in by_type if k != GARMENT and vocabulary.type_of(k).category == category]
    return max(in_category, key=by_type.__getitem__), per_category[category]


def _refined(garment: Decision, by_type: dict[str, float], kinds: KindMap, rule: Rule, formality: str | None,
             formality_conf: float) -> Decision:
    """Return the garment heads' decision with a sure ImageNet kind as the type where the kind refines it."""
    options = [k for k, parent in kinds.refines.items() if parent == garment.type and by_type[k] >= rule.kind_min]
    if not options:
        return Decision(garment.category, garment.category_conf, garment.type, garment.type_conf, formality,
                        formality_conf)
    kind = max(options, key=by_type.__getitem__)
    return Decision(garment.category, garment.category_conf, kind, min(garment.category_conf, by_type[kind]),
                    formality, formality_conf)


def _formality(probs: np.ndarray, kinds: KindMap, rule: Rule) -> tuple[str | None, float]:
    formal, sport = float(probs @ kinds.formal), float(probs @ kinds.sport)
    if max(formal, sport) < rule.formality_min:
        return None, 0.0
    return ("formal", formal) if formal >= sport else ("sport", sport)


def _candidates(head_types: dict[str, float], by_type: dict[str, float]) -> tuple[str, ...]:
    """Return the likeliest kinds from both sides, surest first, for the "what is it?" question."""
    scores: dict[str, float] = {}
    for kind, p in [*head_types.items(), *by_type.items()]:
        if kind not in (GARMENT, "other"):
            scores[kind] = max(scores.get(kind, 0.0), p)
    ranked = sorted(scores, key=lambda k: -scores[k])
    return tuple(ranked[:_CANDIDATES])
