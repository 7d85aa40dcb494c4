"""The stylist engine: wardrobe, tagging and search behind one async facade, ``Stylist``."""

from engine.errors import (
    DatabaseUnavailable,
    EncoderUnavailable,
    ImageRejected,
    InvalidSetting,
    InvalidTag,
    InvalidUser,
    ItemNotFound,
    StylistError,
    WardrobeEmpty,
)
from engine.profiles import Profile
from engine.sentences import SentenceEncoder
from engine.stylist import Stylist
from engine.types import AddResult, Color, Garment, Match, PhotoInput, Rejected, Tags

__all__ = [
    "AddResult", "Color", "DatabaseUnavailable", "EncoderUnavailable", "Garment", "ImageRejected",
    "InvalidSetting", "InvalidTag", "InvalidUser", "ItemNotFound", "Match", "PhotoInput", "Profile", "Rejected",
    "SentenceEncoder", "Stylist", "StylistError", "Tags", "WardrobeEmpty",
]
