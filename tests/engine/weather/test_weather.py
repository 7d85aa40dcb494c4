"""Weather: the real Open-Meteo client against a local fake API, seasonal defaults, and the clothing rules."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web

from config.settings import Settings
from config.vocabulary import load_vocabulary
from engine import FixedClock, Location, Weather, WeatherUnavailable
from engine.weather.dressing import (
    COLD_BANNED,
    HOT_BANNED,
    banned_types,
    describe_weather,
    needs_outerwear,
    warmth_need,
)
from engine.weather.provider import OpenMeteoProvider
from engine.weather.service import WeatherService, seasonal_default, weather_service_from_settings

OSLO = Location(59.9139, 10.7522, "Europe/Oslo", "Oslo")
OSLO_NEARBY = Location(59.9141, 10.7518, "Europe/Oslo")  # same place to 2 decimals
SYDNEY = Location(-33.8688, 151.2093, "Australia/Sydney", "Sydney")
SINGAPORE = Location(1.3521, 103.8198, "Asia/Singapore")
DAY = date(2026, 1, 15)
TIMEOUT_S = 0.3

# One realistic Oslo January day: cold, a snowy afternoon, a windy evening.
TEMPS = [-6.1, -6.3, -6.5, -6.8, -7.0, -7.1, -7.0, -6.6, -5.9, -4.8, -3.6, -2.5, -1.8, -1.2, -1.0, -1.3,
         -2.0, -2.8, -3.5, -4.1, -4.6, -5.0, -5.3, -5.6]
PRECIP = [0.0] * 13 + [0.2, 0.6, 0.9, 0.4] + [0.0] * 7
CODES = [0, 0, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 71, 73, 73, 71, 3, 3, 2, 2, 1, 1, 0]
WIND = [8.2, 7.9, 7.6, 7.2, 6.8, 7.0, 7.5, 9.0, 11.2, 13.5, 15.1, 16.4, 17.9, 19.3, 21.0, 22.4, 23.6, 24.8,
        25.9, 24.1, 20.3, 16.8, 12.5, 10.1]


@dataclass
class FakeOpenMeteo:
    """A local stand-in for api.open-meteo.com/v1/forecast that counts requests and can misbehave."""

    url: str = ""
    mode: str = "ok"
    delay_s: float = 0.0
    requests: list[dict[str, str]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def body(self, query: dict[str, str]) -> Any:
        day = query["start_date"]
        hourly: dict[str, Any] = {"time": [f"{day}T{h:02d}:00" for h in range(24)], "temperature_2m": TEMPS,
                                  "precipitation": PRECIP, "weather_code": CODES, "wind_speed_10m": WIND}
        if float(query["latitude"]) < 0:  # the southern summer
            hourly["temperature_2m"] = [t + 30 for t in TEMPS]
        if self.mode == "missing":
            del hourly["wind_speed_10m"]
        if self.mode == "nulls":
            hourly["temperature_2m"] = [None] * 24
        if self.mode == "wrong-types":
            hourly["temperature_2m"] = [str(t) for t in TEMPS]
        return {"latitude": 59.9, "longitude": 10.75, "generationtime_ms": 0.05, "utc_offset_seconds": 3600,
                "timezone": query["timezone"], "timezone_abbreviation": "GMT+1", "elevation": 23.0,
                "hourly_units": {"time": "iso8601", "temperature_2m": "°C", "precipitation": "mm",
                                 "weather_code": "wmo code", "wind_speed_10m": "km/h"},
                "hourly": hourly}

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(dict(request.query))
        if self.mode == "slow":
            await asyncio.wait_for(self.release.wait(), 10)
        await asyncio.sleep(self.delay_s)
        if self.mode == "500":
            return web.json_response({"error": True, "reason": "internal"}, status=500)
        if self.mode == "garbage":
            return web.Response(text="<html>502 Bad Gateway</html>{", content_type="application/json")
        return web.Response(text=json.dumps(self.body(dict(request.query))), content_type="application/json")


@pytest.fixture
async def fake_meteo() -> AsyncIterator[FakeOpenMeteo]:
    """Serve the fake forecast API on 127.0.0.1 at a random port."""
    fake = FakeOpenMeteo()
    app = web.Application()
    app.router.add_get("/v1/forecast", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    fake.url = f"http://{host}:{port}/v1/forecast"
    yield fake
    fake.release.set()
    await runner.cleanup()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 1, 15, 6, 30, tzinfo=UTC))


@pytest.fixture
async def provider(fake_meteo: FakeOpenMeteo, clock: FixedClock) -> AsyncIterator[Callable[..., OpenMeteoProvider]]:
    """Return a factory of real providers pointed at the fake, closed after the test."""
    made: list[OpenMeteoProvider] = []

    def make(**kwargs: Any) -> OpenMeteoProvider:
        made.append(OpenMeteoProvider(base_url=fake_meteo.url, timeout_s=TIMEOUT_S, clock=clock, **kwargs))
        return made[-1]

    yield make
    for p in made:
        await p.close()


# --- the live provider ---------------------------------------------------------------------------------


async def test_parses_a_realistic_forecast(fake_meteo: FakeOpenMeteo, provider: Callable[..., OpenMeteoProvider]):
    weather = await provider().forecast(OSLO, DAY)

    daytime = TEMPS[8:21]
    assert weather.temp_c == pytest.approx(sum(daytime) / len(daytime), abs=0.05)
    assert weather.precip_mm == pytest.approx(2.1)
    assert weather.wind_kmh == pytest.approx(25.9)  # the daytime maximum (18:00)
    assert weather.condition == "snow"
    assert weather.source == "open-meteo" and weather.rainy
    query = fake_meteo.requests[0]
    assert query == {"latitude": "59.91", "longitude": "10.75",
                     "hourly": "temperature_2m,precipitation,weather_code,wind_speed_10m",
                     "timezone": "Europe/Oslo", "start_date": "2026-01-15", "end_date": "2026-01-15"}


async def test_one_request_per_place_day_and_hour(fake_meteo: FakeOpenMeteo, clock: FixedClock,
                                                  provider: Callable[..., OpenMeteoProvider]):
    weather = provider()
    first = await weather.forecast(OSLO, DAY)
    assert await weather.forecast(OSLO_NEARBY, DAY) == first
    assert len(fake_meteo.requests) == 1

    await weather.forecast(OSLO, DAY + timedelta(days=1))
    assert len(fake_meteo.requests) == 2
    await weather.forecast(SYDNEY, DAY)
    assert len(fake_meteo.requests) == 3

    clock.advance(minutes=20)  # still the same hour: 06:30 -> 06:50
    await weather.forecast(OSLO, DAY)
    assert len(fake_meteo.requests) == 3
    clock.advance(hours=1)  # a new hour: fetched again
    await weather.forecast(OSLO, DAY)
    assert len(fake_meteo.requests) == 4


async def test_the_cache_is_bounded(fake_meteo: FakeOpenMeteo, provider: Callable[..., OpenMeteoProvider]):
    weather = provider(cache_size=2)
    for place in (OSLO, SYDNEY, SINGAPORE, SINGAPORE, OSLO):
        await weather.forecast(place, DAY)
    assert [q["latitude"] for q in fake_meteo.requests] == ["59.91", "-33.87", "1.35", "59.91"]


async def test_concurrent_identical_calls_share_one_fetch(fake_meteo: FakeOpenMeteo,
                                                          provider: Callable[..., OpenMeteoProvider]):
    fake_meteo.delay_s = 0.1  # every call starts before the first answer comes back
    weather = provider()
    results = await asyncio.gather(*(weather.forecast(OSLO, DAY) for _ in range(50)))
    assert len(fake_meteo.requests) == 1
    assert len(set(results)) == 1 and results[0].source == "open-meteo"


async def test_a_caller_giving_up_does_not_cancel_the_shared_fetch(fake_meteo: FakeOpenMeteo,
                                                                   provider: Callable[..., OpenMeteoProvider]):
    fake_meteo.delay_s = 0.1
    weather = provider()
    impatient = asyncio.create_task(weather.forecast(OSLO, DAY))
    patient = asyncio.create_task(weather.forecast(OSLO, DAY))
    await asyncio.sleep(0.02)
    impatient.cancel()
    assert (await patient).source == "open-meteo"
    assert len(fake_meteo.requests) == 1


@pytest.mark.parametrize("mode", ["500", "garbage", "missing", "nulls", "wrong-types", "slow"])
async def test_a_broken_service_raises_a_typed_error_quickly(mode: str, fake_meteo: FakeOpenMeteo,
                                                             provider: Callable[..., OpenMeteoProvider]):
    fake_meteo.mode = mode
    started = time.monotonic()
    with pytest.raises(WeatherUnavailable):
        await provider().forecast(OSLO, DAY)
    assert time.monotonic() - started < 2 * TIMEOUT_S


@pytest.mark.parametrize("mode", ["500", "garbage", "missing", "nulls", "wrong-types", "slow"])
async def test_the_service_falls_back_to_the_season_when_the_provider_fails(
        mode: str, fake_meteo: FakeOpenMeteo, provider: Callable[..., OpenMeteoProvider],
        caplog: pytest.LogCaptureFixture):
    fake_meteo.mode = mode
    service = WeatherService(provider())
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="engine.weather.service"):
        weather = await service.weather_for(OSLO, DAY)
    assert time.monotonic() - started < 2 * TIMEOUT_S
    assert weather.source == "seasonal"
    assert weather.note == "weather service unavailable: assuming a typical January day in Oslo"
    assert "seasonal default" in caplog.text


async def test_a_failure_is_remembered_briefly(fake_meteo: FakeOpenMeteo, clock: FixedClock,
                                              provider: Callable[..., OpenMeteoProvider]):
    fake_meteo.mode = "500"
    weather = provider(failure_ttl_s=60)
    for _ in range(3):
        with pytest.raises(WeatherUnavailable):
            await weather.forecast(OSLO, DAY)
    assert len(fake_meteo.requests) == 1  # an outage does not cost every user a request
    fake_meteo.mode = "ok"
    clock.advance(seconds=61)
    assert (await weather.forecast(OSLO, DAY)).source == "open-meteo"
    assert len(fake_meteo.requests) == 2


async def test_days_beyond_the_forecast_get_the_season_without_a_request(
        fake_meteo: FakeOpenMeteo, provider: Callable[..., OpenMeteoProvider]):
    weather = await WeatherService(provider()).weather_for(OSLO, date(2026, 7, 1))
    assert weather.source == "seasonal" and weather.note is not None and "July" in weather.note
    assert "far ahead" in weather.note
    assert fake_meteo.requests == []


async def test_settings_build_the_service(fake_meteo: FakeOpenMeteo):
    live = weather_service_from_settings(Settings(_env_file=None, weather_url=fake_meteo.url,  # type: ignore[call-arg]
                                                  weather_timeout_s=TIMEOUT_S))
    try:
        assert (await live.weather_for(OSLO, date.today())).source == "open-meteo"
    finally:
        await live.close()
    off = weather_service_from_settings(Settings(_env_file=None, weather_url=""))  # type: ignore[call-arg]
    weather = await off.weather_for(OSLO, DAY)
    assert weather.source == "seasonal" and weather.note is not None
    assert weather.note.startswith("live weather is turned off")


# --- the service without live weather ------------------------------------------------------------------


async def test_a_manual_override_wins(fake_meteo: FakeOpenMeteo, provider: Callable[..., OpenMeteoProvider]):
    service = WeatherService(provider())
    said = Weather(temp_c=30.0, condition="clear", source="seasonal")
    weather = await service.weather_for(OSLO, DAY, override=said)
    assert weather.temp_c == 30.0 and weather.source == "manual"
    assert fake_meteo.requests == []


async def test_no_location_or_no_provider_gives_the_season_and_says_why():
    no_place = await WeatherService(None).weather_for(None, DAY)
    assert no_place.source == "seasonal" and no_place.temp_c < 8
    assert no_place.note == "no location set: assuming a typical January day"
    no_provider = await WeatherService(None).weather_for(SYDNEY, DAY)
    assert no_provider.temp_c > 20 and no_provider.note is not None and "turned off" in no_provider.note


def test_seasonal_defaults_know_the_hemisphere():
    january, july = date(2026, 1, 15), date(2026, 7, 15)
    assert seasonal_default(OSLO, january).temp_c < 0
    assert seasonal_default(SYDNEY, january).temp_c > 20
    assert seasonal_default(SYDNEY, july).temp_c < 15
    assert seasonal_default(OSLO, july).temp_c > 15
    assert all(seasonal_default(SINGAPORE, date(2026, m, 1)).temp_c >= 25 for m in range(1, 13))
    assert seasonal_default(None, january).temp_c < seasonal_default(None, july).temp_c
    assert seasonal_default(None, january).note == "no live weather: assuming a typical January day"


# --- what the weather means for clothes ----------------------------------------------------------------


def test_freezing_weather_bans_summer_clothes_and_needs_a_coat():
    freezing = Weather(temp_c=0.0)
    assert {"shorts", "sandals"} <= banned_types(freezing)
    assert needs_outerwear(freezing)
    assert warmth_need(freezing) == (2, 4)
    assert warmth_need(Weather(temp_c=-8.0)) == (3, 4)


def test_hot_weather_bans_coats_and_needs_nothing_over():
    hot = Weather(temp_c=30.0)
    assert {"coat", "beanie", "boots"} <= banned_types(hot)
    assert "shorts" not in banned_types(hot)
    assert not needs_outerwear(hot)
    assert warmth_need(hot) == (0, 1)


def test_wind_and_rain_make_it_colder():
    calm, windy = Weather(temp_c=19.0), Weather(temp_c=19.0, wind_kmh=45.0)
    assert warmth_need(calm) == (0, 2) and not needs_outerwear(calm)
    assert warmth_need(windy) == (1, 3) and needs_outerwear(windy)
    assert needs_outerwear(Weather(temp_c=20.0, precip_mm=4.0, condition="rain"))
    assert not needs_outerwear(Weather(temp_c=31.0, precip_mm=4.0, condition="rain"))  # an umbrella will do


def test_banned_types_are_real_types():
    types = load_vocabulary().types
    assert (COLD_BANNED | HOT_BANNED).issubset(types)


@pytest.mark.parametrize(("weather", "phrase"), [
    (Weather(temp_c=14.2, wind_kmh=35.0), "14 °C and windy"),
    (Weather(temp_c=9.4, precip_mm=3.0, condition="rain"), "rain, 9 °C"),
    (Weather(temp_c=31.0), "a hot 31 °C"),
    (Weather(temp_c=-8.0, condition="cloudy"), "a freezing -8 °C and cloudy"),
    (Weather(temp_c=12.0, condition="cloudy", wind_kmh=40.0), "12 °C, cloudy and windy"),
    (Weather(temp_c=18.0, condition="storm", wind_kmh=50.0), "thunderstorms, 18 °C and windy"),
    (Weather(temp_c=3.0, source="seasonal"), "about 3 °C"),
])
def test_describe_weather(weather: Weather, phrase: str):
    assert describe_weather(weather) == phrase
