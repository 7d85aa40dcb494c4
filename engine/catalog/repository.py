"""Products in SQL: the one place that reads and writes product rows and the log of products shown in pushes."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, func
from sqlmodel import col, select

from engine.catalog.index import IndexedProduct
from engine.catalog.types import Product
from engine.storage.db import Database, ProductRow, ProductShownRow
from engine.types import Color, Tags


def product_vector(row: ProductRow) -> np.ndarray:
    """Return the stored style embedding of a product (float32)."""
    return np.frombuffer(row.embedding, dtype=np.float32)


def tags_from_dict(data: dict[str, Any]) -> Tags:
    """Return the tags stored as a dict."""
    return Tags(category=data["category"], type=data["type"],
                colors=tuple(Color(c["name"], c["hex"], float(c["share"])) for c in data["colors"]),
                pattern=data["pattern"], formality=data["formality"], seasons=tuple(data["seasons"]),
                confidence=dict(data.get("confidence", {})))


def tags_of(row: ProductRow) -> Tags:
    """Return the tags a product row stores."""
    return tags_from_dict(row.tags)


def to_product(row: ProductRow) -> Product:
    """Return the product a row stores."""
    return Product(id=row.id, title=row.title, url=row.url, price=row.price, currency=row.currency,
                   brand=row.brand, tags=tags_of(row), feed=row.feed, gender=row.gender)


def indexed_of(row: ProductRow) -> IndexedProduct:
    """Return what the vector index keeps of a product."""
    return IndexedProduct(row.id, row.tags["category"], row.tags["type"], row.brand, row.price)


class ProductRepository:
    """Reads and writes product rows; readers see only rows whose vector is in the index."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def all_rows(self, *, visible_only: bool = True) -> list[ProductRow]:
        """Return every product row (visible ones by default), by id."""
        query = select(ProductRow).order_by(col(ProductRow.id))
        if visible_only:
            query = query.where(ProductRow.indexed == True)  # noqa: E712
        async with self.db.session() as session:
            return list((await session.exec(query)).all())

    async def by_ids(self, ids: Collection[str], *, visible_only: bool = True) -> dict[str, ProductRow]:
        """Return the rows among ``ids``."""
        if not ids:
            return {}
        query = select(ProductRow).where(col(ProductRow.id).in_(list(ids)))
        if visible_only:
            query = query.where(ProductRow.indexed == True)  # noqa: E712
        async with self.db.session() as session:
            return {row.id: row for row in (await session.exec(query)).all()}

    async def count(self) -> int:
        """Return how many visible products there are."""
        async with self.db.session() as session:
            result = await session.exec(select(func.count()).select_from(ProductRow)
                                        .where(ProductRow.indexed == True))  # noqa: E712
            return int(result.one())

    async def feeds(self) -> set[str]:
        """Return the feeds products came from (``demo`` and/or ``shop``)."""
        async with self.db.session() as session:
            return set((await session.exec(select(ProductRow.feed).distinct())).all())

    async def save(self, rows: Sequence[ProductRow]) -> None:
        """Insert or replace rows (merge by id)."""
        async with self.db.session() as session:
            for row in rows:
                await session.merge(row)
            await session.commit()

    async def mark_indexed(self, ids: Sequence[str], now: datetime) -> None:
        """Mark rows visible once their vectors are in the index."""
        rows = await self.by_ids(ids, visible_only=False)
        for row in rows.values():
            row.indexed = True
            row.updated_at = now
        await self.save(list(rows.values()))

    async def delete(self, ids: Collection[str]) -> list[str]:
        """Delete rows by id; return the ids that existed."""
        found = list(await self.by_ids(ids, visible_only=False))
        if found:
            async with self.db.session() as session:
                await session.exec(delete(ProductRow).where(col(ProductRow.id).in_(found)))  # type: ignore[call-overload]
                await session.commit()
        return found

    async def shown_since(self, user_id: str, since: date) -> set[str]:
        """Return the products pushed to ``user_id`` on or after ``since``."""
        async with self.db.session() as session:
            rows = (await session.exec(select(ProductShownRow.product_id).where(
                ProductShownRow.user_id == user_id, col(ProductShownRow.day) >= since))).all()
        return set(rows)

    async def record_shown(self, user_id: str, product_ids: Sequence[str], day: date) -> None:
        """Remember that a push showed these products to ``user_id`` on ``day``."""
        already = await self.shown_since(user_id, day)
        fresh = [pid for pid in dict.fromkeys(product_ids) if pid not in already]
        if fresh:
            async with self.db.session() as session:
                session.add_all([ProductShownRow(user_id=user_id, product_id=pid, day=day) for pid in fresh])
                await session.commit()
