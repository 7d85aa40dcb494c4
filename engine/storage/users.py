"""Users in SQL: creating them on first contact, where they are, and forgetting everything about one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from engine.looks import Location
from engine.storage.db import Database, FeedbackRow, GarmentRow, LookRow, ProductShownRow, PushRow, UserRow, WearRow


class UserRepository:
    """Reads and writes user rows."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure(self, user_id: str, at: datetime) -> None:
        """Create the user's row unless it exists (a concurrent request may create it first)."""
        async with self.db.session() as session:
            if await session.get(UserRow, user_id) is not None:
                return
            session.add(UserRow(id=user_id, created_at=at))
            try:
                await session.commit()
            except IntegrityError:  # a concurrent request created it first
                await session.rollback()
                if await session.get(UserRow, user_id) is None:
                    raise

    async def location(self, user_id: str) -> Location | None:
        """Return a user's location, if they set one."""
        async with self.db.session() as session:
            return location_of(await session.get(UserRow, user_id))

    async def timezone(self, user_id: str) -> str:
        """Return the IANA time zone the user lives in ("UTC" until they say)."""
        async with self.db.session() as session:
            user = await session.get(UserRow, user_id)
        return user.timezone if user is not None else "UTC"

    async def set_location(self, user_id: str, location: Location) -> None:
        """Remember where a user is (the row must exist)."""
        async with self.db.session() as session:
            user = await session.get(UserRow, user_id)
            if user is None:
                raise LookupError(f"no user {user_id!r}")
            user.latitude, user.longitude = location.latitude, location.longitude
            user.timezone, user.place = location.timezone, location.name
            session.add(user)
            await session.commit()

    async def forget(self, user_id: str) -> list[GarmentRow]:
        """Delete every row about a user in one transaction; return their garment rows (for vectors and blobs)."""
        async with self.db.session() as session:
            rows = list((await session.exec(select(GarmentRow).where(GarmentRow.user_id == user_id))).all())
            for table in (FeedbackRow, WearRow, LookRow, PushRow, ProductShownRow):
                await session.exec(delete(table).where(col(table.user_id) == user_id))  # type: ignore[attr-defined]
            await session.exec(delete(GarmentRow).where(col(GarmentRow.user_id) == user_id))
            await session.exec(delete(UserRow).where(col(UserRow.id) == user_id))
            await session.commit()
        return rows


def location_of(user: UserRow | None) -> Location | None:
    """Return the location stored in a user row, or None when they never set one."""
    if user is None or user.latitude is None or user.longitude is None:
        return None
    return Location(user.latitude, user.longitude, user.timezone, user.place)
