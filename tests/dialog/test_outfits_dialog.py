"""Transcripts of outfits: a look for an occasion, today's look, another one, feedback, what goes with a piece."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from dialog.messages import Action, ActionKind
from engine import WardrobeEmpty
from tests.dialog.conftest import Chat, photo

# shoes-4 (white trainers), not the sandals shoes-3: the tagger now knows sandals, which no 8 °C look wears
WARDROBE = ("shirt-1.jpg", "shirt-2.jpg", "t-shirt-2.jpg", "pants-1.jpg", "pants-3.jpg", "skirt-3.jpg",
            "shoes-1.jpg", "shoes-4.jpg", "outwear-1.jpg", "outwear-4.jpg", "longsleeve-2.jpg")


async def _dressed(chat: Chat) -> None:
    await chat.say(photos=[photo(n) for n in WARDROBE])
    assert chat.text.startswith(f"Added {len(WARDROBE)} pieces")


def _look_id(chat: Chat) -> str:
    return chat.replies[-1].extra["look_id"]


async def _remembered_looks(chat: Chat) -> list[str]:
    state = await chat.conversation.ctx.states.get(chat.key)
    assert state is not None
    return [entry["id"] for entry in state.data.get("looks", [])]


async def test_an_outfit_is_a_collage_with_its_reason_weather_and_buttons(ann: Chat) -> None:
    await _dressed(ann)
    replies = await ann.say("what should I wear to work?")
    assert len(replies) == 1 and replies[0].extra["kind"] == "look"
    [collage] = ann.pictures
    with Image.open(io.BytesIO(collage.data)) as image:
        assert image.format == "JPEG" and min(image.size) >= 300
    assert "°C" in collage.caption and "work" in collage.caption
    assert "black" in collage.alt or "brown" in collage.alt  # the pieces, for platforms without images
    assert [b.label for b in ann.buttons()] == ["👍 Like", "👎 Dislike", "Wore it", "Another one",
                                                "Complete my look"]  # the last: the shop (the demo catalog)
    assert all(_look_id(ann) in b.action.args for b in ann.buttons())
    assert await _remembered_looks(ann) == [_look_id(ann)]


async def test_another_one_by_button_and_in_words_shows_new_looks(ann: Chat) -> None:
    await _dressed(ann)
    await ann.say("what should I wear to work?")
    first = _look_id(ann)
    await ann.press(ann.button(ActionKind.ANOTHER))
    second = _look_id(ann)
    await ann.say("show me another one")
    third = _look_id(ann)
    assert len({first, second, third}) == 3
    assert await _remembered_looks(ann) == [first, second, third]


async def test_another_runs_out_politely(ann: Chat) -> None:
    await ann.say(photos=[photo("shirt-1.jpg"), photo("pants-1.jpg"), photo("shoes-1.jpg")])
    await ann.say("what should I wear to work? it's 25 degrees")
    assert ann.replies[-1].extra["kind"] == "look"
    await ann.say("another one")
    assert ann.text == "That's every look I can make for this from your wardrobe. Add a few pieces for more."


async def test_feedback_by_button_and_in_words(ann: Chat) -> None:
    await _dressed(ann)
    await ann.say("what should I wear to work?")
    await ann.press(ann.button(ActionKind.FEEDBACK, "Like"))
    assert ann.text == "Glad you like it! I'll suggest more like this."
    await ann.say("I wore it")
    assert ann.text == "Nice! I'll keep those pieces out of the next few looks."


async def test_feedback_without_a_look_asks_for_one_first(ann: Chat) -> None:
    await ann.say("I love it")
    assert ann.text.startswith("Which look?")


async def test_a_disliked_look_is_not_suggested_again(ann: Chat) -> None:
    await _dressed(ann)
    await ann.say("what should I wear to work?")
    disliked = _look_id(ann)
    await ann.press(ann.button(ActionKind.FEEDBACK, "Dislike"))
    assert ann.text == "Noted, I won't suggest that one again."
    await ann.say("what should I wear to work?")
    assert _look_id(ann) != disliked


async def test_todays_look(ann: Chat) -> None:
    await _dressed(ann)
    await ann.say("what's my look today?")
    assert ann.replies[-1].extra["kind"] == "look" and len(ann.pictures) == 1
    today = _look_id(ann)
    await ann.say("what's my look today?")
    assert _look_id(ann) == today  # the look of the day stays the same
    await ann.press(ann.button(ActionKind.ANOTHER))
    assert _look_id(ann) != today


async def test_a_look_around_a_named_piece(ann: Chat) -> None:
    await _dressed(ann)
    await ann.say("what can I wear with my red skirt?")
    skirt = next(g for g in await ann.conversation.ctx.stylist.wardrobe("web:ann") if g.source_name == "skirt-3.jpg")
    assert ann.replies[-1].extra["kind"] == "look"
    assert "red skirt" in ann.pictures[0].alt
    state = await ann.conversation.ctx.states.get(ann.key)
    assert state is not None and state.data["looks"][-1]["req"]["anchor"] == skirt.id


async def test_a_photo_asking_what_goes_with_it_is_styled_from_the_wardrobe(ann: Chat) -> None:
    await _dressed(ann)
    await ann.say("what goes with this?", photos=[photo("skirt-3.jpg")])  # a piece she owns
    assert ann.text.startswith("Looks like your red skirt. Here's how I'd wear it:")
    assert "red skirt" in ann.pictures[0].alt
    await ann.say("I'm thinking of buying this", photos=[photo("skirt-1.jpg")])  # one she does not own
    looks = [r for r in ann.replies if r.extra.get("kind") == "look"]
    assert looks and ann.replies[0].text.startswith("That ") and "skirt" in ann.replies[0].text
    assert "of your looks" in ann.replies[0].text or "one look" in ann.replies[0].text
    assert all("skirt" in r.pictures[0].alt for r in looks)  # every look wears the new piece
    assert all(not r.buttons for r in looks)  # no like / wore it: it is not theirs yet
    assert "add it to your wardrobe" in ann.replies[-1].text
    assert len(await ann.conversation.ctx.stylist.wardrobe("web:ann")) == len(WARDROBE)  # nothing was added


async def test_an_outfit_from_an_empty_wardrobe_says_how_to_start(ann: Chat) -> None:
    await ann.say("what should I wear to work?")
    assert ann.text == "Your wardrobe is empty: send me photos of your clothes first."


async def test_forged_and_stale_buttons_change_nothing(ann: Chat, bob: Chat) -> None:
    await _dressed(ann)
    await ann.say("what should I wear to work?")
    anns_look = _look_id(ann)
    anns_item = (await ann.conversation.ctx.stylist.wardrobe("web:ann"))[0].id
    await bob.say(photos=[photo("skirt-1.jpg")])
    before = await ann.conversation.ctx.states.get(bob.key)
    for forged in (Action(ActionKind.FEEDBACK, (anns_look, "like")),  # another user's look
                   Action(ActionKind.ANOTHER, (anns_look,)),
                   Action(ActionKind.REMOVE_ITEM, (anns_item, "yes")),  # another user's item
                   Action(ActionKind.LAUNDRY, (anns_item, "in")),
                   Action(ActionKind.CORRECT_TAG, (anns_item, "type", "skirt")),
                   Action(ActionKind.FEEDBACK, ("0000000000", "like")),  # no such look
                   Action(ActionKind.SHOW_ITEM, ("not-an-id",)),  # malformed
                   Action(ActionKind.FEEDBACK, ()),
                   Action(ActionKind.INTENT, ("forget_me",)),  # a chip may not start forget-me
                   Action(ActionKind.CONFIRM, ("forget",)),  # confirming what was never asked
                   Action(ActionKind.SETTING, ("place", "3"))):
        await bob.press(forged)
        assert bob.text.startswith("That button has expired or isn't yours, so I did nothing."), forged
        assert bob.buttons(), "the polite reply offers the way forward"
    assert await ann.conversation.ctx.states.get(bob.key) == before
    anns = await ann.conversation.ctx.stylist.wardrobe("web:ann")
    assert len(anns) == len(WARDROBE) and not any(g.in_laundry or g.corrected for g in anns)
    assert len(await bob.conversation.ctx.stylist.wardrobe("web:bob")) == 1


async def test_a_look_around_one_of_several_pieces_asks_which(ann: Chat) -> None:
    await _dressed(ann)
    await ann.say("what can I wear with my shoes?")
    assert ann.text == "Which one do you mean?" and len(ann.pictures) == 2
    chosen = ann.buttons()[0]
    assert chosen.action.kind is ActionKind.OUTFIT_WITH
    await ann.press(chosen)
    assert ann.replies[-1].extra["kind"] == "look"
    state = await ann.conversation.ctx.states.get(ann.key)
    assert state is not None and state.data["looks"][-1]["req"]["anchor"] == chosen.action.args[0]


async def test_several_looks_for_a_day_and_an_occasion(ann: Chat) -> None:
    await _dressed(ann)
    replies = await ann.say("show me 2 outfits for a date")
    assert [r.extra["kind"] for r in replies] == ["look", "look"]
    assert replies[0].extra["look_id"] != replies[1].extra["look_id"]
    await ann.say("what should I wear tomorrow?")
    state = await ann.conversation.ctx.states.get(ann.key)
    assert state is not None and state.data["looks"][-1]["req"]["day"] == "2026-12-01"


async def test_the_morning_look_is_a_push_whose_buttons_work(ann: Chat) -> None:
    await _dressed(ann)
    [push] = await ann.conversation.morning_look(ann.key)
    assert push.extra["kind"] == "look" and push.pictures
    ann.replies = [push]
    await ann.press(ann.button(ActionKind.ANOTHER))
    assert ann.replies[-1].extra["kind"] == "look" and ann.replies[-1].extra["look_id"] != push.extra["look_id"]
    await ann.say("what's my look today?")
    assert ann.replies[-1].extra["look_id"] == push.extra["look_id"]  # the same look of the day


async def test_no_morning_look_for_an_empty_wardrobe(ann: Chat) -> None:
    with pytest.raises(WardrobeEmpty):
        await ann.conversation.morning_look(ann.key)


async def test_an_occasion_the_wardrobe_cannot_dress_gets_the_closest_look_and_what_is_missing(ann: Chat) -> None:
    await _dressed(ann)
    await ann.say("I need an outfit for the gym")  # nothing sporty in this wardrobe
    look = next(r for r in ann.replies if r.extra.get("kind") == "look")
    assert look.text.startswith("Closest I can do for")
    assert "would lift this" in look.text  # names what to add
    assert look.buttons  # still a real look of theirs: like / wore it work
