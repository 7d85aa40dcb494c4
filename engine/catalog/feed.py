"""Reading a catalog feed (CSV or JSON Lines) into checked rows; every bad row becomes a problem with its line.

Required fields: ``id, title, image, url, price, currency, brand``; optional: ``category, type, gender, colour,
formality`` (also ``usage``: a shop's word such as "Smart Casual" or "Sports", mapped by
config/data/formality_words.csv; a word it does not know makes the row bad, named by its line).
A feed that cannot be read at all (empty, unknown format, required columns missing) raises ``FeedError``; a bad
row is reported and skipped, never fatal. Bytes that are not UTF-8 are kept as surrogates while parsing, so the
row that holds them is named and skipped while the rest of the feed is read.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from config.vocabulary import FORMALITIES, load_formality_words
from engine.catalog.types import FeedProblem
from engine.errors import FeedError

REQUIRED = ("id", "title", "image", "url", "price", "currency", "brand")
OPTIONAL = ("category", "type", "gender", "colour", "formality")
ALIASES = {"image_url": "image", "image_link": "image", "link": "url", "color": "colour", "sku": "id",
           "name": "title", "usage": "formality"}
PRODUCT_ID = re.compile(r"^[A-Za-z0-9_.:@+\-]{1,64}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
_SURROGATE = re.compile(r"[\udc80-\udcff]")


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One good row of a feed."""

    line: int
    id: str
    title: str
    image: str
    url: str
    price: float
    currency: str
    brand: str
    category: str = ""
    type: str = ""
    gender: str = ""
    colour: str = ""
    formality: str = ""  # a common formality, or "" when the feed says none (the tagger's stands)


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """The good rows, the problems, and every id the feed names (bad rows included, so pruning spares them)."""

    rows: list[FeedRow]
    problems: list[FeedProblem]
    ids: set[str]
    total: int


def parse_feed(data: bytes, name: str) -> ParsedFeed:
    """Parse a feed's bytes (``name`` picks CSV or JSON Lines by suffix, else the content decides)."""
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    if not text.strip():
        raise FeedError(f"{name}: the feed is empty (no products)")
    lowered = name.lower()
    jsonl = lowered.endswith((".jsonl", ".ndjson", ".json")) or (
        not lowered.endswith((".csv", ".tsv", ".txt")) and text.lstrip().startswith("{"))
    records = _json_lines(text) if jsonl else _csv_rows(text, name)
    rows: list[FeedRow] = []
    problems: list[FeedProblem] = []
    ids: set[str] = set()
    first_line: dict[str, int] = {}
    total = 0
    for line, record in records:
        total += 1
        if isinstance(record, str):
            problems.append(FeedProblem(line, "", record))
            continue
        raw_id = str(record.get("id", "")).strip()
        if raw_id:
            ids.add(raw_id)
        try:
            row = _check(line, record)
        except ValueError as exc:
            problems.append(FeedProblem(line, raw_id[:64], str(exc)))
            continue
        if row.id in first_line:
            problems.append(FeedProblem(line, row.id, f"duplicate id (first on line {first_line[row.id]}); skipped"))
            continue
        first_line[row.id] = line
        rows.append(row)
    if total == 0:
        raise FeedError(f"{name}: the feed has a header but no products")
    return ParsedFeed(rows, problems, ids, total)


def _normalise_keys(record: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key is None:  # a CSV row with more cells than the header
            continue
        k = str(key).strip().lower()
        out[ALIASES.get(k, k)] = value
    return out


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    sample = text[:4096]
    delimiter = "\t" if name.lower().endswith(".tsv") or sample.count("\t") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise FeedError(f"{name}: required column(s) missing: {', '.join(missing)} (found: "
                        f"{', '.join(header) or 'nothing'}); a feed needs {', '.join(REQUIRED)}")
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, f"not valid CSV ({exc})"
            continue
        if not any((v or "").strip() for v in record.values() if isinstance(v, str)):
            start = reader.line_num + 1
            continue  # a blank line
        yield start, _normalise_keys(record)
        start = reader.line_num + 1


def _json_lines(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if _SURROGATE.search(line):
            yield number, "not UTF-8 text"
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"not valid JSON ({exc.msg} at column {exc.colno})"
            continue
        if not isinstance(record, dict):
            yield number, "not a JSON object"
            continue
        yield number, _normalise_keys(record)


def _text(record: dict[str, Any], key: str, limit: int) -> str:
    value = record.get(key)
    if value is None:
        return ""
    text = str(value).strip()
    if _SURROGATE.search(text):
        raise ValueError(f"{key} is not UTF-8 text")
    return text[:limit]


def _price(raw: Any) -> float:
    text = str(raw if raw is not None else "").strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")  # 19,99
    try:
        price = float(text)
    except ValueError:
        raise ValueError(f"price {text[:20]!r} is not a number") from None
    if not math.isfinite(price) or price < 0:
        raise ValueError(f"price {text[:20]!r} is not a price")
    return round(price, 2)


def _formality(raw: str) -> str:
    """Return the common formality a feed's word means ("" for none), or raise naming the word and the choices."""
    word = " ".join(raw.replace("_", " ").split()).lower()
    words = load_formality_words()
    if word in words:
        return words[word]
    if word.replace(" ", "-") in words:
        return words[word.replace(" ", "-")]
    raise ValueError(f"formality {raw[:32]!r} is not one of {', '.join(FORMALITIES)} "
                     "(or a shop's usage word such as Smart Casual, Sports, Party, Ethnic)")


def _check(line: int, record: dict[str, Any]) -> FeedRow:
    missing = [k for k in REQUIRED if k != "brand" and not _text(record, k, 4096)]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    product_id = _text(record, "id", 200)
    if not PRODUCT_ID.match(product_id):
        raise ValueError("id must be 1-64 letters, digits or _ . : @ + -")
    url = _text(record, "url", 2048)
    if not url.startswith(("http://", "https://")):
        raise ValueError("url must start with http:// or https://")
    currency = _text(record, "currency", 8).upper()
    if not CURRENCY.match(currency):
        raise ValueError(f"currency {currency!r} is not a three-letter code such as EUR")
    formality_word = _text(record, "formality", 64)
    formality = _formality(formality_word) if formality_word else ""
    return FeedRow(line=line, id=product_id, title=_text(record, "title", 512), image=_text(record, "image", 2048),
                   url=url, price=_price(record.get("price")), currency=currency, brand=_text(record, "brand", 128),
                   category=_text(record, "category", 32).lower(), type=_text(record, "type", 32).lower(),
                   gender=_text(record, "gender", 32).lower(), colour=_text(record, "colour", 32).lower(),
                   formality=formality)
