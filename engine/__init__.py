"""The stylist engine: wardrobe, tagging and search behind one async facade, ``Stylist``."""

from engine.errors import (
    EncoderUnavailable,
    ImageRejected,
    InvalidTag,
    InvalidUser,
    ItemNotFound,
    StylistError,
    WardrobeEmpty,
)
from engine.sentences import SentenceEncoder
from engine.types import AddResult, Color, Garment, Match, PhotoInput, Rejected, Tags

__all__ = [
    "AddResult", "Color", "EncoderUnavailable", "Garment", "ImageRejected", "InvalidTag", "InvalidUser",
    "ItemNotFound", "Match", "PhotoInput", "Rejected", "SentenceEncoder", "StylistError", "Tags", "WardrobeEmpty",
]
