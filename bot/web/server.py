"""The local web chat: one page, a small JSON API, and the start/stop of the HTTP server.

The handlers only translate (HTTP -> ``Incoming`` -> the conversation -> ``Reply`` -> JSON) and remember the
transcript; everything the stylist says comes from the conversation. Start it with one call::

    await run_web(conversation, settings)            # until Ctrl-C / SIGTERM
    server = await start_web(conversation, settings)  # or next to other front-ends; later: await server.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from bot.web import texts
from bot.web.identity import COOKIE, COOKIE_MAX_AGE, CookieSigner, load_secret
from bot.web.render import Images, incoming, is_forgotten, reply_body, user_body
from bot.web.security import access_middleware, add_security_headers
from bot.web.transcript import Transcript
from bot.web.uploads import Limits, UploadRejected, read_message
from config.settings import Settings, SettingsError, check_web_exposure
from dialog.messages import Incoming, Reply

log = logging.getLogger(__name__)

STATIC = Path(str(files("bot.web") / "static"))
MAX_MESSAGE_BYTES = 150 * 1024 * 1024  # about 30 phone photos; each one is also capped by max_image_bytes
_MEDIA = r"{digest:[0-9a-f]{64}}"


class Conversing(Protocol):
    """What the web chat needs from the dialog: one turn in, the replies out."""

    async def handle(self, incoming: Incoming) -> list[Reply]:
        """Answer one turn."""
        ...


class _Locks:
    """One lock per browser, so one browser's turns are answered (and stored) one after the other."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._held.get(key, (asyncio.Lock(), 0))
        self._held[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._held[key]
            if users == 1:
                del self._held[key]
            else:
                self._held[key] = (lock, users - 1)


@dataclass
class WebChat:
    """What the handlers share: the conversation, the transcript, the cookie signer and the caps."""

    conversation: Conversing
    transcript: Transcript
    signer: CookieSigner
    limits: Limits
    locks: _Locks = field(default_factory=_Locks)


CHAT = web.AppKey("chat", WebChat)
BROWSER = web.RequestKey("browser", str)


def browser_of(request: web.Request) -> str:
    """Return the browser id the identity middleware resolved for this request."""
    return request[BROWSER]


@web.middleware
async def identity_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Resolve the signed browser cookie; a missing or forged one gets a fresh id (and a cookie for it)."""
    signer = request.app[CHAT].signer
    browser_id = signer.verify(request.cookies.get(COOKIE))
    issued = None
    if browser_id is None:
        browser_id, issued = signer.new_browser()
    request[BROWSER] = browser_id
    response = await handler(request)
    if issued is not None:
        response.set_cookie(
            COOKIE, issued, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Strict", secure=request.secure, path="/"
        )
    return response


async def page(request: web.Request) -> web.StreamResponse:
    """Serve the chat page."""
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def history(request: web.Request) -> web.Response:
    """Return this browser's transcript, oldest first."""
    chat = request.app[CHAT]
    return web.json_response({"messages": await chat.transcript.history(browser_of(request))})


async def post_message(request: web.Request) -> web.Response:
    """Answer one message (text and photos, or a pressed button) and store the exchange."""
    chat = request.app[CHAT]
    browser_id = browser_of(request)
    try:
        upload = await read_message(request, chat.limits)
    except UploadRejected as exc:
        return web.json_response({"error": exc.message}, status=exc.status)
    async with chat.locks.hold(browser_id):
        try:
            replies = await chat.conversation.handle(incoming(browser_id, upload))
        except Exception:
            log.exception("the conversation failed on a web message")
            return web.json_response({"error": texts.BUSY}, status=500)
        images = Images(chat.transcript)
        turns: list[tuple[str, dict[str, Any]]] = []
        forgotten = is_forgotten(replies)
        if forgotten:  # the user's words and pictures go with everything else; the goodbye stays
            await chat.transcript.forget(browser_id)
        else:
            turns.append(("user", await user_body(upload, images)))
        turns += [("bot", await reply_body(reply, images)) for reply in replies]
        messages = await chat.transcript.append(browser_id, turns, images.stored)
    return web.json_response({"messages": messages, "reset": forgotten})


async def media(request: web.Request) -> web.StreamResponse:
    """Serve an image of this browser's transcript; any other id is not found."""
    chat = request.app[CHAT]
    path = await chat.transcript.image(browser_of(request), request.match_info["digest"])
    if path is None:
        raise web.HTTPNotFound(text=texts.NOT_FOUND)
    return web.FileResponse(path, headers={"Cache-Control": "private, max-age=31536000, immutable"})


def build_web_app(
    conversation: Conversing,
    settings: Settings,
    *,
    transcript: Transcript | None = None,
) -> web.Application:
    """Return the web chat application over ``conversation`` (the transcript is made from settings if not given).

    Its tables come with the database's migrations, which ``Stylist.open`` applies at start.
    """
    token = settings.web_token.get_secret_value() if settings.web_token else None
    store = transcript or Transcript(settings.resolved_database_url, settings.data_dir / "web" / "media")
    limits = Limits(max_file_bytes=settings.max_image_bytes, max_total_bytes=MAX_MESSAGE_BYTES)
    chat = WebChat(conversation, store, CookieSigner(load_secret(settings)), limits)
    app = web.Application(middlewares=[access_middleware(token), identity_middleware])
    app[CHAT] = chat
    app.on_response_prepare.append(add_security_headers)
    app.router.add_get("/", page)
    app.router.add_get("/api/history", history)
    app.router.add_post("/api/message", post_message)
    app.router.add_get(f"/media/{_MEDIA}", media)
    app.router.add_static("/static/", STATIC, show_index=False, follow_symlinks=False)

    async def close_store(_app: web.Application) -> None:
        if transcript is None:
            await store.close()

    app.on_cleanup.append(close_store)
    return app


@dataclass
class WebServer:
    """A running web chat: its address, and how to stop it."""

    url: str
    runner: web.AppRunner

    async def close(self) -> None:
        """Stop listening, finish requests in flight, and close the transcript."""
        await self.runner.cleanup()
        log.info("web chat stopped")


async def start_web(
    conversation: Conversing,
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
) -> WebServer:
    """Start serving the web chat and log its address (``host``/``port`` override the settings, e.g. ``--host``)."""
    host = host or settings.web_host
    port = settings.web_port if port is None else port
    check_web_exposure(host, settings.web_token)
    app = build_web_app(conversation, settings)
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=10)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        await runner.cleanup()
        raise SettingsError(
            f"cannot serve the web chat on {host}:{port} ({exc.strerror or exc}); "
            "choose another port with STYLIST_WEB_PORT or --port"
        ) from None
    bound = runner.addresses[0][1] if runner.addresses else port
    shown = f"[{host}]" if ":" in host else host
    server = WebServer(url=f"http://{shown}:{bound}", runner=runner)
    hint = " (open it with ?token=<your STYLIST_WEB_TOKEN> once)" if settings.web_token else ""
    log.info("Stylist is running at %s%s", server.url, hint)
    return server


async def run_web(
    conversation: Conversing,
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve the web chat until ``stop`` is set, or Ctrl-C / SIGTERM when no ``stop`` is given."""
    server = await start_web(conversation, settings, host=host, port=port)
    try:
        await _until_stopped(stop)
    finally:
        await server.close()


async def _until_stopped(stop: asyncio.Event | None) -> None:
    if stop is not None:
        await stop.wait()
        return
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: Ctrl-C arrives as KeyboardInterrupt
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
    try:
        await stop.wait()
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
