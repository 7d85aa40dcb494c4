"""Prices in shopping requests: "under 50 euros" filters the products, a senseless range is refused in words (the
same check as the command line's), and a range nothing fits still answers with the same kind at other prices."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from config.settings import Settings
from dialog.context import DialogContext
from dialog.conversation import Conversation
from dialog.messages import ChatKey
from dialog.nlu.prices import PriceRange, find_price_range
from dialog.state import MemoryStateStore
from engine import FixedClock, Stylist
from tests.dialog.conftest import NOW, Chat, photo


@pytest.mark.parametrize(("said", "expected"), [
    ("shoes under 50 euros", PriceRange(None, 50)),
    ("trousers below €30", PriceRange(None, 30)),
    ("a coat between 80 and 120 euros", PriceRange(80, 120)),
    ("jeans €20-€60", PriceRange(20, 60)),
    ("a jacket 20 to 60 eur", PriceRange(20, 60)),
    ("boots for at least $100", PriceRange(100, None)),
    ("a dress up to 59,99", PriceRange(None, 59.99)),
    ("over 30 and under 80 euros", PriceRange(30, 80)),
    ("shoes under -3 euros", PriceRange(None, -3)),  # read as said; the handler refuses it
    ("what should I wear under 5 degrees", None),
    ("show me 3 looks", None),
    ("something for 2 to 3 looks", None),
])
def test_price_ranges_are_read_as_said(said: str, expected: PriceRange | None) -> None:
    assert find_price_range(said.lower()) == expected


@pytest.fixture
async def shop(stylist_settings: Settings, encoder, sentences) -> AsyncIterator[Stylist]:
    """A stylist with the demo catalog (no feed configured)."""
    opened = await Stylist.open(stylist_settings, encoder=encoder, sentences=sentences, clock=FixedClock(NOW))
    yield opened
    await opened.close()


async def _chat(stylist: Stylist, understander) -> Chat:
    ctx = DialogContext(stylist=stylist, understander=understander, states=MemoryStateStore(),
                        settings=stylist.settings)
    chat = Chat(Conversation(ctx), ChatKey("web", "browser-ann", "ann"))
    await chat.skip_onboarding()
    await chat.say(photos=[photo(n) for n in ("t-shirt-1.jpg", "pants-1.jpg", "shoes-1.jpg")])
    return chat


async def _prices(stylist: Stylist, chat: Chat) -> list[float]:
    ids = [p.filename.removeprefix("product-").removesuffix(".jpg") for r in chat.replies for p in r.pictures]
    return [(await stylist.product(pid)).price for pid in ids]


async def test_under_a_price_shows_only_products_within_it(shop, understander) -> None:
    ann = await _chat(shop, understander)
    await ann.say("where can I buy a t-shirt under 40 euros?")
    assert ann.text.startswith("From the shop, the T-shirts under €40 that go best with what you own")
    prices = await _prices(shop, ann)
    assert prices and all(p <= 40 for p in prices)


async def test_a_senseless_price_is_refused_in_words(shop, understander) -> None:
    ann = await _chat(shop, understander)
    await ann.say("where can I buy shoes under -3 euros?")
    assert ann.text.startswith("I can't search with that price: the maximum price must be a number of 0 or more")
    assert not ann.replies[0].pictures and ann.buttons()
    await ann.say("where can I buy a coat between 80 and 20 euros?")
    assert "the minimum price 80 is above the maximum price 20" in ann.text


async def test_nothing_at_that_price_shows_the_same_kind_at_other_prices(shop, understander) -> None:
    ann = await _chat(shop, understander)
    await ann.say("where can I buy shoes under 10 euros?")  # the demo's shoes cost 99-149
    assert ann.text.startswith("The shop has no shoes under €10 right now; at other prices, cheapest first:")
    prices = await _prices(shop, ann)
    assert prices and prices == sorted(prices) and min(prices) > 10
