"""Transcripts of settings and onboarding: the city, the morning look's time, days and switch; first contact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from pathlib import Path

from dialog.conversation import Conversation
from dialog.messages import ActionKind, ChatKey
from dialog.state import ConvState, SqlStateStore
from engine import Stylist
from tests.dialog.conftest import Chat, photo


async def _state(chat: Chat) -> ConvState | None:
    state = await chat.conversation.ctx.states.get(chat.key)
    return None if state is None else state.name


async def test_settings_show_what_is_set_with_buttons(ann: Chat) -> None:
    await ann.say("settings")
    assert ann.text == "Your city: not set. Morning look: off."
    assert {b.label for b in ann.buttons()} == {"Set my city", "Morning looks on", "07:00", "08:00", "09:00"}


async def test_a_city_in_words_sets_the_place_and_its_time_zone(ann: Chat, stylist: Stylist) -> None:
    await ann.say("I live in Berlin")
    assert ann.text == ("Got it, Berlin, Germany. I'll dress you for the weather there.\n"
                        "Not the one you meant? Tap the right one:")
    profile = await stylist.profile("web:ann")
    assert profile.location is not None and profile.location.name == "Berlin, Germany"
    assert profile.timezone == "Europe/Berlin"


async def test_asking_for_the_city_waits_for_the_answer(ann: Chat, stylist: Stylist) -> None:
    await ann.say("settings")
    await ann.press(ann.button(ActionKind.SETTING, "Set my city"))
    assert ann.text.startswith("Which city are you in?")
    assert await _state(ann) is ConvState.WAITING_CITY
    await ann.say("Zzyzxqq")
    assert ann.text == 'I don\'t know a city called "Zzyzxqq". Try the name of a bigger city nearby.'
    assert await _state(ann) is ConvState.WAITING_CITY
    await ann.say("Tokyo")
    assert ann.text.startswith("Got it, Tokyo")
    assert (await stylist.profile("web:ann")).timezone == "Asia/Tokyo"
    assert await _state(ann) is ConvState.IDLE


async def test_the_city_question_is_left_for_another_request(ann: Chat) -> None:
    await ann.say("settings")
    await ann.press(ann.button(ActionKind.SETTING, "Set my city"))
    await ann.say("show my wardrobe")
    assert ann.text.startswith("Your wardrobe is empty")
    assert await _state(ann) is ConvState.IDLE


async def test_another_place_of_the_same_name_is_chosen_by_button(ann: Chat, stylist: Stylist) -> None:
    await ann.say("my city is Paris")
    assert ann.text.startswith("Got it, Paris, France.")
    assert (await stylist.profile("web:ann")).timezone == "Europe/Paris"
    await ann.press(ann.button(ActionKind.SETTING, "Paris, United States"))
    assert ann.text == "Got it, Paris, United States. I'll dress you for the weather there."
    assert (await stylist.profile("web:ann")).timezone == "America/Chicago"


async def test_the_morning_look_time_days_and_switch(ann: Chat, stylist: Stylist) -> None:
    await ann.say("send my look at 7:15")
    assert ann.text == "I'll send your look at 07:15."
    await ann.say("only on weekdays")
    assert ann.text == "I'll send looks on weekdays."
    profile = await stylist.profile("web:ann")
    assert (profile.push_enabled, profile.push_time, profile.push_days) == (True, time(7, 15), (0, 1, 2, 3, 4))
    await ann.say("turn off morning looks")
    assert not (await stylist.profile("web:ann")).push_enabled
    await ann.say("settings")
    await ann.press(ann.button(ActionKind.SETTING, "08:00"))
    profile = await stylist.profile("web:ann")
    assert (profile.push_enabled, profile.push_time) == (True, time(8, 0))


async def test_a_shared_location_is_used_for_the_weather(ann: Chat, stylist: Stylist) -> None:
    await ann.say(location=(48.14, 11.58))
    assert ann.text == "Thanks, I'll use the weather where you are."
    profile = await stylist.profile("web:ann")
    assert profile.location is not None and round(profile.location.latitude, 2) == 48.14


async def test_first_contact_greets_and_offers_the_sample_wardrobe(conversation: Conversation,
                                                                  stylist: Stylist) -> None:
    new = Chat(conversation, ChatKey("web", "browser-new", "newcomer"))
    await new.say("hi")
    assert new.replies[0].text.startswith("Hi! I'm your stylist.")
    assert [b.label for b in new.buttons()] == ["Try a sample wardrobe", "Set my city", "Skip"]
    await new.press(new.button(ActionKind.ONBOARD, "sample"))
    assert new.replies[0].text.startswith("Added 36 sample pieces to your wardrobe.")
    assert len(await stylist.wardrobe("web:newcomer")) == 36
    assert new.replies[-1].text.startswith("Which city are you in?")
    await new.say("Madrid")
    assert new.text.startswith("Got it, Madrid, Spain.") and "When should I send your morning look?" in new.text
    await new.press(new.button(ActionKind.SETTING, "07:00"))
    assert new.text == "I'll send your look at 07:00.\nAll set! Send me photos of your clothes, or ask \"what " \
                       "should I wear today?\""
    assert await _state(new) is ConvState.IDLE


async def test_onboarding_can_be_skipped_whole_or_step_by_step(conversation: Conversation) -> None:
    quick = Chat(conversation, ChatKey("web", "b1", "quick"))
    await quick.say("hello")
    await quick.press(quick.button(ActionKind.ONBOARD, "Skip"))
    assert quick.text.startswith("No problem.") and await _state(quick) is ConvState.IDLE
    careful = Chat(conversation, ChatKey("web", "b2", "careful"))
    await careful.say("hey there")
    await careful.press(careful.button(ActionKind.ONBOARD, "Set my city"))
    await careful.press(careful.button(ActionKind.ONBOARD, "Skip"))
    assert careful.text.startswith("When should I send your morning look?")
    await careful.press(careful.button(ActionKind.SETTING, "No morning looks"))
    assert careful.text.endswith("All set! Send me photos of your clothes, or ask \"what should I wear today?\"")


async def test_a_first_message_with_a_request_is_greeted_and_answered(conversation: Conversation) -> None:
    new = Chat(conversation, ChatKey("web", "browser-new", "eager"))
    await new.say(photos=[photo("skirt-3.jpg")])
    assert new.replies[0].text.startswith("Hi! I'm your stylist.")
    assert new.replies[-1].text.startswith("Added your red skirt.")
    await new.say("show my wardrobe")  # the greeting's question is not in the way
    assert new.text.startswith("You have 1 piece")


async def test_a_waiting_state_survives_a_restart(make_conversation: Callable[..., Conversation],
                                                  stylist: Stylist, tmp_path: Path) -> None:
    url = stylist.settings.resolved_database_url  # the stylist migrated it, dialog_state included
    before = Chat(make_conversation(SqlStateStore.open(url)), ChatKey("telegram", "42", "7"))
    await before.skip_onboarding()
    await before.say("settings")
    await before.press(before.button(ActionKind.SETTING, "Set my city"))
    await before.conversation.ctx.states.close()
    after = Chat(make_conversation(SqlStateStore.open(url)), ChatKey("telegram", "42", "7"))  # a new process
    await after.say("Lisbon")
    assert after.text.startswith("Got it, Lisbon")
    assert (await stylist.profile("telegram:7")).timezone == "Europe/Lisbon"
    await after.conversation.ctx.states.close()


async def test_asking_for_the_push_time_waits_for_the_answer(ann: Chat, stylist: Stylist) -> None:
    await ann.say("change the time of my morning look")
    assert ann.text == 'When should I send your morning look? (e.g. "7:30")'
    assert await _state(ann) is ConvState.WAITING_PUSH_TIME
    await ann.say("8:45")
    assert ann.text == "I'll send your look at 08:45."
    assert (await stylist.profile("web:ann")).push_time == time(8, 45)
    assert await _state(ann) is ConvState.IDLE


async def test_the_time_zone_in_words_and_a_bad_one(ann: Chat, stylist: Stylist) -> None:
    await ann.say("set my time zone to Europe/Paris")
    assert ann.text == "Your time zone is Europe/Paris."
    await ann.say("set my time zone to Mars/Olympus")
    assert (await stylist.profile("web:ann")).timezone == "Europe/Paris"
    assert "time zone" in ann.text.lower() and "Sorry" not in ann.text
