"""The shared vocabulary, loaded from data files (``config/data``) so that adding a type or a word needs no code.

types.csv (fine types: category, outfit slot, warmth, formality, seasons), palette.csv (colour names and their
references), occasions.csv, slots.csv (the outfit slots in look order), templates.csv (the slots a look must
fill), synonyms.csv (what words mean beyond the vocabulary's own names: search and the dialog's slot filling) and
lifts.csv (what to add to a slot when a look cannot meet a need: a formality, warm, light or rain).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
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
WARMTH_WORDS = ("warm", "light")  # what a search or a request may ask of warmth
LIFT_NEEDS = (*FORMALITIES, *WARMTH_WORDS, "rain")  # what a look may fall short of (lifts.csv)
NO_SLOT = "none"  # the slot of types never composed into outfits (innerwear, other)
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


@dataclass(frozen=True, slots=True)
class OutfitSlot:
    """A place in an outfit (one item each), in look order; ``main`` slots make the look, the others accessorise."""

    name: str
    main: bool
    singular: str  # "a top": what the user lacks when the slot is empty
    plural: str


@dataclass(frozen=True, slots=True)
class Synonym:
    """A phrase and what it means, as ``kind:value`` targets (e.g. "dark blue" -> ``color:navy``)."""

    phrase: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    """All vocabularies, keyed by name."""

    types: dict[str, GarmentType]
    palette: dict[str, str]
    occasions: dict[str, Occasion]
    # calibrated reference colours per name (hex) that colour naming matches against; ``palette`` holds
    # each name's display swatch
    palette_refs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    slots: dict[str, OutfitSlot] = field(default_factory=dict)  # in look order
    templates: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> required slots, in trial order
    synonyms: tuple[Synonym, ...] = ()
    lifts: dict[tuple[str, str], str] = field(default_factory=dict)  # (slot, need) -> an item that meets it

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
    slots = _slots(types)
    vocabulary = Vocabulary(types=types, palette=palette, occasions=occasions, palette_refs=palette_refs,
                            slots=slots, templates=_templates(slots), lifts=_lifts(slots))
    return replace(vocabulary, synonyms=_synonyms(vocabulary))


def _slots(types: dict[str, GarmentType]) -> dict[str, OutfitSlot]:
    slots = {row["slot"]: OutfitSlot(row["slot"], row["main"] == "yes", row["singular"], row["plural"])
             for row in _rows("slots.csv")}
    for garment_type in types.values():
        if garment_type.slot not in slots and garment_type.slot != NO_SLOT:
            raise ValueError(f"types.csv:{garment_type.name}: slot {garment_type.slot!r} is not in slots.csv")
    return slots


def _templates(slots: dict[str, OutfitSlot]) -> dict[str, tuple[str, ...]]:
    templates = {}
    for row in _rows("templates.csv"):
        templates[row["template"]] = _check(tuple(row["required"].split()), tuple(slots), "templates.csv")
    return templates


def _lifts(slots: dict[str, OutfitSlot]) -> dict[tuple[str, str], str]:
    """Read lifts.csv: per main slot and need, the item whose addition would meet it."""
    lifts = {}
    for row in _rows("lifts.csv"):
        if row["slot"] not in slots or row["need"] not in LIFT_NEEDS or not row["item"].strip():
            raise ValueError(f"lifts.csv: unknown slot or need, or no item, in {row!r}")
        lifts[(row["slot"], row["need"])] = row["item"].strip()
    return lifts


def _synonyms(vocabulary: Vocabulary) -> tuple[Synonym, ...]:
    """Read synonyms.csv, checking that every target names a value of the vocabulary."""
    allowed = {
        "color": COLOR_NAMES, "type": tuple(vocabulary.types), "category": CATEGORIES, "pattern": PATTERNS,
        "formality": FORMALITIES, "season": SEASONS, "warmth": WARMTH_WORDS,
    }
    synonyms = []
    for row in _rows("synonyms.csv"):
        targets = tuple(row["means"].split())
        for target in targets:
            kind, _, value = target.partition(":")
            if value not in allowed.get(kind, ()):
                raise ValueError(f"synonyms.csv:{row['phrase']}: {target!r} is not a vocabulary value")
        if not row["phrase"].strip() or not targets:
            raise ValueError(f"synonyms.csv: a row needs a phrase and what it means, got {row!r}")
        synonyms.append(Synonym(row["phrase"].strip(), targets))
    return tuple(synonyms)


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


# A shop feed's formality words (issue 13 follow-up, shopux): kept apart from the tagger's vocabulary above.
@cache
def load_formality_words() -> dict[str, str]:
    """Return a shop's formality words (lower case) -> the common formality; "" for a word that names none.

    "Ethnic" (the fashion-product ``usage``) says what a garment is, not how formal: the product's type decides.
    """
    words: dict[str, str] = {}
    for row in _rows("formality_words.csv"):
        formality = row["formality"].strip()
        if formality:
            _check((formality,), FORMALITIES, f"formality_words.csv:{row['word']}")
        words[row["word"].strip().lower()] = formality
    return words
