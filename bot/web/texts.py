"""What the web chat itself says (everything else comes from the dialog): short, friendly, concrete."""

from __future__ import annotations

EMPTY = "Type a message or add a photo first."
BAD_REQUEST = "I could not read that message. Please try again."
STALE_BUTTON = "That button no longer works. Please use the buttons under a newer message, or just type."
BUSY = "Something went wrong on my side, sorry. Please try again in a moment."
NEED_TOKEN = (
    "This stylist is shared on a network and needs its access link: open the address that ends in "
    "?token=... (whoever started the stylist has it)."
)
FORBIDDEN_ORIGIN = "That request came from another site, so I ignored it."
NOT_FOUND = "Not found."


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


def too_big(name: str, cap: int) -> str:
    """Say that one photo is over the size limit."""
    return f"{name} is too large: photos can be up to {_mb(cap)}. Nothing was sent; please pick a smaller one."


def too_much(size: int, cap: int) -> str:
    """Say that the whole message is over the size limit."""
    return f"That is {_mb(size)} in one message; the limit is {_mb(cap)}. Nothing was sent; try fewer photos."


def too_many_photos(cap: int) -> str:
    """Say that a message carries more photos than accepted."""
    return f"That is more than {cap} photos in one message. Nothing was sent; please send at most {cap} at a time."


def too_long(cap: int) -> str:
    """Say that a text is longer than accepted."""
    return f"That message is too long: I read up to {cap:,} characters. Nothing was sent; please shorten it."
