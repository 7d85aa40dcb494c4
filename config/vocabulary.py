"""The shared vocabulary (types, palette, occasions), loaded from data files so adding a type needs no code."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

CATEGORIES = ("top", "bottom", "dress", "outerwear", "shoes", "hat", "bag", "accessory", "innerwear", "other")
COMPOSABLE_CATEGORIES = CATEGORIES[:8]
COLOR_NAMES = (
    "black", "white", "grey", "beige", "brown", "red", "pink", "orange",
    "yellow", "green", "blue", "navy", "purple", "multi", "metallic",
)
PATTERNS = ("solid", "striped", "checked", "floral", "dotted", "printed")
FORMALITIES = ("casual", "smart-casual", "formal", "sport")
SEASONS = ("spring", "summer", "autumn", "winter")
# Tags whose confidence is below this are shown to the user to confirm or correct (the tagger's confidences are
# calibrated probabilities, so this is "asked when wrong more than 40% of the time").
CONFIRM_BELOW = 0.6


@dataclass(frozen=True, slots=True)
class GarmentType:
    """One fine garment type and what it implies for composition."""

    name: str
    category: str
    slot: str
    warmth: int
    formalities: tuple[str, ...]
    seasons: tuple[str, ...]
    label: str

    @property
    def default_formality(self) -> str:
        """Return the formality most garments of this type have."""
        return self.formalities[0]


@dataclass(frozen=True, slots=True)
class Occasion:
    """An occasion and the formalities that suit it."""

    name: str
    formalities: tuple[str, ...]
    label: str


@dataclass(frozen=True)
class Vocabulary:
    """All vocabularies, keyed by name."""

    types: dict[str, GarmentType]
    palette: dict[str, str]
    occasions: dict[str, Occasion]
    # calibrated reference colours per name (hex) that colour naming matches against; ``palette`` holds
    # each name's display swatch
    palette_refs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def type_of(self, name: str) -> GarmentType:
        """Return a type by name, falling back to ``other`` for unknown names."""
        return self.types.get(name) or self.types["other"]

    def default_type(self, category: str) -> GarmentType:
        """Return the most generic type of a category (the one named like it, else its first)."""
        if category in self.types and self.types[category].category == category:
            return self.types[category]
        for garment_type in self.types.values():
            if garment_type.category == category:
                return garment_type
        return self.types["other"]


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("config").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _check(values: tuple[str, ...], allowed: tuple[str, ...], where: str) -> tuple[str, ...]:
    unknown = [v for v in values if v not in allowed]
    if unknown or not values:
        raise ValueError(f"{where}: unknown or missing values {unknown or values!r}")
    return values


@cache
def load_vocabulary() -> Vocabulary:
    """Load and validate the vocabulary data files (cached; they are immutable package data)."""
    types: dict[str, GarmentType] = {}
    for row in _rows("types.csv"):
        where = f"types.csv:{row['type']}"
        if row["category"] not in CATEGORIES:
            raise ValueError(f"{where}: unknown category {row['category']!r}")
        types[row["type"]] = GarmentType(
            name=row["type"],
            category=row["category"],
            slot=row["slot"],
            warmth=int(row["warmth"]),
            formalities=_check(tuple(row["formality"].split()), FORMALITIES, where),
            seasons=_check(tuple(row["seasons"].split()), SEASONS, where),
            label=row["label"],
        )
    palette, palette_refs = _palette(_rows("palette.csv"))
    occasions = {
        row["occasion"]: Occasion(
            row["occasion"], _check(tuple(row["formality"].split()), FORMALITIES, "occasions.csv"), row["label"]
        )
        for row in _rows("occasions.csv")
    }
    return Vocabulary(types=types, palette=palette, occasions=occasions, palette_refs=palette_refs)


def _palette(rows: list[dict[str, str]]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Read palette rows: a name's first row is its display swatch; ``match`` = yes rows are references."""
    palette: dict[str, str] = {}
    refs: dict[str, list[str]] = {}
    for row in rows:
        name, hex_value = row["name"], row["hex"].lower()
        if (
            len(hex_value) != 7
            or not hex_value.startswith("#")
            or not all(c in "0123456789abcdef" for c in hex_value[1:])
        ):
            raise ValueError(f"palette.csv:{name}: bad hex {row['hex']!r}")
        palette.setdefault(name, hex_value)
        if row.get("match", "yes") == "yes":
            refs.setdefault(name, []).append(hex_value)
    _check(tuple(palette), COLOR_NAMES, "palette.csv")
    return palette, {name: tuple(values) for name, values in refs.items()}
