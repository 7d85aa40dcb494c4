"""Bad input, flood control, blocked users, webhook mode and how replies are laid out on Telegram."""

from __future__ import annotations

import socket
import time
import warnings
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr
from telegram.error import RetryAfter

from bot.telegram import TelegramFrontend, start_telegram
from bot.telegram.inbound import retry_seconds
from dialog.messages import Action, ActionKind, Button, Link, Picture, Reply
from engine import Stylist
from tests.telegram.conftest import ANN, FAST, answer, sample, telegram_settings
from tests.telegram.fake_bot_api import FakeBotApi

MB = 1024 * 1024


def _text(call: Any) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


STICKER = {"file_id": "st1", "file_unique_id": "ust1", "width": 512, "height": 512, "is_animated": False,
           "is_video": False, "type": "regular"}


@pytest.mark.parametrize(("message", "says"), [
    ({"text": "   "}, "Send me a message or photos"),
    ({"sticker": STICKER}, "Cute sticker"),
    ({"voice": {"file_id": "v1", "file_unique_id": "uv1", "duration": 3, "mime_type": "audio/ogg"}},
     "voice or audio"),
    ({"contact": {"phone_number": "+100", "first_name": "Bo"}}, "can't read that kind of message"),
])
async def test_input_the_stylist_cannot_read_is_answered_clearly(bot_api: FakeBotApi, telegram: Any, met: Any,
                                                                 message: dict[str, Any], says: str) -> None:
    await met(ANN)
    await bot_api.send(ANN, **message)
    sent = await answer(bot_api, ANN)
    assert len(sent) == 1 and says in _text(sent[0])
    assert not [c for c in bot_api.calls if c.method == "getFile"]


async def test_typing_shows_for_a_turn_and_not_for_a_refusal(bot_api: FakeBotApi, telegram: Any, met: Any) -> None:
    await met(ANN)
    await bot_api.send(ANN, sticker=STICKER)
    await answer(bot_api, ANN)
    assert [c.method for c in bot_api.calls if c.method == "sendChatAction"] == []
    await bot_api.send(ANN, text="help")
    await answer(bot_api, ANN, count=2)
    assert [c.params["action"] for c in bot_api.calls if c.method == "sendChatAction"] == ["typing"]


async def test_a_30_mb_image_file_is_refused_without_downloading(bot_api: FakeBotApi, telegram: Any, met: Any,
                                                                  stylist: Stylist) -> None:
    await met(ANN)
    await bot_api.send(ANN, document=bot_api.document(sample("shirt-1.jpg"), "huge.jpg", "image/jpeg", size=30 * MB))
    sent = await answer(bot_api, ANN)
    assert "30 MB, more than the 20 MB" in _text(sent[0])
    assert not [c for c in bot_api.calls if c.method == "getFile"]
    assert await stylist.wardrobe(f"telegram:{ANN}") == []


async def test_a_pdf_sent_as_a_file_is_refused_by_name(bot_api: FakeBotApi, telegram: Any, met: Any,
                                                       stylist: Stylist) -> None:
    await met(ANN)
    await bot_api.send(ANN, document=bot_api.document(b"%PDF-1.7\n%...", "lookbook.pdf", "application/pdf"))
    sent = await answer(bot_api, ANN)
    assert "not a PDF" in _text(sent[0])
    assert await stylist.wardrobe(f"telegram:{ANN}") == []


async def test_a_broken_photo_is_named_and_the_good_ones_in_its_album_are_kept(
        bot_api: FakeBotApi, telegram: Any, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await bot_api.send(ANN, media_group_id="g", photo=bot_api.photo_sizes(sample("hat-1.jpg")))
    await bot_api.send(ANN, media_group_id="g", photo=bot_api.photo_sizes(b"not a jpeg at all"))
    await bot_api.send(ANN, media_group_id="g",
                       document=bot_api.document(b"%PDF-1.7", "notes.pdf", "application/pdf"))
    sent = await answer(bot_api, ANN, quiet=1.5)
    said = "\n".join(_text(c) for c in sent)
    assert "not a PDF" in said and "couldn't add" in said
    assert len(await stylist.wardrobe(f"telegram:{ANN}")) == 1


@pytest.mark.filterwarnings("error::telegram.warnings.PTBDeprecationWarning")  # RetryAfter's int-or-timedelta
async def test_flood_control_waits_out_retry_after(bot_api: FakeBotApi, telegram: Any, met: Any) -> None:
    await met(ANN)
    bot_api.fail("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=ANN)
    started = time.monotonic()
    await bot_api.send(ANN, text="/help", entities=[{"type": "bot_command", "offset": 0, "length": 5}])
    await bot_api.wait_for(lambda a: len(a.sent(ANN)) == 2)  # refused once, then sent
    assert time.monotonic() - started >= 1.0
    assert "Here's what I can do" in _text(bot_api.sent(ANN)[-1])


@pytest.mark.parametrize("opted_in", ["true", "false"])
def test_retry_after_is_read_as_seconds_in_either_form(monkeypatch: pytest.MonkeyPatch, opted_in: str) -> None:
    """PTB gives ``retry_after`` as a timedelta (PTB_TIMEDELTA, which the front-end opts in to) or as a number."""
    monkeypatch.setenv("PTB_TIMEDELTA", opted_in)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        waits = [retry_seconds(RetryAfter(3)), retry_seconds(RetryAfter(timedelta(seconds=1.5)))]
    assert waits == [3.0, 1.5]
    assert bool(seen) == (opted_in == "false")  # only PTB's own warning, and only when opted out


async def test_a_user_who_blocked_the_bot_has_push_turned_off(bot_api: FakeBotApi, telegram: Any, met: Any,
                                                              stylist: Stylist) -> None:
    await met(ANN)
    user = f"telegram:{ANN}"
    await stylist.update_profile(user, push_enabled=True)
    bot_api.fail("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=ANN, times=99)
    await bot_api.send(ANN, text="/help", entities=[{"type": "bot_command", "offset": 0, "length": 5}])
    await bot_api.wait_for(lambda a: len(a.sent(ANN)) >= 1)
    await bot_api.settle()
    assert not (await stylist.profile(user)).push_enabled
    assert len(bot_api.sent(ANN)) == 1  # no apology to someone who cannot read it, no retries


async def test_blocking_the_bot_as_a_membership_change_turns_push_off(bot_api: FakeBotApi, telegram: Any,
                                                                      stylist: Stylist) -> None:
    user = f"telegram:{ANN}"
    await stylist.update_profile(user, push_enabled=True)
    me = {"id": bot_api.bot_id, "is_bot": True, "first_name": "Stylist"}
    change = {"chat": {"id": ANN, "type": "private"}, "from": bot_api.user(ANN), "date": int(time.time()),
              "old_chat_member": {"status": "member", "user": me},
              "new_chat_member": {"status": "kicked", "user": me, "until_date": 0}}
    await bot_api.push_update({"my_chat_member": change})
    for _ in range(50):
        if not (await stylist.profile(user)).push_enabled:
            break
        await bot_api.settle(0.1)
    assert not (await stylist.profile(user)).push_enabled


async def test_replies_are_laid_out_within_telegram_limits(bot_api: FakeBotApi, telegram: TelegramFrontend) -> None:
    like = Button("Like <3", Action(ActionKind.FEEDBACK, ("abc", "like")))
    pictures = tuple(Picture(sample("shirt-1.jpg"), caption=f"<shirt {i}> & co", filename=f"{i}.jpg")
                     for i in range(12))
    long_text = "\n".join(f"line {i} & <more>" for i in range(600))
    await telegram.replies.send(ANN, [
        Reply(text=long_text),
        Reply(text="Twelve pieces", pictures=pictures, buttons=((like,),), album=True,
              links=(Link("Shop", "https://shop.example/item"), Link("Local", "mailto:x@example.org"))),
    ])
    sent = bot_api.sent(ANN)
    texts = [c for c in sent if c.method == "sendMessage"]
    assert all(len(_text(c)) <= 4096 for c in texts) and len(texts) >= 3
    assert "line 0 &amp; &lt;more&gt;" in _text(texts[0])  # escaped, never read as markup
    albums = [c for c in sent if c.method == "sendMediaGroup"]
    assert [len(c.params["media"]) for c in albums] == [10, 2]
    assert albums[0].params["media"][0]["caption"] == "&lt;shirt 0&gt; &amp; co"
    assert all(item["data"][:3] == b"\xff\xd8\xff" for c in albums for item in c.params["media"])
    last = sent[-1]  # an album cannot carry buttons: they come on the message after it
    rows = last.params["reply_markup"]["inline_keyboard"]
    assert rows[0][0] == {"text": "Like <3", "callback_data": "fb|abc|like"}
    assert rows[1][0]["url"] == "https://shop.example/item"
    assert "Local: mailto:x@example.org" in _text(last)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_mode_checks_the_secret_token_on_every_request(bot_api: FakeBotApi, stylist: Stylist,
                                                                     conversation: Any, met: Any) -> None:
    await met(ANN)
    port = _free_port()
    settings = telegram_settings(stylist.settings, bot_api, telegram_webhook_url="https://bot.example/tg/hook",
                                 telegram_webhook_secret=SecretStr("s3cret-Token_1"),
                                 telegram_webhook_listen=f"127.0.0.1:{port}")
    frontend = await start_telegram(settings, conversation.handle, stylist, FAST)
    assert frontend is not None
    try:
        assert bot_api.webhook["url"] == "https://bot.example/tg/hook"
        assert bot_api.webhook["secret_token"] == "s3cret-Token_1"
        update = {"update_id": 5, "message": {"message_id": 1, "date": int(time.time()), "text": "/help",
                                              "from": bot_api.user(ANN), "chat": {"id": ANN, "type": "private"},
                                              "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
        url = f"http://127.0.0.1:{port}/tg/hook"
        async with aiohttp.ClientSession() as http:
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
                async with http.post(url, json=update, headers=headers) as response:
                    assert response.status == 403
            await bot_api.settle(0.5)
            assert bot_api.sent(ANN) == []  # nothing forged got through
            async with http.post(url, json=update,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}) as response:
                assert response.status == 200
        sent = await answer(bot_api, ANN)
        assert "Here's what I can do" in _text(sent[0])
        assert bot_api.polls == 0  # no long polling in webhook mode
    finally:
        await frontend.stop()


async def test_an_unexpected_failure_is_logged_with_its_traceback_then_apologised_for(
        bot_api: FakeBotApi, telegram: Any, met: Any, caplog: pytest.LogCaptureFixture) -> None:
    await met(ANN)
    bot_api.fail("sendMessage", 400, "Bad Request: can't parse entities", chat_id=ANN)
    await bot_api.send(ANN, text="/help", entities=[{"type": "bot_command", "offset": 0, "length": 5}])
    await bot_api.wait_for(lambda a: len(a.sent(ANN)) == 2)
    await bot_api.settle()
    assert "Sorry, something went wrong" in _text(bot_api.sent(ANN)[-1])
    failure = next(r for r in caplog.records if "handling an update failed" in r.getMessage())
    assert failure.exc_info is not None and "parse entities" in str(failure.exc_info[1])
