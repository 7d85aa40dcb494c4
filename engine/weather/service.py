"""The weather a look is for: the user's word, else a live forecast, else a typical day for the month and place."""

from __future__ import annotations

import asyncio
import calendar
import dataclasses
import logging
from datetime import date

import aiohttp

from config.settings import Settings
from engine.clock import Clock, SystemClock
from engine.errors import ForecastOutOfRange, WeatherUnavailable
from engine.looks import Location, Weather
from engine.weather.provider import Closeable, OpenMeteoProvider, WeatherProvider

log = logging.getLogger(__name__)

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
        if isinstance(self._provider, Closeable):
            await self._provider.close()


def weather_service_from_settings(settings: Settings, clock: Clock | None = None) -> WeatherService:
    """Build the service from settings (live weather off when ``weather_url`` is empty); close it when done."""
    url, timeout_s = settings.weather_url, settings.weather_timeout_s
    provider = OpenMeteoProvider(base_url=url, timeout_s=timeout_s, clock=clock or SystemClock()) if url else None
    return WeatherService(provider, timeout_s=2 * timeout_s + 1)
