"""Garments as the engine shows them: stored rows with corrections applied, and corrections checked."""

from __future__ import annotations

from typing import Any

from config.vocabulary import CATEGORIES, COLOR_NAMES, FORMALITIES, PATTERNS, SEASONS, Vocabulary
from engine.db import GarmentRow
from engine.errors import InvalidTag
from engine.types import Color, Garment, Tags


def row_to_garment(row: GarmentRow, *, vocabulary: Vocabulary) -> Garment:
    """Return the garment a row stores, with the user's corrections applied over the model's tags."""
    tags = dict(row.tags)
    confidence = dict(tags.pop("confidence", {}))
    for field, value in row.corrections.items():
        tags[field] = value
        confidence[field] = 1.0
    colors = tags["colors"]
    if "colors" in row.corrections:
        names = row.corrections["colors"]
        palette = vocabulary.palette
        colors = [{"name": n, "hex": palette.get(n, "#808080"), "share": 1.0 / len(names)} for n in names]
    return Garment(
        id=row.id,
        user_id=row.user_id,
        tags=Tags(
            category=tags["category"],
            type=tags["type"],
            colors=tuple(Color(c["name"], c["hex"], float(c["share"])) for c in colors),
            pattern=tags["pattern"],
            formality=tags["formality"],
            seasons=tuple(tags["seasons"]),
            confidence=confidence,
        ),
        corrected=tuple(sorted(row.corrections)),
        image_hash=row.image_hash,
        thumb_hash=row.thumb_hash,
        in_laundry=row.in_laundry,
        created_at=row.created_at,
        source_name=row.source_name,
    )


def validate_corrections(changes: dict[str, Any], vocabulary: Vocabulary) -> dict[str, Any]:
    """Check a user's tag corrections against the vocabulary; return them cleaned, or raise ``InvalidTag``."""
    if not changes:
        raise InvalidTag("nothing to correct")
    allowed: dict[str, tuple[str, ...]] = {
        "category": CATEGORIES,
        "type": tuple(vocabulary.types),
        "pattern": PATTERNS,
        "formality": FORMALITIES,
    }
    cleaned: dict[str, Any] = {}
    for field, value in changes.items():
        if field in allowed:
            if value not in allowed[field]:
                raise InvalidTag(f"{field} must be one of: {', '.join(allowed[field])}")
            cleaned[field] = value
        elif field == "seasons":
            seasons = _as_list(value)
            if not seasons or any(s not in SEASONS for s in seasons):
                raise InvalidTag(f"seasons must be some of: {', '.join(SEASONS)}")
            cleaned[field] = [s for s in SEASONS if s in seasons]
        elif field == "colors":
            names = _as_list(value)
            if not names or len(names) > 3 or any(n not in COLOR_NAMES for n in names):
                raise InvalidTag(f"colors must be 1-3 of: {', '.join(COLOR_NAMES)}")
            cleaned[field] = list(dict.fromkeys(names))
        elif field == "in_laundry":
            raise InvalidTag("use set_laundry to change the laundry flag")
        else:
            raise InvalidTag(f"unknown tag {field!r}")
    if "type" in cleaned and "category" not in cleaned:
        cleaned["category"] = vocabulary.type_of(cleaned["type"]).category
    elif "type" in cleaned and vocabulary.type_of(cleaned["type"]).category != cleaned["category"]:
        raise InvalidTag(f"a {cleaned['type']} is not in category {cleaned['category']}")
    return cleaned


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.replace(",", " ").split() if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []
