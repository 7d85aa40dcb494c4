"""Who may talk to the web chat, and the headers that keep the page to itself.

- Every response carries a strict Content-Security-Policy: scripts, styles and images from this server only
  (plus ``blob:`` previews of photos being sent), no inline script, no framing, no plugins.
- A state-changing request from another site's page (its ``Origin`` is not this server) is refused; the
  browser cookie is also ``SameSite=Strict``, so such a request could not act as anyone anyway.
- With an access token (required off loopback) every request must carry it: once as ``?token=`` in the
  address (answered with a cookie and a redirect that drops it from the address bar), then by the cookie,
  or as ``Authorization: Bearer``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.web import texts
from bot.web.identity import COOKIE_MAX_AGE, TOKEN_COOKIE, token_matches

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; connect-src 'self'; "
    "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), microphone=(), camera=(self)",
}
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Add the page-protecting headers to every response, errors and static files included."""
    for name, value in _HEADERS.items():
        response.headers.setdefault(name, value)
    if request.path.startswith("/api/"):
        response.headers.setdefault("Cache-Control", "no-store")


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:  # not sent by browsers for same-origin GETs, nor by scripts and tests: nothing to compare
        return True
    return urlsplit(origin).netloc == request.host


def access_middleware(token: str | None) -> Middleware:
    """Return the middleware that refuses cross-site writes and, with a token, everyone without it."""

    @web.middleware
    async def check_access(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method not in _SAFE_METHODS and not _same_origin(request):
            return web.json_response({"error": texts.FORBIDDEN_ORIGIN}, status=403)
        if token is None:
            return await handler(request)
        if token_matches(request.query.get("token"), token):
            response: web.StreamResponse
            if request.method in _SAFE_METHODS:  # drop the token from the address bar and the history
                query = request.rel_url.query.copy()
                query.pop("token")
                response = web.Response(status=303, headers={"Location": str(request.rel_url.with_query(query))})
            else:
                response = await handler(request)
            response.set_cookie(
                TOKEN_COOKIE, token, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Strict",
                secure=request.secure, path="/",
            )
            return response
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if token_matches(request.cookies.get(TOKEN_COOKIE), token) or token_matches(bearer, token):
            return await handler(request)
        if request.path.startswith("/api/"):
            return web.json_response({"error": texts.NEED_TOKEN}, status=401)
        return web.Response(text=texts.NEED_TOKEN, status=401)

    return check_access
