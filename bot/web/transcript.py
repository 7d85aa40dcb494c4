"""The web chat's memory: each browser's transcript in SQL and the images it shows, stored by content hash.

Rows say which browser owns which image (``web_media``), so an image is served only to a browser whose
transcript shows it, and forget-me removes a file only when no other browser still shows the same bytes.
Write order: image files first (content-addressed, so rewriting is harmless), then the messages and their
image rows in one transaction; a crash in between leaves at most an unreferenced file that nobody is served.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Index, func
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import Field, SQLModel, col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from engine import open_sql_engine

HISTORY_LIMIT = 300
# Only formats every browser shows and none can carry script (never SVG): magic bytes -> content type.
_IMAGE_MAGIC = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_SUFFIX = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp"}


def _utcnow() -> datetime:
    return datetime.now(UTC)


class WebMessageRow(SQLModel, table=True):
    """One turn shown in a browser's transcript: the user's message or one reply, as the page renders it."""

    __tablename__ = "web_messages"
    __table_args__ = (Index("ix_web_messages_browser_id", "browser_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    browser_id: str = Field(max_length=64)
    role: str = Field(max_length=8)  # "user" or "bot"
    body: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=_utcnow)


class WebMediaRow(SQLModel, table=True):
    """An image a browser's transcript shows (its own upload or a reply's picture)."""

    __tablename__ = "web_media"

    browser_id: str = Field(primary_key=True, max_length=64)
    hash: str = Field(primary_key=True, max_length=64, index=True)
    content_type: str = Field(max_length=32)


def sniff_image(data: bytes) -> str | None:
    """Return the content type of JPEG, PNG, GIF or WebP bytes, or None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in _IMAGE_MAGIC if data.startswith(magic)), None)


class MediaFiles:
    """Image bytes under ``root/ab/<sha256>.<ext>``, written atomically and readable by the owner only."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, digest: str, content_type: str) -> Path:
        """Return where the image with this (validated) hash and type lives."""
        return self.root / digest[:2] / f"{digest}{_SUFFIX[content_type]}"

    def put(self, data: bytes, content_type: str) -> str:
        """Store ``data`` unless already stored; return its sha256."""
        digest = hashlib.sha256(data).hexdigest()
        final = self.path(digest, content_type)
        if final.exists():
            return digest
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def remove(self, digest: str, content_type: str) -> None:
        """Delete one stored image (gone already is fine)."""
        self.path(digest, content_type).unlink(missing_ok=True)


def _as_message(row: WebMessageRow) -> dict[str, Any]:
    return {"id": row.id, "role": row.role, "at": row.created_at.isoformat(), **row.body}


class Transcript:
    """Per-browser transcripts and their images; the only SQL the web chat does."""

    def __init__(self, database_url: str, media_dir: Path) -> None:
        # chat history: a power cut may lose the last lines, never corrupt
        self.engine: AsyncEngine = open_sql_engine(database_url, synchronous="NORMAL")
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self.media = MediaFiles(media_dir)

    async def store_image(self, data: bytes) -> tuple[str, str] | None:
        """Write an image's bytes (JPEG, PNG, GIF or WebP); return (hash, type), or None for anything else."""
        content_type = sniff_image(data)
        if content_type is None:
            return None
        digest = await asyncio.to_thread(self.media.put, data, content_type)
        return digest, content_type

    async def append(
        self, browser_id: str, turns: list[tuple[str, dict[str, Any]]], images: list[tuple[str, str]]
    ) -> list[dict[str, Any]]:
        """Add turns (role, body) and the images they show in one transaction; return them as messages."""
        rows = [WebMessageRow(browser_id=browser_id, role=role, body=body) for role, body in turns]
        async with self._sessions() as session:
            known = set(
                (
                    await session.exec(
                        select(WebMediaRow.hash).where(
                            WebMediaRow.browser_id == browser_id, col(WebMediaRow.hash).in_([h for h, _ in images])
                        )
                    )
                ).all()
            )
            for digest, content_type in dict(images).items():
                if digest not in known:
                    session.add(WebMediaRow(browser_id=browser_id, hash=digest, content_type=content_type))
            session.add_all(rows)
            await session.commit()
        return [_as_message(row) for row in rows]

    async def history(self, browser_id: str, limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
        """Return the browser's last ``limit`` messages, oldest first."""
        async with self._sessions() as session:
            query = (
                select(WebMessageRow)
                .where(WebMessageRow.browser_id == browser_id)
                .order_by(col(WebMessageRow.id).desc())
                .limit(limit)
            )
            rows = (await session.exec(query)).all()
        return [_as_message(row) for row in reversed(rows)]

    async def image(self, browser_id: str, digest: str) -> Path | None:
        """Return the file of an image this browser's transcript shows, or None (unknown or someone else's)."""
        async with self._sessions() as session:
            row = await session.get(WebMediaRow, (browser_id, digest))
        if row is None:
            return None
        path = self.media.path(row.hash, row.content_type)
        return path if path.is_file() else None

    async def forget(self, browser_id: str) -> int:
        """Delete the browser's transcript and the images no other browser shows; return messages deleted."""
        async with self._sessions() as session:
            mine = (await session.exec(select(WebMediaRow).where(WebMediaRow.browser_id == browser_id))).all()
            deleted = await session.exec(delete(WebMessageRow).where(col(WebMessageRow.browser_id) == browser_id))
            await session.exec(delete(WebMediaRow).where(col(WebMediaRow.browser_id) == browser_id))
            await session.commit()
            shared = set()
            if mine:
                query = (
                    select(WebMediaRow.hash, func.count())
                    .where(col(WebMediaRow.hash).in_([m.hash for m in mine]))
                    .group_by(col(WebMediaRow.hash))
                )
                shared = {digest for digest, _ in (await session.exec(query)).all()}
        for media in mine:
            if media.hash not in shared:
                await asyncio.to_thread(self.media.remove, media.hash, media.content_type)
        return int(deleted.rowcount or 0)

    async def close(self) -> None:
        """Dispose of the connection pool."""
        await self.engine.dispose()
