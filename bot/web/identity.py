"""Who a browser is: a random id in an HMAC-signed cookie, and the optional access token.

The cookie holds ``<browser id>.<signature>``; a cookie whose signature does not verify (forged, tampered, or
signed by another installation) is ignored and the browser gets a fresh id, so no one can claim another
browser's transcript or wardrobe by editing a cookie. The signing key comes from ``STYLIST_WEB_SECRET`` or is
generated once and kept, readable by its owner only, in the data folder.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from config.settings import Settings

COOKIE = "stylist_id"
TOKEN_COOKIE = "stylist_token"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest lifetime browsers keep (Chrome caps at 400 days)
_BROWSER_ID = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 16 random bytes, base64url without padding
_SIGNATURE_CHARS = 32


def load_secret(settings: Settings) -> bytes:
    """Return the cookie signing key: ``STYLIST_WEB_SECRET``, else one generated once and stored 0600."""
    if settings.web_secret is not None:
        return settings.web_secret.get_secret_value().encode()
    path = settings.data_dir / "web_secret"
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return _read_key(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return _read_key(path)


def _read_key(path: Path) -> bytes:
    key = path.read_text().strip()
    if len(key) < 32:
        raise ValueError(f"{path} holds no usable key: delete it and a new one is made at start")
    return key.encode()


class CookieSigner:
    """Issues and verifies signed browser ids."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _signature(self, browser_id: str) -> str:
        digest = hmac.new(self._secret, b"browser:" + browser_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_SIGNATURE_CHARS]

    def new_browser(self) -> tuple[str, str]:
        """Return a fresh browser id and its cookie value."""
        browser_id = secrets.token_urlsafe(16)
        return browser_id, f"{browser_id}.{self._signature(browser_id)}"

    def verify(self, cookie: str | None) -> str | None:
        """Return the browser id of a genuine cookie value, or None for a missing, forged or tampered one."""
        if not cookie or len(cookie) > 100 or "." not in cookie:
            return None
        browser_id, _, signature = cookie.partition(".")
        if not _BROWSER_ID.match(browser_id):
            return None
        if not hmac.compare_digest(signature.encode(), self._signature(browser_id).encode()):
            return None
        return browser_id


def token_matches(given: str | None, token: str) -> bool:
    """Return True when ``given`` is the access token (constant-time comparison)."""
    return bool(given) and hmac.compare_digest(str(given).encode(), token.encode())
