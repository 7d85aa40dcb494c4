"""The one clock of the engine: what time it is, injected, so that every "today" and "recently" can be tested.

Everything time-dependent reads a ``Clock`` (today's look, recent wear, preference decay, the day feedback is
for, the forecast cache, later the push scheduler). "Today" is the user's local date in the user's time zone,
never the server's: ``today_in`` turns the clock's UTC instant into that date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol, runtime_checkable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.looks import Location


@runtime_checkable
class Clock(Protocol):
    """Tells the time."""

    def now(self) -> datetime:
        """Return the current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told otherwise (tests, replays): ``set`` it or ``advance`` it."""

    def __init__(self, at: datetime) -> None:
        self._at = _aware_utc(at)

    def now(self) -> datetime:
        """Return the instant the clock is set to."""
        return self._at

    def set(self, at: datetime) -> None:
        """Move the clock to ``at`` (timezone-aware)."""
        self._at = _aware_utc(at)

    def advance(self, delta: timedelta | None = None, **units: float) -> datetime:
        """Move the clock forward by ``delta`` or by ``timedelta(**units)`` (e.g. ``days=1``); return the new time."""
        self._at += (delta or timedelta()) + timedelta(**units)
        return self._at


def _aware_utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a clock needs a timezone-aware time, got {at.isoformat()}")
    return at.astimezone(UTC)


def zone(name: str | None) -> ZoneInfo:
    """Return the time zone of that IANA name, or UTC when it is missing or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def today_in(location: Location | str | None, now: datetime) -> date:
    """Return the local date at ``now`` of a user at ``location`` (or in that IANA time zone; UTC when unknown)."""
    name = location.timezone if isinstance(location, Location) else location
    return now.astimezone(zone(name)).date()
