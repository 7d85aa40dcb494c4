"""Transcripts of the wardrobe: adding photos, fixing tags, showing, removing, the laundry, finding pieces."""

from __future__ import annotations

import io

from PIL import Image

from dialog.messages import ActionKind, Photo
from dialog.state import ConvState
from tests.dialog.conftest import Chat, photo


def _is_image(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    return True


async def _garment_of(chat: Chat, source: str):  # type: ignore[no-untyped-def]
    stylist = chat.conversation.ctx.stylist
    return next(g for g in await stylist.wardrobe(chat.key.user_id) if g.source_name == source)


async def test_photos_without_a_caption_are_added_as_one_request(ann: Chat) -> None:
    replies = await ann.say(photos=[photo("shirt-2.jpg"), photo("skirt-3.jpg"), photo("pants-3.jpg")])
    assert len(replies) == 1
    assert ann.text.startswith("Added 3 pieces:")
    assert len(ann.pictures) == 3 and all(_is_image(p.data) for p in ann.pictures)
    captions = " | ".join(p.caption for p in ann.pictures)
    assert "shirt" in captions and "red skirt" in captions and "yellow trousers" in captions
    assert len(await ann.conversation.ctx.stylist.wardrobe("web:ann")) == 3


async def test_the_same_photo_twice_is_reported_not_stored_twice(ann: Chat) -> None:
    await ann.say(photos=[photo("skirt-3.jpg")])
    await ann.say(photos=[photo("skirt-3.jpg")])
    assert "Already in your wardrobe: red skirt" in ann.text
    assert len(await ann.conversation.ctx.stylist.wardrobe("web:ann")) == 1


async def test_an_unsure_tag_is_confirmed_with_its_button(ann: Chat) -> None:
    await ann.say(photos=[photo("longsleeve-4.jpg")])  # yellow-and-brown: the colours are unsure
    assert "Not sure about" in ann.text
    await ann.press(ann.button(ActionKind.CONFIRM_TAG, None, (await _garment_of(ann, "longsleeve-4.jpg")).id,
                               "colors"))
    assert ann.text == "Thanks, noted: colors is yellow and brown."
    garment = await _garment_of(ann, "longsleeve-4.jpg")
    assert "colors" in garment.corrected and "colors" not in garment.tags.to_confirm()


async def test_an_unsure_tag_is_fixed_by_typing_the_right_value(ann: Chat) -> None:
    await ann.say(photos=[photo("longsleeve-4.jpg")])
    await ann.press(ann.button(ActionKind.CORRECT_TAG, "Not yellow"))
    assert ann.text == "What is the right color? Tap one or type it."
    assert {b.label for b in ann.buttons()} >= {"black", "navy", "white"}
    await ann.say("it's mustard yellow")
    assert ann.text == "Got it: it's yellow now."
    assert [c.name for c in (await _garment_of(ann, "longsleeve-4.jpg")).tags.colors] == ["yellow"]


async def test_an_unsure_tag_is_fixed_with_a_choice_button(ann: Chat) -> None:
    await ann.say(photos=[photo("dress-3.jpg")])  # a dress the tagger takes for a T-shirt, unsure of the type
    await ann.press(ann.button(ActionKind.CORRECT_TAG, "Not T-shirt", (await _garment_of(ann, "dress-3.jpg")).id,
                               "type"))
    await ann.press(ann.button(ActionKind.CORRECT_TAG, "blouse"))
    garment = await _garment_of(ann, "dress-3.jpg")
    assert (garment.tags.type, garment.tags.category) == ("blouse", "top")
    assert ann.text.startswith("Got it")


async def test_a_question_about_a_tag_is_left_when_the_user_asks_something_else(ann: Chat) -> None:
    await ann.say(photos=[photo("longsleeve-4.jpg")])
    await ann.press(ann.button(ActionKind.CORRECT_TAG, "Not yellow"))
    await ann.say("show my wardrobe")
    assert ann.text.startswith("You have 1 piece")
    state = await ann.conversation.ctx.states.get(ann.key)
    assert state is not None and state.name is ConvState.IDLE


async def test_a_correction_in_words_applies_to_the_piece_just_added(ann: Chat) -> None:
    await ann.say(photos=[photo("t-shirt-2.jpg")])  # navy and black
    await ann.say("that's black, not navy")
    assert [c.name for c in (await _garment_of(ann, "t-shirt-2.jpg")).tags.colors] == ["black"]
    await ann.say("it's a skirt")
    garment = await _garment_of(ann, "t-shirt-2.jpg")
    assert (garment.tags.type, garment.tags.category) == ("skirt", "bottom")
    assert ann.text == "Got it: it's skirt now."


async def test_the_wardrobe_is_shown_whole_or_in_part(ann: Chat) -> None:
    await ann.say(photos=[photo(n) for n in ("skirt-1.jpg", "skirt-3.jpg", "shoes-3.jpg")])
    await ann.say("show my wardrobe")
    assert ann.text.startswith("You have 3 pieces: 2 bottoms and 1 pair of shoes")
    assert len(ann.pictures) == 3
    await ann.say("show me my skirts")
    assert len(ann.pictures) == 2 and all("skirt" in p.caption for p in ann.pictures)


async def test_an_empty_wardrobe_says_how_to_start(ann: Chat) -> None:
    await ann.say("show my wardrobe")
    assert ann.text == "Your wardrobe is empty. Send me photos of your clothes to start."


async def test_one_piece_is_found_by_colour_and_type(ann: Chat) -> None:
    await ann.say(photos=[photo(n) for n in ("skirt-1.jpg", "skirt-3.jpg", "shoes-3.jpg", "shoes-4.jpg")])
    await ann.say("show my red skirt")
    assert [p.caption for p in ann.pictures] == ["red skirt · solid · casual"]
    assert {b.label for b in ann.buttons()} == {"Similar", "In the wash", "Remove"}
    await ann.say("show my brown shoes")  # two pairs: both are shown
    assert ann.text == "You have 2 pieces: 2 pairs of shoes." and len(ann.pictures) == 2
    await ann.say("remove my brown shoes")  # but only one can be removed: which one?
    assert ann.text == "Which one do you mean?" and len(ann.pictures) == 2
    await ann.press(ann.buttons()[1])
    # shoes-3 are brown sandals, and the tagger says so now (the ImageNet branch's shoe kinds)
    assert ann.text.startswith("Remove this") and ann.text.endswith(("shoes from your wardrobe?",
                                                                     "sandals from your wardrobe?"))
    await ann.say("show my green coat")
    assert ann.text == "I can't find your green coat in your wardrobe."


async def test_removing_a_piece_asks_first(ann: Chat) -> None:
    await ann.say(photos=[photo("skirt-3.jpg"), photo("shoes-3.jpg")])
    await ann.say("remove my red skirt")
    assert ann.text == "Remove this red skirt from your wardrobe?"
    await ann.press(ann.button(ActionKind.CANCEL))
    assert ann.text == "OK, nothing changed."
    assert len(await ann.conversation.ctx.stylist.wardrobe("web:ann")) == 2
    await ann.say("delete my red skirt")
    await ann.press(ann.button(ActionKind.REMOVE_ITEM, "Remove"))
    assert ann.text == "Removed your red skirt."
    assert [g.source_name for g in await ann.conversation.ctx.stylist.wardrobe("web:ann")] == ["shoes-3.jpg"]


async def test_the_laundry_in_words_and_buttons(ann: Chat) -> None:
    await ann.say(photos=[photo("skirt-3.jpg"), photo("pants-3.jpg")])
    await ann.say("my red skirt is in the wash")
    assert ann.text.startswith("Your red skirt is in the laundry")
    assert (await _garment_of(ann, "skirt-3.jpg")).in_laundry
    await ann.say("show my red skirt")
    await ann.press(ann.button(ActionKind.LAUNDRY, "Back"))
    assert not (await _garment_of(ann, "skirt-3.jpg")).in_laundry
    await ann.say("the yellow trousers are in the laundry")
    await ann.say("everything is clean now")
    assert ann.text == "Everything is back from the laundry (1 piece)."
    assert not any(g.in_laundry for g in await ann.conversation.ctx.stylist.wardrobe("web:ann"))


async def test_search_in_words_shows_the_matching_pieces(ann: Chat) -> None:
    await ann.say(photos=[photo(n) for n in ("skirt-3.jpg", "pants-3.jpg", "shoes-3.jpg")])
    await ann.say("find something red")
    assert ann.text == 'Here\'s what matches "find something red":'
    assert "red skirt" in ann.pictures[0].caption


async def test_a_photo_captioned_like_this_finds_similar_pieces_without_adding_it(ann: Chat) -> None:
    await ann.say(photos=[photo(n) for n in ("skirt-3.jpg", "shoes-3.jpg", "shirt-2.jpg")])
    await ann.say("do I have anything like this?", photos=[photo("skirt-1.jpg")])
    assert ann.text == "The closest pieces you own:"
    assert "skirt" in ann.pictures[0].caption
    assert len(await ann.conversation.ctx.stylist.wardrobe("web:ann")) == 3
    await ann.press(ann.button(ActionKind.SIMILAR))
    assert ann.text == "The closest pieces you own:" and len(ann.pictures) == 2  # the other two


async def test_bad_files_are_named_while_the_good_ones_are_added(ann: Chat) -> None:
    good = photo("skirt-3.jpg")
    corrupt = photo("shoes-3.jpg").data[:2000]
    huge = b"\xff\xd8\xff\xe0" + bytes(30 * 1024 * 1024)
    await ann.say(photos=[good, type(good)(b"just some notes", "notes.txt"), type(good)(corrupt, "broken.jpg"),
                          type(good)(huge, "huge.jpg")])
    lines = ann.text.splitlines()
    assert lines[0] == "Added your red skirt."
    assert any(line.startswith("I couldn't add notes.txt:") for line in lines)
    assert any(line.startswith("I couldn't add broken.jpg:") for line in lines)
    assert any(line.startswith("I couldn't add huge.jpg:") and "MB" in line for line in lines)
    assert [g.source_name for g in await ann.conversation.ctx.stylist.wardrobe("web:ann")] == ["skirt-3.jpg"]


async def test_thirty_photos_at_once_are_one_reply(ann: Chat) -> None:
    from tests._support import sample_names

    names = sample_names()[:30]
    replies = await ann.say(photos=[photo(n) for n in names])
    assert len(replies) == 1
    assert ann.text.startswith("Added 30 pieces:")
    assert len(ann.pictures) == 10 and "…and 20 more" in ann.text
    assert len(await ann.conversation.ctx.stylist.wardrobe("web:ann")) == 30


def _temple() -> Photo:
    """A real photo of no garment: the temple that ships with scikit-learn."""
    from sklearn.datasets import load_sample_images

    buf = io.BytesIO()
    Image.fromarray(load_sample_images().images[0]).save(buf, "JPEG", quality=90)
    return Photo(buf.getvalue(), "temple.jpg")


async def test_a_thing_it_does_not_know_is_asked_about_with_its_likely_kinds(ann: Chat) -> None:
    """Never a confident wrong category: the temple is stored as `other` and the user is asked what it is, with
    the likely kinds as buttons; a tap makes it that kind (and its category)."""
    await ann.say(photos=[_temple()])
    garment = await _garment_of(ann, "temple.jpg")
    assert garment.tags.category == "other" and garment.tags.candidates
    assert "What is it?" in ann.text
    kinds = [b for b in ann.buttons() if b.action.kind is ActionKind.CORRECT_TAG and len(b.action.args) == 3]
    assert [b.action.args[2] for b in kinds] == list(garment.tags.candidates[:4])
    assert any(b.label == "Something else" for b in ann.buttons())
    await ann.press(kinds[0])
    fixed = await _garment_of(ann, "temple.jpg")
    assert fixed.tags.type == garment.tags.candidates[0] and fixed.tags.category != "other"
    assert ann.text.startswith("Got it")
