"""When a morning push is due: the user's push time on their days, in their time zone, within a grace window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine import Profile


@dataclass(frozen=True, slots=True)
class Slot:
    """The most recent push time that has come: its local date, and whether it is still worth sending."""

    day: date  # the user's local date the push belongs to
    at: datetime  # when it was due (aware, UTC)
    late: timedelta  # how long ago that was
    in_grace: bool  # False: missed (the scheduler was down too long): skip it and log it


def latest_slot(profile: Profile, now: datetime, grace: timedelta) -> Slot | None:
    """Return the latest push slot at or before ``now`` (today's or yesterday's, local), or None."""
    if now.tzinfo is None:
        raise ValueError("the clock must return an aware datetime")
    try:
        zone = ZoneInfo(profile.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local_today = now.astimezone(zone).date()
    for day in (local_today, local_today - timedelta(days=1)):
        if day.weekday() not in profile.push_days:
            continue
        # a wall time skipped by a DST change resolves to the hour after it (zoneinfo's fold=0)
        at = datetime.combine(day, profile.push_time, tzinfo=zone).astimezone(ZoneInfo("UTC"))
        if at <= now:
            late = now - at
            return Slot(day=day, at=at, late=late, in_grace=late <= grace)
    return None
