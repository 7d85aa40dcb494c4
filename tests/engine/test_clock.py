"""The clock: a fixed clock for tests, the system clock, and "today" in the user's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from engine import Clock, FixedClock, Location, SystemClock, today_in

TOKYO = Location(35.68, 139.69, "Asia/Tokyo", "Tokyo")
LATE = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)


def test_a_fixed_clock_stands_still_until_moved() -> None:
    clock = FixedClock(LATE)
    assert clock.now() == LATE and clock.now() == LATE
    assert clock.advance(minutes=45) == datetime(2026, 2, 1, 0, 15, tzinfo=UTC)
    assert clock.advance(timedelta(days=1), hours=1) == datetime(2026, 2, 2, 1, 15, tzinfo=UTC)
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 3, 1, 7, 0, tzinfo=UTC) and clock.now().tzinfo is UTC


def test_a_clock_refuses_a_time_without_a_zone() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(datetime(2026, 1, 31, 23, 30))
    with pytest.raises(ValueError, match="timezone-aware"):
        FixedClock(LATE).set(datetime(2026, 1, 31))


def test_the_system_clock_tells_utc_now() -> None:
    before = datetime.now(UTC)
    now = SystemClock().now()
    assert now.tzinfo is UTC and before <= now <= datetime.now(UTC)
    assert isinstance(SystemClock(), Clock) and isinstance(FixedClock(LATE), Clock)


def test_today_is_the_local_date_of_the_user() -> None:
    assert today_in(TOKYO, LATE) == date(2026, 2, 1)  # 08:30 the next morning in Tokyo
    assert today_in("America/Los_Angeles", LATE) == date(2026, 1, 31)
    assert today_in(None, LATE) == date(2026, 1, 31)
    assert today_in("Mars/Olympus_Mons", LATE) == date(2026, 1, 31)  # an unknown zone counts as UTC
