"""Transcripts through the real python-telegram-bot and a fake Bot API server: photos, albums, looks, buttons."""

from __future__ import annotations

from typing import Any

from dialog.messages import Action, ActionKind
from engine import PhotoInput, Stylist
from tests.telegram.conftest import ANN, BOB, answer, sample, thumbnail
from tests.telegram.fake_bot_api import FakeBotApi


def _buttons(call: Any) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def _text(call: Any) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


async def test_start_registers_the_commands_and_greets(bot_api: FakeBotApi, telegram: Any) -> None:
    assert [c["command"] for c in bot_api.commands] == ["start", "today", "outfit", "wardrobe", "settings", "help",
                                                        "forget"]
    await bot_api.send(ANN, text="/start", entities=[{"type": "bot_command", "offset": 0, "length": 6}])
    sent = await answer(bot_api, ANN)
    assert "I'm your stylist" in _text(sent[0])
    assert any(b.get("callback_data") for call in sent for b in _buttons(call))  # onboarding choices


async def test_a_photo_gets_a_reply_naming_the_garment(bot_api: FakeBotApi, telegram: Any, met: Any,
                                                       stylist: Stylist) -> None:
    await met(ANN)
    full = sample("skirt-3.jpg")
    message = {"photo": bot_api.photo_sizes(full, thumb=thumbnail(full))}
    await bot_api.send(ANN, **message)
    sent = await answer(bot_api, ANN)
    assert len(sent) == 1 and sent[0].method == "sendPhoto"
    assert "Added your red skirt" in _text(sent[0])
    asked = [c.params["file_id"] for c in bot_api.calls if c.method == "getFile"]
    assert asked == [message["photo"][-1]["file_id"]]  # the largest size, never the thumbnail
    garments = await stylist.wardrobe(f"telegram:{ANN}")
    assert [g.tags.type for g in garments] == ["skirt"]


async def test_an_album_of_five_is_one_turn_with_one_reply(bot_api: FakeBotApi, telegram: Any, met: Any,
                                                           stylist: Stylist) -> None:
    await met(ANN)
    names = ["shirt-2.jpg", "skirt-3.jpg", "pants-3.jpg", "shoes-1.jpg", "dress-1.jpg"]
    for name in names:  # Telegram delivers an album as separate messages sharing a media_group_id
        await bot_api.send(ANN, media_group_id="album-1", photo=bot_api.photo_sizes(sample(name)))
    sent = await answer(bot_api, ANN, quiet=1.5)
    assert _text(sent[0]).startswith("Added 5 pieces")
    assert len([c for c in sent if "Added" in _text(c)]) == 1  # answered once
    assert len(await stylist.wardrobe(f"telegram:{ANN}")) == 5
    album = [c for c in sent if c.method == "sendMediaGroup"]
    shown = sum(len(c.params["media"]) for c in album) + len([c for c in sent if c.method == "sendPhoto"])
    assert shown == 5


async def test_an_image_sent_as_a_file_is_added_uncompressed(bot_api: FakeBotApi, telegram: Any, met: Any,
                                                             stylist: Stylist) -> None:
    await met(ANN)
    data = sample("shoes-2.jpg")
    await bot_api.send(ANN, document=bot_api.document(data, "my-shoes.jpg", "image/jpeg"))
    sent = await answer(bot_api, ANN)
    assert "Added your" in _text(sent[0])
    garments = await stylist.wardrobe(f"telegram:{ANN}")
    assert len(garments) == 1 and garments[0].source_name == "my-shoes.jpg"


async def _dress(stylist: Stylist, user: str) -> None:
    names = ["shirt-1.jpg", "shirt-2.jpg", "pants-1.jpg", "pants-2.jpg", "shoes-1.jpg", "shoes-3.jpg",
             "outwear-1.jpg", "longsleeve-1.jpg"]
    await stylist.add_garments(user, [PhotoInput(sample(n), n) for n in names])


async def test_what_to_wear_to_work_gets_a_collage_with_buttons_and_a_button_stores_feedback(
        bot_api: FakeBotApi, telegram: Any, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await _dress(stylist, f"telegram:{ANN}")
    await bot_api.send(ANN, text="what should I wear to work?")
    sent = await answer(bot_api, ANN)
    look = next(c for c in sent if c.method == "sendPhoto")
    assert look.files["photo"][:3] == b"\xff\xd8\xff"  # the collage, as a JPEG upload
    actions = [Action.decode(b["callback_data"]) for b in _buttons(look)]
    like = next(a for a in actions if a.kind is ActionKind.FEEDBACK and a.arg(1) == "like")

    before = len(bot_api.sent(ANN))
    await bot_api.press(ANN, like.encode(), {"message_id": 7})
    sent = await answer(bot_api, ANN, count=before + 1)
    assert any(c.method == "answerCallbackQuery" for c in bot_api.calls)
    assert await _feedback_kinds(stylist, f"telegram:{ANN}") == ["like"]


async def _feedback_kinds(stylist: Stylist, user: str) -> list[str]:
    from sqlmodel import select

    from engine.storage.db import FeedbackRow

    async with stylist.db.session() as session:
        rows = (await session.exec(select(FeedbackRow).where(FeedbackRow.user_id == user))).all()
    return [row.kind for row in rows]


async def test_a_forged_button_is_answered_politely_and_changes_nothing(bot_api: FakeBotApi, telegram: Any,
                                                                       met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await bot_api.press(ANN, "fb|../../etc|like;drop table", {"message_id": 3})
    await bot_api.wait_for(lambda a: any(c.method == "answerCallbackQuery" for c in a.calls))
    await bot_api.settle()
    answered = next(c for c in bot_api.calls if c.method == "answerCallbackQuery")
    assert "expired or isn't yours" in answered.params["text"]
    assert bot_api.sent(ANN) == []
    assert await _feedback_kinds(stylist, f"telegram:{ANN}") == []


async def test_a_callback_from_another_user_changes_nothing(bot_api: FakeBotApi, telegram: Any, met: Any,
                                                            stylist: Stylist) -> None:
    await met(ANN, BOB)
    await _dress(stylist, f"telegram:{ANN}")
    group = -500
    await bot_api.send(ANN, chat_id=group, text="what should I wear to work?")
    sent = await answer(bot_api, group)
    look = next(c for c in sent if c.method == "sendPhoto")
    like = next(b["callback_data"] for b in _buttons(look) if b["callback_data"].endswith("|like"))

    before = len(bot_api.sent(group))
    await bot_api.press(BOB, like, {"message_id": 9}, chat_id=group)  # Bob presses Ann's button
    sent = await answer(bot_api, group, count=before + 1)
    assert "expired or isn't yours" in _text(sent[-1])
    assert await _feedback_kinds(stylist, f"telegram:{ANN}") == []
    assert await _feedback_kinds(stylist, f"telegram:{BOB}") == []


async def test_a_location_sets_the_place_for_the_weather(bot_api: FakeBotApi, telegram: Any, met: Any,
                                                         stylist: Stylist) -> None:
    await met(ANN)
    await bot_api.send(ANN, location={"latitude": 52.52, "longitude": 13.405})
    sent = await answer(bot_api, ANN)
    assert [_text(c) for c in sent] == ["Thanks, I'll use the weather where you are."]
    profile = await stylist.profile(f"telegram:{ANN}")
    assert profile.location is not None
    assert (round(profile.location.latitude, 2), round(profile.location.longitude, 3)) == (52.52, 13.405)


async def test_a_caption_steers_a_photo_to_find_similar_instead_of_adding(
        bot_api: FakeBotApi, telegram: Any, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await _dress(stylist, f"telegram:{ANN}")
    await bot_api.send(ANN, photo=bot_api.photo_sizes(sample("shirt-3.jpg")), caption="do I have anything like this?")
    sent = await answer(bot_api, ANN)
    assert not any("Added" in _text(c) for c in sent)
    assert len(await stylist.wardrobe(f"telegram:{ANN}")) == 8  # looked up, not added
    assert "The closest pieces you own" in "\n".join(_text(c) for c in sent)
    assert any(c.method in ("sendPhoto", "sendMediaGroup") for c in sent)  # shown as pictures
