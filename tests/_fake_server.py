"""What the fake platform servers (Telegram's Bot API, Slack's Web API) share: a loopback aiohttp server, a record
of the calls the client made, waiting on that record, and failures injected on demand."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

from aiohttp import web

CallT = TypeVar("CallT")


@dataclass
class Failure:
    """A scripted error: the next ``times`` calls of a method (to ``target``, if given) answer it."""

    status: int
    message: str  # Telegram's ``description``, Slack's ``error``
    retry_after: int | None
    target: int | str | None  # a chat id or a channel
    times: int


def decode_form_value(value: str) -> Any:
    """Decode a form value: the clients JSON-encode lists and objects (keyboards, media, blocks, files)."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


async def serve_loopback(app: web.Application) -> tuple[web.AppRunner, str]:
    """Serve ``app`` on a free port of 127.0.0.1; return its runner (``cleanup()`` stops it) and root URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


class FakeServer(Generic[CallT]):
    """The shared half of a fake server: subclasses add their routes and API methods and append to ``calls``."""

    def __init__(self) -> None:
        self.calls: list[CallT] = []
        self.root = ""
        self._changed = asyncio.Condition()
        self._failures: dict[str, list[Failure]] = {}
        self._holds: dict[str, asyncio.Event] = {}
        self._runner: web.AppRunner | None = None

    async def _listen(self, app: web.Application) -> str:
        """Serve ``app`` on a free loopback port; set and return the root URL."""
        self._runner, self.root = await serve_loopback(app)
        return self.root

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def wait_for(self, done: Callable[[Self], bool], limit_s: float = 60.0) -> None:
        """Wait until ``done(self)`` holds (checked after every call), or fail after ``limit_s`` seconds."""
        async with asyncio.timeout(limit_s):
            async with self._changed:
                await self._changed.wait_for(lambda: done(self))

    async def settle(self, quiet: float = 0.5, limit_s: float = 60.0) -> None:
        """Wait until the client has made no call for ``quiet`` seconds (its answer is complete)."""
        async with asyncio.timeout(limit_s):
            count = -1
            while count != len(self.calls):
                count = len(self.calls)
                await asyncio.sleep(quiet)

    async def _notify(self) -> None:
        """Wake every waiter: something changed."""
        async with self._changed:
            self._changed.notify_all()

    def _inject(self, method: str, failure: Failure) -> None:
        self._failures.setdefault(method, []).append(failure)

    def hold(self, method: str) -> asyncio.Event:
        """Make calls of ``method`` (recorded on arrival) wait to be answered until the returned event is set."""
        return self._holds.setdefault(method, asyncio.Event())

    async def _held(self, method: str) -> None:
        """Wait while ``method`` is held."""
        gate = self._holds.get(method)
        if gate is not None:
            await gate.wait()

    def _take_failure(self, method: str, target: int | str | None) -> Failure | None:
        """Return the scripted failure this call meets (using one of its times up), if any."""
        for failure in self._failures.get(method, []):
            if failure.times > 0 and (failure.target is None or failure.target == target):
                failure.times -= 1
                return failure
        return None
