"""Slack events -> ``Incoming``: who wrote (team + member), the text without mentions, images shared as files.

Identity is (team, member): every Slack turn of a member, in a DM, a channel mention, the slash command or the
App Home, is one conversation keyed ``ChatKey("slack", "T:U", "T:U")``, so the member's wardrobe and dialog state
are theirs alone, wherever they talk. Where the answer goes (DM, thread) is the front-end's business, not the key's.

Files are downloaded with the bot token (``Authorization: Bearer``) from ``url_private_download``; anything that is
not an image, or bigger than the limit, is refused by name before a byte is fetched, and the token is only ever sent
to Slack's own file hosts (or the configured API's host, e.g. a local test server).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot import texts
from dialog.messages import Action, ActionKind, ChatKey, Incoming, Photo
from dialog.understanding import Intent

log = logging.getLogger(__name__)

PLATFORM = "slack"
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "image/bmp", "image/tiff",
                         "image/heic", "image/heif"})
_IMAGE_FILETYPES = frozenset({"jpg", "jpeg", "png", "webp", "gif", "bmp", "tiff", "heic", "heif"})
_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
MAX_FILES = 10  # files handled in one message; Slack allows 10 per message anyway
# Slash command words the dialog takes as a chip; the others are typed words it understands.
CHIP_WORDS = {"help": Intent.HELP, "today": Intent.TODAY, "wardrobe": Intent.WARDROBE,
              "settings": Intent.SETTINGS, "outfit": Intent.OUTFIT}
WORD_ALIASES = {"start": "hi", "forget": "forget me"}


@dataclass(frozen=True, slots=True)
class Refusal:
    """A file (or message) answered by the adapter itself, because the dialog cannot take it."""

    text: str


def member_key(team: str, user: str) -> ChatKey:
    """Return the one conversation of a Slack member: ``slack:<team>:<user>`` owns the wardrobe."""
    member = f"{team}:{user}"
    return ChatKey(PLATFORM, member, member)


def member_of(key: ChatKey) -> tuple[str, str] | None:
    """Return (team, user) of a Slack member key, or None for a key that is not one."""
    team, _, user = key.user.partition(":")
    return (team, user) if key.platform == PLATFORM and team and user else None


def clean_text(text: str | None) -> str:
    """Return a message's words without the mentions of the bot (``<@U123> what to wear?``) and Slack's escapes."""
    words = _MENTION.sub(" ", text or "")
    words = words.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(words.split())


def command_turn(key: ChatKey, words: str) -> Incoming:
    """Return the turn ``/stylist <words>`` stands for: a chip for ``today``/``wardrobe``..., else typed words."""
    first, _, rest = words.strip().partition(" ")
    first = first.lower()
    if not first:
        return Incoming(key, action=Action(ActionKind.INTENT, (Intent.HELP.value,)))
    if first == "outfit" and rest.strip():
        return Incoming(key, text=words.strip())
    if first in CHIP_WORDS and not rest.strip():
        return Incoming(key, action=Action(ActionKind.INTENT, (CHIP_WORDS[first].value,)))
    if first in WORD_ALIASES and not rest.strip():
        return Incoming(key, text=WORD_ALIASES[first])
    return Incoming(key, text=words.strip())


def _is_image(file: Mapping[str, Any]) -> bool:
    mime = str(file.get("mimetype") or "").lower()
    kind = str(file.get("filetype") or "").lower()
    return mime in IMAGE_TYPES or (not mime and kind in _IMAGE_FILETYPES)


def _describe(file: Mapping[str, Any]) -> str:
    kind = str(file.get("filetype") or "").lower()
    name = str(file.get("name") or "")
    extension = kind or (name.rsplit(".", 1)[-1].lower() if "." in name else "")
    if extension == "pdf" or file.get("mimetype") == "application/pdf":
        return "a PDF"
    return f"a {extension.upper()} file" if extension else "that kind of file"


def refusal_for(file: Mapping[str, Any], max_bytes: int) -> Refusal | None:
    """Return the answer for a shared file the dialog cannot take, or None when it is an image within the limit."""
    if not _is_image(file):
        return Refusal(texts.SLACK_NOT_AN_IMAGE.format(kind=_describe(file)))
    size = int(file.get("size") or 0)
    if size > max_bytes:
        return Refusal(texts.TOO_BIG.format(size=round(size / 2**20), limit=max_bytes // 2**20))
    return None


Lookup = Callable[[str], Awaitable[Mapping[str, Any]]]  # files.info: a file's whole object by its id


class FileFetcher:
    """Downloads files shared with the bot, sending the bot token to Slack's file hosts only."""

    def __init__(self, token: str, api_url: str, max_bytes: int, timeout_s: float = 30.0,
                 lookup: Lookup | None = None) -> None:
        self._token = token
        self._lookup = lookup
        self.max_bytes = max_bytes
        self._trusted = {urlsplit(api_url).hostname or ""}
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    def _may_receive_token(self, url: str) -> bool:
        parts = urlsplit(url)
        host = parts.hostname or ""
        slack = parts.scheme == "https" and (host == "slack.com" or host.endswith(".slack.com"))
        return slack or host in self._trusted

    async def fetch(self, file: Mapping[str, Any]) -> Photo | Refusal:
        """Return one shared image's bytes, or a ``Refusal`` saying why it cannot be used."""
        if file.get("file_access") == "check_file_info" and self._lookup is not None and file.get("id"):
            # a file shared from another organisation arrives as a stub: its type, size and URL come from files.info
            file = await self._lookup(str(file["id"]))
        refused = refusal_for(file, self.max_bytes)
        if refused is not None:
            return refused
        url = str(file.get("url_private_download") or file.get("url_private") or "")
        name = str(file.get("name") or f"{file.get('id', 'photo')}.jpg")
        if not url or not self._may_receive_token(url):
            log.warning("slack: refused to fetch %s from an unexpected host", file.get("id"))
            return Refusal(texts.DOWNLOAD_FAILED)
        try:
            data = await self._download(url)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("slack: download of %s failed: %s", file.get("id"), exc)
            return Refusal(texts.DOWNLOAD_FAILED)
        if data is None:
            return Refusal(texts.DOWNLOAD_FAILED)
        if len(data) > self.max_bytes:
            return Refusal(texts.TOO_BIG.format(size=round(len(data) / 2**20), limit=self.max_bytes // 2**20))
        return Photo(data=data, name=name)

    async def _download(self, url: str) -> bytes | None:
        """Read the body up to one byte past the limit (a size that lies is caught without reading it all)."""
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        headers = {"Authorization": f"Bearer {self._token}"}
        async with self._session.get(url, headers=headers, allow_redirects=False) as response:
            if response.status != 200 or response.content_type.startswith("text/html"):
                # Slack answers a missing files:read scope with a redirect to its sign-in page
                log.warning("slack: file download answered %s %s", response.status, response.content_type)
                return None
            return await response.content.read(self.max_bytes + 1)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None


async def to_incoming(fetcher: FileFetcher, key: ChatKey, text: str | None,
                      files: Sequence[Mapping[str, Any]]) -> tuple[Incoming | None, list[Refusal]]:
    """Translate a message's words and shared files; (None, refusals) when nothing usable is left."""
    words = clean_text(text)
    results = await asyncio.gather(*(fetcher.fetch(f) for f in files[:MAX_FILES]))
    photos = tuple(r for r in results if isinstance(r, Photo))
    refusals = [r for r in results if isinstance(r, Refusal)]
    if files and not photos and refusals:
        return None, refusals  # only unusable files: their captions must not become a request of their own
    return Incoming(key, text=words, photos=photos), refusals
