"""Data types of outfits: weather, requests, looks and feedback (the contract between composer, facade and UI)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from engine.types import Garment


@dataclass(frozen=True, slots=True)
class Weather:
    """The weather an outfit is for. ``source`` says where it came from; ``note`` is shown in the reason."""

    temp_c: float
    precip_mm: float = 0.0
    wind_kmh: float = 0.0
    condition: str = "clear"  # clear, cloudy, rain, snow, storm, fog
    source: str = "manual"  # open-meteo, manual, seasonal
    note: str | None = None

    @property
    def rainy(self) -> bool:
        """Whether rain or snow makes water-sensitive materials a bad idea."""
        return self.precip_mm >= 0.5 or self.condition in {"rain", "snow", "storm"}

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"temp_c": round(self.temp_c, 1), "precip_mm": round(self.precip_mm, 1),
                "wind_kmh": round(self.wind_kmh, 1), "condition": self.condition, "source": self.source,
                "note": self.note}


@dataclass(frozen=True, slots=True)
class Location:
    """Where a user is, for the weather and the hemisphere."""

    latitude: float
    longitude: float
    timezone: str = "UTC"
    name: str | None = None


@dataclass(frozen=True, slots=True)
class OutfitRequest:
    """What the user asked for. Every field is optional; ``day`` defaults to today."""

    occasion: str | None = None
    weather: Weather | None = None
    anchor_id: str | None = None
    n: int = 3
    day: date | None = None


@dataclass(frozen=True, slots=True)
class ScoreParts:
    """Why a look scored what it did: each part in [0, 1] except ``total`` (their weighted sum)."""

    compatibility: float
    preference: float
    novelty: float
    weather_fit: float
    total: float

    def to_dict(self) -> dict[str, float]:
        """Return the JSON form."""
        return {k: round(getattr(self, k), 4) for k in ("compatibility", "preference", "novelty", "weather_fit",
                                                         "total")}


@dataclass(frozen=True, slots=True)
class Look:
    """One outfit: items in slot order, its score, a one-sentence reason, and what it was made for.

    ``fallback``: no look meets the occasion or the weather, and this is the closest the wardrobe allows;
    ``missing`` then names the one or two items whose addition would make it right ("a blazer", "dress shoes").
    """

    id: str
    items: tuple[Garment, ...]
    score: ScoreParts
    reason: str
    occasion: str | None = None
    weather: Weather | None = None
    slots: tuple[str, ...] = field(default=())
    fallback: bool = False
    missing: tuple[str, ...] = ()
    # JPEGs of items that are not in the wardrobe (a photo asked about), by item id, so the collage can draw them
    images: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form of the command-line contract (``collage`` is added by the caller)."""
        return {
            "id": self.id,
            "items": [{**g.to_dict(), "slot": s} for g, s in zip(self.items, self.slots or [""] * len(self.items),
                                                                  strict=False)],
            "score": round(self.score.total, 4),
            "score_parts": self.score.to_dict(),
            "reason": self.reason,
            "occasion": self.occasion,
            "weather": self.weather.to_dict() if self.weather else None,
            "fallback": self.fallback,
            "missing": list(self.missing),
        }


class FeedbackKind(StrEnum):
    """What a user said about a look."""

    LIKE = "like"
    DISLIKE = "dislike"
    WORE = "wore"
    NOT_TODAY = "not_today"


@dataclass(frozen=True, slots=True)
class Suggestions:
    """Looks for a request, best first, with the weather used and what the wardrobe lacks."""

    looks: list[Look]
    weather: Weather
    missing: list[str]

    @property
    def fallback(self) -> bool:
        """Whether no look meets the request and these are the closest the wardrobe allows."""
        return bool(self.looks) and all(look.fallback for look in self.looks)


@dataclass(frozen=True, slots=True)
class GoesWith:
    """What a photographed item the user does not own would be worn with: looks from their wardrobe around it.

    ``item`` describes the photo (tagged, never stored; its id starts with ``new-``); ``looks`` are the best ones,
    each holding the item; ``count`` is how many distinct looks meeting the request it makes (up to
    ``COUNT_LIMIT``, 0 when only fallback looks are possible); ``partners`` are the owned garments those looks
    wear it with, most used first; ``missing`` what the wardrobe lacks, as in ``Suggestions``.
    """

    item: Garment
    looks: list[Look]
    count: int
    partners: list[Garment]
    weather: Weather
    missing: list[str]


@dataclass(frozen=True, slots=True)
class TrainReport:
    """What ``train_compat`` learned from."""

    positives: int
    negatives: int
    outfits: int
    path: Path | None
    train_auc: float | None


def with_weather(request: OutfitRequest, *, temp_c: float | None, rain: bool) -> OutfitRequest:
    """Return the request with a manual weather override built from command-line style options."""
    if temp_c is None and not rain:
        return request
    weather = Weather(temp_c=15.0 if temp_c is None else temp_c, precip_mm=3.0 if rain else 0.0,
                      condition="rain" if rain else "clear", source="manual")
    return replace(request, weather=weather)
