"""Translation both ways: what the browser sent -> ``Incoming``, and ``Reply`` -> the JSON the page renders.

The page receives plain data only (text, image ids, button payloads, links) and sets it as text, never as
markup. Images are stored by content hash and named by it; a button carries its action's encoded payload.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from bot.web.transcript import Transcript
from bot.web.uploads import Upload
from dialog.messages import Button, ChatKey, Incoming, Reply

PLATFORM = "web"
_KINDS = ("look", "garment", "garments", "error", "help", "products")  # reply hints the page may style


def chat_key(browser_id: str) -> ChatKey:
    """Return the conversation key of a browser: its own chat and its own user."""
    return ChatKey(platform=PLATFORM, chat=browser_id, user=browser_id)


def incoming(browser_id: str, upload: Upload) -> Incoming:
    """Return the platform-neutral turn for what a browser sent."""
    return Incoming(key=chat_key(browser_id), text=upload.text, photos=upload.photos, action=upload.action)


class Images:
    """Collects the images one exchange shows, writing each to the media store once."""

    def __init__(self, transcript: Transcript) -> None:
        self._transcript = transcript
        self.stored: list[tuple[str, str]] = []

    async def add(self, data: bytes) -> str | None:
        """Store image bytes; return their id, or None when they are not an image a browser may show."""
        stored = await self._transcript.store_image(data)
        if stored is None:
            return None
        self.stored.append(stored)
        return stored[0]


async def user_body(upload: Upload, images: Images) -> dict[str, Any]:
    """Return the transcript entry of what the user sent (their photos shown as sent, when they are images)."""
    if upload.action is not None:
        return {"text": upload.label or "…", "pressed": True}
    photos = [{"media": await images.add(photo.data), "name": photo.name} for photo in upload.photos]
    return {"text": upload.text, "photos": photos}


async def reply_body(reply: Reply, images: Images) -> dict[str, Any]:
    """Return the transcript entry of one reply, its pictures stored."""
    pictures = []
    for picture in reply.pictures:
        entry: dict[str, Any] = {
            "media": await images.add(picture.data),
            "caption": picture.caption,
            "alt": picture.alt or picture.caption,
            "buttons": _rows(picture.buttons),
        }
        if picture.link is not None and _safe_url(picture.link.url):
            entry["link"] = {"label": picture.link.label, "url": picture.link.url}
        pictures.append(entry)
    body: dict[str, Any] = {
        "text": reply.text,
        "pictures": pictures,
        "buttons": _rows(reply.buttons),
        "links": [{"label": link.label, "url": link.url} for link in reply.links if _safe_url(link.url)],
        "album": reply.album,
    }
    kind = reply.extra.get("kind")
    if kind in _KINDS:
        body["kind"] = kind
    return body


def _rows(rows: Iterable[Iterable[Button]]) -> list[list[dict[str, str]]]:
    return [[{"label": b.label, "payload": b.action.encode()} for b in row] for row in rows]


def _safe_url(url: str) -> bool:
    """Only web links reach the page: a ``javascript:`` or ``data:`` URL from a feed must never be clickable."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_forgotten(replies: Iterable[Reply]) -> bool:
    """Return True when the dialog confirmed forget-me in these replies."""
    return any(reply.extra.get("event") == "forgotten" for reply in replies)
