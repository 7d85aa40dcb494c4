"""The morning push log: who is subscribed, and the claim that makes each (user, local date) push at most once.

A push is claimed by inserting its ``(user_id, day)`` row before anything is sent. The unique constraint makes
the insert the lock: of several schedulers (or a restarted one) exactly one insert succeeds, on SQLite and on
PostgreSQL alike, so ``INSERT ... ON CONFLICT DO NOTHING`` does what ``SELECT ... FOR UPDATE SKIP LOCKED``
would over pre-made job rows, without having to create those rows first.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from engine.storage.db import Database, PushRow, UserRow
from engine.users.profiles import Profile, _profile_of

PUSH_STATUSES = frozenset({"claimed", "sent", "failed", "skipped", "gone"})


class PushLog:
    """Reads subscribers and claims pushes; the facade ``Stylist`` delegates to it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def subscribers(self) -> list[Profile]:
        """Return the profiles of every user whose morning push is on."""
        async with self.db.session() as session:
            rows = (await session.exec(select(UserRow).where(col(UserRow.push_enabled).is_(True)))).all()
        return [_profile_of(row.id, row) for row in rows]

    async def claim(self, user_id: str, day: date, now: datetime, status: str = "claimed", detail: str = "") -> bool:
        """Claim the push of ``user_id`` for local date ``day``; False when someone already has it."""
        _check_status(status)
        values = {"user_id": user_id, "day": day, "status": status, "detail": detail[:200],
                  "claimed_at": now, "updated_at": now}
        dialect = postgresql if self.db.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(PushRow).values(**values).on_conflict_do_nothing(
            index_elements=["user_id", "day"])
        async with self.db.session() as session:
            result = await session.exec(statement)  # type: ignore[call-overload]
            await session.commit()
        return bool(result.rowcount == 1)

    async def finish(self, user_id: str, day: date, now: datetime, status: str, detail: str = "") -> None:
        """Record how a claimed push ended (sent, failed, gone)."""
        _check_status(status)
        async with self.db.session() as session:
            await session.exec(update(PushRow)  # type: ignore[call-overload]
                               .where(col(PushRow.user_id) == user_id, col(PushRow.day) == day)
                               .values(status=status, detail=detail[:200], updated_at=now))
            await session.commit()

    async def status(self, user_id: str, day: date) -> str | None:
        """Return the recorded status of one push, or None when it was never claimed."""
        async with self.db.session() as session:
            row = (await session.exec(select(PushRow).where(PushRow.user_id == user_id, PushRow.day == day))).first()
        return None if row is None else row.status


def _check_status(status: str) -> None:
    if status not in PUSH_STATUSES:
        raise ValueError(f"unknown push status {status!r}")
