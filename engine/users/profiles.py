"""Profiles: where a user is and their time zone (for weather and "today"), and when their morning look is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.errors import InvalidSetting
from engine.looks import Location
from engine.storage.db import Database, UserRow
from engine.storage.users import location_of

DEFAULT_PUSH_TIME = time(7, 30)
ALL_DAYS = (0, 1, 2, 3, 4, 5, 6)  # ISO weekdays, Monday = 0


@dataclass(frozen=True, slots=True)
class Profile:
    """A user's settings: place (with its time zone), the time zone itself, and the morning push."""

    user_id: str
    location: Location | None
    timezone: str
    push_enabled: bool
    push_time: time
    push_days: tuple[int, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        place = self.location
        return {
            "user_id": self.user_id,
            "place": None if place is None else {"name": place.name, "latitude": place.latitude,
                                                 "longitude": place.longitude},
            "timezone": self.timezone,
            "push_enabled": self.push_enabled,
            "push_time": self.push_time.strftime("%H:%M"),
            "push_days": list(self.push_days),
        }


def _profile_of(user_id: str, row: UserRow | None) -> Profile:
    if row is None:
        return Profile(user_id, None, "UTC", False, DEFAULT_PUSH_TIME, ALL_DAYS)
    location = location_of(row)
    hours, minutes = (int(part) for part in row.push_time.split(":"))
    days = tuple(sorted({int(d) for d in row.push_days if d.isdigit() and int(d) < 7}))
    return Profile(user_id, location, row.timezone, row.push_enabled, time(hours, minutes), days)


def check_timezone(name: str) -> str:
    """Return a valid IANA time zone name, or raise ``InvalidSetting``."""
    if not isinstance(name, str) or not name.strip() or len(name) > 64:
        raise InvalidSetting("a time zone is a name like Europe/Berlin or America/New_York")
    try:
        ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidSetting(f"I don't know the time zone {name.strip()[:40]!r}; try e.g. Europe/Berlin") from None
    return name.strip()


def check_days(days: tuple[int, ...] | list[int]) -> tuple[int, ...]:
    """Return sorted unique weekdays (Monday = 0), or raise ``InvalidSetting``."""
    try:
        cleaned = tuple(sorted({int(d) for d in days}))
    except (TypeError, ValueError):
        raise InvalidSetting("days are weekdays from 0 (Monday) to 6 (Sunday)") from None
    if not cleaned or cleaned[0] < 0 or cleaned[-1] > 6:
        raise InvalidSetting("choose at least one day, from Monday to Sunday")
    return cleaned


class ProfileService:
    """Reads and changes profiles; the facade ``Stylist`` delegates to it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, user_id: str) -> Profile:
        """Return a user's profile (the defaults for someone the stylist has not met)."""
        async with self.db.session() as session:
            return _profile_of(user_id, await session.get(UserRow, user_id))

    async def update(self, user_id: str, *, timezone: str | None = None, push_enabled: bool | None = None,
                     push_time: time | None = None, push_days: tuple[int, ...] | None = None) -> Profile:
        """Change the given settings (others stay) and return the new profile."""
        if push_time is not None and not isinstance(push_time, time):
            raise InvalidSetting("a push time is a time of day like 07:30")
        tz = check_timezone(timezone) if timezone is not None else None
        days = check_days(push_days) if push_days is not None else None
        async with self.db.session() as session:
            row = await session.get(UserRow, user_id)
            if row is None:  # the facade creates the user first
                raise LookupError(f"no user {user_id!r}")
            if tz is not None:
                row.timezone = tz
            if push_enabled is not None:
                row.push_enabled = bool(push_enabled)
            if push_time is not None:
                row.push_time = push_time.strftime("%H:%M")
            if days is not None:
                row.push_days = "".join(str(d) for d in days)
            session.add(row)
            await session.commit()
            await session.refresh(row)
            return _profile_of(user_id, row)
