"""Pair features of two garments: what each brings (``ItemFeatures``) and the named features of every pair.

Everything works on ``ItemFeatures`` (what one garment brings to a pair). ``pack_items`` turns a list of them
into arrays so that ``pair_feature_matrix`` computes the features of every pair of two pools at once; the
scalar ``pair_features`` is the 1 x 1 case of the same code, so the composer's vectorised path and the
per-pair explanations (``engine.outfits.prior``) can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cache, lru_cache
from typing import Any

import numpy as np

from config.vocabulary import COLOR_NAMES, Vocabulary
from engine.outfits.rules import SLOT_ORDER
from engine.types import Garment
from models.pixels import hex_to_lab

FloatArray = np.ndarray

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
FEATURE_INDEX = {name: i for i, name in enumerate(PAIR_FEATURE_NAMES)}


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
_SLOT_CODES = {s: i for i, s in enumerate(SLOT_ORDER)}  # only equality matters ("same_slot")


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
    out[FEATURE_INDEX["lightness_contrast"]] = np.abs(pa.lightness[:, None] - pb.lightness[None, :]) / 100.0
    out[FEATURE_INDEX["navy_white"]] = outer(da["navy"], db["white"]) + outer(da["white"], db["navy"])
    out[FEATURE_INDEX["black_white"]] = outer(da["black"], db["white"]) + outer(da["white"], db["black"])
    out[FEATURE_INDEX["black_any"]] = either(da["black"], db["black"])
    out[FEATURE_INDEX["denim"]] = either(pa.denim, pb.denim)
    busy = pa.busy[:, None] + pb.busy[None, :]
    out[FEATURE_INDEX["one_pattern"]] = busy == 1
    out[FEATURE_INDEX["two_patterns"]] = busy == 2
    out[FEATURE_INDEX["two_loud"]] = outer(pa.loud, pb.loud)
    gap = np.abs(pa.formality[:, None] - pb.formality[None, :])
    out[FEATURE_INDEX["formality_gap"]] = gap / 3.0
    out[FEATURE_INDEX["formality_clash"]] = gap >= 2
    inter = _POPCOUNT[pa.seasons[:, None] & pb.seasons[None, :]]
    union = _POPCOUNT[pa.seasons[:, None] | pb.seasons[None, :]]
    jaccard = np.where(union > 0, inter / np.maximum(union, 1.0), 1.0)
    out[FEATURE_INDEX["season_overlap"]] = jaccard
    out[FEATURE_INDEX["season_disjoint"]] = jaccard == 0
    warm = np.abs(pa.warmth[:, None] - pb.warmth[None, :])
    out[FEATURE_INDEX["warmth_gap"]] = warm / 4.0
    out[FEATURE_INDEX["warmth_clash"]] = warm >= 4
    both = outer(pa.has_vector, pb.has_vector)
    if style and pa.vectors.shape[1] == pb.vectors.shape[1]:
        out[FEATURE_INDEX["style_cosine"]] = (pa.vectors @ pb.vectors.T if cosine is None else cosine) * both
        out[FEATURE_INDEX["has_style"]] = both
    else:
        out[FEATURE_INDEX["style_cosine"]] = out[FEATURE_INDEX["has_style"]] = 0.0
    out[FEATURE_INDEX["same_slot"]] = pa.slot[:, None] == pb.slot[None, :]
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
