"""End to end in a real browser (Debian's chromium driven by Playwright): photos in, tags and a collage out,
buttons pressed, and the conversation still there after a reload."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Page, async_playwright

from tests._support import SAMPLES

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (CI runs as root), no GPU, and nothing that phones home: the test is offline.
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]
REPLY_TIMEOUT_S = 120  # tagging and composing on a busy 2-core CI machine

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no /usr/bin/chromium: install Debian's chromium (apt-get install -y chromium)"
)


@pytest.fixture
async def page(web_server: TestServer) -> AsyncIterator[Page]:
    """A fresh chromium page (its own cookies), phone-sized, that fails the test on any page error."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = await browser.new_context(viewport={"width": 430, "height": 900}, device_scale_factor=2)
        page = await context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "401" not in m.text else None)
        await page.goto(str(web_server.make_url("/")))
        yield page
        await browser.close()
        assert problems == []  # no script error, no blocked resource, no CSP violation


async def _answered(page: Page, before: int) -> None:
    """Wait until the stylist has answered: a new reply and no typing indicator (polled, as the page's strict
    policy rightly refuses the string evaluation behind ``wait_for_function``)."""
    deadline = asyncio.get_running_loop().time() + REPLY_TIMEOUT_S
    while await _bot_rows(page) <= before or await page.locator(".typing").count():
        assert asyncio.get_running_loop().time() < deadline, "no reply in time"
        await asyncio.sleep(0.1)


async def _bot_rows(page: Page) -> int:
    return int(await page.locator(".row.bot:not(.typing)").count())


async def test_photos_outfit_buttons_and_reload_in_a_real_browser(page: Page, tmp_path: Path) -> None:
    p = page
    photos = [SAMPLES / name for name in ("shirt-1.jpg", "pants-1.jpg", "shoes-1.jpg")]

    # three photos: chosen, previewed, sent; their tags come back with their thumbnails
    await p.set_input_files("#files", [str(x) for x in photos])
    assert await p.locator(".attachment img").count() == 3
    before = await _bot_rows(p)
    await p.click("#send")
    await _answered(p, before)
    added = p.locator(".row.bot .picture").filter(has=p.locator("img"))
    assert await added.count() >= 3
    captions = " ".join(await p.locator(".row.bot figcaption").all_inner_texts()).lower()
    assert "shirt" in captions and "shoes" in captions or "sneakers" in captions
    assert await p.locator(".row.user .sent-photos img").count() == 3

    # an outfit for work: a collage with its reason and feedback buttons
    before = await _bot_rows(p)
    await p.fill("#text", "what should I wear for work?")
    await p.press("#text", "Enter")
    await _answered(p, before)
    look = p.locator(".row.bot").last
    collage = look.locator(".picture img").first
    await collage.wait_for()
    width = await collage.evaluate(
        "img => img.complete ? img.naturalWidth"
        " : new Promise(done => img.addEventListener('load', () => done(img.naturalWidth)))"
    )
    assert width >= 300  # a collage, not a thumbnail
    await _press(p, re.compile(r"another", re.I))
    await _press(p, re.compile(r"wore", re.I))

    shots = [tmp_path / "web.png"]
    if os.environ.get("STYLIST_SCREENSHOT_DIR"):
        shots.append(Path(os.environ["STYLIST_SCREENSHOT_DIR"]) / "web_e2e.png")
    await p.wait_for_timeout(300)  # let the last pictures settle before the picture is taken
    for shot in shots:
        await p.screenshot(path=str(shot))

    # a reload shows the same conversation, pictures included
    rows = await p.locator(".row").count()
    await p.reload()
    await p.locator(".row").nth(rows - 1).wait_for()
    assert await p.locator(".row").count() == rows
    assert await p.locator(".row.user .sent-photos img").count() == 3
    assert "what should I wear for work?" in await p.locator(".row.user").all_inner_texts()

    # hostile text is shown as text and runs nothing
    hostile = '<img src=x onerror="window.pwned=1"><b>bold</b>'
    before = await _bot_rows(p)
    await p.fill("#text", hostile)
    await p.press("#text", "Enter")
    await _answered(p, before)
    assert hostile in await p.locator(".row.user .text").all_inner_texts()
    assert await p.evaluate("window.pwned === undefined && !document.querySelector('.row b')")


async def _press(page: Page, label: re.Pattern[str]) -> None:
    """Press the last button whose label matches, and wait for the answer."""
    button = page.locator(".row.bot .chip", has_text=label).last
    before = await _bot_rows(page)
    await button.click()
    await _answered(page, before)


async def test_products_show_once_each_as_a_card_in_a_real_browser(page: Page, tmp_path: Path) -> None:
    p = page
    await p.set_input_files("#files", [str(SAMPLES / n) for n in ("t-shirt-1.jpg", "pants-1.jpg", "shoes-1.jpg")])
    before = await _bot_rows(p)
    await p.click("#send")
    await _answered(p, before)
    before = await _bot_rows(p)
    await p.fill("#text", "what's missing from my wardrobe?")
    await p.press("#text", "Enter")
    await _answered(p, before)

    products = p.locator(".row.bot .bubble.kind-products")
    assert await products.count() >= 1
    for i in range(await products.count()):
        bubble = products.nth(i)
        assert await bubble.locator(".links").count() == 0  # no second list repeating the titles
        cards = bubble.locator(".pictures.cards .picture")
        n = await cards.count()
        assert 1 <= n <= 3
        captions = await bubble.locator("figcaption").all_inner_texts()
        assert len(captions) == n == len(set(captions)) and all("€" in c for c in captions)
        for j in range(n):
            card = cards.nth(j)
            assert await card.locator("img").count() == 1
            link = card.locator("a.link")
            assert await link.count() == 1
            assert (await link.get_attribute("href") or "").startswith("https://shop.example/demo/")
            assert await link.get_attribute("rel") == "noopener noreferrer"
            assert "Buy it or not?" in await card.locator(".chip").all_inner_texts()
        # each product title appears once in the whole bubble
        text = await bubble.inner_text()
        for caption in captions:
            title = caption.split(" · ")[0]
            assert text.count(title) == 1, (title, text)
    shot = tmp_path / "products.png"
    await p.screenshot(path=str(shot), full_page=False)
    if os.environ.get("STYLIST_SCREENSHOT_DIR"):
        await p.screenshot(path=str(Path(os.environ["STYLIST_SCREENSHOT_DIR"]) / "web_products.png"))
