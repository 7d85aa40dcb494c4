"""Shopping through the web chat: product pictures with prices, their "buy it or not?" buttons and their links
(the demonstration catalog, with no feed configured)."""

from __future__ import annotations

from collections.abc import Callable

from tests.web.conftest import Browser, sample


async def test_gaps_arrive_with_product_pictures_buttons_and_links(browsers: Callable[[], Browser]) -> None:
    browser = browsers()
    await browser.say(photos=[sample("t-shirt-1.jpg"), sample("pants-1.jpg"), sample("shoes-1.jpg")])
    status, body = await browser.say("what's missing from my wardrobe?")
    assert status == 200
    replies = body["messages"][1:]
    shown = [m for m in replies if m["links"]]
    assert shown, replies
    links = shown[0]["links"]
    assert 1 <= len(links) <= 3 and all(link["url"].startswith("https://shop.example/demo/") for link in links)
    assert all("€" in link["label"] for link in links)
    pictures = shown[0]["pictures"]
    assert len(pictures) == len(links)
    async with browser.session.get(browser.url(f"/media/{pictures[0]['media']}")) as response:
        assert response.status == 200 and response.content_type == "image/jpeg"
    buttons = [b for p in pictures for b in p.get("buttons", [])] + [b for m in shown for b in m.get("buttons", [])]
    assert any("Buy it or not?" in str(b) for b in buttons), buttons
