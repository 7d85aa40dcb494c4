"""Pacing: start at most ``rate`` sends a second, so thousands of pushes spread out instead of hitting limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

Sleep = Callable[[float], Awaitable[None]]
T = TypeVar("T")


class Pacer:
    """Hands out evenly spaced start times; each caller waits for its own turn."""

    def __init__(self, rate_per_s: float, *, sleep: Sleep = asyncio.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if rate_per_s <= 0:
            raise ValueError("rate_per_s must be positive")
        self.interval = 1.0 / rate_per_s
        self._sleep = sleep
        self._monotonic = monotonic
        self._next = 0.0

    async def wait(self) -> None:
        """Wait for the next free start time."""
        now = self._monotonic()
        start = max(now, self._next)
        self._next = start + self.interval  # reserved before sleeping: no lock needed in one event loop
        if start > now:
            await self._sleep(start - now)


Errors = type[BaseException] | tuple[type[BaseException], ...]


async def retrying(attempt: Callable[[], Awaitable[T]], retry_on: Errors, *, tries: int = 3,
                   base_delay: float = 1.0, sleep: Sleep = asyncio.sleep,
                   delay_of: Callable[[BaseException], float] = lambda exc: 0.0) -> T:
    """Return ``attempt()``'s result, retrying ``retry_on`` errors with exponential backoff (or their own delay)."""
    for i in range(tries - 1):
        try:
            return await attempt()
        except retry_on as exc:
            await sleep(max(base_delay * 2**i, delay_of(exc)))
    return await attempt()  # the last try's error is the caller's
