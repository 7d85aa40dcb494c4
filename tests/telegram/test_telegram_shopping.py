"""Shopping through the real python-telegram-bot and the fake Bot API: each product once, as one photo whose
caption holds its title and price and whose keyboard holds "Buy it or not?" and its shop link."""

from __future__ import annotations

from typing import Any

from dialog.shopping import products_reply
from engine import PhotoInput, Stylist
from tests.telegram.conftest import ANN, answer, sample
from tests.telegram.fake_bot_api import FakeBotApi

WARDROBE = ("t-shirt-1.jpg", "pants-1.jpg", "shoes-1.jpg")


def _buttons(call: Any) -> list[dict[str, Any]]:
    markup = call.params.get("reply_markup") or {}
    return [b for row in markup.get("inline_keyboard", []) for b in row]


def _text(call: Any) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


def _check_product_photo(call: Any) -> str:
    """Assert one product's message is whole (picture, title, price, buy button, shop link); return its caption."""
    assert call.method == "sendPhoto" and call.files, call
    caption = _text(call)
    assert "€" in caption and "(demo shop)" in caption
    buttons = _buttons(call)
    assert [b["text"] for b in buttons if b.get("callback_data")] == ["Buy it or not?"]
    urls = [b["url"] for b in buttons if b.get("url")]
    assert len(urls) == 1 and urls[0].startswith("https://shop.example/demo/")
    return caption


async def test_gaps_show_each_product_once_with_price_button_and_link(bot_api: FakeBotApi, telegram: Any,
                                                                      met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await stylist.add_garments(f"telegram:{ANN}", [PhotoInput(sample(n), n) for n in WARDROBE])
    assert await stylist.catalog_ready()  # the demo catalog, imported before the clock of the reply starts
    await bot_api.send(ANN, text="what's missing from my wardrobe?")
    sent = await answer(bot_api, ANN, count=2, quiet=1.5)
    photos = [c for c in sent if c.method == "sendPhoto"]
    assert 1 <= len(photos) <= 6 and not [c for c in sent if c.method == "sendMediaGroup"]
    captions = [_check_product_photo(c) for c in photos]
    titles = [c.split(" · ")[0].split("\n")[-1] for c in captions]  # a lone product's caption starts with the text
    everything = "\n".join(_text(c) for c in sent)
    for title in titles:  # each product's title is in exactly one message: no second list of links
        assert sum(title in _text(c) for c in sent) == 1, (title, everything)
    assert "Your wardrobe has" in everything

    buy = next(b["callback_data"] for b in _buttons(photos[0]) if b.get("callback_data"))
    before = len(bot_api.sent(ANN))
    await bot_api.press(ANN, buy, {"message_id": 11})
    after = await answer(bot_api, ANN, count=before + 1, quiet=1.5)
    verdict = after[before]
    assert _text(verdict).startswith(titles[0])
    assert any(m in _text(verdict) for m in ("Buy it:", "Maybe:", "I'd skip it:"))
    assert [b["text"] for b in _buttons(verdict)] == ["View in shop"]  # the title is said once, in the text


async def test_a_single_product_is_one_photo_with_the_text_title_and_price(bot_api: FakeBotApi, telegram: Any,
                                                                           stylist: Stylist) -> None:
    assert await stylist.catalog_ready()
    [hit] = (await stylist.shop_picks(f"telegram:{ANN}", category="shoes"))[:1]
    reply = await products_reply(stylist, "From the shop:", [hit], menu=False)
    await telegram.replies.send(ANN, [reply])
    sent = await answer(bot_api, ANN)
    assert len(sent) == 1
    caption = _check_product_photo(sent[0])
    assert caption.startswith("From the shop:\n") and hit.product.title in caption
