"""Garments in SQL: the one place that knows how to read, write and delete a user's garment rows.

Every read a user can see goes through ``visible``/``by_ids``/``one``: rows of that user whose vector is in the
index (``indexed``), so a half-written garment never shows and no query forgets the owner.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import String, cast, delete, update
from sqlmodel import col, select

from config.vocabulary import Vocabulary
from engine.errors import ItemNotFound
from engine.storage.db import Database, GarmentRow, WearRow
from engine.types import Color, Garment, Tags

_ITEM_ID = re.compile(r"^[0-9a-f]{10}$")


def vector_of(row: GarmentRow) -> np.ndarray:
    """Return the stored style embedding of a row (float32)."""
    return np.frombuffer(row.embedding, dtype=np.float32)


class GarmentRepository:
    """Reads and writes garment rows; every user-facing read is scoped to the owner and to visible rows."""

    def __init__(self, db: Database, vocabulary: Vocabulary) -> None:
        self.db = db
        self.vocabulary = vocabulary

    def to_garment(self, row: GarmentRow) -> Garment:
        """Return the garment a row stores, the user's corrections applied."""
        return row_to_garment(row, vocabulary=self.vocabulary)

    async def visible(self, user_id: str) -> list[GarmentRow]:
        """Return every visible garment row of a user, oldest first."""
        async with self.db.session() as session:
            return list((await session.exec(
                select(GarmentRow)
                .where(GarmentRow.user_id == user_id, GarmentRow.indexed == True)  # noqa: E712
                .order_by(col(GarmentRow.created_at), col(GarmentRow.id))
            )).all())

    async def by_ids(self, user_id: str, ids: Collection[str]) -> dict[str, GarmentRow]:
        """Return the visible rows of this user among ``ids`` (the index is never trusted with ownership)."""
        if not ids:
            return {}
        async with self.db.session() as session:
            rows = (await session.exec(select(GarmentRow).where(
                col(GarmentRow.id).in_(list(ids)),
                GarmentRow.user_id == user_id,
                GarmentRow.indexed == True,  # noqa: E712
            ))).all()
        return {row.id: row for row in rows}

    async def one(self, user_id: str, item_id: str) -> GarmentRow:
        """Return one visible row of this user, or raise ``ItemNotFound``."""
        if not isinstance(item_id, str) or not _ITEM_ID.match(item_id):
            raise ItemNotFound(str(item_id)[:40])
        async with self.db.session() as session:
            row = await session.get(GarmentRow, item_id)
        if row is None or row.user_id != user_id or not row.indexed:
            raise ItemNotFound(item_id)
        return row

    async def by_hashes(self, user_id: str, hashes: Collection[str]) -> dict[str, GarmentRow]:
        """Return this user's rows (visible or not) by image hash, to recognise a photo sent again."""
        async with self.db.session() as session:
            rows = (await session.exec(select(GarmentRow).where(
                GarmentRow.user_id == user_id, col(GarmentRow.image_hash).in_(list(hashes))))).all()
        return {row.image_hash: row for row in rows}

    async def corrected(self, user_id: str, encoder: str) -> list[GarmentRow]:
        """Return this user's visible rows that carry corrections and an embedding of ``encoder`` (the examples
        new photos learn from; another user's corrections never are)."""
        async with self.db.session() as session:
            return [row for row in (await session.exec(select(GarmentRow).where(
                GarmentRow.user_id == user_id,
                GarmentRow.indexed == True,  # noqa: E712
                GarmentRow.encoder == encoder,
                cast(GarmentRow.corrections, String) != "{}",
            ))).all() if row.corrections]

    async def half_done(self) -> list[GarmentRow]:
        """Return rows a crash left between the SQL write and the vector write."""
        async with self.db.session() as session:
            return list((await session.exec(select(GarmentRow).where(GarmentRow.indexed == False))).all())  # noqa: E712

    async def every(self, user_ids: Collection[str] | None = None) -> list[GarmentRow]:
        """Return all rows (of these users), visible or not: for maintenance and training, never for a user."""
        query = select(GarmentRow)
        if user_ids is not None:
            query = query.where(col(GarmentRow.user_id).in_(list(user_ids)))
        async with self.db.session() as session:
            return list((await session.exec(query)).all())

    async def add(self, rows: Sequence[GarmentRow]) -> None:
        """Insert new (still invisible) rows."""
        async with self.db.session() as session:
            session.add_all(rows)
            await session.commit()

    async def mark_indexed(self, rows: Sequence[GarmentRow]) -> None:
        """Make rows visible: their vectors are in the index."""
        async with self.db.session() as session:
            await session.exec(
                update(GarmentRow).where(col(GarmentRow.id).in_([row.id for row in rows])).values(indexed=True)
            )
            await session.commit()
        for row in rows:
            row.indexed = True

    async def save(self, rows: Sequence[GarmentRow]) -> None:
        """Write changed rows back (e.g. new embeddings after an encoder change)."""
        async with self.db.session() as session:
            for row in rows:
                session.add(row)
            await session.commit()

    async def correct(self, item_id: str, corrections: dict[str, Any], at: datetime) -> GarmentRow:
        """Merge checked corrections into a row; return the updated row."""
        async with self.db.session() as session:
            fresh = await session.get(GarmentRow, item_id)
            if fresh is None:  # removed meanwhile
                raise ItemNotFound(item_id)
            fresh.corrections = {**fresh.corrections, **corrections}
            fresh.updated_at = at
            session.add(fresh)
            await session.commit()
            await session.refresh(fresh)
        return fresh

    async def set_laundry(self, item_id: str, in_laundry: bool, at: datetime) -> None:
        """Set the laundry flag of a row."""
        async with self.db.session() as session:
            await session.exec(
                update(GarmentRow).where(col(GarmentRow.id) == item_id).values(in_laundry=in_laundry, updated_at=at)
            )
            await session.commit()

    async def delete(self, item_id: str) -> None:
        """Delete a row and its wear history."""
        async with self.db.session() as session:
            await session.exec(delete(WearRow).where(col(WearRow.item_id) == item_id))
            await session.exec(delete(GarmentRow).where(col(GarmentRow.id) == item_id))
            await session.commit()

    async def referenced(self, hashes: Collection[str]) -> set[str]:
        """Return which of these blob hashes a row still uses (as its image or its thumbnail)."""
        if not hashes:
            return set()
        async with self.db.session() as session:
            images = (await session.exec(
                select(GarmentRow.image_hash).where(col(GarmentRow.image_hash).in_(list(hashes))))).all()
            thumbs = (await session.exec(
                select(GarmentRow.thumb_hash).where(col(GarmentRow.thumb_hash).in_(list(hashes))))).all()
        return set(images) | set(thumbs)


def row_to_garment(row: GarmentRow, *, vocabulary: Vocabulary) -> Garment:
    """Return the garment a row stores, with the user's corrections applied over the model's tags."""
    tags = dict(row.tags)
    confidence = dict(tags.pop("confidence", {}))
    # a field the user corrected is theirs now, not learned from another garment
    learned = {k: v for k, v in tags.pop("learned_from", {}).items() if k not in row.corrections}
    for field, value in row.corrections.items():
        tags[field] = value
        confidence[field] = 1.0
    colors = tags["colors"]
    if "colors" in row.corrections:
        names = row.corrections["colors"]
        palette = vocabulary.palette
        colors = [{"name": n, "hex": palette.get(n, "#808080"), "share": 1.0 / len(names)} for n in names]
    return Garment(
        id=row.id,
        user_id=row.user_id,
        tags=Tags(
            category=tags["category"],
            type=tags["type"],
            colors=tuple(Color(c["name"], c["hex"], float(c["share"])) for c in colors),
            pattern=tags["pattern"],
            formality=tags["formality"],
            seasons=tuple(tags["seasons"]),
            confidence=confidence,
            learned_from=learned,
            candidates=tuple(tags.get("candidates", ())) if tags["category"] == "other" else (),
        ),
        corrected=tuple(sorted(row.corrections)),
        image_hash=row.image_hash,
        thumb_hash=row.thumb_hash,
        in_laundry=row.in_laundry,
        created_at=row.created_at,
        source_name=row.source_name,
    )
