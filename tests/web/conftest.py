"""Fixtures of the web chat tests: the real app over the real conversation, and browsers with their own cookies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import ClientSession, CookieJar, FormData
from aiohttp.test_utils import TestServer

from bot.web import build_web_app
from config.settings import Settings
from engine import FixedClock, Stylist
from tests._support import SAMPLES

# A mild day, so three pieces (a top, a bottom, shoes) make a whole look: no coat needed.
SUMMER_MORNING = datetime(2026, 6, 15, 8, 0, tzinfo=UTC)


def sample(name: str) -> tuple[str, bytes]:
    """Return a bundled sample photo as (file name, bytes)."""
    return name, (SAMPLES / name).read_bytes()


class Browser:
    """One browser: its own cookie jar, talking to the web chat over real HTTP."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.session = ClientSession(cookie_jar=CookieJar(unsafe=True))

    def url(self, path: str) -> str:
        """Return the absolute address of ``path`` on the test server."""
        return str(self.server.make_url(path))

    async def open(self) -> None:
        """Load the page, as a person opening the address does (this sets the browser's cookie)."""
        async with self.session.get(self.url("/")) as response:
            assert response.status == 200

    async def say(self, text: str = "", photos: Sequence[tuple[str, bytes]] = (), **headers: str) -> tuple[int, Any]:
        """Send a message (text and photos, as the page's form does); return (status, JSON)."""
        form = FormData(default_to_multipart=True)  # as browsers send it, photos or not
        form.add_field("text", text)
        for name, data in photos:
            form.add_field("photos", data, filename=name, content_type="image/jpeg")
        async with self.session.post(self.url("/api/message"), data=form, headers=headers) as response:
            return response.status, await response.json()

    async def press(self, payload: str, label: str = "") -> tuple[int, Any]:
        """Press a button (post its encoded action, as the page does); return (status, JSON)."""
        body = json.dumps({"action": payload, "label": label})
        headers = {"Content-Type": "application/json"}
        async with self.session.post(self.url("/api/message"), data=body, headers=headers) as response:
            return response.status, await response.json()

    async def history(self) -> list[dict[str, Any]]:
        """Return the transcript the page would show after a reload."""
        async with self.session.get(self.url("/api/history")) as response:
            assert response.status == 200
            return list((await response.json())["messages"])

    def cookie(self, name: str = "stylist_id") -> str | None:
        """Return this browser's value of a cookie."""
        found = [c.value for c in self.session.cookie_jar if c.key == name]
        return found[0] if found else None


@pytest.fixture
async def stylist(stylist_settings: Settings, encoder: Any, sentences: Any) -> AsyncIterator[Stylist]:
    """A Stylist on fresh stores on a June morning (seasonal weather a shirt and trousers can dress)."""
    opened = await Stylist.open(stylist_settings, encoder=encoder, sentences=sentences,
                                clock=FixedClock(SUMMER_MORNING))
    yield opened
    await opened.close()


@pytest.fixture
async def web_settings(stylist_settings: Settings) -> Settings:
    """The stylist's settings; the web chat keeps its transcript in the same database."""
    return stylist_settings


@pytest.fixture
async def web_server(conversation: Any, web_settings: Settings) -> AsyncIterator[TestServer]:
    """The real web chat app on a loopback port (its tables made by the stylist's migrations)."""
    server = TestServer(build_web_app(conversation, web_settings))
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def browsers(web_server: TestServer) -> AsyncIterator[Callable[[], Browser]]:
    """Return a factory of browsers (each with its own cookies) on the test server."""
    opened: list[Browser] = []

    def open_browser() -> Browser:
        opened.append(Browser(web_server))
        return opened[-1]

    yield open_browser
    for browser in opened:
        await browser.session.close()


def texts_of(messages: list[dict[str, Any]]) -> str:
    """Return every text, caption and button label of messages, for assertions."""
    parts = []
    for m in messages:
        parts.append(m.get("text", ""))
        for p in m.get("pictures", []):
            parts.append(p.get("caption", ""))
        for row in m.get("buttons", []):
            parts += [b["label"] for b in row]
    return "\n".join(parts)


def payloads(message: dict[str, Any]) -> dict[str, str]:
    """Return a message's buttons (its own and its pictures') as label -> payload."""
    rows = list(message.get("buttons", []))
    for picture in message.get("pictures", []):
        rows += picture.get("buttons", [])
    return {b["label"]: b["payload"] for row in rows for b in row}

