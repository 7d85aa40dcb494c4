"""``stylist catalog``: import a feed (summary, line-numbered problems, prune), search by photo (JSON lines),
stats and remove, on real sample photos."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._support import SAMPLES


def _feed(folder: Path, rows: list[str]) -> Path:
    path = folder / "feed.csv"
    path.write_text("id,title,image,url,price,currency,brand,category\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


ROWS = [
    f"s1,Black shoes,{SAMPLES / 'shoes-1.jpg'},https://s.example/s1,89.00,EUR,Acme,shoes",
    f"s2,Shoes,{SAMPLES / 'shoes-3.jpg'},https://s.example/s2,120,EUR,Bolt,",
    f"t1,Shirt,{SAMPLES / 'shirt-1.jpg'},https://s.example/t1,30,EUR,Acme,",
    f"d1,Dress,{SAMPLES / 'dress-2.jpg'},https://s.example/d1,59.5,EUR,Cora,",
    "x1,Broken,nothing-here.jpg,https://s.example/x1,10,EUR,Acme,",
]


def test_import_search_stats_remove(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("STYLIST_CATALOG_DEMO", "false")
    feed = _feed(tmp_path, ROWS)
    code, lines, err = cli.json("catalog", "import", str(feed))
    assert code == 1  # a row was skipped
    assert lines[0]["added"] == 4 and lines[0]["skipped"] == 1
    assert "line 6 (x1): image nothing-here.jpg: no such image file" in err

    code, lines, _ = cli.json("catalog", "search", str(SAMPLES / "shoes-2.jpg"), str(SAMPLES / "dress-1.jpg"),
                              "--k", "2")
    assert code == 0 and len(lines) == 4
    assert set(lines[0]) == {"query", "id", "title", "url", "price", "currency", "category", "type", "score"}
    assert lines[0]["query"].endswith("shoes-2.jpg") and lines[0]["category"] == "shoes"
    assert lines[2]["query"].endswith("dress-1.jpg") and lines[2]["id"] == "d1"

    code, lines, _ = cli.json("catalog", "search", str(SAMPLES / "shoes-2.jpg"), "--category", "shoes",
                              "--max-price", "100")
    assert [line["id"] for line in lines] == ["s1"]

    text = cli.run("catalog", "search", str(SAMPLES / "shoes-2.jpg"), "--k", "1")
    assert text.code == 0 and "€89" in text.out and "https://s.example/" in text.out

    code, lines, _ = cli.json("catalog", "stats")
    assert lines[0]["products"] == 4 and lines[0]["by_category"]["shoes"] == 2 and not lines[0]["demo"]

    code, lines, err = cli.json("catalog", "remove", "t1", "nope")
    assert code == 1 and lines == [{"id": "t1", "removed": True}] and "no product 'nope'" in err

    cheaper = [row.replace("89.00", "79.00") for row in ROWS[:2]]
    code, lines, _ = cli.json("catalog", "import", str(_feed(tmp_path, cheaper)), "--prune")
    assert code == 0 and lines[0]["updated"] == 1 and lines[0]["unchanged"] == 1 and lines[0]["removed"] == 1
    code, lines, _ = cli.json("catalog", "search", str(SAMPLES / "shoes-1.jpg"), "--k", "1")
    assert lines[0]["id"] == "s1" and lines[0]["price"] == 79.0


def test_a_feed_that_cannot_be_read_is_one_clear_line(cli, tmp_path):
    bad = tmp_path / "wrong.csv"
    bad.write_text("sku,name\n1,x\n", encoding="utf-8")
    result = cli.run("catalog", "import", str(bad))
    assert result.code == 1 and "required column(s) missing: image, url, price, currency, brand" in result.err


def test_search_without_a_feed_uses_the_demo_catalog(cli):
    code, lines, _ = cli.json("catalog", "search", str(SAMPLES / "shoes-2.jpg"), "--k", "3")
    assert code == 0 and len(lines) == 3
    assert all(line["url"].startswith("https://shop.example/demo/") for line in lines)
    assert all(line["category"] == "shoes" for line in lines)


@pytest.mark.parametrize(("options", "message"), [
    (["--k", "0"], "argument --k: must be from 1 to 100, not 0"),
    (["--k", "101"], "argument --k: must be from 1 to 100, not 101"),
    (["--k", "three"], "argument --k: 'three' is not a whole number"),
    (["--max-price", "-3"], "argument --max-price: a price must be a number of 0 or more, not -3"),
    (["--min-price", "nan"], "argument --min-price: a price must be a number of 0 or more, not nan"),
    (["--max-price", "inf"], "argument --max-price: a price must be a number of 0 or more, not inf"),
    (["--max-price", "cheap"], "argument --max-price: 'cheap' is not a price (a number such as 49.90)"),
    (["--min-price", "50", "--max-price", "20"],
     "argument --min-price: the minimum price 50 is above the maximum price 20"),
])
def test_search_refuses_bad_values_as_usage_errors(cli, options, message) -> None:
    """Refused before anything opens, argparse style: usage, then one error line naming the option; exit 2."""
    result = cli.refused("catalog", "search", str(SAMPLES / "shoes-2.jpg"), *options)
    err = result.err.strip().splitlines()
    assert result.code == 2
    assert err[0].startswith("usage: stylist catalog") and err[-1].endswith(message), err
    assert not cli.data.exists()  # refused before the app opened anything


def test_search_accepts_the_edges_of_the_ranges(cli, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("STYLIST_CATALOG_DEMO", "false")
    assert cli.json("catalog", "import", str(_feed(tmp_path, ROWS[:2])))[0] == 0
    code, lines, _ = cli.json("catalog", "search", str(SAMPLES / "shoes-2.jpg"), "--k", "100",
                              "--min-price", "89", "--max-price", "89")
    assert code == 0 and [line["id"] for line in lines] == ["s1"]
    code, lines, _ = cli.json("catalog", "search", str(SAMPLES / "shoes-2.jpg"), "--k", "1", "--max-price", "0")
    assert code == 0 and lines == []
