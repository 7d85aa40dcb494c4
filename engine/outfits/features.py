"""Pairwise compatibility of two garments: named pair features, a rule-based stylist prior, a learned model.

Everything works on ``ItemFeatures`` (what one garment brings to a pair). ``pack_items`` turns a list of them
into arrays so that ``pair_feature_matrix`` computes the features of every pair of two pools at once; the
scalar ``pair_features`` is the 1 x 1 case of the same code, so the composer's vectorised path and the
per-pair explanations can never disagree.

The prior is a hand-set linear model over the same named features (``PRIOR_BASE`` + ``PRIOR_WEIGHTS``,
clipped to [0.02, 0.98]); each feature that moves it is also a reason phrase. ``CompatModel`` is an
L2-regularised logistic regression over the standardised features, fitted by Newton's method (deterministic).
``CompatScorer`` blends the two: ``w * model + (1 - w) * prior`` with ``w = n / (n + MODEL_HALF_WEIGHT_PAIRS)``
capped at ``MODEL_MAX_WEIGHT``, where ``n`` is the model's number of training pairs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from functools import cache, lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from config.vocabulary import COLOR_NAMES, Vocabulary
from engine.types import Garment
from models.pixels import hex_to_lab

FloatArray = np.ndarray

MAIN_SLOTS = frozenset({"top", "bottom", "onepiece", "shoes", "outer"})
NEUTRALS = frozenset({"black", "white", "grey", "beige", "brown", "navy", "metallic"})
# hue positions on the painter's (RYB) wheel, which is what stylists mean by analogous and complementary
WHEEL_DEGREES = {"red": 0.0, "orange": 60.0, "yellow": 120.0, "green": 180.0, "blue": 240.0, "purple": 300.0,
                 "pink": 340.0}
ANALOGOUS_MAX_DEG = 60.0
COMPLEMENTARY_MIN_DEG = 150.0
CLASH_MIN_CHROMA = 22.0  # CIELAB chroma; muted colours between those angles read as "mixed", not a clash
LOUD_PATTERNS = frozenset({"floral", "printed", "dotted", "checked"})
FORMALITY_LEVEL = {"sport": 0, "casual": 1, "smart-casual": 2, "formal": 3}
SEASON_ORDER = ("spring", "summer", "autumn", "winter")
MAX_COLORS = 3

PAIR_FEATURE_NAMES: tuple[str, ...] = (
    "colour_both_neutral",  # share-weighted over the two garments' colours: these seven sum to 1
    "colour_one_neutral",
    "colour_same_hue",
    "colour_analogous",
    "colour_complementary",
    "colour_clashing",
    "colour_other",
    "lightness_contrast",  # |mean L*a - mean L*b| / 100
    "navy_white",  # dominant colours navy + white
    "black_white",
    "black_any",  # one dominant colour is black
    "denim",  # one garment is a blue bottom
    "one_pattern",
    "two_patterns",
    "two_loud",
    "formality_gap",  # |level a - level b| / 3 on sport < casual < smart-casual < formal
    "formality_clash",  # gap of two levels or more
    "season_overlap",  # Jaccard
    "season_disjoint",
    "warmth_gap",  # / 4
    "warmth_clash",  # warmth 0 with warmth 4 (shorts with a coat)
    "style_cosine",  # 0 when either vector is missing
    "has_style",
    "same_slot",
)
N_FEATURES = len(PAIR_FEATURE_NAMES)
_F = {name: i for i, name in enumerate(PAIR_FEATURE_NAMES)}

PRIOR_BASE = 0.55
PRIOR_WEIGHTS: dict[str, float] = {
    "colour_both_neutral": 0.20, "colour_one_neutral": 0.12, "colour_same_hue": 0.08, "colour_analogous": 0.06,
    "colour_complementary": 0.05, "colour_clashing": -0.25, "lightness_contrast": 0.05,
    "navy_white": 0.12, "black_white": 0.10, "black_any": 0.04, "denim": 0.10,
    "one_pattern": 0.02, "two_patterns": -0.12, "two_loud": -0.20,
    "formality_gap": -0.12, "formality_clash": -0.30,
    "season_overlap": 0.04, "season_disjoint": -0.10, "warmth_clash": -0.15, "same_slot": -0.30,
}
_PRIOR_VECTOR = np.array([PRIOR_WEIGHTS.get(name, 0.0) for name in PAIR_FEATURE_NAMES])
REASON_MIN_EFFECT = 0.03  # a rule moving the prior by less is not worth a phrase
# a specific rule's phrase absorbs the effect of the generic rules it implies
SUBSUMES = {"navy_white": ("colour_both_neutral",), "black_white": ("colour_both_neutral", "black_any"),
            "denim": ("colour_one_neutral", "colour_both_neutral"), "two_loud": ("two_patterns",)}

MODEL_HALF_WEIGHT_PAIRS = 2000  # with this many training pairs the model gets half of the blend...
MODEL_MAX_WEIGHT = 0.8  # ...and never more than this: the prior keeps vetoing obvious clashes
MODEL_VERSION = 1


@dataclass(frozen=True, slots=True, eq=False)
class ItemFeatures:
    """What one garment brings to a pair: slot, formality, warmth, colours (with CIELAB), pattern, style."""

    id: str
    slot: str
    category: str
    type: str
    label: str
    warmth: int
    formality: str
    formality_level: int
    colors: tuple[str, ...]
    shares: tuple[float, ...]
    lab: tuple[tuple[float, float, float], ...]
    pattern: str
    seasons: frozenset[str]
    vector: FloatArray | None = None
    material: str | None = None

    @property
    def dominant(self) -> str:
        """Return the dominant colour name (``multi`` when the garment has none)."""
        return self.colors[0] if self.colors else "multi"

    @property
    def is_denim(self) -> bool:
        """Whether this is a blue bottom, which pairs with almost anything."""
        return self.slot == "bottom" and self.dominant == "blue"


@lru_cache(maxsize=65536)
def _lab(hex_value: str) -> tuple[float, float, float]:
    """CIELAB of a hex colour, cached: a wardrobe repeats the same few hundred colours."""
    lightness, a, b = (float(x) for x in hex_to_lab(hex_value))
    return (lightness, a, b)


def item_features(garment: Garment, vector: np.ndarray | None, vocabulary: Vocabulary) -> ItemFeatures:
    """Return the features of one garment; ``vector`` is its style embedding (normalised here) or None."""
    tags = garment.tags
    gtype = vocabulary.type_of(tags.type)
    if gtype.category != tags.category:  # a corrected category wins over a stale type
        gtype = vocabulary.default_type(tags.category)
    colors = tags.colors[:MAX_COLORS]
    total = sum(c.share for c in colors) or 1.0
    style = None
    if vector is not None:
        v = np.asarray(vector, dtype=np.float32).ravel()
        norm = float(np.linalg.norm(v))
        style = v / norm if norm > 0 else None
    return ItemFeatures(
        id=garment.id,
        slot=gtype.slot,
        category=tags.category,
        type=gtype.name,
        label=gtype.label,
        warmth=gtype.warmth,
        formality=tags.formality,
        formality_level=FORMALITY_LEVEL.get(tags.formality, 1),
        colors=tuple(c.name for c in colors),
        shares=tuple(c.share / total for c in colors),
        lab=tuple(_lab(c.hex) for c in colors),
        pattern=tags.pattern,
        seasons=frozenset(tags.seasons or gtype.seasons),
        vector=style,
        material=getattr(tags, "material", None),
    )


# --- vectorised pair features --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class ItemPack:
    """Arrays of a pool of N items, ready for ``pair_feature_matrix``."""

    items: tuple[ItemFeatures, ...]
    colour_mass: FloatArray  # (N, n codes): share of the garment per colour code (see ``_colour_code``)
    lightness: FloatArray  # (N,) share-weighted L*
    dominant: dict[str, FloatArray]  # black / white / navy -> (N,) 0/1
    denim: FloatArray
    busy: FloatArray
    loud: FloatArray
    formality: FloatArray
    seasons: FloatArray  # (N,) int bit mask over SEASON_ORDER
    warmth: FloatArray
    slot: FloatArray  # (N,) int code of the slot
    vectors: FloatArray  # (N, D), zero rows when missing
    has_vector: FloatArray


_N_NAMES = len(COLOR_NAMES)
_DENIM_CODE = 2 * _N_NAMES  # the blue of a blue bottom, which styles as a neutral
_N_CODES = _DENIM_CODE + 1
_POPCOUNT = np.array([bin(m).count("1") for m in range(16)])
_SLOT_CODES = {s: i for i, s in enumerate(("top", "bottom", "onepiece", "outer", "shoes", "hat", "bag", "accessory"))}


def _colour_code(name: str, chroma: float, denim: bool) -> int:
    """Return the code of one colour: palette name x vivid (chroma at least ``CLASH_MIN_CHROMA``)."""
    if denim and name == "blue":
        return _DENIM_CODE
    index = COLOR_NAMES.index(name) if name in COLOR_NAMES else COLOR_NAMES.index("multi")
    return 2 * index + int(chroma >= CLASH_MIN_CHROMA)


def _relation(code_a: int, code_b: int) -> int:
    """Return the colour relation (index into the first seven features) of two colour codes."""
    names = [COLOR_NAMES[c // 2] if c != _DENIM_CODE else "denim" for c in (code_a, code_b)]
    neutral = [n in NEUTRALS or n == "denim" for n in names]
    if all(neutral):
        return 0
    if any(neutral):
        return 1
    if "multi" in names:
        return 6
    if names[0] == names[1]:
        return 2
    d = abs(WHEEL_DEGREES[names[0]] - WHEEL_DEGREES[names[1]])
    d = min(d, 360.0 - d)
    if d <= ANALOGOUS_MAX_DEG:
        return 3
    if d >= COMPLEMENTARY_MIN_DEG:
        return 4
    return 5 if code_a % 2 and code_b % 2 else 6


@cache
def _relation_tables() -> FloatArray:
    """Return (7, n codes, n codes) one-hot tables of ``_relation`` (built once; it is pure data)."""
    tables = np.zeros((7, _N_CODES, _N_CODES))
    for a in range(_N_CODES):
        for b in range(_N_CODES):
            tables[_relation(a, b), a, b] = 1.0
    return tables


def pack_items(items: Sequence[ItemFeatures]) -> ItemPack:
    """Stack a pool of items into arrays (one pass over the items; cache the pack per call, not globally)."""
    n = len(items)
    mass = np.zeros((n, _N_CODES))
    lightness = np.zeros(n)
    dim = next((it.vector.shape[0] for it in items if it.vector is not None), 1)
    vectors = np.zeros((n, dim), dtype=np.float32)
    has_vector = np.zeros(n)
    for i, it in enumerate(items):
        denim = it.is_denim
        for cname, cshare, lab in zip(it.colors, it.shares, it.lab, strict=False):
            mass[i, _colour_code(cname, float(np.hypot(lab[1], lab[2])), denim)] += cshare
            lightness[i] += cshare * lab[0]
        if it.vector is not None and it.vector.shape[0] == dim:
            vectors[i] = it.vector
            has_vector[i] = 1.0
    dominant = [it.dominant for it in items]
    return ItemPack(
        items=tuple(items), colour_mass=mass, lightness=lightness,
        dominant={c: np.array([d == c for d in dominant], dtype=float) for c in ("black", "white", "navy")},
        denim=np.array([it.is_denim for it in items], dtype=float),
        busy=np.array([it.pattern != "solid" or it.dominant == "multi" for it in items], dtype=float),
        loud=np.array([it.pattern in LOUD_PATTERNS or it.dominant == "multi" for it in items], dtype=float),
        formality=np.array([it.formality_level for it in items], dtype=float),
        seasons=np.array([sum(1 << k for k, s in enumerate(SEASON_ORDER) if s in it.seasons) for it in items],
                         dtype=np.int64),
        warmth=np.array([it.warmth for it in items], dtype=float),
        slot=np.array([_SLOT_CODES.get(it.slot, -1) for it in items], dtype=float),
        vectors=vectors, has_vector=has_vector,
    )


def pair_feature_matrix(pa: ItemPack, pb: ItemPack) -> FloatArray:
    """Return the (Na, Nb, N_FEATURES) pair features of every item of ``pa`` with every item of ``pb``."""
    return np.moveaxis(pair_feature_planes(pa, pb), 0, -1)


def _relation_products(pa: ItemPack, pb: ItemPack) -> FloatArray:
    """Return the (7, Na, Nb) share-weighted colour relations: one matrix product for all seven."""
    left = np.einsum("nc,kcd->knd", pa.colour_mass, _relation_tables())
    return (left.reshape(-1, _N_CODES) @ pb.colour_mass.T).reshape(7, len(pa.items), len(pb.items))


def pair_feature_planes(pa: ItemPack, pb: ItemPack, *, relations: FloatArray | None = None,
                        cosine: FloatArray | None = None, style: bool = True) -> FloatArray:
    """Return the pair features as (N_FEATURES, Na, Nb): one contiguous plane per feature (the fast layout).

    ``relations`` and ``cosine`` may pass the two matrix products when computed for a whole pool at once
    (``PoolPairs``); with ``style`` False the style planes are left at zero (for a scorer that ignores them).
    """
    out = np.empty((N_FEATURES, len(pa.items), len(pb.items)))
    out[:7] = _relation_products(pa, pb) if relations is None else relations

    def outer(x: FloatArray, y: FloatArray) -> FloatArray:
        return x[:, None] * y[None, :]

    def either(x: FloatArray, y: FloatArray) -> FloatArray:
        return np.maximum(x[:, None], y[None, :])

    da, db = pa.dominant, pb.dominant
    out[_F["lightness_contrast"]] = np.abs(pa.lightness[:, None] - pb.lightness[None, :]) / 100.0
    out[_F["navy_white"]] = outer(da["navy"], db["white"]) + outer(da["white"], db["navy"])
    out[_F["black_white"]] = outer(da["black"], db["white"]) + outer(da["white"], db["black"])
    out[_F["black_any"]] = either(da["black"], db["black"])
    out[_F["denim"]] = either(pa.denim, pb.denim)
    busy = pa.busy[:, None] + pb.busy[None, :]
    out[_F["one_pattern"]] = busy == 1
    out[_F["two_patterns"]] = busy == 2
    out[_F["two_loud"]] = outer(pa.loud, pb.loud)
    gap = np.abs(pa.formality[:, None] - pb.formality[None, :])
    out[_F["formality_gap"]] = gap / 3.0
    out[_F["formality_clash"]] = gap >= 2
    inter = _POPCOUNT[pa.seasons[:, None] & pb.seasons[None, :]]
    union = _POPCOUNT[pa.seasons[:, None] | pb.seasons[None, :]]
    jaccard = np.where(union > 0, inter / np.maximum(union, 1.0), 1.0)
    out[_F["season_overlap"]] = jaccard
    out[_F["season_disjoint"]] = jaccard == 0
    warm = np.abs(pa.warmth[:, None] - pb.warmth[None, :])
    out[_F["warmth_gap"]] = warm / 4.0
    out[_F["warmth_clash"]] = warm >= 4
    both = outer(pa.has_vector, pb.has_vector)
    if style and pa.vectors.shape[1] == pb.vectors.shape[1]:
        out[_F["style_cosine"]] = (pa.vectors @ pb.vectors.T if cosine is None else cosine) * both
        out[_F["has_style"]] = both
    else:
        out[_F["style_cosine"]] = out[_F["has_style"]] = 0.0
    out[_F["same_slot"]] = pa.slot[:, None] == pb.slot[None, :]
    return out


class PoolPairs:
    """Pair features between parts of one pool of items, with the pool-wide matrix products done once."""

    def __init__(self, items: Sequence[ItemFeatures]) -> None:
        self.pack = pack_items(items)
        self._relations: FloatArray | None = None
        self._cosine: FloatArray | None = None

    def planes(self, a: slice | np.ndarray, b: slice | np.ndarray, *, style: bool = True) -> FloatArray:
        """Return the (N_FEATURES, na, nb) features of the items at ``a`` (a slice or indices) with those at ``b``."""
        if self._relations is None:
            self._relations = _relation_products(self.pack, self.pack)
        cosine = None
        if style:
            if self._cosine is None:
                self._cosine = self.pack.vectors @ self.pack.vectors.T
            cosine = self._cosine[a][:, b]
        return pair_feature_planes(_take(self.pack, a), _take(self.pack, b),
                                   relations=self._relations[:, a][:, :, b], cosine=cosine, style=style)


def _take(pack: ItemPack, part: slice | np.ndarray) -> ItemPack:
    values: dict[str, Any] = {}
    for f in fields(ItemPack):
        value = getattr(pack, f.name)
        if f.name == "items":
            values[f.name] = value[part] if isinstance(part, slice) else tuple(value[i] for i in part)
        else:
            values[f.name] = {k: v[part] for k, v in value.items()} if isinstance(value, dict) else value[part]
    return ItemPack(**values)


def pair_features(a: ItemFeatures, b: ItemFeatures) -> FloatArray:
    """Return the pair features of two garments, laid out as ``PAIR_FEATURE_NAMES`` (symmetric in a, b)."""
    return pair_feature_matrix(pack_items([a]), pack_items([b]))[0, 0]


def pair_feature_rows(items_a: Sequence[ItemFeatures], items_b: Sequence[ItemFeatures]) -> FloatArray:
    """Return the (N, N_FEATURES) features of the pairs (items_a[i], items_b[i])."""
    if len(items_a) != len(items_b):
        raise ValueError("items_a and items_b must have the same length")
    rows = np.zeros((len(items_a), N_FEATURES))
    # group by the first item so each group is one small matrix call, not one call per pair
    groups: dict[int, list[int]] = {}
    firsts: dict[int, ItemFeatures] = {}
    for i, a in enumerate(items_a):
        groups.setdefault(id(a), []).append(i)
        firsts[id(a)] = a
    for key, idx in groups.items():
        block = pair_feature_matrix(pack_items([firsts[key]]), pack_items([items_b[i] for i in idx]))
        rows[idx] = block[0]
    return rows


# --- the rule-based prior ------------------------------------------------------------------------------


def prior_from_features(features: FloatArray) -> FloatArray:
    """Return the rule prior of pair features of any leading shape (..., N_FEATURES)."""
    return np.clip(PRIOR_BASE + features @ _PRIOR_VECTOR, 0.02, 0.98)


def prior_from_planes(planes: FloatArray) -> FloatArray:
    """Return the rule prior of feature planes (N_FEATURES, ...)."""
    return np.clip(PRIOR_BASE + np.einsum("f,f...->...", _PRIOR_VECTOR, planes), 0.02, 0.98)


def rule_prior(a: ItemFeatures, b: ItemFeatures) -> float:
    """Return how well a stylist's rules of thumb rate the pair, in [0, 1]."""
    return float(prior_from_features(pair_features(a, b)))


def prior_details(a: ItemFeatures, b: ItemFeatures,
                  features: FloatArray | None = None) -> tuple[float, list[tuple[str, float]]]:
    """Return the prior and each fired rule as (phrase, effect on the prior), strongest effect first.

    ``features`` may pass the pair's features when they are already computed.
    """
    features = pair_features(a, b) if features is None else features
    effects = {name: weight * float(features[_F[name]]) for name, weight in PRIOR_WEIGHTS.items()}
    for specific, generic in SUBSUMES.items():  # "navy and white" says more than "easy neutrals"
        if effects[specific] != 0:
            for name in generic:
                effects[specific] += effects[name]
                effects[name] = 0.0
    hits: list[tuple[str, float]] = []
    for name, effect in effects.items():
        phrase = _phrase(name, a, b) if abs(effect) >= REASON_MIN_EFFECT else None
        if phrase and all(phrase != p for p, _ in hits):
            hits.append((phrase, effect))
    hits.sort(key=lambda h: (-abs(h[1]), h[0]))
    return float(prior_from_features(features)), hits


def prior_with_reasons(a: ItemFeatures, b: ItemFeatures) -> tuple[float, list[str]]:
    """Return the prior and the phrases of the rules that fired, strongest first."""
    prior, hits = prior_details(a, b)
    return prior, [phrase for phrase, _ in hits]


def _phrase(rule: str, a: ItemFeatures, b: ItemFeatures) -> str | None:
    ca, cb = a.dominant, b.dominant
    dressier, plainer = (a, b) if a.formality_level >= b.formality_level else (b, a)
    warmer, cooler = (a, b) if a.warmth >= b.warmth else (b, a)
    if rule == "colour_one_neutral":
        neutral, colour = (ca, cb) if ca in NEUTRALS else (cb, ca)
        if neutral not in NEUTRALS or colour in NEUTRALS or a.is_denim or b.is_denim or colour == "multi":
            return None
        return f"{neutral} grounds the {colour}"
    phrases = {
        "navy_white": "navy and white are a safe pair",
        "black_white": "black and white are a classic pair",
        "black_any": "black goes with everything",
        "denim": "denim goes with anything",
        "colour_both_neutral": f"{ca} and {cb} are easy neutrals" if ca != cb else f"tonal {ca} looks sharp",
        "colour_same_hue": f"{ca} on {cb} makes a tonal look",
        "colour_analogous": f"{ca} and {cb} sit side by side on the colour wheel",
        "colour_complementary": f"{ca} and {cb} are complementary",
        "colour_clashing": f"{ca} and {cb} clash",
        "two_loud": "two loud patterns compete",
        "two_patterns": "two patterns compete",
        "formality_clash": f"{dressier.label} with {plainer.label} is a big formality gap",
        "season_disjoint": f"{a.label} and {b.label} belong to different seasons",
        "warmth_clash": f"{warmer.label} with {cooler.label} mixes hot and cold weather",
        "lightness_contrast": "light and dark contrast nicely",
    }
    return phrases.get(rule)


# --- the learned model ---------------------------------------------------------------------------------


def _sigmoid(z: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def roc_auc(scores: FloatArray, labels: FloatArray) -> float:
    """Return the ROC AUC of scores against 0/1 labels (ties count half)."""
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels) > 0.5
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


@dataclass
class CompatModel:
    """L2-regularised logistic regression over standardised pair features (Newton's method, deterministic)."""

    l2: float = 1.0
    coef: FloatArray = field(default_factory=lambda: np.zeros(N_FEATURES))
    intercept: float = 0.0
    mean: FloatArray = field(default_factory=lambda: np.zeros(N_FEATURES))
    scale: FloatArray = field(default_factory=lambda: np.ones(N_FEATURES))
    n_train: int = 0
    n_positive: int = 0
    metrics: dict[str, float] = field(default_factory=dict)

    def fit(self, pairs_a: Sequence[ItemFeatures], pairs_b: Sequence[ItemFeatures],
            labels: Sequence[float] | FloatArray, *, max_iter: int = 50) -> CompatModel:
        """Fit on pairs (pairs_a[i], pairs_b[i]) with 0/1 labels; return self."""
        return self.fit_features(pair_feature_rows(pairs_a, pairs_b), np.asarray(labels, dtype=float),
                                 max_iter=max_iter)

    def fit_features(self, x: FloatArray, y: FloatArray, *, max_iter: int = 50) -> CompatModel:
        """Fit on precomputed pair features (N, N_FEATURES) and 0/1 labels; return self."""
        if x.ndim != 2 or x.shape[1] != N_FEATURES or len(x) != len(y) or len(y) == 0:
            raise ValueError(f"expected ({len(y)}, {N_FEATURES}) features for {len(y)} labels, got {x.shape}")
        self.mean = x.mean(0)
        std = x.std(0)
        self.scale = np.where(std > 1e-9, std, 1.0)
        z = np.hstack([(x - self.mean) / self.scale, np.ones((len(x), 1))])
        penalty = np.full(N_FEATURES + 1, self.l2)
        penalty[-1] = 0.0  # never shrink the intercept
        theta = np.zeros(N_FEATURES + 1)
        for _ in range(max_iter):
            p = _sigmoid(z @ theta)
            grad = z.T @ (p - y) + penalty * theta
            hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(N_FEATURES + 1)
            step = np.linalg.solve(hess, grad)
            theta -= step
            if float(np.abs(step).max()) < 1e-8:
                break
        self.coef, self.intercept = theta[:-1], float(theta[-1])
        p = np.clip(self.score_features(x), 1e-12, 1 - 1e-12)
        self.n_train, self.n_positive = len(y), int((y > 0.5).sum())
        self.metrics = {"train_log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
                        "train_auc": roc_auc(p, y)}
        return self

    def score_features(self, features: FloatArray) -> FloatArray:
        """Return the probability that each pair goes together, for features of shape (..., N_FEATURES)."""
        return _sigmoid(((features - self.mean) / self.scale) @ self.coef + self.intercept)

    def score_planes(self, planes: FloatArray) -> FloatArray:
        """Return probabilities for feature planes (N_FEATURES, ...): the standardisation folded into the weights."""
        weights = self.coef / self.scale
        return _sigmoid(np.einsum("f,f...->...", weights, planes) + (self.intercept - float(weights @ self.mean)))

    def score(self, a: ItemFeatures, b: ItemFeatures) -> float:
        """Return the probability that two garments go together."""
        return float(self.score_features(pair_features(a, b)))

    def save(self, path: str | Path) -> None:
        """Write the weights to ``path`` (npz) and the config (JSON) beside it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            np.savez(fh, coef=self.coef, intercept=np.array([self.intercept]), mean=self.mean, scale=self.scale)
        config = {"version": MODEL_VERSION, "feature_names": list(PAIR_FEATURE_NAMES), "l2": self.l2,
                  "n_train": self.n_train, "n_positive": self.n_positive, "metrics": self.metrics}
        path.with_suffix(".json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> CompatModel:
        """Read a model written by ``save``; refuse one made for other features."""
        path = Path(path)
        config = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if config.get("version") != MODEL_VERSION or tuple(config.get("feature_names", ())) != PAIR_FEATURE_NAMES:
            raise ValueError(f"{path}: compatibility model of another version or feature layout")
        with np.load(path) as data:
            return cls(l2=float(config["l2"]), coef=data["coef"], intercept=float(data["intercept"][0]),
                       mean=data["mean"], scale=data["scale"], n_train=int(config["n_train"]),
                       n_positive=int(config["n_positive"]), metrics=dict(config.get("metrics", {})))


class CompatScorer:
    """Blend the rule prior with a learned model, trusting the model more as its training set grows."""

    def __init__(self, model: CompatModel | None = None) -> None:
        self.model = model

    @property
    def model_weight(self) -> float:
        """Return the model's share of the blend: n / (n + MODEL_HALF_WEIGHT_PAIRS), at most MODEL_MAX_WEIGHT."""
        if self.model is None or self.model.n_train == 0:
            return 0.0
        n = self.model.n_train
        return min(MODEL_MAX_WEIGHT, n / (n + MODEL_HALF_WEIGHT_PAIRS))

    def score_features(self, features: FloatArray) -> FloatArray:
        """Return blended compatibility for pair features of shape (..., N_FEATURES)."""
        prior = prior_from_features(features)
        w = self.model_weight
        if self.model is None or w == 0.0:
            return prior
        return w * self.model.score_features(features) + (1.0 - w) * prior

    @property
    def uses_style(self) -> bool:
        """Whether scores depend on the style vectors (only a model can use them; the prior does not)."""
        style = [_F["style_cosine"], _F["has_style"]]
        return self.model_weight > 0 and bool(np.any(self.model.coef[style] != 0))  # type: ignore[union-attr]

    def score_planes(self, planes: FloatArray) -> FloatArray:
        """Return blended compatibility for feature planes (N_FEATURES, ...)."""
        prior = prior_from_planes(planes)
        w = self.model_weight
        if self.model is None or w == 0.0:
            return prior
        return w * self.model.score_planes(planes) + (1.0 - w) * prior

    def score_matrix(self, pa: ItemPack, pb: ItemPack) -> FloatArray:
        """Return the (Na, Nb) compatibility of every pair of two packed pools."""
        return self.score_planes(pair_feature_planes(pa, pb, style=self.uses_style))

    def score_block(self, pool: PoolPairs, a: slice, b: slice) -> FloatArray:
        """Return the (na, nb) compatibility of two parts of one pool."""
        return self.score_planes(pool.planes(a, b, style=self.uses_style))

    def score(self, a: ItemFeatures, b: ItemFeatures) -> float:
        """Return the blended compatibility of two garments in [0, 1]."""
        return float(self.score_features(pair_features(a, b)))


# --- training pairs from outfits -----------------------------------------------------------------------


def _content_order(item: ItemFeatures) -> tuple:
    """Sort key of a swap-pool item by what it is, not by its (random) id: the same feedback on the same clothes
    then draws the same swaps, and trains the same model, in every database."""
    return (item.slot, item.type, item.colors, item.shares, item.lab, item.pattern, item.formality, item.id)


def outfit_pairs_from_looks(
    looks: Sequence[Sequence[ItemFeatures]],
    disliked: Sequence[Sequence[ItemFeatures]] = (),
    *,
    pool: Sequence[ItemFeatures] = (),
    swaps_per_look: int = 2,
    seed: int = 0,
) -> tuple[list[ItemFeatures], list[ItemFeatures], FloatArray]:
    """Turn whole outfits into pair examples: (items a, items b, 0/1 labels).

    Positives are all pairs inside liked or worn ``looks``. Negatives are all pairs inside ``disliked`` looks,
    plus type-preserving swaps: one item of a liked look replaced by another ``pool`` item of the same slot,
    paired with the rest of the look (``swaps_per_look`` per look, seeded RNG, the pool in content order).
    """
    rng = random.Random(seed)
    by_slot: dict[str, list[ItemFeatures]] = {}
    for item in sorted(pool, key=_content_order):
        by_slot.setdefault(item.slot, []).append(item)
    items_a: list[ItemFeatures] = []
    items_b: list[ItemFeatures] = []
    labels: list[float] = []

    def add(a: ItemFeatures, b: ItemFeatures, label: float) -> None:
        items_a.append(a)
        items_b.append(b)
        labels.append(label)

    for look in looks:
        for a, b in combinations(look, 2):
            add(a, b, 1.0)
    for look in disliked:
        for a, b in combinations(look, 2):
            add(a, b, 0.0)
    for look in looks:
        for _ in range(swaps_per_look if len(look) > 1 else 0):
            out = rng.randrange(len(look))
            ids = {it.id for it in look}
            options = [it for it in by_slot.get(look[out].slot, []) if it.id not in ids]
            if not options:
                continue
            swap = rng.choice(options)
            for k, other in enumerate(look):
                if k != out:
                    add(swap, other, 0.0)
    return items_a, items_b, np.array(labels)
