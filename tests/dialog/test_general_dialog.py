"""Transcripts of help, the fallback, shopping and forget-me; bad input; one user's turns never interleave."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from dialog import shopping
from dialog.conversation import Conversation, feature_routers
from dialog.locks import KeyedLocks
from dialog.messages import ActionKind, ChatKey
from dialog.router import RoutingError, compose
from dialog.state import ConvState, SqlStateStore
from engine import Stylist
from tests.dialog.conftest import Chat, photo


async def test_help_says_what_the_stylist_does(ann: Chat) -> None:
    await ann.say("what can you do?")
    assert ann.text.startswith("Here's what I can do:")
    assert {b.label for b in ann.buttons()} >= {"Today's look", "My wardrobe", "Settings"}


async def test_gibberish_gets_the_fallback_with_buttons_that_work(ann: Chat) -> None:
    await ann.say("asdf qwer zxcv")
    assert ann.text.startswith("I'm not sure what you mean.")
    await ann.press(ann.button(ActionKind.INTENT, "My wardrobe"))
    assert ann.text == "Your wardrobe is empty. Send me photos of your clothes to start."


async def test_forget_me_asks_then_deletes_everything(ann: Chat, stylist: Stylist) -> None:
    await ann.say(photos=[photo("skirt-3.jpg"), photo("shoes-3.jpg")])
    await ann.say("delete my account")
    assert ann.text.startswith("This deletes your wardrobe, photos, looks and settings for good.")
    await ann.press(ann.button(ActionKind.CANCEL))
    assert ann.text == "OK, nothing changed." and len(await stylist.wardrobe("web:ann")) == 2
    await ann.say("forget me")
    await ann.press(ann.button(ActionKind.CONFIRM, "Yes"))
    assert ann.text.startswith("Done: I deleted 2 pieces")
    assert await stylist.wardrobe("web:ann") == []
    assert await ann.conversation.ctx.states.get(ann.key) is None
    await ann.say("hi")  # a first contact again
    assert ann.replies[0].text.startswith("Hi! I'm your stylist.")


async def test_forget_me_takes_a_typed_yes_or_no(ann: Chat, stylist: Stylist) -> None:
    await ann.say(photos=[photo("skirt-3.jpg")])
    await ann.say("forget me")
    await ann.say("no")
    assert ann.text == "OK, nothing changed." and len(await stylist.wardrobe("web:ann")) == 1
    await ann.say("forget everything about me")
    await ann.say("show my wardrobe")  # not an answer: the data stays and the question ends
    assert ann.text.startswith("You have 1 piece")
    await ann.say("forget me")
    await ann.say("yes")
    assert ann.text.startswith("Done: I deleted 1 piece and") and await stylist.wardrobe("web:ann") == []


async def test_an_empty_message_gets_a_hint(ann: Chat) -> None:
    await ann.say("   \n ")
    assert ann.text == 'Send me a message or photos of your clothes. Type "help" to see what I can do.'


async def test_a_50_kb_message_is_refused_whole(ann: Chat) -> None:
    before = await ann.conversation.ctx.states.get(ann.key)
    await ann.say("what should I wear " * 2700)
    assert ann.text.startswith("That message is too long for me (51,299 characters).")
    assert await ann.conversation.ctx.states.get(ann.key) == before


async def test_two_turns_of_one_user_at_once_do_not_interleave(ann: Chat) -> None:
    await ann.say(photos=[photo(n) for n in ("shirt-1.jpg", "pants-1.jpg", "shoes-1.jpg", "outwear-1.jpg",
                                             "skirt-3.jpg", "t-shirt-2.jpg", "shoes-3.jpg")])
    conversation = ann.conversation
    from dialog.messages import Incoming

    work, date_night, wardrobe = await asyncio.gather(
        conversation.handle(Incoming(ann.key, "what should I wear to work?")),
        conversation.handle(Incoming(ann.key, "what should I wear on a date?")),
        conversation.handle(Incoming(ann.key, "forget me")),
    )
    ids = [work[-1].extra["look_id"], date_night[-1].extra["look_id"]]
    state = await conversation.ctx.states.get(ann.key)
    assert state is not None and state.name is ConvState.CONFIRM_FORGET
    assert [entry["id"] for entry in state.data["looks"]] == list(dict.fromkeys(ids))  # neither turn was lost


async def test_photos_and_a_question_at_once_are_answered_in_order(ann: Chat) -> None:
    from dialog.messages import Incoming

    added, shown = await asyncio.gather(
        ann.conversation.handle(Incoming(ann.key, photos=(photo("skirt-3.jpg"), photo("shoes-3.jpg")))),
        ann.conversation.handle(Incoming(ann.key, "show my wardrobe")),
    )
    assert added[0].text.startswith("Added 2 pieces")
    assert shown[0].text.startswith("You have 2 pieces")


async def test_an_unexpected_failure_is_logged_and_apologised_for(
        make_conversation: Callable[..., Conversation], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    broken = SqlStateStore.open(f"sqlite+aiosqlite:///{tmp_path / 'never-migrated.db'}")  # no dialog_state table
    chat = Chat(make_conversation(broken), ChatKey("web", "b", "unlucky"))
    with caplog.at_level(logging.ERROR, logger="dialog.conversation"):
        await chat.say("what should I wear today?")
    assert chat.text == "Sorry, something went wrong on my side. Please try again in a moment."
    [record] = [r for r in caplog.records if r.name == "dialog.conversation"]
    assert record.exc_info is not None and "dialog_state" in str(record.exc_info[1])
    await broken.close()


async def test_a_user_id_the_engine_refuses_gets_its_reason(conversation: Conversation) -> None:
    chat = Chat(conversation, ChatKey("web", "b", "has spaces and / slashes"))
    await chat.skip_onboarding()
    await chat.say("show my wardrobe")
    assert chat.text.startswith("A user id is 1-128 characters")


def test_every_intent_button_and_waiting_state_has_exactly_one_handler() -> None:
    compose(feature_routers())
    without_shopping = [r for r in feature_routers() if r.name != "shopping"]
    with pytest.raises(RoutingError, match="no handler for intent shopping"):
        compose(without_shopping)
    with pytest.raises(RoutingError, match="intent shopping is handled by both shopping and shopping"):
        compose([*feature_routers(), shopping.router()])


async def test_the_lock_cache_is_bounded_but_keeps_locks_in_use() -> None:
    locks = KeyedLocks(capacity=3)
    async with locks.hold("busy"):
        for n in range(10):
            async with locks.hold(n):
                pass
        assert len(locks) == 3 and "busy" in locks  # the oldest key, but held: never evicted
    async with locks.hold("late"):
        assert len(locks) == 3 and "busy" not in locks  # idle now: the least recently used goes first


async def test_a_photo_is_never_an_answer_to_a_question(ann: Chat, stylist: Stylist) -> None:
    await ann.say(photos=[photo("skirt-3.jpg")])
    await ann.say("forget me")
    await ann.say("yes", photos=[photo("shoes-3.jpg")])  # a caption, not a confirmation
    assert ann.text.startswith("Added your")
    assert len(await stylist.wardrobe("web:ann")) == 2
