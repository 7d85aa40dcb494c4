"""What the weather means for clothes: the temperature a person dresses for, warmth levels, layers, words."""

from __future__ import annotations

import math

from engine.looks import Weather

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

CONDITION_WORDS = {"rain": "rain", "snow": "snow", "storm": "thunderstorms", "fog": "fog"}


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
