"""Live weather from the Open-Meteo forecast API (no key): cached per place, day and hour, never hanging a look."""

from __future__ import annotations

import asyncio
import json
from collections import Counter, OrderedDict
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, Protocol, runtime_checkable

import aiohttp

from engine.clock import Clock, SystemClock
from engine.errors import ForecastOutOfRange, WeatherUnavailable
from engine.looks import Location, Weather

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


# Open-Meteo
DEFAULT_URL = "https://api.open-meteo.com/v1/forecast"
HOURLY_VARS = ("temperature_2m", "precipitation", "weather_code", "wind_speed_10m")
PLAUSIBLE = {"temperature_2m": (-90.0, 60.0), "precipitation": (0.0, 500.0), "weather_code": (0.0, 99.0),
             "wind_speed_10m": (0.0, 500.0)}
FORECAST_DAYS_AHEAD, PAST_DAYS = 16, 92  # the forecast API's range around (UTC) today, with a day of slack
MAX_BODY_BYTES = 1 << 20  # one day of hourly data is about 2 kB


class WeatherProvider(Protocol):
    """Where live weather comes from."""

    async def forecast(self, location: Location, day: date) -> Weather:
        """Return the day's weather at that place, or raise ``WeatherUnavailable``."""
        ...


@runtime_checkable
class Closeable(Protocol):
    """Something holding resources to release."""

    async def close(self) -> None:
        """Release them."""
        ...


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
                 clock: Clock | None = None) -> None:
        self._session = session
        self._owns_session = session is None
        self._base_url = base_url
        self._timeout_s = timeout_s
        self._cache_size = cache_size
        self._failure_ttl_s = failure_ttl_s
        self._clock = clock or SystemClock()
        self._cache: OrderedDict[_Key, Weather] = OrderedDict()
        # a failed key answers at once until its expiry, so an outage does not cost every user a timeout
        self._failures: OrderedDict[_Key, tuple[float, str]] = OrderedDict()
        self._inflight: dict[_Key, asyncio.Task[Weather]] = {}

    async def forecast(self, location: Location, day: date) -> Weather:
        """Return the day's weather at that place, from the cache when fetched this hour."""
        now = self._clock.now().timestamp()
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
            expiry = self._clock.now().timestamp() + self._failure_ttl_s
            _remember(self._failures, key, (expiry, str(error)), self._cache_size)

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
