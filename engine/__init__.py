"""The stylist engine: wardrobe, tagging and search behind one async facade, ``Stylist``.

Front-ends import only from here, never from the modules behind it. The heavy names (the facade and what pulls
in SQL, Chroma, Pillow or the encoders) are imported on first use, so importing this package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from engine.errors import (
    EncoderUnavailable,
    ImageRejected,
    InvalidTag,
    InvalidUser,
    ItemNotFound,
    StylistError,
    WardrobeEmpty,
)
from engine.looks import Location, Look, OutfitRequest
from engine.sentences import SentenceEncoder
from engine.types import AddResult, Color, Garment, Match, PhotoInput, Rejected, Tags

if TYPE_CHECKING:
    from engine.outfits import Suggestions, with_weather
    from engine.polyvore import load_polyvore
    from engine.stylist import Stylist
    from engine.tagger import build_tagger
    from engine.weather import describe_weather

# name -> module, imported on first use
_LAZY = {
    "Stylist": "engine.stylist",
    "Suggestions": "engine.outfits",
    "with_weather": "engine.outfits",
    "describe_weather": "engine.weather",
    "build_tagger": "engine.tagger",
    "load_polyvore": "engine.polyvore",
}

__all__ = [
    "AddResult", "Color", "EncoderUnavailable", "Garment", "ImageRejected", "InvalidTag", "InvalidUser",
    "ItemNotFound", "Location", "Look", "Match", "OutfitRequest", "PhotoInput", "Rejected", "SentenceEncoder",
    "Stylist", "StylistError", "Suggestions", "Tags", "WardrobeEmpty", "build_tagger", "describe_weather",
    "load_polyvore", "with_weather",
]


def __getattr__(name: str) -> Any:
    """Import the module behind a heavy public name on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
