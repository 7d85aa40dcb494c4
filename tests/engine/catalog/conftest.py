"""A local shop for the catalog tests: an aiohttp server on 127.0.0.1 serving real photos and every kind of failure."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiohttp import web

from config.settings import Settings
from tests._fake_server import serve_loopback
from tests._support import SAMPLES


@dataclass
class Shop:
    """The running server: its base URL and how often each path was asked for."""

    url: str
    hits: dict[str, int] = field(default_factory=dict)


def _app(hits: dict[str, int]) -> web.Application:
    async def count(request: web.Request) -> None:
        hits[request.path] = hits.get(request.path, 0) + 1

    async def photo(request: web.Request) -> web.StreamResponse:
        await count(request)
        path = SAMPLES / request.match_info["name"]
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.Response(body=path.read_bytes(), content_type="image/jpeg")

    async def slow(request: web.Request) -> web.StreamResponse:
        await count(request)
        await asyncio.sleep(5)
        return web.Response(body=(SAMPLES / "shirt-1.jpg").read_bytes(), content_type="image/jpeg")

    async def huge_declared(request: web.Request) -> web.StreamResponse:
        await count(request)
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg", "Content-Length": str(500 * 2**20)})
        await response.prepare(request)
        await response.write(b"\xff\xd8" + b"\0" * 1024)
        return response

    async def huge_streamed(request: web.Request) -> web.StreamResponse:
        await count(request)
        response = web.StreamResponse(headers={"Content-Type": "image/jpeg"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(64):  # 4 MiB without a Content-Length
            await response.write(b"\0" * 65536)
        return response

    async def flaky(request: web.Request) -> web.StreamResponse:
        await count(request)
        if hits[request.path] == 1:
            raise web.HTTPServiceUnavailable()
        return web.Response(body=(SAMPLES / "pants-1.jpg").read_bytes(), content_type="image/jpeg")

    async def moved(request: web.Request) -> web.StreamResponse:
        await count(request)
        raise web.HTTPFound(f"/img/{request.match_info['name']}")

    app = web.Application()
    app.router.add_get("/img/{name}", photo)
    app.router.add_get("/slow.jpg", slow)
    app.router.add_get("/huge-declared.jpg", huge_declared)
    app.router.add_get("/huge-streamed.jpg", huge_streamed)
    app.router.add_get("/flaky.jpg", flaky)
    app.router.add_get("/moved/{name}", moved)
    return app


@pytest.fixture
async def shop() -> AsyncIterator[Shop]:
    """A photo server on 127.0.0.1 (a free port)."""
    hits: dict[str, int] = {}
    runner, root = await serve_loopback(_app(hits))
    yield Shop(root, hits)
    await runner.cleanup()


@pytest.fixture
def shop_settings(stylist_settings: Settings) -> Settings:
    """The test stylist's settings, allowed to fetch from the loopback shop, quick to give up, no demo catalog."""
    return stylist_settings.model_copy(update={
        "catalog_allow_private": True, "catalog_fetch_timeout_s": 1.0, "catalog_fetch_retries": 1,
        "catalog_max_image_bytes": 2 * 2**20, "catalog_demo": False})


@pytest.fixture
async def shop_stylist(shop_settings: Settings, encoder) -> AsyncIterator:
    """A stylist on fresh stores with the settings above."""
    from engine import Stylist

    opened = await Stylist.open(shop_settings, encoder=encoder)
    yield opened
    await opened.close()


def write_feed(folder: Path, rows: list[str], name: str = "feed.csv",
               header: str = "id,title,image,url,price,currency,brand,category") -> Path:
    """Write a CSV feed (a header and rows) and return its path."""
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


FeedWriter = Callable[..., Path]
