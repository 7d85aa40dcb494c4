"""When a morning push is due: local push time, days, time zones, DST, midnight and the grace window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.push import Pacer, latest_slot, retrying
from engine import Profile

GRACE = timedelta(hours=2)


def _profile(tz: str, at: time = time(7, 30), days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)) -> Profile:
    return Profile("telegram:1", None, tz, True, at, days)


def test_due_at_the_local_push_time_in_each_time_zone() -> None:
    now = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)  # 07:30 in Berlin, 01:30 in New York, 15:30 in Tokyo
    berlin = latest_slot(_profile("Europe/Berlin"), now, GRACE)
    assert berlin is not None and berlin.day == date(2026, 12, 1) and berlin.late == timedelta(0) and berlin.in_grace
    new_york = latest_slot(_profile("America/New_York"), now, GRACE)
    assert new_york is not None and new_york.day == date(2026, 11, 30) and not new_york.in_grace  # yesterday's
    tokyo = latest_slot(_profile("Asia/Tokyo"), now, GRACE)
    assert tokyo is not None and tokyo.day == date(2026, 12, 1) and tokyo.late == timedelta(hours=8)
    assert not tokyo.in_grace


def test_a_minute_early_is_not_due_and_late_within_grace_is() -> None:
    profile = _profile("Europe/Berlin")
    early = latest_slot(profile, datetime(2026, 12, 1, 6, 29, tzinfo=UTC), GRACE)
    assert early is not None and early.day == date(2026, 11, 30)  # still yesterday's (long gone) slot
    late = latest_slot(profile, datetime(2026, 12, 1, 8, 29, tzinfo=UTC), GRACE)
    assert late is not None and late.day == date(2026, 12, 1) and late.in_grace


def test_days_off_are_skipped() -> None:
    tuesday = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
    weekends = latest_slot(_profile("Europe/Berlin", days=(5, 6)), tuesday, GRACE)
    assert weekends is None  # neither today (Tuesday) nor yesterday (Monday) is a push day
    mondays = latest_slot(_profile("Europe/Berlin", days=(0,)), tuesday, GRACE)
    assert mondays is not None and mondays.day == date(2026, 11, 30) and not mondays.in_grace


def test_a_late_evening_push_stays_due_past_midnight_within_grace() -> None:
    profile = _profile("Europe/Berlin", at=time(23, 30))
    after_midnight = datetime(2026, 12, 1, 23, 45, tzinfo=UTC)  # 00:45 on 2 December in Berlin
    slot = latest_slot(profile, after_midnight, GRACE)
    assert slot is not None and slot.day == date(2026, 12, 1) and slot.in_grace


def test_daylight_saving_days_keep_the_local_time() -> None:
    profile = _profile("Europe/Berlin")
    summer = latest_slot(profile, datetime(2026, 3, 29, 5, 30, tzinfo=UTC), GRACE)  # the day clocks go forward
    assert summer is not None and summer.day == date(2026, 3, 29) and summer.late == timedelta(0)


def test_a_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        latest_slot(_profile("UTC"), datetime(2026, 12, 1, 7, 30), GRACE)


async def test_the_pacer_spreads_starts_evenly() -> None:
    slept: list[float] = []
    clock = [100.0]

    async def sleep(seconds: float) -> None:
        slept.append(round(seconds, 3))

    pacer = Pacer(4.0, sleep=sleep, monotonic=lambda: clock[0])
    for _ in range(4):
        await pacer.wait()
    assert slept == [0.25, 0.5, 0.75]  # 4 a second: the first at once, then a quarter second apart


async def test_retrying_backs_off_then_gives_up() -> None:
    delays: list[float] = []
    tries = [0]

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    async def flaky() -> None:
        tries[0] += 1
        raise ConnectionError("down")

    with pytest.raises(ConnectionError):
        await retrying(flaky, ConnectionError, tries=3, base_delay=0.5, sleep=sleep)
    assert tries[0] == 3 and delays == [0.5, 1.0]
