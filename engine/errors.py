"""The stylist's domain errors: one root, typed leaves whose messages a user can act on."""

from __future__ import annotations


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


class InvalidSetting(StylistError):
    """A profile setting (time zone, push time, days, place) the stylist cannot use; the message says why."""
