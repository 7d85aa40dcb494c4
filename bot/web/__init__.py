"""The local web chat: an aiohttp page and API in front of the conversation (no account, no token on loopback)."""

from bot.web.server import WebServer, build_web_app, run_web, start_web

__all__ = ["WebServer", "build_web_app", "run_web", "start_web"]
