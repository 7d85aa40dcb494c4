"""Reading one chat message from an HTTP request, with every size checked before anything is read whole.

A message is either a multipart form (a ``text`` field and any number of ``photos`` files) or a JSON body
``{"action": "<encoded payload>", "label": "<button text>"}``. The multipart body is streamed part by part in
chunks: the declared length, the number of photos, each photo's size, the total and the text are capped as
they arrive, so a 30 MB photo costs at most ``max_image_bytes`` of memory and is rejected whole. Nothing is
stored here; a rejected message leaves no trace.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from aiohttp import BodyPartReader, web

from bot.web import texts
from dialog.messages import Action, InvalidAction, Photo

MAX_TEXT_CHARS = 4000  # Telegram's limit is 4096: one message means the same on every front-end
MAX_PHOTOS = 30
MAX_LABEL_CHARS = 80
MAX_JSON_BYTES = 4096
_CHUNK = 256 * 1024
_NAME_JUNK = re.compile(r"[\x00-\x1f\x7f/\\]+")


class UploadRejected(Exception):
    """A message the web chat will not pass on; ``message`` is safe to show the user."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Upload:
    """What a browser sent: text and photos, or a pressed button (with its label for the transcript)."""

    text: str = ""
    photos: tuple[Photo, ...] = ()
    action: Action | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Limits:
    """The caps a message must fit in."""

    max_file_bytes: int
    max_total_bytes: int
    max_photos: int = MAX_PHOTOS
    max_text_chars: int = MAX_TEXT_CHARS


async def read_message(request: web.Request, limits: Limits) -> Upload:
    """Read a chat message from ``request``, raising ``UploadRejected`` with a clear reason."""
    declared = request.content_length
    if declared is not None and declared > limits.max_total_bytes:
        raise UploadRejected(texts.too_much(declared, limits.max_total_bytes), status=413)
    if request.content_type == "application/json":
        return await _read_action(request)
    if request.content_type != "multipart/form-data":
        raise UploadRejected(texts.BAD_REQUEST, status=415)
    upload = await _read_form(request, limits)
    if not upload.text and not upload.photos:
        raise UploadRejected(texts.EMPTY)
    return upload


async def _read_action(request: web.Request) -> Upload:
    body = bytearray()
    while len(body) <= MAX_JSON_BYTES and (chunk := await request.content.read(MAX_JSON_BYTES + 1 - len(body))):
        body += chunk  # read() returns what has arrived so far: a body may come in several pieces
    if len(body) > MAX_JSON_BYTES:
        raise UploadRejected(texts.BAD_REQUEST, status=413)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise UploadRejected(texts.BAD_REQUEST) from None
    if not isinstance(data, dict):
        raise UploadRejected(texts.BAD_REQUEST)
    try:
        action = Action.decode(data.get("action"))
    except InvalidAction:
        raise UploadRejected(texts.STALE_BUTTON) from None
    label = data.get("label")
    label = _clean_text(label)[:MAX_LABEL_CHARS] if isinstance(label, str) else ""
    return Upload(action=action, label=label)


async def _read_form(request: web.Request, limits: Limits) -> Upload:
    reader = await request.multipart()
    text = ""
    photos: list[Photo] = []
    total = 0
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise UploadRejected(texts.BAD_REQUEST)
        if part.filename is not None:
            if len(photos) >= limits.max_photos:
                raise UploadRejected(texts.too_many_photos(limits.max_photos), status=413)
            name = _clean_name(part.filename, len(photos) + 1)
            data = await _read_capped(part, limits.max_file_bytes, texts.too_big(name, limits.max_file_bytes))
            total += len(data)
            if total > limits.max_total_bytes:
                raise UploadRejected(texts.too_much(total, limits.max_total_bytes), status=413)
            if data:  # a browser sends an empty, nameless file part when no file was chosen
                photos.append(Photo(data=data, name=name))
        elif part.name == "text":
            raw = await _read_capped(part, limits.max_text_chars * 4, texts.too_long(limits.max_text_chars))
            text = _clean_text(raw.decode("utf-8", errors="replace"))
            if len(text) > limits.max_text_chars:
                raise UploadRejected(texts.too_long(limits.max_text_chars), status=413)
        else:
            await _read_capped(part, MAX_JSON_BYTES, texts.BAD_REQUEST)  # unknown field: skip, bounded
    return Upload(text=text, photos=tuple(photos))


async def _read_capped(part: BodyPartReader, cap: int, too_big_message: str) -> bytes:
    """Read one part in chunks, stopping with ``too_big_message`` as soon as it passes ``cap`` bytes."""
    buffer = bytearray()
    while chunk := await part.read_chunk(_CHUNK):
        buffer += chunk
        if len(buffer) > cap:
            raise UploadRejected(too_big_message, status=413)
    return bytes(buffer)


def _clean_text(text: str) -> str:
    """Return the text without surrounding blanks and without NUL characters (which SQL rejects)."""
    return text.replace("\x00", "").strip()


def _clean_name(filename: str, number: int) -> str:
    """Return a file name fit to show: no folders, no control characters, at most 100 characters."""
    name = _NAME_JUNK.sub("_", filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" ._")
    return name[-100:] if name else f"photo-{number}.jpg"
