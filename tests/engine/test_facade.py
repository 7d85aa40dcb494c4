"""The facade's surface: what front-ends import from ``engine``, tagging without a wardrobe, and time through the
injected clock ("today" is the user's local date; recent wear and fading tastes follow the clock)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime

import pytest

import engine
from engine import FixedClock, Location, OutfitRequest, Rejected, Tagged, Weather
from tests._support import REPO, sample_names, sample_photo

LATE = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)  # 08:30 on 1 February in Tokyo
TOKYO = Location(35.68, 139.69, "Asia/Tokyo", "Tokyo")
MILD = Weather(temp_c=16.0, source="manual")
MAIN = {"top", "bottom", "onepiece", "shoes", "outer"}


def main_items(look) -> set[str]:
    return {g.id for g, slot in zip(look.items, look.slots, strict=True) if slot in MAIN}


def test_every_public_name_is_exported_and_importing_the_package_is_cheap() -> None:
    for name in engine.__all__:
        assert getattr(engine, name) is not None, name
    code = ("import sys, engine; heavy = [m for m in ('torch', 'chromadb', 'sqlalchemy', 'engine.stylist') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_tagging_without_a_wardrobe(stylist_settings, encoder):
    tagger = await engine.Stylist.open_tagger(stylist_settings, encoder=encoder)
    try:
        results = await tagger.tag_photos([sample_photo("shoes-1.jpg"), engine.PhotoInput(b"nope", "x.jpg")])
    finally:
        await tagger.close()
    assert isinstance(results[0], Tagged) and results[0].tags.category == "shoes"
    assert isinstance(results[1], Rejected) and results[1].name == "x.jpg"
    assert not stylist_settings.data_dir.exists()  # nothing was stored, not even a database


@pytest.fixture
async def timed(reopen):
    """A stylist on a fixed clock at 23:30 UTC on 31 January, with a small wardrobe for Kenji in Tokyo and Ada in
    London (UTC)."""
    clock = FixedClock(LATE)
    stylist = await reopen(clock=clock)
    photos = [sample_photo(n) for n in sample_names("t-shirt") + sample_names("pants") + sample_names("shoes")]
    for user in ("kenji", "ada"):
        assert len((await stylist.add_garments(user, photos)).added) == len(photos)
    await stylist.set_location("kenji", TOKYO)
    await stylist.set_location("ada", Location(51.5, -0.13, "Europe/London", "London"))
    return stylist, clock


async def test_today_is_the_users_local_date_not_the_servers(timed):
    stylist, clock = timed
    assert await stylist.today("kenji") == date(2026, 2, 1)
    assert await stylist.today("ada") == date(2026, 1, 31)
    assert await stylist.today("nobody-yet") == date(2026, 1, 31)  # no place known: UTC
    clock.advance(hours=1)
    assert await stylist.today("ada") == date(2026, 2, 1)


async def test_a_look_worn_today_counts_on_the_users_local_day(timed):
    stylist, _ = timed
    worn = (await stylist.suggest_outfits("kenji", OutfitRequest(weather=MILD, n=1))).looks[0]
    await stylist.feedback("kenji", worn.id, "wore")  # no day given: Kenji's today, 1 February
    on_31st = (await stylist.suggest_outfits("kenji", OutfitRequest(weather=MILD, day=date(2026, 1, 31), n=1)))
    on_1st = (await stylist.suggest_outfits("kenji", OutfitRequest(weather=MILD, n=1)))
    assert on_31st.looks[0].id == worn.id  # the day before the wear: nothing is recent
    assert not main_items(on_1st.looks[0]) & main_items(worn)  # his today: those items were just worn


async def test_recent_wear_follows_the_clock(timed):
    stylist, clock = timed
    mild_look = OutfitRequest(weather=MILD, n=1)  # no day: the user's today by the clock
    today = (await stylist.suggest_outfits("ada", mild_look)).looks[0]
    await stylist.feedback("ada", today.id, "wore")
    clock.advance(days=1)
    tomorrow = (await stylist.suggest_outfits("ada", mild_look)).looks[0]
    assert not main_items(tomorrow) & main_items(today)
    clock.advance(days=30)
    assert (await stylist.suggest_outfits("ada", mild_look)).looks[0].id == today.id  # a month on: fresh again


async def test_an_old_dislike_fades_with_the_clock(timed):
    stylist, clock = timed
    disliked = (await stylist.suggest_outfits("ada", OutfitRequest(weather=MILD, n=1))).looks[0]
    await stylist.feedback("ada", disliked.id, "dislike")
    items = {g.id for g in disliked.items}
    after = await stylist.suggest_outfits("ada", OutfitRequest(weather=MILD, n=5))
    reused = [look for look in after.looks if {g.id for g in look.items} & items]
    assert reused and all(look.score.preference < 0.5 for look in reused)
    clock.advance(days=3650)
    later = await stylist.suggest_outfits("ada", OutfitRequest(weather=MILD, n=5))
    assert all(look.score.preference == pytest.approx(0.5, abs=0.01) for look in later.looks)
    assert disliked.id not in {look.id for look in later.looks}  # that exact look stays excluded


async def test_today_follows_the_time_zone_of_the_profile(timed):
    stylist, _ = timed
    assert await stylist.today("mio") == date(2026, 1, 31)
    await stylist.update_profile("mio", timezone="Asia/Tokyo")  # a time zone without a place
    assert await stylist.today("mio") == date(2026, 2, 1)
