"""Suggestions on real photos: complete a look, wardrobe gaps, "buy it or not?", and pushes that never repeat."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine import OutfitRequest, Weather
from tests._support import SAMPLES, sample_names, sample_photo
from tests.engine.catalog.conftest import write_feed

DAY = date(2026, 11, 27)
MILD = Weather(temp_c=18.0, source="manual")


@pytest.fixture
async def ivy(shop_stylist, tmp_path):
    """Ivy owns T-shirts, longsleeves, trousers, shoes and one jacket (outwear-1); the shop sells jackets (one of
    them the very photo of hers), shirts and shoes."""
    photos = [sample_photo(n) for p in ("t-shirt", "longsleeve", "pants", "shoes") for n in sample_names(p)]
    await shop_stylist.add_garments("ivy", [*photos, sample_photo("outwear-1.jpg")])
    rows = [f"{name[:-4]},Item {name},{SAMPLES / name},https://s.example/{name},{40 + i},EUR,Acme,"
            for i, name in enumerate(sample_names("outwear") + sample_names("shirt") + ["shoes-5.jpg"])]
    report = await shop_stylist.import_catalog(write_feed(tmp_path, rows))
    assert report.added == len(rows)
    return shop_stylist


async def test_complete_the_look_adds_what_it_lacks_and_never_what_she_owns(ivy):
    look = (await ivy.suggest_outfits("ivy", OutfitRequest(weather=MILD, day=DAY))).looks[0]
    have = {g.tags.category for g in look.items}
    hits = await ivy.complete_look("ivy", look)
    assert 1 <= len(hits) <= 3
    assert "outwear-1" not in {h.product.id for h in hits}  # the photo of her own jacket is never sold to her
    if "outerwear" not in have:
        assert hits[0].product.tags.category == "outerwear"


SLOT_OF = {"top": "top", "bottom": "bottom", "shoes": "shoes", "outerwear": "outer"}


async def test_gaps_name_what_is_missing_with_products_that_fill_it(ivy):
    gaps = {g.key: g for g in await ivy.wardrobe_gaps("ivy")}
    owned = {(SLOT_OF.get(g.tags.category), g.tags.formality) for g in await ivy.wardrobe("ivy")}
    for slot in SLOT_OF.values():  # exactly the slots she owns nothing formal in are named, in words
        assert (f"{slot}:formal" in gaps) == ((slot, "formal") not in owned), slot
    formal = [gap for key, gap in gaps.items() if key.endswith(":formal")]
    assert formal and all(gap.text.startswith("no formal ") for gap in formal)
    for key, gap in gaps.items():
        assert len(gap.products) <= 3
        assert "outwear-1" not in {h.product.id for h in gap.products}
        if ":" in key and key.split(":")[1] in ("formal", "smart-casual"):  # what fills it is of that slot
            slot, formality = key.split(":")
            assert all((SLOT_OF.get(h.product.tags.category), h.product.tags.formality) == (slot, formality)
                       for h in gap.products), key
    if "warm:5" in gaps:
        assert "below 5 °C" in gaps["warm:5"].text


async def test_buy_or_not_counts_looks_and_refuses_a_twin_of_what_she_owns(ivy):
    goes, verdict = await ivy.buy_or_not("ivy", "shirt-1", OutfitRequest(weather=MILD, day=DAY))
    assert goes.count == verdict.looks and verdict.verdict in ("buy", "maybe")
    assert verdict.looks >= 1 and verdict.partners and all(p.user_id == "ivy" for p in verdict.partners)
    _, twin = await ivy.buy_or_not("ivy", "outwear-1", OutfitRequest(weather=MILD, day=DAY))
    assert twin.verdict == "skip" and "already own" in twin.reason and twin.similar_owned
    _, photo = await ivy.buy_or_not("ivy", sample_photo("skirt-1.jpg"), OutfitRequest(weather=MILD, day=DAY))
    assert photo.verdict in ("buy", "maybe", "skip") and photo.reason


async def test_a_product_is_never_pushed_twice_within_a_week(ivy):
    look = (await ivy.daily_look("ivy", DAY)).looks[0]
    seen: list[str] = []
    for offset in range(3):
        hits = await ivy.push_products("ivy", look, DAY + timedelta(days=offset))
        ids = [h.product.id for h in hits]
        assert not set(ids) & set(seen)
        seen += ids
    assert seen
    later = await ivy.push_products("ivy", look, DAY + timedelta(days=7))  # a week on, day 1's may come back
    assert {h.product.id for h in later} <= set(seen) | {p.id for p in await _all(ivy)}


async def _all(stylist):
    return [p for p, _ in await stylist.catalog.all_products()]


async def test_forget_me_forgets_which_products_were_pushed(ivy):
    look = (await ivy.daily_look("ivy", DAY)).looks[0]
    assert await ivy.push_products("ivy", look, DAY)
    await ivy.forget_user("ivy")
    assert await ivy.catalog.products.shown_since("ivy", DAY - timedelta(days=30)) == set()
