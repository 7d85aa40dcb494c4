"""Importing feeds: images over HTTP (a local shop on 127.0.0.1) and from files, every failure named with its line,
the good rows imported; re-imports that skip, update prices and prune."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import FeedError, PhotoInput, ProductFilter
from tests._support import REPO, SAMPLES
from tests.engine.catalog.conftest import write_feed


def _problems(report) -> dict[int, str]:
    return {p.line: p.reason for p in report.problems}


async def test_a_feed_over_http_and_files_imports_the_good_rows_and_names_each_bad_one(shop_stylist, shop, tmp_path):
    u = shop.url
    feed = write_feed(tmp_path, [
        f"a,Shirt,{u}/img/shirt-1.jpg,https://s.example/a,29.90,EUR,Acme,",             # line 2: good
        f"b,Trousers,{SAMPLES / 'pants-1.jpg'},https://s.example/b,49,EUR,Acme,",      # 3: a local file
        f"c,Gone,{u}/img/nothing.jpg,https://s.example/c,10,EUR,Acme,",                # 4: 404
        f"d,Slow,{u}/slow.jpg,https://s.example/d,10,EUR,Acme,",                       # 5: times out
        f"e,Huge,{u}/huge-declared.jpg,https://s.example/e,10,EUR,Acme,",              # 6: Content-Length too big
        f"f,Huger,{u}/huge-streamed.jpg,https://s.example/f,10,EUR,Acme,",             # 7: too big while streaming
        f"g,Flaky,{u}/flaky.jpg,https://s.example/g,10,EUR,Acme,",                     # 8: 503 once, then fine
        f"h,Moved,{u}/moved/shoes-1.jpg,https://s.example/h,80,EUR,Acme,shoes",        # 9: redirected
        f"a,Again,{u}/img/dress-1.jpg,https://s.example/a2,10,EUR,Acme,",              # 10: duplicate id
        f"i,Cheap,{u}/img/dress-1.jpg,https://s.example/i,free,EUR,Acme,",             # 11: bad price
        f"j,Text,{REPO / 'samples' / 'bad' / 'not_an_image.jpg'},https://s.example/j,5,EUR,Acme,",  # 12: no image
        f"k,NoLink,{u}/img/dress-1.jpg,ftp://s.example/k,5,EUR,Acme,",                 # 13: not an http link
    ])
    report = await shop_stylist.import_catalog(feed)
    assert (report.rows, report.added, report.updated, report.removed) == (12, 4, 0, 0)
    problems = _problems(report)
    assert sorted(problems) == [4, 5, 6, 7, 10, 11, 12, 13]
    assert "HTTP 404" in problems[4]
    assert "timed out" in problems[5] and "2 tries" in problems[5]
    assert "too big" in problems[6] and "declared" in problems[6]
    assert "too big" in problems[7] and "while downloading" in problems[7]
    assert "duplicate id (first on line 2)" in problems[10]
    assert "price 'free'" in problems[11]
    assert "image" in problems[12]
    assert "http" in problems[13]
    assert shop.hits["/flaky.jpg"] == 2 and shop.hits["/img/nothing.jpg"] == 1  # 404 is not retried
    stats = await shop_stylist.catalog_stats()
    assert stats.products == 4 and stats.vectors == 4 and not stats.demo
    moved = await shop_stylist.product("h")
    assert moved.tags.category == "shoes" and moved.price == 80.0


async def test_loopback_and_private_addresses_are_refused_without_asking_them(stylist, shop, tmp_path):
    feed = write_feed(tmp_path, [
        f"a,Shirt,{shop.url}/img/shirt-1.jpg,https://s.example/a,29.90,EUR,Acme,",
        "b,Meta,http://169.254.169.254/latest/meta-data,https://s.example/b,1,EUR,Acme,",
        "c,Lan,http://10.1.2.3/x.jpg,https://s.example/c,1,EUR,Acme,",
        "d,Local,http://localhost:9/x.jpg,https://s.example/d,1,EUR,Acme,",
        f"e,File,{SAMPLES / 'pants-2.jpg'},https://s.example/e,49,EUR,Acme,",
    ])
    report = await stylist.import_catalog(feed)  # the default settings: private addresses are refused
    problems = _problems(report)
    assert sorted(problems) == [2, 3, 4, 5]
    assert all("refused to fetch" in reason and "STYLIST_CATALOG_ALLOW_PRIVATE" in reason
               for reason in problems.values())
    assert shop.hits == {}  # the loopback shop was never contacted
    assert report.added == 1 and (await stylist.product("e")).tags.category == "bottom"


async def test_a_reimport_skips_unchanged_photos_updates_prices_and_prunes_only_when_asked(shop_stylist, tmp_path):
    rows = [f"p{i},Item {i},{SAMPLES / name},https://s.example/p{i},{10 * i}.00,EUR,Acme,"
            for i, name in enumerate(["shirt-1.jpg", "shirt-2.jpg", "pants-1.jpg"], start=1)]
    first = await shop_stylist.import_catalog(write_feed(tmp_path, rows))
    assert (first.added, first.unchanged) == (3, 0)
    again = await shop_stylist.import_catalog(write_feed(tmp_path, rows))
    assert (again.added, again.updated, again.unchanged, again.problems) == (0, 0, 3, ())

    rows[0] = rows[0].replace("10.00", "7.50")
    changed = await shop_stylist.import_catalog(write_feed(tmp_path, rows[:2]))  # p3 left the feed
    assert (changed.added, changed.updated, changed.unchanged, changed.removed) == (0, 1, 1, 0)
    assert (await shop_stylist.product("p1")).price == 7.5
    shirt = PhotoInput((SAMPLES / "shirt-1.jpg").read_bytes(), "shirt-1.jpg")
    cheap = await shop_stylist.search_catalog([shirt], k=5, where=ProductFilter(max_price=8))
    assert [h.product.id for h in cheap[0]] == ["p1"]  # the index's price moved with the row
    assert (await shop_stylist.catalog_stats()).products == 3  # not pruned without --prune

    pruned = await shop_stylist.import_catalog(write_feed(tmp_path, rows[:2]), prune=True)
    assert pruned.removed == 1 and (await shop_stylist.catalog_stats()).products == 2


async def test_feeds_that_cannot_be_read_say_why(shop_stylist, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(FeedError, match="empty"):
        await shop_stylist.import_catalog(empty)
    with pytest.raises(FeedError, match="missing: image, url, price"):
        await shop_stylist.import_catalog(write_feed(tmp_path, ["a,b,c"], header="id,name,brand,currency"))
    with pytest.raises(FeedError, match="no feed at"):
        await shop_stylist.import_catalog(tmp_path / "nowhere.csv")
    with pytest.raises(FeedError, match="header but no products"):
        await shop_stylist.import_catalog(write_feed(tmp_path, []))


async def test_non_utf8_bytes_and_broken_json_lines_skip_only_their_rows(shop_stylist, tmp_path):
    good = f"a,Shirt,{SAMPLES / 'shirt-1.jpg'},https://s.example/a,29.90,EUR,Acme,\n".encode()
    latin = f"b,Chemise \xe9t\xe9,{SAMPLES / 'shirt-2.jpg'},https://s.example/b,19,EUR,Acme,\n".encode("latin-1")
    feed = tmp_path / "mixed.csv"
    feed.write_bytes(b"id,title,image,url,price,currency,brand,category\n" + good + latin)
    report = await shop_stylist.import_catalog(feed)
    assert report.added == 1 and [(p.line, p.product_id) for p in report.problems] == [(3, "b")]
    assert "not UTF-8" in report.problems[0].reason

    lines = tmp_path / "feed.jsonl"
    lines.write_text('{"id": "c", "title": "Dress", "image": "%s", "url": "https://s.example/c", "price": 59,'
                     ' "currency": "usd", "brand": "Acme"}\n{"id": "d", "title": \n[1, 2]\n'
                     '{"id": "e", "title": "No price", "image": "x.jpg", "url": "https://s.example/e",'
                     ' "currency": "USD", "brand": ""}\n' % (SAMPLES / "dress-1.jpg"), encoding="utf-8")
    report = await shop_stylist.import_catalog(lines)
    assert report.added == 1 and (await shop_stylist.product("c")).currency == "USD"
    assert [(p.line, p.reason.split(" (")[0]) for p in report.problems] == [
        (2, "not valid JSON"), (3, "not a JSON object"), (4, "missing price")]


def test_feed_paths_are_relative_to_the_feed(tmp_path: Path) -> None:
    from engine.catalog.fetch import local_path

    assert local_path("images/a.jpg", tmp_path) == tmp_path / "images" / "a.jpg"
    assert local_path("/abs/a.jpg", tmp_path) == Path("/abs/a.jpg")
