"""The day's weather for a look: a live forecast (Open-Meteo), a seasonal guess, and what it means for clothes."""

from __future__ import annotations

import asyncio
import calendar
import dataclasses
import json
import logging
import math
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, Protocol, runtime_checkable

import aiohttp

from config.settings import Settings
from engine.errors import StylistError
from engine.looks import Location, Weather

log = logging.getLogger(__name__)

# --- thresholds, as data -------------------------------------------------------------------------------
# Temperatures are "feels like" °C: the air temperature plus the wind and rain adjustments below.

# feels like at or above -> acceptable warmth levels of the main garments (0 sandals/shorts .. 4 coat/boots)
WARMTH_BANDS: tuple[tuple[float, tuple[int, int]], ...] = (
    (26.0, (0, 1)),
    (18.0, (0, 2)),
    (10.0, (1, 3)),
    (0.0, (2, 4)),
    (-math.inf, (3, 4)),
)
WIND_CHILL: tuple[tuple[float, float], ...] = ((40.0, -5.0), (20.0, -2.0))  # wind km/h at or above -> °C
RAIN_CHILL_C = -2.0  # wet clothes and no sun: rain feels colder
OUTERWEAR_BELOW_C = 16.0  # below this, or in rain that is not hot, a look needs an outer layer
RAIN_OUTERWEAR_UP_TO_C = 24.0  # above this a rain layer is an umbrella, not a jacket
COLD_BANNED_BELOW_C, COLD_BANNED = 8.0, frozenset({"shorts", "sandals", "flip-flops", "capris"})
HOT_BANNED_ABOVE_C, HOT_BANNED = 24.0, frozenset({"coat", "beanie", "gloves", "boots", "scarf"})
# describe_weather's words (air temperature, not feels like: it is what the user reads in a forecast)
HOT_C, FREEZING_C, WINDY_KMH = 28.0, -5.0, 30.0

# WMO weather code -> condition, and which condition wins when a day has several
WMO_CONDITIONS: dict[int, str] = {
    0: "clear", 1: "clear", 2: "cloudy", 3: "cloudy", 45: "fog", 48: "fog",
    **dict.fromkeys((51, 53, 55, 56, 57, 61, 63, 65, 66, 67, 80, 81, 82), "rain"),
    **dict.fromkeys((71, 73, 75, 77, 85, 86), "snow"),
    95: "storm", 96: "storm", 99: "storm",
}
SEVERITY = ("clear", "cloudy", "fog", "rain", "snow", "storm")
WET_CONDITIONS = frozenset({"rain", "snow", "storm"})  # one hour of these in the daytime marks the day
DAYTIME_HOURS = range(8, 21)  # local hours the temperature, wind and condition are taken from

# Typical daytime °C by month (Jan..Dec) in the northern hemisphere, per band of |latitude| (at or above).
# The southern hemisphere uses the month six away. Rough climatology, only used without a forecast.
SEASONAL_BANDS: tuple[tuple[float, tuple[float, ...]], ...] = (
    (55.0, (-3, -2, 2, 8, 14, 18, 20, 19, 14, 8, 2, -2)),  # Oslo, Stockholm, Moscow
    (35.0, (3, 4, 8, 13, 17, 21, 23, 22, 18, 13, 8, 4)),  # Berlin, New York, Beijing
    (23.0, (12, 13, 16, 19, 23, 26, 27, 27, 25, 21, 16, 13)),  # Sydney (flipped), Los Angeles, Cairo
    (0.0, (27,) * 12),  # the tropics: Singapore, Lagos, Bogota lowlands
)
DEFAULT_LATITUDE = 45.0  # no location: assume northern mid-latitudes

# The user-facing notes (shown in a look's reason).
NOTE_SEASONAL = "{reason}: assuming a typical {month} day{place}"
REASON_NO_LIVE = "no live weather"
REASON_NO_LOCATION = "no location set"
REASON_NO_PROVIDER = "live weather is turned off"
REASON_UNAVAILABLE = "weather service unavailable"
REASON_OUT_OF_RANGE = "no forecast that far ahead"
CONDITION_WORDS = {"rain": "rain", "snow": "snow", "storm": "thunderstorms", "fog": "fog"}

# Open-Meteo
DEFAULT_URL = "https://api.open-meteo.com/v1/forecast"
HOURLY_VARS = ("temperature_2m", "precipitation", "weather_code", "wind_speed_10m")
PLAUSIBLE = {"temperature_2m": (-90.0, 60.0), "precipitation": (0.0, 500.0), "weather_code": (0.0, 99.0),
             "wind_speed_10m": (0.0, 500.0)}
FORECAST_DAYS_AHEAD, PAST_DAYS = 16, 92  # the forecast API's range around (UTC) today, with a day of slack
MAX_BODY_BYTES = 1 << 20  # one day of hourly data is about 2 kB


class WeatherUnavailable(StylistError):
    """No live weather could be had (timeout, HTTP error, malformed answer)."""


class ForecastOutOfRange(WeatherUnavailable):
    """The day is outside the range the forecast service covers."""


class WeatherProvider(Protocol):
    """Where live weather comes from."""

    async def forecast(self, location: Location, day: date) -> Weather:
        """Return the day's weather at that place, or raise ``WeatherUnavailable``."""
        ...


@runtime_checkable
class _Closeable(Protocol):
    async def close(self) -> None: ...


class _Key(NamedTuple):
    latitude: float
    longitude: float
    timezone: str
    day: date
    hour: int  # hours since the epoch at fetch time: a forecast is reused for at most that hour


class OpenMeteoProvider:
    """The Open-Meteo forecast API (no key), cached per place, day and hour, one request per key at a time."""

    def __init__(self, session: aiohttp.ClientSession | None = None, *, base_url: str = DEFAULT_URL,
                 timeout_s: float = 3.0, cache_size: int = 2048, failure_ttl_s: float = 60.0,
                 clock: Callable[[], float] = time.time) -> None:
        self._session = session
        self._owns_session = session is None
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._cache_size = cache_size
        self._failure_ttl_s = failure_ttl_s
        self._clock = clock
        self._cache: OrderedDict[_Key, Weather] = OrderedDict()
        # a failed key answers at once until its expiry, so an outage does not cost every user a timeout
        self._failures: OrderedDict[_Key, tuple[float, str]] = OrderedDict()
        self._inflight: dict[_Key, asyncio.Task[Weather]] = {}

    async def forecast(self, location: Location, day: date) -> Weather:
        """Return the day's weather at that place, from the cache when fetched this hour."""
        now = self._clock()
        self._check_range(day, now)
        key = _Key(round(location.latitude, 2), round(location.longitude, 2), location.timezone, day,
                   int(now // 3600))
        if (hit := self._cache.get(key)) is not None:
            self._cache.move_to_end(key)
            return hit
        if (failed := self._failures.get(key)) is not None:
            if failed[0] > now:
                raise WeatherUnavailable(f"{failed[1]} (failed {self._failure_ttl_s:g} s ago or less)")
            del self._failures[key]
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(key), name=f"open-meteo {key.day}")
            self._inflight[key] = task
            task.add_done_callback(lambda done: self._settle(key, done))
        # shield: a caller that gives up must not cancel the fetch the others are waiting on
        return await asyncio.shield(task)

    async def close(self) -> None:
        """Cancel fetches in flight and close the HTTP session if this provider opened it."""
        for task in list(self._inflight.values()):
            task.cancel()
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _check_range(self, day: date, now: float) -> None:
        # UTC today with a day of slack either way: the user's local date may differ from UTC's
        today = datetime.fromtimestamp(now, UTC).date()
        if not today - timedelta(days=PAST_DAYS + 1) <= day <= today + timedelta(days=FORECAST_DAYS_AHEAD):
            raise ForecastOutOfRange(f"{day} is outside the forecast range")

    def _settle(self, key: _Key, task: asyncio.Task[Weather]) -> None:
        self._inflight.pop(key, None)
        if task.cancelled():
            return
        error = task.exception()  # retrieved here, so a fetch nobody awaits any more never warns
        if error is None:
            _remember(self._cache, key, task.result(), self._cache_size)
        elif isinstance(error, WeatherUnavailable):
            _remember(self._failures, key, (self._clock() + self._failure_ttl_s, str(error)), self._cache_size)

    async def _fetch(self, key: _Key) -> Weather:
        params = {"latitude": f"{key.latitude:.2f}", "longitude": f"{key.longitude:.2f}",
                  "hourly": ",".join(HOURLY_VARS), "timezone": key.timezone,
                  "start_date": key.day.isoformat(), "end_date": key.day.isoformat()}
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with asyncio.timeout(self._timeout_s):
                async with self._session.get(self._base_url, params=params,
                                             timeout=aiohttp.ClientTimeout(total=self._timeout_s)) as response:
                    status = response.status
                    body = await _read_capped(response)
        except TimeoutError:
            raise WeatherUnavailable(f"no answer within {self._timeout_s:g} s") from None
        except aiohttp.ClientError as exc:
            raise WeatherUnavailable(f"request failed: {exc.__class__.__name__}") from exc
        try:
            payload = json.loads(body)
        except ValueError:
            raise WeatherUnavailable(f"HTTP {status}, not JSON") from None
        if status != 200:
            reason = payload.get("reason") if isinstance(payload, dict) else None
            raise WeatherUnavailable(f"HTTP {status}" + (f": {str(reason)[:200]}" if reason else ""))
        return parse_forecast(payload, key.day)


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    chunks, size = [], 0
    async for chunk in response.content.iter_any():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise WeatherUnavailable("answer too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _remember(store: OrderedDict[_Key, Any], key: _Key, value: Any, limit: int) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > limit:
        store.popitem(last=False)


def parse_forecast(payload: object, day: date) -> Weather:
    """Turn an Open-Meteo hourly answer into the day's ``Weather``; raise ``WeatherUnavailable`` if malformed."""
    hourly = payload.get("hourly") if isinstance(payload, dict) else None
    if not isinstance(hourly, dict):
        raise WeatherUnavailable("answer has no hourly data")
    units = payload.get("hourly_units") if isinstance(payload, dict) else None
    if isinstance(units, dict) and units.get("temperature_2m", "°C") != "°C":
        raise WeatherUnavailable(f"unexpected temperature unit {units.get('temperature_2m')!r}")
    times = hourly.get("time")
    if not isinstance(times, list) or not all(isinstance(t, str) for t in times):
        raise WeatherUnavailable("hourly.time is missing or not a list of strings")
    series = {name: _series(hourly, name, len(times)) for name in HOURLY_VARS}
    all_day, daytime = [], []
    for i, stamp in enumerate(times):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            raise WeatherUnavailable(f"bad hourly time {stamp[:40]!r}") from None
        if moment.date() == day:
            all_day.append(i)
            if moment.hour in DAYTIME_HOURS:
                daytime.append(i)

    def values(name: str, indices: list[int]) -> list[float]:
        return [v for v in (series[name][i] for i in indices) if v is not None]

    temps = values("temperature_2m", daytime)
    if not temps:
        raise WeatherUnavailable(f"no daytime temperatures for {day}")
    codes = [int(c) for c in values("weather_code", daytime)]
    return Weather(temp_c=round(sum(temps) / len(temps), 1),
                   precip_mm=round(sum(values("precipitation", all_day)), 1),
                   wind_kmh=round(max(values("wind_speed_10m", daytime), default=0.0), 1),
                   condition=condition_of(codes), source="open-meteo")


def _series(hourly: dict[str, Any], name: str, length: int) -> list[float | None]:
    raw = hourly.get(name)
    if not isinstance(raw, list) or len(raw) != length:
        raise WeatherUnavailable(f"hourly.{name} is missing or of the wrong length")
    low, high = PLAUSIBLE[name]
    out: list[float | None] = []
    for value in raw:
        if value is None:
            out.append(None)
        elif isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
            out.append(float(value))  # NaN fails the range test too
        else:
            raise WeatherUnavailable(f"hourly.{name} holds {str(value)[:40]!r}")
    return out


def condition_of(codes: list[int]) -> str:
    """Return the day's condition from hourly WMO codes: any rain/snow/storm hour wins, else the usual sky."""
    conditions = [WMO_CONDITIONS[c] for c in codes if c in WMO_CONDITIONS]
    wet = [c for c in conditions if c in WET_CONDITIONS]
    if wet:
        return max(wet, key=SEVERITY.index)
    if not conditions:
        return "clear"
    counts = Counter(conditions)
    return max(counts, key=lambda c: (counts[c], SEVERITY.index(c)))


def seasonal_default(location: Location | None, day: date, *, reason: str = REASON_NO_LIVE) -> Weather:
    """Return a typical day for the month and place (northern mid-latitudes when there is no place)."""
    latitude = location.latitude if location is not None else DEFAULT_LATITUDE
    month = day.month - 1 if latitude >= 0 else (day.month + 5) % 12
    temps = next(t for floor, t in SEASONAL_BANDS if abs(latitude) >= floor)
    place = f" in {location.name}" if location is not None and location.name else ""
    note = NOTE_SEASONAL.format(reason=reason, month=calendar.month_name[day.month], place=place)
    return Weather(temp_c=float(temps[month]), source="seasonal", note=note)


class WeatherService:
    """The weather a look is for: the user's word, else a live forecast, else a seasonal guess. Never raises."""

    def __init__(self, provider: WeatherProvider | None, *, timeout_s: float = 10.0) -> None:
        self._provider = provider
        self._timeout_s = timeout_s  # a guard over any provider, so a look never waits on a hung one

    async def weather_for(self, location: Location | None, day: date, override: Weather | None = None) -> Weather:
        """Return the weather to dress for at that place and day."""
        if override is not None:
            return override if override.source == "manual" else dataclasses.replace(override, source="manual")
        if location is None:
            return seasonal_default(None, day, reason=REASON_NO_LOCATION)
        if self._provider is None:
            return seasonal_default(location, day, reason=REASON_NO_PROVIDER)
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self._provider.forecast(location, day)
        except ForecastOutOfRange:
            return seasonal_default(location, day, reason=REASON_OUT_OF_RANGE)
        except (WeatherUnavailable, TimeoutError, aiohttp.ClientError, OSError) as exc:
            log.warning("live weather for %s unavailable (%s: %s); using the seasonal default",
                        day, exc.__class__.__name__, exc)
            return seasonal_default(location, day, reason=REASON_UNAVAILABLE)

    async def close(self) -> None:
        """Close the provider's resources, if it holds any."""
        if isinstance(self._provider, _Closeable):
            await self._provider.close()


def weather_service_from_settings(settings: Settings) -> WeatherService:
    """Build the service from settings (live weather off when ``weather_url`` is empty); close it when done."""
    url, timeout_s = settings.weather_url, settings.weather_timeout_s
    provider = OpenMeteoProvider(base_url=url, timeout_s=timeout_s) if url else None
    return WeatherService(provider, timeout_s=2 * timeout_s + 1)


# --- what the weather means for clothes ------------------------------------------------------------------


def feels_like(weather: Weather) -> float:
    """Return the temperature a person dresses for: the air temperature, colder in wind and rain."""
    chill = next((delta for wind, delta in WIND_CHILL if weather.wind_kmh >= wind), 0.0)
    return weather.temp_c + chill + (RAIN_CHILL_C if weather.rainy else 0.0)


def warmth_need(weather: Weather) -> tuple[int, int]:
    """Return the acceptable warmth levels (0-4, as in ``types.csv``) of the main garments."""
    felt = feels_like(weather)
    return next(levels for floor, levels in WARMTH_BANDS if felt >= floor)


def needs_outerwear(weather: Weather) -> bool:
    """Return whether a look needs an outer layer (cool, or rain that is not hot)."""
    felt = feels_like(weather)
    return felt < OUTERWEAR_BELOW_C or (weather.rainy and felt <= RAIN_OUTERWEAR_UP_TO_C)


def banned_types(weather: Weather) -> set[str]:
    """Return the garment types that make no sense in this weather."""
    felt = feels_like(weather)
    if felt < COLD_BANNED_BELOW_C:
        return set(COLD_BANNED)
    if felt > HOT_BANNED_ABOVE_C:
        return set(HOT_BANNED)
    return set()


def describe_weather(weather: Weather) -> str:
    """Return a short phrase for a reason, e.g. "14 °C and windy", "rain, 9 °C", "a hot 31 °C"."""
    degrees = f"{round(weather.temp_c)} °C"
    if weather.source == "seasonal":
        degrees = f"about {degrees}"
    elif weather.temp_c >= HOT_C:
        degrees = f"a hot {degrees}"
    elif weather.temp_c <= FREEZING_C:
        degrees = f"a freezing {degrees}"
    windy = weather.wind_kmh >= WINDY_KMH
    if weather.condition in CONDITION_WORDS:
        return f"{CONDITION_WORDS[weather.condition]}, {degrees}" + (" and windy" if windy else "")
    extras = [word for word, on in (("cloudy", weather.condition == "cloudy"), ("windy", windy)) if on]
    if not extras:
        return degrees
    return f"{degrees} and {extras[0]}" if len(extras) == 1 else f"{degrees}, {extras[0]} and {extras[1]}"
