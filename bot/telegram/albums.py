"""Albums: Telegram delivers a media group as separate messages; collect them into one ``Incoming``.

Each part starts downloading as it arrives; the album is complete once no part has arrived for ``quiet_s``
(about a second: Telegram sends the parts back to back), then it is answered once, photos in message order,
with the caption of whichever part carried one as the album's text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.telegram.inbound import Refusal
from dialog.messages import ChatKey, Incoming, Photo

MAX_PARTS = 10  # Telegram's own limit for one media group

OnAlbum = Callable[[Incoming, list[Refusal]], Awaitable[None]]
# starts a background task for an origin (the first part's update), so errors reach the central handler with it
Spawn = Callable[[Coroutine[Any, Any, None], object], object]


@dataclass(slots=True)
class _Album:
    key: ChatKey
    parts: dict[int, asyncio.Task[Photo | Refusal | None]] = field(default_factory=dict)
    caption: str = ""
    timer: asyncio.TimerHandle | None = None
    origin: object = None


class AlbumCollector:
    """Buffers the parts of each (chat, media group) and hands the whole album on once."""

    def __init__(self, on_album: OnAlbum, spawn: Spawn, quiet_s: float = 1.0) -> None:
        self.on_album = on_album
        self.spawn = spawn
        self.quiet_s = quiet_s
        self._albums: dict[tuple[str, str], _Album] = {}

    def add(self, key: ChatKey, group_id: str, message_id: int, caption: str,
            photo: Awaitable[Photo | Refusal | None], origin: object = None) -> None:
        """Take one part; each part pushes the album's hand-over ``quiet_s`` further out."""
        slot = (key.chat, group_id)
        album = self._albums.setdefault(slot, _Album(key, origin=origin))
        album.parts[message_id] = asyncio.ensure_future(photo)
        album.caption = album.caption or caption
        if album.timer is not None:
            album.timer.cancel()
        album.timer = asyncio.get_running_loop().call_later(self.quiet_s, self._hand_over, slot)

    def _hand_over(self, slot: tuple[str, str]) -> None:
        album = self._albums.pop(slot, None)  # a part arriving after this starts a new album
        if album is not None:
            self.spawn(self._complete(album), album.origin)

    async def _complete(self, album: _Album) -> None:
        results = await asyncio.gather(*(album.parts[i] for i in sorted(album.parts)))
        photos = tuple(r for r in results if isinstance(r, Photo))
        refusals = [r for r in results if isinstance(r, Refusal)]
        await self.on_album(Incoming(album.key, text=album.caption, photos=photos), refusals)

    def flush(self) -> None:
        """Hand every buffered album on now (at shutdown), without waiting for the quiet time."""
        for slot, album in list(self._albums.items()):
            if album.timer is not None:
                album.timer.cancel()
            self._hand_over(slot)
