""""What goes with this?" for a photo the user does not own: looks around it from their wardrobe, how many, with
which owned items, and nothing of the photo stored (real sample photos)."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from engine import GoesWith, ImageRejected, NotInWardrobe, OutfitRequest, PhotoInput, WardrobeEmpty, Weather
from tests._support import SAMPLES, sample_names, sample_photo

DAY = date(2026, 11, 27)
MILD = Weather(temp_c=18.0, source="manual")
WARDROBE = ("t-shirt", "shirt", "longsleeve", "shoes")


async def _snapshot(stylist, user: str) -> tuple[list, set[str], set[str]]:
    """Rows, vector ids and blob files of the stores: what must not change."""
    rows = sorted((g.id, g.image_hash, g.tags) for g in await stylist.wardrobe(user))
    files = {str(p.relative_to(stylist.blobs.root)) for p in stylist.blobs.root.rglob("*") if p.is_file()}
    return rows, stylist.index.ids(), files


@pytest.fixture
async def ivy(stylist):
    """Ivy owns tops and shoes, no bottoms."""
    photos = [sample_photo(n) for p in WARDROBE for n in sample_names(p)]
    result = await stylist.add_garments("ivy", photos)
    assert len(result.added) == len(photos)
    return {g.id: g for g in result.added}


async def test_trousers_she_does_not_own_make_looks_with_her_tops_and_shoes(stylist, ivy):
    before = await _snapshot(stylist, "ivy")
    found = await stylist.looks_with_photo("ivy", sample_photo("pants-1.jpg"), OutfitRequest(weather=MILD, day=DAY))
    assert isinstance(found, GoesWith)
    assert found.item.tags.category == "bottom" and found.item.id.startswith("new-")
    assert found.count > 0 and 1 <= len(found.looks) <= 3
    for look in found.looks:
        ids = [g.id for g in look.items]
        assert found.item.id in ids and not look.fallback
        assert set(ids) - {found.item.id} <= set(ivy)  # the rest is hers
        assert {"top", "shoes"} <= set(look.slots)
    assert found.partners and all(g.id in ivy for g in found.partners)
    assert {g.id for look in found.looks for g in look.items} - {found.item.id} <= {g.id for g in found.partners}
    assert await _snapshot(stylist, "ivy") == before  # no row, no vector, no blob


async def test_the_collage_draws_the_new_item_and_feedback_is_refused_politely(stylist, ivy):
    found = await stylist.looks_with_photo("ivy", sample_photo("pants-1.jpg"), OutfitRequest(weather=MILD, day=DAY))
    look = found.looks[0]
    collage = Image.open(io.BytesIO(await stylist.collage(look)))
    assert collage.format == "PNG" and collage.width > 0
    with pytest.raises(NotInWardrobe) as err:
        await stylist.feedback("ivy", look.id, "like")
    assert "wardrobe" in str(err.value)


async def test_an_item_the_wardrobe_cannot_dress_up_gets_fallback_looks_and_no_count(stylist, ivy):
    found = await stylist.looks_with_photo("ivy", sample_photo("pants-1.jpg"),
                                           OutfitRequest(occasion="gym", weather=MILD, day=DAY), n=2)
    assert found.looks and all(look.fallback and look.missing for look in found.looks)
    assert found.count == 0 and found.partners == []


async def test_bad_photos_and_empty_wardrobes_are_clear(stylist, ivy):
    with pytest.raises(ImageRejected):
        await stylist.looks_with_photo("ivy", PhotoInput(b"not an image", "x.jpg"))
    with pytest.raises(WardrobeEmpty):
        await stylist.looks_with_photo("nobody", PhotoInput((SAMPLES / "pants-2.jpg").read_bytes(), "p.jpg"))
