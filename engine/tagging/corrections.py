"""A user's corrections of tags, checked against the vocabulary before they are stored (and win over the model)."""

from __future__ import annotations

from typing import Any

from config.vocabulary import CATEGORIES, COLOR_NAMES, FORMALITIES, PATTERNS, SEASONS, Vocabulary
from engine.errors import InvalidTag


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
