"""The web chat as a browser uses it: messages and photos in, replies with pictures and buttons out, a transcript
that survives a reload, hostile text kept as text, one user's simultaneous requests, and forget-me."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

from bot.web.transcript import sniff_image
from config.settings import Settings
from tests.web.conftest import Browser, payloads, sample

STATIC = Path(__file__).resolve().parents[2] / "bot" / "web" / "static"


async def test_the_page_is_served_with_a_strict_policy(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    async with browser.session.get(browser.url("/")) as response:
        assert response.status == 200
        page = await response.text()
        policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert '<input id="files" type="file" accept="image/*" multiple' in page
    assert 'accept="image/*" multiple capture' in page  # the phone camera
    assert not re.search(r"<script>|\son\w+=", page)  # no inline script or handler the policy would block
    for name in ("app.js", "app.css", "icon.svg"):
        async with browser.session.get(browser.url(f"/static/{name}")) as response:
            assert response.status == 200, name
    assert "http" not in (STATIC / "app.js").read_text().replace("http:", "").replace("https:", "")  # no CDN


def test_the_page_never_turns_text_into_markup() -> None:
    script = (STATIC / "app.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in script, sink
    assert "textContent" in script


async def test_hostile_text_comes_back_as_the_same_text(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    hostile = '<img src=x onerror="alert(1)"> </script><script>alert(2)</script> & "quotes" \u202e'
    status, body = await browser.say(hostile)
    assert status == 200
    assert body["messages"][0]["text"] == hostile.strip()  # data, not markup: the page sets it as text
    assert (await browser.history())[0]["text"] == hostile.strip()


async def test_photos_are_added_and_shown_with_their_tags(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    status, body = await browser.say(photos=[sample("shirt-1.jpg"), sample("pants-2.jpg"), sample("shoes-1.jpg")])
    assert status == 200
    user, *replies = body["messages"]
    assert [p["name"] for p in user["photos"]] == ["shirt-1.jpg", "pants-2.jpg", "shoes-1.jpg"]
    pictures = [p for m in replies for p in m["pictures"]]
    assert len(pictures) == 3
    for picture in pictures:
        async with browser.session.get(browser.url(f"/media/{picture['media']}")) as response:
            assert response.status == 200
            assert sniff_image(await response.read()) in ("image/jpeg", "image/png")
    captions = " ".join(p["caption"].lower() for p in pictures)
    assert "shirt" in captions and ("pants" in captions or "trousers" in captions or "jeans" in captions)


async def test_the_transcript_survives_a_reload(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    _, first = await browser.say(photos=[sample("t-shirt-1.jpg")])
    _, second = await browser.say("what should I wear to work?")
    shown = first["messages"] + second["messages"]
    assert await browser.history() == shown  # same messages, same order, same ids
    assert [m["role"] for m in shown][0] == "user" and shown[-1]["role"] == "bot"


async def test_two_requests_of_one_user_at_once_are_both_answered_in_turn(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    await browser.open()  # the page load gives the browser its cookie before anything is sent
    (s1, one), (s2, two) = await asyncio.gather(
        browser.say(photos=[sample("shirt-3.jpg")]), browser.say("show my wardrobe")
    )
    assert s1 == s2 == 200
    history = await browser.history()
    assert len(history) == len(one["messages"]) + len(two["messages"])
    users = [i for i, m in enumerate(history) if m["role"] == "user"]
    assert len(users) == 2
    # each request's replies follow it, never interleaved with the other's
    first_len = len(one["messages"]) if history[0]["id"] == one["messages"][0]["id"] else len(two["messages"])
    assert users == [0, first_len]


async def test_forget_me_clears_the_transcript_and_its_pictures(
    browsers: Callable[[], Browser], web_settings: Settings
) -> None:
    browser, other = browsers(), browsers()
    _, sent = await browser.say(photos=[sample("hat-1.jpg")])
    await other.say(photos=[sample("hat-1.jpg")])  # the same photo, shown to someone else too
    await browser.say(photos=[sample("hat-2.jpg")])
    hat_1 = sent["messages"][0]["photos"][0]["media"]
    _, asked = await browser.say("forget me")
    confirm = next(
        payload for m in asked["messages"] for label, payload in payloads(m).items() if payload.startswith("yes|")
    )
    status, body = await browser.press(confirm, "Yes, delete everything")
    assert status == 200 and body["reset"] is True
    history = await browser.history()
    assert history == body["messages"] and all(m["role"] == "bot" for m in history)
    async with browser.session.get(browser.url(f"/media/{hat_1}")) as response:
        assert response.status == 404
    files = {p.stem for p in (web_settings.data_dir / "web" / "media").rglob("*") if p.is_file()}
    assert hat_1 in files  # still shown to the other browser
    async with other.session.get(other.url(f"/media/{hat_1}")) as response:
        assert response.status == 200
    assert len(files) == len({p["media"] for m in await other.history() for p in m.get("photos", [])} | {
        p["media"] for m in await other.history() for p in m.get("pictures", []) if p["media"]
    })
