"""Webhook mode: an aiohttp receiver that checks Telegram's secret token header on every request.

Telegram sends the ``secret_token`` given to ``setWebhook`` as ``X-Telegram-Bot-Api-Secret-Token``; a request
without the right one is refused with 403 before its body is read, so no one else can inject updates.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from config.settings import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1 << 20  # an update is a few kB; refuse anything absurd


class WebhookReceiver:
    """Receives updates over HTTPS (behind a proxy) and queues them for the application."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any], settings: Settings) -> None:
        assert settings.telegram_webhook_url and settings.telegram_webhook_secret
        self.app = app
        self.url = settings.telegram_webhook_url
        self.secret = settings.telegram_webhook_secret.get_secret_value()
        self.path = urlsplit(self.url).path or "/"
        host, _, port = settings.telegram_webhook_listen.rpartition(":")
        self.host, self.port = host, int(port)
        self._runner: web.AppRunner | None = None

    def web_app(self) -> web.Application:
        """Return the aiohttp application with the one webhook route."""
        web_app = web.Application(client_max_size=MAX_BODY)
        web_app.router.add_post(self.path, self._receive)
        return web_app

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.warning("telegram webhook: refused a request without the secret token from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        try:
            data = await request.json()
            update = Update.de_json(data, self.app.bot)
        except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError):
            return web.Response(status=400, text="not an update")
        await self.app.update_queue.put(update)
        return web.Response(text="ok")

    async def start(self) -> None:
        """Listen, then tell Telegram where to deliver (with the secret it must send back)."""
        self._runner = web.AppRunner(self.web_app())
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        await self.app.bot.set_webhook(self.url, secret_token=self.secret,
                                       allowed_updates=["message", "callback_query", "my_chat_member"])

    async def stop(self) -> None:
        """Stop listening (the webhook stays registered, so updates wait at Telegram until the next start)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
