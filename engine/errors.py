"""The stylist's domain errors: one root, typed leaves whose messages a user can act on."""

from __future__ import annotations

from collections.abc import Sequence


class StylistError(Exception):
    """Root of every error the engine raises on purpose; ``str(err)`` is safe to show a user."""


class ImageRejected(StylistError):
    """A photo could not be accepted (too big, not an image, corrupt...)."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(f"{source}: {message}" if source else message)
        self.reason = message
        self.source = source


class ItemNotFound(StylistError):
    """No garment with that id belongs to this user."""

    def __init__(self, item_id: str) -> None:
        super().__init__(f"no item {item_id!r} in your wardrobe")
        self.item_id = item_id


class WardrobeEmpty(StylistError):
    """The user has no garments yet."""

    def __init__(self) -> None:
        super().__init__("your wardrobe is empty: send me photos of your clothes first")


class InvalidTag(StylistError):
    """A tag correction names a field or value outside the vocabulary."""


class InvalidUser(StylistError):
    """A user id is empty, too long or contains characters we do not store."""


class EncoderUnavailable(StylistError):
    """The configured encoder backend cannot be loaded here."""


class DatabaseUnavailable(StylistError):
    """The SQL database named by the settings cannot be opened or reached."""


class NoLookPossible(StylistError):
    """The wardrobe cannot make a look for this request; ``missing`` names what would help."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        what = ", ".join(self.missing) if self.missing else "more clothes"
        super().__init__(f"I can't put a look together yet: add {what}")


class WeatherUnavailable(StylistError):
    """No live weather could be had (timeout, HTTP error, malformed answer)."""


class ForecastOutOfRange(WeatherUnavailable):
    """The day is outside the range the forecast service covers."""


class PolyvoreError(StylistError):
    """The folder is not a readable Polyvore Outfits data set."""


class InvalidSetting(StylistError):
    """A profile setting (time zone, push time, days, place) the stylist cannot use; the message says why."""


class NotInWardrobe(StylistError):
    """A look holds an item the user does not own (a photo asked about), so it cannot be worn or rated yet."""

    def __init__(self) -> None:
        super().__init__("that look has something you don't own yet: add its photo to your wardrobe first")


# ---- the shop's catalog ----------------------------------------------------------------------------------


class FeedError(StylistError):
    """A catalog feed cannot be read at all (missing, empty, not CSV or JSON Lines, required columns missing)."""


class CatalogEmpty(StylistError):
    """There is no catalog to search (no feed imported and the demonstration catalog turned off)."""

    def __init__(self) -> None:
        super().__init__("no shop catalog yet: import one with `stylist catalog import FEED`")


class InvalidFilter(StylistError):
    """A search request that cannot mean anything: a negative or non-numeric price, a minimum above the maximum,
    or a number of results out of range."""
