"""Shared test support: the offline guard, per-test stores (SQLite or PostgreSQL) and photo helpers."""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from engine.types import PhotoInput

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples" / "wardrobe"
# The real CC0 photos (../shared/data); tests reach them only through the ``shared_data`` fixture, which skips without
# them. Where a test only needs real photos, the bundled samples (``SAMPLES``) serve and nothing skips.
SHARED_DATA = Path(os.environ.get("STYLIST_SHARED_DATA", REPO.parent / "shared" / "data"))

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback_only(address: Any) -> None:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            ok = ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise RuntimeError(f"tests are offline: refused a connection to {host}")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _loopback_only(address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _loopback_only(address)
    return _real_connect_ex(self, address)


def install_network_guard() -> None:
    """Fail any connection to a non-loopback address for the rest of the test run."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


def sample_photo(name: str) -> PhotoInput:
    """Return a bundled sample photo as the engine receives it."""
    path = SAMPLES / name
    return PhotoInput(path.read_bytes(), name)


def sample_names(prefix: str = "") -> list[str]:
    """Return the bundled sample photo names, optionally of one class (e.g. ``shoes``)."""
    return sorted(p.name for p in SAMPLES.glob(f"{prefix}*.jpg"))


async def fresh_database_url(tmp_path: Path) -> AsyncIterator[str]:
    """Yield a database URL of its own for one test: a SQLite file, or a new PostgreSQL database."""
    admin_url = os.environ.get("STYLIST_TEST_DATABASE_URL")
    if not admin_url:
        yield f"sqlite+aiosqlite:///{tmp_path / 'stylist.db'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(admin_url)
    name = f"stylist_test_{secrets.token_hex(4)}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()
