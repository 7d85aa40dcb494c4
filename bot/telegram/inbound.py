"""Telegram message -> ``Incoming``: text, the largest size of a photo, images sent as files, locations.

Anything the dialog cannot take (stickers, voice, videos, PDFs, files over the size limit) becomes a
``Refusal`` with a clear answer, and nothing is downloaded for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from datetime import timedelta

from telegram import Bot, Document, File, Message, PhotoSize
from telegram.error import BadRequest, NetworkError, RetryAfter

from bot import texts
from dialog.messages import ChatKey, Incoming, Photo

log = logging.getLogger(__name__)

PLATFORM = "telegram"
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/tiff",
                         "image/heic", "image/heif"})
_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff", ".heic", ".heif")


@dataclass(frozen=True, slots=True)
class Refusal:
    """A message answered by the adapter itself, because it carries nothing the dialog can read."""

    text: str


def use_timedelta_periods() -> None:
    """Opt in to python-telegram-bot's timedelta time periods (``PTB_TIMEDELTA``, the default of its next major
    version): without it, PTB 22.2+ warns each time it raises ``RetryAfter``. A value set outside is kept."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")


def retry_seconds(exc: RetryAfter) -> float:
    """Return how long flood control asks to wait, in seconds: PTB gives it as a timedelta or (opted out) a number."""
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def chat_key(message: Message) -> ChatKey | None:
    """Return who wrote a message (None for channel posts and other messages without a person)."""
    if message.from_user is None or message.from_user.is_bot:
        return None
    return ChatKey(PLATFORM, str(message.chat.id), str(message.from_user.id))


def largest(sizes: tuple[PhotoSize, ...]) -> PhotoSize:
    """Return the biggest of the sizes Telegram offers for one photo."""
    return max(sizes, key=lambda size: (size.width * size.height, size.file_size or 0))


def _is_image(document: Document) -> bool:
    mime = (document.mime_type or "").lower()
    name = (document.file_name or "").lower()
    return mime in IMAGE_TYPES or (not mime and name.endswith(_EXTENSIONS))


def _describe(document: Document) -> str:
    name = document.file_name or ""
    extension = name.rsplit(".", 1)[-1].upper() if "." in name else ""
    if (document.mime_type or "") == "application/pdf" or extension == "PDF":
        return "a PDF"
    return f"a {extension} file" if extension else "that kind of file"


def refusal_for(message: Message, max_bytes: int) -> Refusal | None:
    """Return the answer for a message the dialog cannot take, or None when it carries something usable."""
    if message.sticker is not None:
        return Refusal(texts.STICKER)
    if message.voice is not None or message.audio is not None:
        return Refusal(texts.VOICE)
    if message.video is not None or message.video_note is not None or message.animation is not None:
        return Refusal(texts.VIDEO)
    if message.document is not None and not _is_image(message.document):
        return Refusal(texts.NOT_AN_IMAGE.format(kind=_describe(message.document)))
    media = message.document or (largest(message.photo) if message.photo else None)
    if media is not None and (media.file_size or 0) > max_bytes:
        return Refusal(texts.TOO_BIG.format(size=round((media.file_size or 0) / 2**20), limit=max_bytes // 2**20))
    if media is None and message.text is None and message.location is None:
        return Refusal(texts.UNSUPPORTED)
    return None


async def _get_file(bot: Bot, file_id: str, tries: int = 3) -> File:
    """Call getFile, waiting out flood control (this bot has no rate limiter of its own)."""
    for _ in range(tries - 1):
        try:
            return await bot.get_file(file_id)
        except RetryAfter as exc:
            await asyncio.sleep(min(30.0, retry_seconds(exc)))
    return await bot.get_file(file_id)


async def download(bot: Bot, file_id: str, name: str, max_bytes: int) -> Photo | Refusal:
    """Fetch one file's bytes through getFile; a failure or an oversized file becomes a ``Refusal``."""
    try:
        remote = await _get_file(bot, file_id)
        if (remote.file_size or 0) > max_bytes:
            return Refusal(texts.TOO_BIG.format(size=round((remote.file_size or 0) / 2**20),
                                                limit=max_bytes // 2**20))
        data = bytes(await remote.download_as_bytearray())
    except BadRequest as exc:  # e.g. "file is too big" from the Bot API's own 20 MB limit
        log.info("getFile refused %s: %s", name, exc)
        return Refusal(texts.DOWNLOAD_FAILED)
    except NetworkError as exc:
        log.warning("download of %s failed: %s", name, exc)
        return Refusal(texts.DOWNLOAD_FAILED)
    if len(data) > max_bytes:
        return Refusal(texts.TOO_BIG.format(size=round(len(data) / 2**20), limit=max_bytes // 2**20))
    return Photo(data=data, name=name)


async def photo_of(bot: Bot, message: Message, max_bytes: int) -> Photo | Refusal | None:
    """Download the photo a message carries (its largest size, or an image sent as a file); None if none."""
    if message.photo:
        size = largest(message.photo)
        return await download(bot, size.file_id, f"{size.file_unique_id}.jpg", max_bytes)
    if message.document is not None and _is_image(message.document):
        document = message.document
        return await download(bot, document.file_id, document.file_name or f"{document.file_unique_id}.jpg",
                               max_bytes)
    return None


async def accepted_incoming(bot: Bot, message: Message, key: ChatKey, max_bytes: int) -> Incoming | Refusal:
    """Translate a (non-album) message ``refusal_for`` let through: its text or caption, its photo, or its location
    (a failed or oversized download is still a ``Refusal``)."""
    if message.location is not None:
        return Incoming(key, location=(message.location.latitude, message.location.longitude))
    photo = await photo_of(bot, message, max_bytes)
    if isinstance(photo, Refusal):
        return photo
    text = message.text if message.text is not None else (message.caption or "")
    return Incoming(key, text=text, photos=(photo,) if photo is not None else ())
