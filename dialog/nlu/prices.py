"""A price range in a shopping request: "under 50 euros", "€20-€60", "between 30 and 80", "at least $100".

Read by patterns on the normalised text (no model: numbers are not the sentence model's strength). The range is
returned as said, unchecked: the shopping handler refuses a senseless one (negative, minimum above maximum) with
the same check the command line and the engine apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CUR = r"(?:\s*(?:€|\$|£|eur\b|euros?\b|usd\b|dollars?\b|gbp\b|pounds?\b|bucks\b))"
_NUM = r"(?:€|\$|£)?\s*(-?\d{1,6}(?:[.,]\d{1,2})?)"
_NOT_A_PRICE = r"(?!\s*(?:°|degrees?\b|deg\b|c\b|f\b|looks?\b|outfits?\b|items?\b|pieces?\b|am\b|pm\b|%))"
_BETWEEN = re.compile(rf"\bbetween\s+{_NUM}{_CUR}?\s+and\s+{_NUM}{_CUR}?{_NOT_A_PRICE}")
_SPAN = re.compile(rf"(?:(?:€|\$|£)\s*(-?\d{{1,6}}(?:[.,]\d{{1,2}})?){_CUR}?|(-?\d{{1,6}}(?:[.,]\d{{1,2}})?){_CUR})"
                   rf"\s*(?:-|–|to)\s*{_NUM}{_CUR}?")
_AT_MOST = re.compile(rf"\b(?:under|below|less than|cheaper than|up to|at most|max(?:imum)?|no more than|within)"
                      rf"\s+{_NUM}{_CUR}?{_NOT_A_PRICE}")
_SPAN_AFTER = re.compile(rf"(?<![\d.,])(\d{{1,6}}(?:[.,]\d{{1,2}})?)\s*(?:-|–|to)\s*"
                         rf"(\d{{1,6}}(?:[.,]\d{{1,2}})?){_CUR}")
_AT_LEAST = re.compile(rf"\b(?:over|above|more than|at least|min(?:imum)?)\s+{_NUM}{_CUR}?{_NOT_A_PRICE}")


@dataclass(frozen=True, slots=True)
class PriceRange:
    """The prices a request allows (None: no limit on that side), as said."""

    min_price: float | None = None
    max_price: float | None = None

    def __str__(self) -> str:
        low, high = self.min_price, self.max_price
        if low is not None and high is not None:
            return f"between {low:g} and {high:g}"
        return f"under {high:g}" if high is not None else f"over {low:g}"


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def find_price_range(normal: str) -> PriceRange | None:
    """Return the price range said in normalised text, or None when it names no price."""
    for pattern in (_BETWEEN, _SPAN, _SPAN_AFTER):
        match = pattern.search(normal)
        if match is not None:
            low, high = [_number(g) for g in match.groups() if g is not None]
            return PriceRange(low, high)
    high_match, low_match = _AT_MOST.search(normal), _AT_LEAST.search(normal)
    if high_match is None and low_match is None:
        return None
    return PriceRange(_number(low_match.group(1)) if low_match else None,
                      _number(high_match.group(1)) if high_match else None)
