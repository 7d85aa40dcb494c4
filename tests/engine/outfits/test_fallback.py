"""No dead ends: when no look meets the occasion or the weather, the closest looks, with what would make them right
(real sample photos)."""

from __future__ import annotations

from datetime import date

import pytest

from config.vocabulary import load_vocabulary
from engine import NoLookPossible, OutfitRequest, WardrobeEmpty, Weather, describe_fallback
from engine.outfits.features import FORMALITY_LEVEL
from tests._support import sample_names, sample_photo

DAY = date(2026, 11, 27)
MILD = Weather(temp_c=16.0, source="manual")
FREEZING = Weather(temp_c=-15.0, condition="snow", precip_mm=1.0, source="manual")
MAIN = ("top", "bottom", "onepiece", "shoes", "outer")


async def _add(stylist, user: str, *prefixes: str):
    photos = [sample_photo(n) for p in prefixes for n in sample_names(p)]
    result = await stylist.add_garments(user, photos)
    assert len(result.added) == len(photos)
    return result.added


def _warmth(garment) -> int:
    return load_vocabulary().type_of(garment.tags.type).warmth


async def test_a_wedding_from_an_everyday_wardrobe_gets_the_dressiest_looks_and_what_would_lift_them(stylist):
    garments = await _add(stylist, "dan", "shirt", "pants", "skirt", "shoes", "outwear")
    # the premise: no formal bottoms, so no look fully meets a wedding (the leather shoes-1 are formal shoes)
    assert not any(g.tags.formality == "formal" for g in garments if _slot(g) == "bottom")
    found = await stylist.suggest_outfits("dan", OutfitRequest(occasion="wedding", weather=MILD, day=DAY))
    assert found.looks and found.fallback
    best = {slot: max(FORMALITY_LEVEL[g.tags.formality] for g in garments if _slot(g) == slot)
            for slot in {_slot(g) for g in garments}}
    for look in found.looks:
        assert look.fallback and 1 <= len(look.missing) <= 2
        for garment, slot in zip(look.items, look.slots, strict=True):
            if slot in MAIN:
                assert FORMALITY_LEVEL[garment.tags.formality] == best[slot], (slot, garment.tags.formality)
        assert {"a blazer", "dress shoes", "tailored trousers", "a crisp shirt"} & set(look.missing)
        line = describe_fallback(look)
        assert line.startswith("closest I can do for a wedding: ") and line.endswith(" would lift this")
        assert look.to_dict()["fallback"] is True and look.to_dict()["missing"] == list(look.missing)
    assert any("formal" in phrase and "wedding" in phrase for phrase in found.missing)


async def test_minus_15_without_a_coat_gets_the_warmest_looks_and_asks_for_a_coat(stylist):
    garments = await _add(stylist, "erin", "t-shirt", "longsleeve", "shorts", "skirt", "shoes")
    found = await stylist.suggest_outfits("erin", OutfitRequest(weather=FREEZING, day=DAY))
    assert found.looks and found.fallback
    warmest = {slot: max(_warmth(g) for g in garments if _slot(g) == slot) for slot in ("top", "bottom", "shoes")}
    for look in found.looks:
        assert look.fallback and look.missing[0] == "a warm coat"
        assert set(look.missing) <= {"a warm coat", "warm trousers", "warm boots", "a warm sweater"}
        kinds = {g.tags.type for g in look.items}
        assert not kinds & {"shorts", "sandals"}
        for garment, slot in zip(look.items, look.slots, strict=True):
            if slot in warmest:
                assert _warmth(garment) == warmest[slot]
        assert "-15 °C" in describe_fallback(look)


async def test_looks_that_meet_the_request_are_not_fallbacks(stylist):
    await _add(stylist, "fay", "shirt", "pants", "shoes", "outwear")
    found = await stylist.suggest_outfits("fay", OutfitRequest(weather=MILD, day=DAY))
    assert found.looks and not found.fallback
    assert all(not look.fallback and look.missing == () and describe_fallback(look) == "" for look in found.looks)
    assert found.looks[0].to_dict()["fallback"] is False


async def test_feedback_on_a_fallback_look_is_recorded(stylist):
    await _add(stylist, "gus", "t-shirt", "shorts", "shoes")
    look = (await stylist.suggest_outfits("gus", OutfitRequest(occasion="wedding", weather=MILD, day=DAY))).looks[0]
    assert look.fallback
    await stylist.feedback("gus", look.id, "like")


async def test_an_empty_wardrobe_or_one_that_cannot_dress_anyone_still_says_so(stylist):
    with pytest.raises(WardrobeEmpty):
        await stylist.suggest_outfits("hal", OutfitRequest(occasion="wedding", day=DAY))
    await _add(stylist, "hal", "hat")
    with pytest.raises(NoLookPossible) as err:
        await stylist.suggest_outfits("hal", OutfitRequest(occasion="wedding", weather=FREEZING, day=DAY))
    assert "shoes" in str(err.value)


def _slot(garment) -> str:
    return load_vocabulary().type_of(garment.tags.type).slot


async def test_a_wedding_at_minus_15_without_a_coat_asks_for_the_coat_first(stylist):
    await _add(stylist, "ian", "shirt", "pants", "shoes")
    found = await stylist.suggest_outfits("ian", OutfitRequest(occasion="wedding", weather=FREEZING, day=DAY))
    assert found.looks and all(look.fallback and look.missing[0] == "a warm coat" for look in found.looks)
