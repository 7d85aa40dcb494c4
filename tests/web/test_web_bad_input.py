"""Bad input through the web chat: each answered clearly, with nothing lost and nothing half-stored."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.web.server import MAX_MESSAGE_BYTES
from config.settings import Settings
from tests.web.conftest import SAMPLES, Browser, sample, texts_of


def stored_images(settings: Settings) -> list[Path]:
    """Return the image files the web chat has written."""
    return [p for p in (settings.data_dir / "web" / "media").rglob("*") if p.is_file()]


async def test_an_empty_message_is_answered_and_not_stored(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    for blank in ("", "   \n\t "):
        status, body = await browser.say(blank)
        assert status == 400
        assert body["error"] == "Type a message or add a photo first."
    assert await browser.history() == []


async def test_a_50_kb_message_is_refused_whole_with_the_limit(
    browsers: Callable[[], Browser], web_settings: Settings
) -> None:
    browser = browsers()
    status, body = await browser.say("I need an outfit " * 3000)  # 51,000 characters
    assert status == 413
    assert "too long" in body["error"] and "4,000 characters" in body["error"]
    assert await browser.history() == []
    status, _ = await browser.say("x" * 4000)  # the limit itself is fine
    assert status == 200


async def test_a_30_mb_upload_is_refused_before_it_is_read_whole(
    browsers: Callable[[], Browser], web_settings: Settings
) -> None:
    browser = browsers()
    huge = b"\xff\xd8\xff\xe0" + bytes(30 * 1024 * 1024)
    status, body = await browser.say("add these", photos=[sample("shirt-2.jpg"), ("big.jpg", huge)])
    assert status == 413
    assert body["error"].startswith("big.jpg is too large: photos can be up to 20 MB")
    assert await browser.history() == []
    assert stored_images(web_settings) == []  # not even the small photo sent with it
    status, _ = await browser.say("hello")  # the connection and the browser are fine afterwards
    assert status == 200


async def test_a_message_larger_than_the_total_cap_is_refused_from_its_declared_length(
    browsers: Callable[[], Browser],
) -> None:
    browser = browsers()
    async with browser.session.post(
        browser.url("/api/message"),
        data=b"x" * 1024,
        headers={"Content-Type": "multipart/form-data; boundary=b", "Content-Length": str(MAX_MESSAGE_BYTES + 1)},
    ) as response:
        assert response.status == 413
        assert "the limit is 150 MB" in (await response.json())["error"]


async def test_30_photos_at_once_are_one_request_and_31_are_refused(
    browsers: Callable[[], Browser], web_settings: Settings
) -> None:
    names = sorted(p.name for p in SAMPLES.glob("*.jpg"))
    photos = [sample(name) for name in names[:30]]
    browser = browsers()
    status, body = await browser.say(photos=[*photos, sample(names[30])])
    assert status == 413
    assert body["error"] == (
        "That is more than 30 photos in one message. Nothing was sent; please send at most 30 at a time."
    )
    assert await browser.history() == []
    status, body = await browser.say(photos=photos)
    assert status == 200
    user, *replies = body["messages"]
    assert user["role"] == "user" and len(user["photos"]) == 30
    assert replies and all(m["role"] == "bot" for m in replies)
    assert len(await browser.history()) == len(body["messages"])


async def test_a_non_image_file_is_answered_by_name(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    status, body = await browser.say(photos=[("notes.txt", b"this is not a photo, just some text\n" * 10)])
    assert status == 200
    user, *replies = body["messages"]
    assert user["photos"] == [{"media": None, "name": "notes.txt"}]  # shown as a file, never served
    assert "notes.txt" in texts_of(replies)
    assert "not a photo" in texts_of(replies)


async def test_a_corrupt_photo_is_answered_and_the_good_ones_kept(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    name, good = sample("skirt-1.jpg")
    broken = good[: len(good) // 3]
    status, body = await browser.say(photos=[("broken.jpg", broken), (name, good)])
    assert status == 200
    said = texts_of(body["messages"][1:])
    assert "broken.jpg" in said and "damaged" in said
    assert "skirt" in said.lower()


async def test_a_forged_button_is_answered_clearly(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    for forged in ("", "zz|1", "fb|" + "a" * 80, "<script>", "fb|../../etc|like|x|y"):
        status, body = await browser.press(forged, "Like")
        assert status == 400, forged
        assert "button no longer works" in body["error"]
    for body, status in ((b"{not json", 400), (b'{"action": "' + b"a" * 10_000 + b'"}', 413)):
        async with browser.session.post(
            browser.url("/api/message"), data=body, headers={"Content-Type": "application/json"}
        ) as response:
            assert response.status == status
            assert (await response.json())["error"] == "I could not read that message. Please try again."
    assert await browser.history() == []


async def test_a_stale_button_is_answered_by_the_dialog(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    status, body = await browser.press("fb|0123456789|like", "Like")  # well-formed, but no such look
    assert status == 200
    user, *replies = body["messages"]
    assert user == {**user, "role": "user", "text": "Like", "pressed": True}
    assert replies and texts_of(replies).strip()
