"""Looks in SQL: the looks shown to a user, what they said about them, and what they wore on which day."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from engine.storage.db import Database, FeedbackRow, LookRow, WearRow


class LookRepository:
    """Reads and writes looks, feedback and the wear log; every query names the user."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def remember(self, user_id: str, looks: Sequence[LookRow]) -> None:
        """Store looks shown to a user unless already stored (so feedback can name them)."""
        async with self.db.session() as session:
            known = set((await session.exec(select(LookRow.id).where(
                LookRow.user_id == user_id, col(LookRow.id).in_([look.id for look in looks])))).all())
            fresh = [look for look in looks if look.id not in known]
            if not fresh:
                return
            session.add_all(fresh)
            try:
                await session.commit()
            except IntegrityError:  # the same look remembered by a concurrent request: nothing to add
                await session.rollback()

    async def items_of(self, user_id: str, look_id: str) -> list[str] | None:
        """Return the item ids of one of the user's looks, or None when they have no such look."""
        async with self.db.session() as session:
            row = await session.get(LookRow, (user_id, look_id))
        return None if row is None else list(row.item_ids)

    async def add_own(self, look: LookRow) -> None:
        """Store a look the user put together, unless it is stored already."""
        async with self.db.session() as session:
            if await session.get(LookRow, (look.user_id, look.id)) is None:
                session.add(look)
                await session.commit()

    async def add_feedback(self, feedback: FeedbackRow, worn_on: date | None) -> None:
        """Store feedback; with ``worn_on`` also log its items as worn that day (once per item and day)."""
        async with self.db.session() as session:
            session.add(feedback)
            if worn_on is not None:
                existing = set((await session.exec(select(WearRow.item_id).where(
                    WearRow.user_id == feedback.user_id, WearRow.day == worn_on))).all())
                for item_id in feedback.item_ids:
                    if item_id not in existing:
                        session.add(WearRow(user_id=feedback.user_id, item_id=item_id, day=worn_on,
                                            look_id=feedback.look_id))
            await session.commit()

    async def wears(self, user_id: str, until: date) -> list[WearRow]:
        """Return the user's wear log up to and including ``until``."""
        async with self.db.session() as session:
            return list((await session.exec(select(WearRow).where(
                WearRow.user_id == user_id, col(WearRow.day) <= until))).all())

    async def feedback(self, user_id: str) -> list[FeedbackRow]:
        """Return everything a user said about looks."""
        async with self.db.session() as session:
            return list((await session.exec(select(FeedbackRow).where(FeedbackRow.user_id == user_id))).all())

    async def feedback_of_kinds(self, kinds: Collection[str]) -> list[FeedbackRow]:
        """Return every user's feedback of these kinds (for training the shared model)."""
        async with self.db.session() as session:
            return list((await session.exec(select(FeedbackRow).where(col(FeedbackRow.kind).in_(list(kinds))))).all())

    async def count_feedback(self, user_id: str) -> int:
        """Return how much feedback a user has given."""
        async with self.db.session() as session:
            return int((await session.exec(select(func.count()).select_from(FeedbackRow).where(
                FeedbackRow.user_id == user_id))).one())

    @staticmethod
    def look_row(user_id: str, look_id: str, item_ids: Sequence[str], at: datetime, *, occasion: str | None = None,
                 reason: str = "", score: float = 0.0) -> LookRow:
        """Return a new look row."""
        return LookRow(user_id=user_id, id=look_id, item_ids=list(item_ids), occasion=occasion, reason=reason,
                       score=score, created_at=at)
