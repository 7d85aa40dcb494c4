"""Transcripts of shopping: the demo catalog with no feed, gaps, completing a shown look, "buy it or not?", links with
tracking parameters, the morning push with products that never repeat within a week, and no catalog at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from config.settings import Settings
from dialog.context import DialogContext
from dialog.conversation import Conversation
from dialog.messages import ActionKind, ChatKey
from dialog.push import morning_look
from dialog.state import MemoryStateStore
from engine import FixedClock, Stylist
from tests.dialog.conftest import NOW, Chat, photo

WARDROBE = ("t-shirt-1.jpg", "t-shirt-2.jpg", "pants-1.jpg", "pants-2.jpg", "shoes-1.jpg", "longsleeve-1.jpg")


async def _chat(stylist: Stylist, understander, name: str = "ann") -> Chat:
    ctx = DialogContext(stylist=stylist, understander=understander, states=MemoryStateStore(),
                        settings=stylist.settings)
    chat = Chat(Conversation(ctx), ChatKey("web", f"browser-{name}", name))
    await chat.skip_onboarding()
    return chat


@pytest.fixture
async def shop(stylist_settings: Settings, encoder, sentences) -> AsyncIterator[Stylist]:
    """A stylist with the demo catalog (no feed configured) and a tracking parameter on links."""
    settings = stylist_settings.model_copy(update={"shop_tracking": "utm_source=stylist&utm_medium=chat"})
    opened = await Stylist.open(settings, encoder=encoder, sentences=sentences, clock=FixedClock(NOW))
    yield opened
    await opened.close()


def _products(chat: Chat) -> list:
    return [r for r in chat.replies if r.extra.get("kind") == "products"]


async def test_gaps_come_with_demo_products_prices_and_tracked_links(shop, understander) -> None:
    ann = await _chat(shop, understander)
    await ann.say(photos=[photo(n) for n in WARDROBE])
    await ann.say("what's missing from my wardrobe?")
    assert "Your wardrobe has no formal" in ann.text or "nothing warm enough" in ann.text
    shown = _products(ann)
    assert shown and all(1 <= len(r.pictures) <= 3 and all(p.link for p in r.pictures) for r in shown)
    assert not any(r.links for r in shown)  # each product once: its link is on its picture, not repeated below
    caption = shown[0].pictures[0].caption
    assert caption.startswith(shown[0].pictures[0].alt) and "€" in caption and "(demo shop)" in caption
    link = urlsplit(shown[0].pictures[0].link.url)
    assert link.netloc == "shop.example"
    assert parse_qs(link.query) == {"utm_source": ["stylist"], "utm_medium": ["chat"]}


async def test_a_gap_for_work_never_offers_flip_flops_or_slides(shop, understander) -> None:
    ann = await _chat(shop, understander)
    await ann.say(photos=[photo(n) for n in ("t-shirt-1.jpg", "pants-1.jpg")])  # no shoes at all
    gaps = {g.key: g for g in await shop.wardrobe_gaps(ann.key.user_id)}
    offered = [h.product for h in gaps["shoes:smart-casual"].products]
    # the demo catalog says by eye which shoes are smart (the loafers); flip-flops and slides never are
    assert [(p.title, p.tags.type, p.tags.formality) for p in offered] == \
        [("Demo leather loafers", "formal-shoes", "smart-casual")]
    await ann.say("what's missing from my wardrobe?")
    titles = [p.alt for r in _products(ann) for p in r.pictures]
    assert "Demo flip-flops" not in titles and "Demo pink slides" not in titles


async def test_after_a_look_shopping_completes_it_and_buy_it_or_not_answers(shop, understander) -> None:
    ann = await _chat(shop, understander)
    await ann.say(photos=[photo(n) for n in WARDROBE])
    await ann.say("what should I wear today?")
    await ann.press(ann.button(ActionKind.SHOP, "Complete my look"))
    assert ann.text.startswith(("These would complete your look:", "Your wardrobe has"))
    assert _products(ann)
    await ann.press(ann.button(ActionKind.SHOP, "Buy it or not?"))
    assert ann.text.split(": ", 1)[1].startswith(("Buy it:", "Maybe:", "I'd skip it:"))
    assert ann.replies[0].links and ann.replies[0].links[0].url.startswith("https://shop.example/demo/")


async def test_asking_for_a_kind_of_thing_shows_those_products(shop, understander) -> None:
    ann = await _chat(shop, understander)
    await ann.say(photos=[photo(n) for n in WARDROBE])
    await ann.say("where can I buy a jacket?")
    [reply] = _products(ann)
    assert reply.text.startswith(("From the shop, the jackets", "The shop has no jackets right now; the closest"))
    product_ids = [p.filename.removeprefix("product-").removesuffix(".jpg") for p in reply.pictures]
    assert product_ids and [(await shop.product(pid)).tags.category for pid in product_ids] == \
        ["outerwear"] * len(product_ids)


async def test_the_morning_push_adds_products_that_do_not_repeat_within_a_week(shop, understander) -> None:
    ann = await _chat(shop, understander)
    await ann.say(photos=[photo(n) for n in WARDROBE])
    assert await shop.catalog_ready()
    day = date(2026, 11, 30)
    seen: set[str] = set()
    for offset in range(3):
        replies = await morning_look(ann.conversation, ann.key, day + timedelta(days=offset))
        assert replies[0].extra["kind"] == "look"
        products = [r for r in replies if r.extra.get("kind") == "products"]
        ids = {p.link.url for r in products for p in r.pictures if p.link}
        assert not ids & seen and all(len(r.pictures) <= 3 for r in products)
        seen |= ids
    assert seen


async def test_without_a_catalog_shopping_says_so(stylist_settings: Settings, encoder, sentences,
                                                   understander) -> None:
    settings = stylist_settings.model_copy(update={"catalog_demo": False})
    stylist = await Stylist.open(settings, encoder=encoder, sentences=sentences, clock=FixedClock(NOW))
    try:
        ann = await _chat(stylist, understander)
        await ann.say("where can I buy a new blazer?")
        assert ann.text.startswith("The shop isn't set up yet") and ann.buttons()
        await ann.say(photos=[photo(n) for n in WARDROBE])
        replies = await morning_look(ann.conversation, ann.key, date(2026, 11, 30))
        assert [r.extra.get("kind") for r in replies] == ["look"]  # a look, no products
        assert not [b for row in replies[0].buttons for b in row if b.action.kind is ActionKind.SHOP]
    finally:
        await stylist.close()
