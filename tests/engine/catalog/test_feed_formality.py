"""Formality from a shop's feed: the optional ``formality`` column (or ``usage``), mapped to the common words,
winning over the tagger; bad words named by line; and a product of a type that cannot be that formal (flip-flops
for work) never offered for a gap, however it was labelled."""

from __future__ import annotations

import csv

from config.vocabulary import FORMALITIES, load_vocabulary
from engine.catalog.feed import parse_feed
from tests._support import REPO, SAMPLES, sample_photo
from tests.engine.catalog.conftest import write_feed

HEADER = "id,title,image,url,price,currency,brand,category,type,usage"


def _row(pid: str, usage: str, kind: str = "", photo: str = "shoes-1.jpg") -> str:
    return f"{pid},Item {pid},{SAMPLES / photo},https://s.example/{pid},50,EUR,Acme,,{kind},{usage}"


def test_shop_words_map_to_the_common_formality_and_unknown_ones_are_named_by_line() -> None:
    feed = "\n".join([HEADER, _row("a", "Smart Casual"), _row("b", "Sports"), _row("c", "Ethnic"),
                      _row("d", "formal"), _row("e", ""), _row("f", "black tie"), _row("g", "smart_casual")])
    parsed = parse_feed(feed.encode(), "feed.csv")
    assert {r.id: r.formality for r in parsed.rows} == {"a": "smart-casual", "b": "sport", "c": "", "d": "formal",
                                                        "e": "", "g": "smart-casual"}
    [problem] = parsed.problems
    assert problem.line == 7 and problem.product_id == "f"
    assert "formality 'black tie' is not one of casual, smart-casual, formal, sport" in problem.reason


def test_the_json_lines_formality_column_is_read_too() -> None:
    line = ('{"id": "j1", "title": "J", "image": "x.jpg", "url": "https://s.example/j1", "price": 9, '
            '"currency": "EUR", "brand": "", "formality": "Party"}')
    assert parse_feed(line.encode(), "feed.jsonl").rows[0].formality == "formal"


async def test_the_feed_formality_wins_over_the_tagger_and_a_reimport_updates_it(shop_stylist, tmp_path) -> None:
    rows = [_row("loafer", "smart casual", "formal-shoes"), _row("plain", "", "")]
    assert (await shop_stylist.import_catalog(write_feed(tmp_path, rows, header=HEADER))).added == 2
    loafer, plain = await shop_stylist.product("loafer"), await shop_stylist.product("plain")
    assert loafer.tags.formality == "smart-casual" and loafer.tags.confidence["formality"] == 1.0
    assert plain.tags.formality in FORMALITIES and plain.tags.confidence.get("formality", 0) < 1.0  # the tagger's
    again = [_row("loafer", "Formal", "formal-shoes"), rows[1]]
    report = await shop_stylist.import_catalog(write_feed(tmp_path, again, header=HEADER))
    assert report.updated == 1 and report.unchanged == 1
    assert (await shop_stylist.product("loafer")).tags.formality == "formal"


async def test_flip_flops_never_fill_a_smart_casual_gap_even_labelled_so(shop_stylist, tmp_path) -> None:
    await shop_stylist.add_garments("una", [sample_photo("t-shirt-1.jpg"), sample_photo("pants-1.jpg")])
    rows = [_row("flops", "smart-casual", "flip-flops", "shoes-2.jpg"),
            _row("slides", "smart-casual", "sandals", "shoes-3.jpg"),
            _row("loafers", "smart-casual", "formal-shoes", "shoes-1.jpg")]
    assert (await shop_stylist.import_catalog(write_feed(tmp_path, rows, header=HEADER))).added == 3
    assert (await shop_stylist.product("flops")).tags.formality == "smart-casual"  # the feed won...
    gaps = {g.key: g for g in await shop_stylist.wardrobe_gaps("una")}
    assert "shoes:smart-casual" in gaps
    # ...but flip-flops and sandals are casual only (config/data/types.csv): never offered for work or a date
    assert [h.product.id for h in gaps["shoes:smart-casual"].products] == ["loafers"]


def test_the_demo_catalog_carries_a_formality_its_type_allows_for_every_product() -> None:
    vocabulary = load_vocabulary()
    rows = list(csv.DictReader((REPO / "samples" / "catalog" / "feed.csv").open(encoding="utf-8")))
    assert len(rows) == 45 and all(r["formality"] in FORMALITIES for r in rows)
    outside = [r["id"] for r in rows if r["formality"] not in vocabulary.types[r["type"]].formalities]
    assert outside == ["demo-longsleeve-1"]  # a training top: sport by eye, though longsleeves are never sport
    shoes = {r["id"]: (r["type"], r["formality"]) for r in rows if r["category"] == "shoes"}
    assert shoes["demo-shoes-4"] == ("flip-flops", "casual") and shoes["demo-shoes-3"] == ("formal-shoes",
                                                                                             "smart-casual")

