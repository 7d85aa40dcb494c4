"""Settings and vocabularies, read by every layer; imports none of them."""

from config.settings import Settings, SettingsError, load_settings
from config.vocabulary import GarmentType, OutfitSlot, Synonym, Vocabulary, load_vocabulary

__all__ = [
    "GarmentType", "OutfitSlot", "Settings", "SettingsError", "Synonym", "Vocabulary", "load_settings",
    "load_vocabulary",
]
