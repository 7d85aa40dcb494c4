"""The product index's filtered search against exact NumPy search (both of its paths), and the link helpers."""

from __future__ import annotations

import numpy as np
import pytest

from engine.catalog import index as index_module
from engine.catalog.index import IndexedProduct, ProductIndex
from engine.catalog.links import format_price, tracked
from engine.catalog.types import ProductFilter, results_problem
from engine.errors import InvalidFilter

CATS = ("top", "bottom", "shoes")


@pytest.mark.parametrize("by_ids", [2000, 5])  # few pass: asked by ids; many pass: oversampled and filtered here
@pytest.mark.parametrize("where", [ProductFilter(category="shoes"), ProductFilter(category="top", max_price=50),
                                   ProductFilter(brand="B1", min_price=20)])
def test_filtered_search_finds_what_exact_search_finds(tmp_path, monkeypatch, by_ids, where) -> None:
    monkeypatch.setattr(index_module, "BY_IDS", by_ids)
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(600, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    products = [IndexedProduct(f"p{i}", CATS[i % 3], "x", f"b{i % 4}", float(i % 100)) for i in range(600)]
    index = ProductIndex.open(path=tmp_path)
    index.upsert(products, vectors)
    queries = vectors[:20] + 0.1 * rng.normal(size=(20, 32)).astype(np.float32)
    found = index.query(queries, 10, where)
    mask = np.array([where.accepts(p.metadata()) for p in products])
    for q, hits in zip(queries, found, strict=True):
        scores = np.where(mask, vectors @ (q / np.linalg.norm(q)), -np.inf)
        exact = {f"p{i}" for i in np.argsort(-scores)[:10]}
        assert len({pid for pid, _ in hits} & exact) >= 9
        assert all(where.accepts(products[int(pid[1:])].metadata()) for pid, _ in hits)


def test_a_price_change_reaches_the_filters(tmp_path) -> None:
    index = ProductIndex.open(path=tmp_path)
    index.upsert([IndexedProduct("a", "top", "x", "B", 90.0)], np.ones((1, 4), np.float32))
    assert index.query(np.ones(4, np.float32), 3, ProductFilter(max_price=50)) == [[]]
    index.update_metadata([IndexedProduct("a", "top", "x", "B", 40.0)])
    assert [pid for pid, _ in index.query(np.ones(4, np.float32), 3, ProductFilter(max_price=50))[0]] == ["a"]
    index.delete(["a"])
    assert index.query(np.ones(4, np.float32), 3, ProductFilter(max_price=50)) == [[]]


def test_links_carry_tracking_and_prices_their_currency() -> None:
    assert tracked("https://s.example/p?id=1", "utm_source=stylist&id=9") == \
        "https://s.example/p?id=1&utm_source=stylist"  # the shop's own parameters win
    assert tracked("https://s.example/p", "") == "https://s.example/p"
    assert format_price(49.9, "EUR") == "€49.90"
    assert format_price(120.0, "USD") == "$120"
    assert format_price(5000, "JPY") == "¥5,000"
    assert format_price(299.5, "SEK") == "299.50 SEK"


@pytest.mark.parametrize(("low", "high", "message"), [
    (None, -3.0, "the maximum price must be a number of 0 or more, not -3"),
    (float("nan"), None, "the minimum price must be a number of 0 or more, not nan"),
    (50.0, 20.0, "the minimum price 50 is above the maximum price 20"),
])
def test_a_filter_with_a_senseless_price_range_is_refused(low, high, message) -> None:
    with pytest.raises(InvalidFilter, match=message):
        ProductFilter(min_price=low, max_price=high)


def test_results_out_of_range_are_named() -> None:
    assert results_problem(0) == "the number of results must be from 1 to 100, not 0"
    assert results_problem(101) and results_problem(1) is None and results_problem(100) is None
