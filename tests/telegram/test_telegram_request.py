"""The aiohttp request class python-telegram-bot sends everything through: what PTB's own class promises (status and
body back, multipart uploads, TimedOut and NetworkError), against a loopback server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.telegram.request import AiohttpRequest
from tests._fake_server import serve_loopback
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi


@pytest.fixture
async def slow_server() -> AsyncIterator[str]:
    """A loopback server whose /slow answers after 2 s and /echo returns the form it got."""
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(text="late")

    async def echo(request: web.Request) -> web.Response:
        form = await request.post()
        return web.json_response({k: v if isinstance(v, str) else f"file:{v.filename}:{len(v.file.read())}"
                                  for k, v in form.items()})

    app = web.Application()
    app.router.add_get("/slow", slow)
    app.router.add_post("/echo", echo)
    runner, root = await serve_loopback(app)
    yield root
    await runner.cleanup()


def free_port() -> int:
    """Return a loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_real_bot_talks_through_it_uploads_and_downloads_included(bot_api: FakeBotApi) -> None:
    request = AiohttpRequest()
    bot = Bot(TOKEN, base_url=f"{bot_api.root}/bot", base_file_url=f"{bot_api.root}/file/bot", request=request,
              get_updates_request=AiohttpRequest(connections=1))
    async with bot:
        me = await bot.get_me()
        assert me.username == "stylist_test_bot"
        sent = await bot.send_photo(chat_id=1001, photo=b"\xff\xd8 not really a jpeg", caption="a look")
        call = bot_api.sent(1001)[-1]
        assert call.method == "sendPhoto" and call.params["caption"] == "a look"
        assert call.files["photo"] == b"\xff\xd8 not really a jpeg"
        stored = await bot.get_file(sent.photo[-1].file_id)
        assert await stored.download_as_bytearray() == b"\xff\xd8 not really a jpeg"


async def test_a_read_past_its_timeout_is_timed_out(slow_server: str) -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.do_request(f"{slow_server}/slow", "GET", read_timeout=0.2)
    finally:
        await request.shutdown()


async def test_nobody_listening_is_a_network_error_naming_aiohttp() -> None:
    request = AiohttpRequest()
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp.ClientConnectorError"):
            await request.do_request(f"http://127.0.0.1:{free_port()}/x", "GET")
    finally:
        await request.shutdown()


async def test_it_must_be_initialized_and_opens_again_after_a_shutdown(slow_server: str) -> None:
    request = AiohttpRequest()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{slow_server}/echo", "POST")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is harmless
    await request.initialize()
    try:
        status, _ = await request.do_request(f"{slow_server}/echo", "POST")
        assert status == 200
    finally:
        await request.shutdown()
