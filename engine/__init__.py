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
from engine.looks import FeedbackKind, Location, Look, OutfitRequest, Weather
from engine.outfits import NoLookPossible, Suggestions
from engine.profiles import Profile
from engine.sentences import SentenceEncoder
from engine.stylist import ForgetReport, Stylist
from engine.text_search import TextHit
from engine.types import AddResult, Color, Garment, Match, PhotoInput, Rejected, Tags
from engine.weather import describe_weather

__all__ = [
    "AddResult", "Color", "DatabaseUnavailable", "EncoderUnavailable", "FeedbackKind", "ForgetReport", "Garment",
    "ImageRejected", "InvalidSetting", "InvalidTag", "InvalidUser", "ItemNotFound", "Location", "Look", "Match",
    "NoLookPossible", "OutfitRequest", "PhotoInput", "Profile", "Rejected", "SentenceEncoder", "Stylist",
    "StylistError", "Suggestions", "Tags", "TextHit", "WardrobeEmpty", "Weather", "describe_weather",
]
