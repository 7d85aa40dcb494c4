"""Profiles: place and time zone, the morning push settings, and the offline city look-up."""

from __future__ import annotations

from datetime import time

import pytest

from engine import InvalidSetting, Location


async def test_a_new_user_has_the_defaults_and_changes_stick(stylist, reopen) -> None:
    profile = await stylist.profile("web:anna")
    assert (profile.location, profile.timezone, profile.push_enabled) == (None, "UTC", False)
    assert (profile.push_time, profile.push_days) == (time(7, 30), (0, 1, 2, 3, 4, 5, 6))
    await stylist.update_profile("web:anna", timezone="Asia/Tokyo", push_enabled=True, push_time=time(6, 45),
                                 push_days=(4, 0, 0, 2))
    await stylist.set_location("web:anna", Location(35.68, 139.69, "Asia/Tokyo", "Tokyo, Japan"))
    again = await (await reopen()).profile("web:anna")  # a restarted process reads the same
    assert again.timezone == "Asia/Tokyo" and again.push_enabled
    assert again.push_time == time(6, 45) and again.push_days == (0, 2, 4)
    assert again.location is not None and again.location.name == "Tokyo, Japan"
    assert again.to_dict()["push_time"] == "06:45"
    # one setting at a time leaves the others alone
    assert (await stylist.update_profile("web:anna", push_enabled=False)).push_time == time(6, 45)


@pytest.mark.parametrize(("changes", "says"), [
    ({"timezone": "Mars/Olympus"}, "time zone"),
    ({"timezone": ""}, "time zone"),
    ({"push_days": ()}, "at least one day"),
    ({"push_days": (7,)}, "Monday to Sunday"),
    ({"push_days": ("x",)}, "weekdays"),
    ({"push_time": "7:30"}, "time of day"),
])
async def test_bad_settings_are_refused_with_a_reason_and_change_nothing(stylist, changes, says) -> None:
    with pytest.raises(InvalidSetting, match=says):
        await stylist.update_profile("web:ben", **changes)
    assert (await stylist.profile("web:ben")).timezone == "UTC"


async def test_cities_are_found_offline_with_their_time_zones(stylist) -> None:
    berlin = await stylist.find_places("berlin")
    assert berlin[0].name == "Berlin, Germany" and berlin[0].timezone == "Europe/Berlin"
    assert abs(berlin[0].latitude - 52.52) < 0.1
    assert (await stylist.find_places("Zurich"))[0].timezone == "Europe/Zurich"  # accents folded
    assert (await stylist.find_places("Munich"))[0].name == "Munich, Germany"  # alternate names
    assert (await stylist.find_places("Paris, US"))[0].timezone.startswith("America/")
    assert (await stylist.find_places("paris"))[0].name == "Paris, France"  # the biggest first
    assert await stylist.find_places("Qwzxv") == [] and await stylist.find_places("  ") == []
