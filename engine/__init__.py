"""The stylist engine: wardrobes, tagging, outfits and the weather behind one async facade, ``Stylist``.

Front-ends import only from here (``from engine import Stylist, OutfitRequest, StylistError``), never from the
sub-packages. The layers, each importing only those below it::

    stylist                  the facade: checks ids, delegates
    wardrobe, outfits        services: intake and search; composing, feedback, learning
    tagging, weather, users  photos to tags; forecasts and what they mean for clothes; profiles, places
    storage, images,         SQL, blobs, vectors; safe decoding, collages;
    encoders                 vision and sentence models, the micro-batcher
    types, looks, errors,    the plain data of the public surface, the errors, the clock
    clock

Importing this package is cheap: the facade and the modules behind it (Chroma, SQL, the encoders) load on first
use of a name that needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from config.vocabulary import CONFIRM_BELOW
from engine.catalog import (
    BuyVerdict,
    CatalogStats,
    FeedProblem,
    Gap,
    ImportReport,
    Product,
    ProductFilter,
    ProductHit,
    format_price,
)
from engine.clock import Clock, FixedClock, SystemClock, today_in
from engine.errors import (
    CatalogEmpty,
    DatabaseUnavailable,
    EncoderUnavailable,
    FeedError,
    ForecastOutOfRange,
    ImageRejected,
    InvalidSetting,
    InvalidTag,
    InvalidUser,
    ItemNotFound,
    NoLookPossible,
    NotInWardrobe,
    PolyvoreError,
    StylistError,
    WardrobeEmpty,
    WeatherUnavailable,
)
from engine.looks import (
    FeedbackKind,
    GoesWith,
    Location,
    Look,
    OutfitRequest,
    ScoreParts,
    Suggestions,
    TrainReport,
    Weather,
    with_weather,
)
from engine.outfits.closest import describe_fallback
from engine.types import (
    AddResult,
    Color,
    ForgetReport,
    Garment,
    Match,
    PhotoInput,
    Rejected,
    Tagged,
    Tags,
    TextHit,
)
from engine.weather.dressing import describe_weather

if TYPE_CHECKING:
    from engine.encoders.sentences import SentenceEncoder
    from engine.outfits.features import ItemFeatures
    from engine.storage.db import open_sql_engine
    from engine.stylist import Stylist
    from engine.tagging.photo_tagger import PhotoTagger
    from engine.users.profiles import Profile

# name -> module, imported on first use (they pull in Chroma, SQLAlchemy, Pillow, the encoders...)
_LAZY = {
    "Stylist": "engine.stylist",
    "PhotoTagger": "engine.tagging.photo_tagger",
    "SentenceEncoder": "engine.encoders.sentences",
    "ItemFeatures": "engine.outfits.features",
    "Profile": "engine.users.profiles",
}

__all__ = [
    "CONFIRM_BELOW", "AddResult", "Clock", "Color", "DatabaseUnavailable", "EncoderUnavailable", "FeedbackKind",
    "FixedClock", "ForecastOutOfRange", "ForgetReport", "Garment", "GoesWith", "ImageRejected", "InvalidSetting",
    "InvalidTag", "InvalidUser", "ItemFeatures", "ItemNotFound", "Location", "Look", "Match", "NoLookPossible",
    "NotInWardrobe", "OutfitRequest",
    "PhotoInput", "PhotoTagger", "PolyvoreError", "Profile", "Rejected", "ScoreParts", "SentenceEncoder", "Stylist",
    "StylistError", "Suggestions", "SystemClock", "Tagged", "Tags", "TextHit", "TrainReport", "WardrobeEmpty",
    "Weather", "WeatherUnavailable", "describe_fallback", "describe_weather", "today_in", "with_weather",
]
# the shop's catalog (issue 13)
__all__ += ["BuyVerdict", "CatalogEmpty", "CatalogStats", "FeedError", "FeedProblem", "Gap", "ImportReport",
            "Product", "ProductFilter", "ProductHit", "format_price"]

# shopping requests checked, not clamped (shopux)
from engine.catalog import MAX_RESULTS, price_problem, results_problem  # noqa: E402
from engine.errors import InvalidFilter  # noqa: E402

__all__ += ["MAX_RESULTS", "InvalidFilter", "price_problem", "results_problem"]


# one SQL engine setup for every user of the database (the engine, dialog states, the web transcript)
_LAZY["open_sql_engine"] = "engine.storage.db"
__all__ += ["open_sql_engine"]


def __getattr__(name: str) -> Any:
    """Import the module behind a heavy public name on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'engine' has no attribute {name!r}")
