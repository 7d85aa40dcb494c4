"""Dates, temperatures and clock times in an utterance: read by patterns, resolved against the user's today."""

from __future__ import annotations

import re
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
_MONTH = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*"

# "-5°C", "12 degrees", "75F", "minus 3 degrees": the unit is required so "2 looks" is never a temperature.
_TEMP = re.compile(
    r"(?<![\w:.])(?P<sign>-|minus\s*)?(?P<num>\d{1,3}(?:[.,]\d)?)\s*"
    r"(?P<unit>°\s*[cf]?|degrees?(?:\s*(?:c|f|celsius|fahrenheit)\b)?|deg\b|celsius\b|fahrenheit\b|c\b|f\b)"
)
# Clock times: "7:30", "6.45pm", "8am", "at 8" (the bare form only after "at", so counts stay counts).
_CLOCK = re.compile(r"\b(?P<h>\d{1,2})[:.](?P<m>\d{2})\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?(?!\d)")
_HOUR_AMPM = re.compile(r"\b(?P<h>\d{1,2})\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)")
_AT_HOUR = re.compile(r"\bat\s+(?P<h>\d{1,2})\b(?!\s*(?:degrees|°|looks?|outfits?))")
_ISO = re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")
_DAY_MONTH = re.compile(r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?\s+" + _MONTH + r"\b")
_MONTH_DAY = re.compile(r"\b" + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?\b")
_IN_DAYS = re.compile(r"\bin\s+(?P<n>\d{1,2}|two|three|four|five|six|seven)\s+days\b")
_SMALL = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
FAHRENHEIT_FROM = 45  # a bare "degrees" above this is Fahrenheit ("80 degrees" is a hot day, not a sauna)


def find_temperature(text: str) -> tuple[float, tuple[int, int]] | None:
    """Return the first temperature in normalised ``text`` in °C, with its character span."""
    match = _TEMP.search(text)
    if match is None:
        return None
    value = float(match["num"].replace(",", "."))
    if match["sign"]:
        value = -value
    unit = re.sub(r"[°\s]|degrees?|deg", "", match["unit"])  # "c", "f", "celsius", ... or "" when unsaid
    if unit.startswith("f") or (unit == "" and value > FAHRENHEIT_FROM):
        value = (value - 32) * 5 / 9
    return round(value, 1), match.span()


def find_clock(text: str) -> tuple[str, tuple[int, int]] | None:
    """Return the first clock time in normalised ``text`` as ``HH:MM`` (24 h), with its span."""
    for pattern in (_CLOCK, _HOUR_AMPM, _AT_HOUR):
        match = pattern.search(text)
        if match is None:
            continue
        hour = int(match["h"])
        minute = int(match.groupdict().get("m") or 0)
        ampm = (match.groupdict().get("ampm") or "").replace(".", "")
        if ampm == "pm" and hour < 12:
            hour += 12
        elif ampm == "am" and hour == 12:
            hour = 0
        if hour < 24 and minute < 60:
            return f"{hour:02d}:{minute:02d}", match.span()
    return None


def _next_weekday(today: date, weekday: int, *, strictly_after: bool) -> date:
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and strictly_after:
        ahead = 7
    return today + timedelta(days=ahead)


def _calendar_date(text: str, today: date) -> date | None:
    """Return an explicit date ("2026-03-20", "20 March", "march 20th"), the next one on or after today."""
    if (m := _ISO.search(text)) is not None:
        try:
            return date(int(m["y"]), int(m["m"]), int(m["d"]))
        except ValueError:
            return None
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        if (m := pattern.search(text)) is None:
            continue
        month = next(i for i, name in enumerate(MONTHS, 1) if name.startswith(m["mon"][:3]))
        try:
            when = date(today.year, month, int(m["d"]))
        except ValueError:
            return None
        return when if when >= today else when.replace(year=today.year + 1)
    return None


def find_day(text: str, tokens: list[str], today: date) -> date | None:
    """Return the day the utterance names, resolved against ``today`` (None when it names none)."""
    if (explicit := _calendar_date(text, today)) is not None:
        return explicit
    if (m := _IN_DAYS.search(text)) is not None:
        return today + timedelta(days=_SMALL.get(m["n"]) or int(m["n"]))
    joined = " ".join(tokens)
    if "day after tomorrow" in joined:
        return today + timedelta(days=2)
    for i, token in enumerate(tokens):
        before = tokens[i - 1] if i else ""
        if token in ("today", "todays", "tonight", "tonights") or (token in ("morning", "evening")
                                                                    and before == "this"):
            return today
        if token in ("tomorrow", "tomorrows", "tmrw", "tmr", "tomoz", "tmrow"):
            return today + timedelta(days=1)
        if token == "yesterday":
            return today - timedelta(days=1)
        if token in ("weekend", "weekends") and before in ("this", "the", "next", "for", "at", "on"):
            saturday = _next_weekday(today, 5, strictly_after=False)
            return today if today.weekday() == 6 and before != "next" else saturday
        if token == "week" and before == "next":
            return _next_weekday(today, 0, strictly_after=True)
        if token in WEEKDAYS:
            return _next_weekday(today, WEEKDAYS.index(token), strictly_after=before == "next")
    return None


def weekdays_named(tokens: list[str]) -> list[str]:
    """Return the weekdays named (singular or plural), as three-letter names in week order."""
    named = {token.rstrip("s") for token in tokens} & set(WEEKDAYS)
    return [day[:3] for day in WEEKDAYS if day in named]
