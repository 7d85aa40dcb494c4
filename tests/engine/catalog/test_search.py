"""Visual search over a catalog of real photos, with filters; the demonstration catalog, imported once, lazily."""

from __future__ import annotations

import csv

import pytest

from engine import CatalogEmpty, InvalidFilter, ProductFilter
from tests._support import SAMPLES, sample_names, sample_photo
from tests.engine.catalog.conftest import write_feed

BRANDS = ("Acme", "Bolt", "Cora")


async def _sample_catalog(stylist, tmp_path) -> dict[str, str]:
    """Import the 36 sample photos as products (price 10 x n, brands in turn); return id -> category."""
    with (SAMPLES / "labels.csv").open(encoding="utf-8") as fh:
        truth = {r["file"]: r["category"] for r in csv.DictReader(fh)}
    rows = [f"{name[:-4]},Item {i},{SAMPLES / name},https://s.example/{i},{10 * (i + 1)},EUR,{BRANDS[i % 3]},"
            for i, name in enumerate(sample_names())]
    report = await stylist.import_catalog(write_feed(tmp_path, rows))
    assert report.added == 36 and not report.problems
    return {name[:-4]: truth[name] for name in sample_names()}


async def test_a_photo_finds_itself_first_then_its_kind(shop_stylist, tmp_path):
    truth = await _sample_catalog(shop_stylist, tmp_path)
    shoes, dress = (await shop_stylist.search_catalog([sample_photo("shoes-2.jpg"), sample_photo("dress-1.jpg")],
                                                      k=3))
    assert shoes[0].product.id == "shoes-2" and shoes[0].score > 0.99
    assert [truth[h.product.id] for h in shoes] == ["shoes"] * 3
    assert dress[0].product.id == "dress-1" and dress[0].score > 0.99


async def test_filters_restrict_category_price_and_brand(shop_stylist, tmp_path):
    await _sample_catalog(shop_stylist, tmp_path)
    query = [sample_photo("shoes-2.jpg")]
    tops = (await shop_stylist.search_catalog(query, k=4, where=ProductFilter(category="top")))[0]
    assert len(tops) == 4 and all(h.product.tags.category == "top" for h in tops)
    cheap = (await shop_stylist.search_catalog(query, k=50, where=ProductFilter(max_price=100)))[0]
    assert len(cheap) == 10 and all(h.product.price <= 100 for h in cheap)
    bolt = (await shop_stylist.search_catalog(query, k=5, where=ProductFilter(brand="BOLT", min_price=200)))[0]
    assert bolt and all(h.product.brand == "Bolt" and h.product.price >= 200 for h in bolt)
    none = (await shop_stylist.search_catalog(query, k=5, where=ProductFilter(category="hat", max_price=5)))[0]
    assert none == []


async def test_without_a_feed_nor_the_demo_there_is_nothing_to_search(shop_stylist):
    assert not await shop_stylist.catalog_ready()
    try:
        await shop_stylist.search_catalog([sample_photo("shoes-2.jpg")])
    except CatalogEmpty as exc:
        assert "stylist catalog import" in str(exc)
    else:
        raise AssertionError("an empty catalog was searched")


async def test_the_demo_catalog_is_imported_on_first_use_once_and_gives_way_to_a_shop(stylist, reopen, tmp_path):
    assert await stylist.catalog_ready()
    stats = await stylist.catalog_stats()
    assert stats.demo and stats.products >= 40 and stats.vectors == stats.products
    product = await stylist.product("demo-shoes-1")
    assert product.demo and product.url.startswith("https://shop.example/")
    hits = (await stylist.search_catalog([sample_photo("shoes-2.jpg")], k=3))[0]
    assert all(h.product.tags.category == "shoes" for h in hits)

    again = await reopen()  # a restart finds the demo already there: nothing is imported twice
    first = await again.catalog.products.by_ids(["demo-shoes-1"])
    assert await again.catalog_ready() and (await again.catalog_stats()).products == stats.products
    assert (await again.catalog.products.by_ids(["demo-shoes-1"]))["demo-shoes-1"].created_at == \
        first["demo-shoes-1"].created_at

    feed = write_feed(tmp_path, [f"mine,Shirt,{SAMPLES / 'shirt-1.jpg'},https://s.example/a,29.90,EUR,Acme,"])
    report = await again.import_catalog(feed)
    assert report.removed == stats.products
    assert (await again.catalog_stats()).to_dict()["products"] == 1 and not (await again.catalog_stats()).demo


async def test_a_number_of_results_out_of_range_is_refused_not_clamped(shop_stylist):
    for k in (0, -1, 101):
        with pytest.raises(InvalidFilter, match=f"from 1 to 100, not {k}"):
            await shop_stylist.search_catalog([sample_photo("shoes-2.jpg")], k=k)
