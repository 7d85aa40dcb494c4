"""HTTP mode: an aiohttp receiver for the Events API, slash commands and interactivity (one URL for all three).

Every request is checked by slack-bolt's request verification: the ``X-Slack-Signature`` HMAC of the body with
the signing secret, and an ``X-Slack-Request-Timestamp`` within five minutes (an old, replayed request is
refused with 401). A timestamp that is not a number is refused here, before bolt would choke on it.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

log = logging.getLogger(__name__)

PATH = "/slack/events"
MAX_BODY = 1 << 20  # an event is a few kB; refuse anything absurd


class EventsReceiver:
    """Listens on ``host:port`` and hands each verified request to the bolt app."""

    def __init__(self, app: AsyncApp, listen: str, path: str = PATH) -> None:
        host, _, port = listen.rpartition(":")
        self.app = app
        self.host, self.port, self.path = host, int(port), path
        self._runner: web.AppRunner | None = None

    def web_app(self) -> web.Application:
        """Return the aiohttp application with the one route."""
        web_app = web.Application(client_max_size=MAX_BODY)
        web_app.router.add_post(self.path, self._receive)
        return web_app

    async def _receive(self, request: web.Request) -> web.Response:
        if not request.headers.get("X-Slack-Request-Timestamp", "").isdigit():
            log.warning("slack: refused a request without a valid timestamp from %s", request.remote)
            return web.Response(status=401, text="invalid request")
        response = await self.app.async_dispatch(await to_bolt_request(request))
        if response.status == 401:
            log.warning("slack: refused a request with a bad signature or an old timestamp from %s", request.remote)
        return await to_aiohttp_response(response)

    async def start(self) -> None:
        """Listen (behind a proxy that terminates HTTPS; Slack only delivers to https:// URLs)."""
        self._runner = web.AppRunner(self.web_app())
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def close_async(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
