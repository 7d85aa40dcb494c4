"""One asyncio lock per chat key, so two turns of one user never interleave; a bounded cache of them."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # turns holding or waiting for the lock: an entry in use is never evicted


class KeyedLocks:
    """Locks by key, keeping at most ``capacity`` idle ones (least recently used go first)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    @asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        """Hold the lock of ``key`` for the duration of the block."""
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        self._entries.move_to_end(key)
        entry.users += 1
        self._evict()
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1

    def _evict(self) -> None:
        if len(self._entries) <= self.capacity:
            return
        idle = [key for key, entry in self._entries.items() if entry.users == 0]
        for key in idle[: max(0, len(self._entries) - self.capacity)]:
            del self._entries[key]
