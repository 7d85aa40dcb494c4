"""The small parsers and the wording helpers the transcripts rely on."""

from __future__ import annotations

from datetime import time

import pytest

from dialog import texts
from dialog.settings import parse_days, parse_time


@pytest.mark.parametrize(("said", "expected"), [
    ("7:30", time(7, 30)), ("at 8am", time(8, 0)), ("19.15 please", time(19, 15)), ("7 pm", time(19, 0)),
    ("12am", time(0, 0)), ("7", time(7, 0)), ("8h45", time(8, 45)),
    ("25:00", None), ("I have 3 shirts and 2 skirts", None), ("", None),
])
def test_times_of_day(said: str, expected: time | None) -> None:
    assert parse_time(said) == expected


@pytest.mark.parametrize(("said", "expected"), [
    ("weekdays", (0, 1, 2, 3, 4)), ("every day", tuple(range(7))), ("only at the weekend", (5, 6)),
    ("Monday and Wednesday", (0, 2)), ("whenever", None),
])
def test_push_days(said: str, expected: tuple[int, ...] | None) -> None:
    assert parse_days(said) == expected


def test_counts_read_naturally() -> None:
    assert texts.count_of(1, "dress") == "1 dress" and texts.count_of(2, "dress") == "2 dresses"
    assert texts.count_of(1, "shoes") == "1 pair of shoes" and texts.count_of(3, "trousers") == "3 pairs of trousers"
    assert texts.count_of(2, "jacket or coat") == "2 jackets or coats"
    assert texts.count_of(4, "outerwear") == "4 outerwear"
    assert texts.listing(["a", "b", "c"]) == "a, b and c" and texts.days_text((5, 6)) == "weekends"
    assert texts.engine_error("no item 'x' in your wardrobe") == "No item 'x' in your wardrobe."
