"""Shopping through the web chat: each product once, as one card (its picture, title, price, "buy it or not?"
button and shop link), from the demonstration catalog with no feed configured."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.web.conftest import Browser, sample


def _product_messages(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in replies if any("link" in p for p in m.get("pictures", []))]


async def test_gaps_arrive_as_one_card_per_product(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    await browser.say(photos=[sample("t-shirt-1.jpg"), sample("pants-1.jpg"), sample("shoes-1.jpg")])
    status, body = await browser.say("what's missing from my wardrobe?")
    assert status == 200
    shown = _product_messages(body["messages"][1:])
    assert shown, body["messages"]
    for message in shown:
        assert message["kind"] == "products"
        assert message["links"] == []  # no second card repeating the products under the pictures
        pictures = message["pictures"]
        assert 1 <= len(pictures) <= 3
        titles = [p["alt"] for p in pictures]
        assert len(set(titles)) == len(titles)  # no product twice in one message
        for picture in pictures:
            assert picture["caption"].startswith(picture["alt"]) and "€" in picture["caption"]
            assert picture["link"]["url"].startswith("https://shop.example/demo/")
            assert picture["link"]["label"] == "View in shop"
            assert [b["label"] for row in picture["buttons"] for b in row] == ["Buy it or not?"]
    first = shown[0]["pictures"][0]
    async with browser.session.get(browser.url(f"/media/{first['media']}")) as response:
        assert response.status == 200 and response.content_type == "image/jpeg"
    # after a reload, the transcript shows the same single cards
    history = _product_messages(await browser.history())
    assert [m["pictures"] for m in history][-len(shown):] == [m["pictures"] for m in shown]
