"""Settings: the city (for the weather and the time zone), the morning look's time, days and on / off."""

from __future__ import annotations

import re
from dataclasses import asdict, replace
from datetime import time

from dialog import texts
from dialog.context import BadRequest, Turn
from dialog.messages import Action, ActionKind, Button, Reply
from dialog.router import Router
from dialog.state import ConvState
from dialog.understanding import Intent
from engine import Location

_TIME = re.compile(r"\b(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?!\d)", re.IGNORECASE)
_DAY_WORDS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
PUSH_TIMES = ("07:00", "08:00", "09:00")


def parse_time(text: str) -> time | None:
    """Return the time of day in "7:30", "8am", "19.15", or None."""
    for match in _TIME.finditer(text or ""):
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        suffix = (match.group(3) or "").lower().replace(".", "")
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
        if hour < 24 and minute < 60 and (match.group(2) or suffix):
            return time(hour, minute)
        if hour < 24 and not match.group(2) and not suffix and len(text.split()) <= 2:
            return time(hour, 0)  # a bare "7" answering "what time?"
    return None


def parse_days(text: str) -> tuple[int, ...] | None:
    """Return weekdays (Monday 0) named in "weekdays", "every day", "Mon and Wed", or None."""
    lowered = (text or "").lower()
    if re.search(r"\b(every ?day|daily|all days|each day)\b", lowered):
        return tuple(range(7))
    if re.search(r"\bweek ?days\b|\bworkdays\b", lowered):
        return tuple(range(5))
    if re.search(r"\bweek ?ends?\b", lowered):
        return (5, 6)
    days = sorted({n for word, n in _DAY_WORDS.items() if re.search(rf"\b{word}", lowered)})
    return tuple(days) or None


async def settings_now(turn: Turn) -> list[Reply]:
    """Show the current settings with buttons to change them."""
    profile = await turn.stylist.profile(turn.user)
    city = (profile.location.name if profile.location and profile.location.name else None) or texts.NO_CITY
    push = (texts.PUSH_ON_AT.format(time=profile.push_time.strftime("%H:%M"), days=texts.days_text(profile.push_days))
            if profile.push_enabled else texts.PUSH_OFF)
    toggle = (Button(texts.BTN_PUSH_OFF, Action(ActionKind.SETTING, ("push", "off"))) if profile.push_enabled
              else Button(texts.BTN_PUSH_ON, Action(ActionKind.SETTING, ("push", "on"))))
    times = tuple(Button(t, Action(ActionKind.SETTING, ("push_time", t))) for t in PUSH_TIMES)
    return [Reply(text=texts.SETTINGS_NOW.format(city=city, push=push),
                  buttons=((Button(texts.SET_CITY, Action(ActionKind.SETTING, ("city",))), toggle), times))]


async def ask_city(turn: Turn, state: ConvState = ConvState.WAITING_CITY, skip: Action | None = None) -> list[Reply]:
    """Ask which city the user is in, with a button to skip the question."""
    turn.move(state)
    skip = skip or Action(ActionKind.CANCEL, ("city",))
    return [Reply(text=texts.ASK_CITY, buttons=((Button(texts.SKIP, skip),),))]


async def set_city(turn: Turn, name: str) -> list[Reply] | None:
    """Use the most populous city of that name, offering the others; None when the text names no city."""
    places = await turn.stylist.find_places(name.strip()[:80], limit=5)
    if not places:
        return None
    replies = await _use_place(turn, places[0])
    if len(places) > 1:
        turn.remember(places=[asdict(p) for p in places])
        others = tuple((Button(p.name or f"{p.latitude:.1f}, {p.longitude:.1f}",
                               Action(ActionKind.SETTING, ("place", str(i)))),) for i, p in enumerate(places) if i)
        replies[0] = replace(replies[0], text=f"{replies[0].text}\n{texts.CITY_OTHERS}", buttons=others)
    return replies


async def _use_place(turn: Turn, place: Location) -> list[Reply]:
    await turn.stylist.set_location(turn.user, place)
    await turn.stylist.update_profile(turn.user, timezone=place.timezone)
    turn.remember(places=None)
    replies = [Reply(text=texts.CITY_SET.format(city=place.name or "there"))]
    if turn.state.name is ConvState.ONBOARD_CITY:
        replies.append(ask_push_time(turn, ConvState.ONBOARD_PUSH))
    elif turn.state.name is ConvState.WAITING_CITY:
        turn.idle()
    return replies


def ask_push_time(turn: Turn, state: ConvState = ConvState.WAITING_PUSH_TIME) -> Reply:
    """Ask when the morning look should come, with a few times as buttons."""
    turn.move(state)
    times = tuple(Button(t, Action(ActionKind.SETTING, ("push_time", t))) for t in PUSH_TIMES)
    off = Button(texts.NO_PUSH, Action(ActionKind.SETTING, ("push", "off")))
    return Reply(text=texts.ASK_PUSH_TIME, buttons=(times, (off,)))


async def set_push_time(turn: Turn, when: time) -> list[Reply]:
    """Send the morning look at ``when`` (and turn it on)."""
    await turn.stylist.update_profile(turn.user, push_time=when, push_enabled=True)
    done = turn.state.name is ConvState.ONBOARD_PUSH
    turn.idle()
    reply = Reply(text=texts.PUSH_TIME_SET.format(time=when.strftime("%H:%M")))
    return [reply, Reply(text=texts.ONBOARDING_DONE)] if done else [reply]


async def set_push(turn: Turn, enabled: bool) -> list[Reply]:
    """Turn the morning look on or off."""
    await turn.stylist.update_profile(turn.user, push_enabled=enabled)
    done = turn.state.name is ConvState.ONBOARD_PUSH
    turn.idle()
    reply = Reply(text=texts.PUSH_ON if enabled else texts.PUSH_OFF_SET)
    return [reply, Reply(text=texts.ONBOARDING_DONE)] if done else [reply]


async def settings(turn: Turn) -> list[Reply]:
    """Change the setting named in words, or show them all."""
    setting, value = turn.slots.setting, (turn.slots.value or "").strip()
    if setting == "city":
        return (await set_city(turn, value) or [Reply(text=texts.CITY_UNKNOWN.format(name=value[:40]))]
                if value else await ask_city(turn))
    if setting == "timezone" and value:
        profile = await turn.stylist.update_profile(turn.user, timezone=value)
        return [Reply(text=texts.TIMEZONE_SET.format(tz=profile.timezone))]
    if setting == "push_time":
        when = parse_time(value or turn.incoming.text)
        return await set_push_time(turn, when) if when else [ask_push_time(turn)]
    if setting in ("push_on", "push_off"):
        return await set_push(turn, setting == "push_on")
    if setting == "days":
        days = parse_days(value or turn.incoming.text)
        if days is None:
            return [Reply(text=texts.DAYS_BAD)]
        profile = await turn.stylist.update_profile(turn.user, push_days=days)
        return [Reply(text=texts.DAYS_SET.format(days=texts.days_text(profile.push_days)))]
    return await settings_now(turn)


async def setting_button(turn: Turn) -> list[Reply]:
    """Apply a settings button: city, a listed place, a push time, push on / off."""
    name, value = turn.action.arg(0), turn.action.arg(1)
    if name == "city":
        return await ask_city(turn)
    if name == "place":
        places = turn.data.get("places")
        if not isinstance(places, list) or not value.isdigit() or int(value) >= len(places):
            raise BadRequest(texts.STALE_BUTTON)
        return await _use_place(turn, Location(**places[int(value)]))
    if name == "push_time" and (when := parse_time(value)) is not None:
        return await set_push_time(turn, when)
    if name == "push" and value in ("on", "off"):
        return await set_push(turn, value == "on")
    raise BadRequest(texts.STALE_BUTTON)


async def waiting_city(turn: Turn) -> list[Reply] | None:
    """Take the answer to "which city?"; a message that names no city is routed as a new request."""
    text = turn.incoming.text.strip()
    if not text or turn.incoming.photos or len(text) > 80:
        return None
    replies = await set_city(turn, turn.slots.value or text)
    if replies is None and turn.understanding.intent is Intent.FALLBACK:
        return [Reply(text=texts.CITY_UNKNOWN.format(name=text[:40]))]  # still waiting: a typo, probably
    return replies


async def waiting_push_time(turn: Turn) -> list[Reply] | None:
    """Take the answer to "what time?"."""
    when = parse_time(turn.incoming.text)
    return await set_push_time(turn, when) if when else None


async def shared_location(turn: Turn) -> list[Reply]:
    """Use a location the user shared from their phone."""
    assert turn.incoming.location is not None
    latitude, longitude = turn.incoming.location
    profile = await turn.stylist.profile(turn.user)
    await turn.stylist.set_location(turn.user, Location(latitude, longitude, timezone=profile.timezone))
    turn.idle()
    return [Reply(text=texts.LOCATION_SET)]


def router() -> Router:
    """Return the settings feature's routes."""
    return Router(
        "settings",
        intents={Intent.SETTINGS: settings},
        actions={ActionKind.SETTING: setting_button},
        states={ConvState.WAITING_CITY: waiting_city, ConvState.WAITING_PUSH_TIME: waiting_push_time},
    )
