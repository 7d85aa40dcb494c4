"""Shopping: products that complete a look, fill a wardrobe's gaps, or are worth buying, once a catalog exists.

Every reply shows at most three products, each once: a thumbnail captioned with its title and price, its
"buy it or not?" button and its link (carrying the operator's tracking parameters), all on the one picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from config.vocabulary import load_vocabulary
from dialog import outfits, texts
from dialog.context import Turn
from dialog.messages import Action, ActionKind, Button, Link, Picture, Reply
from dialog.render import item_name, look_reply, type_label
from dialog.router import Router
from dialog.understanding import Intent
from engine import Look, ProductHit, Stylist, format_price, price_problem

GAP_WORDS = ("gap", "missing", "lack", "need", "next")
BUTTON_ID_MAX = 40  # a product id longer than a button argument may be gets no "buy it or not?" button


def _menu() -> tuple[tuple[Button, ...], ...]:
    return ((Button(texts.BTN_COMPLETE, Action(ActionKind.SHOP, ("look",))),
             Button(texts.BTN_GAPS, Action(ActionKind.SHOP, ("gaps",)))),)


def price_label(hit: ProductHit) -> str:
    """Return "Title · €49.90" (and a demo mark for the demonstration catalog)."""
    p = hit.product
    demo = f" {texts.SHOP_DEMO}" if p.demo else ""
    return f"{p.title} · {format_price(p.price, p.currency)}{demo}"


async def products_reply(stylist: Stylist, text: str, hits: Sequence[ProductHit], *,
                         menu: bool = True) -> Reply:
    """Return a reply showing up to three products, each one picture with its title, price, button and link."""
    hits = list(hits)[:3]
    pictures = []
    for hit in hits:
        buttons = ((Button(texts.BTN_BUY, Action(ActionKind.SHOP, ("buy", hit.product.id))),),) \
            if len(hit.product.id) <= BUTTON_ID_MAX else ()
        link = Link(texts.SHOP_OPEN, stylist.product_link(hit.product))
        pictures.append(Picture(data=await stylist.product_image(hit.product.id), caption=price_label(hit),
                                alt=hit.product.title, filename=f"product-{hit.product.id}.jpg", buttons=buttons,
                                link=link))
    return Reply(text=text, pictures=tuple(pictures), buttons=_menu() if menu else (), extra={"kind": "products"})


async def _complete(turn: Turn, look_id: str = "") -> list[Reply]:
    look = await outfits.look_again(turn, look_id)
    if look is None:
        return [Reply(text=texts.SHOP_NO_LOOK), *await _gaps(turn)]
    hits = await turn.stylist.complete_look(turn.user, look)
    if not hits:
        return await _gaps(turn)
    return [await products_reply(turn.stylist, texts.SHOP_COMPLETE, hits)]


async def _gaps(turn: Turn) -> list[Reply]:
    gaps = await turn.stylist.wardrobe_gaps(turn.user)
    if not gaps:
        return [Reply(text=texts.SHOP_GAPS_NONE, buttons=_menu())]
    replies = []
    for gap in sorted(gaps, key=lambda g: not g.products)[:2]:
        if gap.products:
            replies.append(await products_reply(turn.stylist, texts.SHOP_GAP.format(gap=gap.text), gap.products,
                                                menu=False))
        else:
            replies.append(Reply(text=texts.SHOP_GAP_EMPTY.format(gap=gap.text)))
    return replies


def _price_words(turn: Turn, hits: Sequence[ProductHit]) -> str:
    """Return the asked price range in words with the shop's currency ("under €50"), or "" when none was asked."""
    low, high = turn.slots.min_price, turn.slots.max_price
    currency = hits[0].product.currency if hits else "EUR"
    if low is not None and high is not None:
        return f"between {format_price(low, currency)} and {format_price(high, currency)}"
    if high is not None:
        return f"under {format_price(high, currency)}"
    return f"over {format_price(low, currency)}" if low is not None else ""


async def _picks(turn: Turn) -> list[Reply]:
    slots = turn.slots
    what = _plural(type_label(slots.type) if slots.type else (slots.category or "piece"))
    category = None if slots.type else slots.category
    hits = await turn.stylist.shop_picks(turn.user, category=category, type_name=slots.type,
                                         min_price=slots.min_price, max_price=slots.max_price)
    if hits:
        said = " ".join(part for part in (what, _price_words(turn, hits)) if part)
        return [await products_reply(turn.stylist, texts.SHOP_PICKS.format(what=said), hits)]
    if slots.min_price is not None or slots.max_price is not None:  # no dead end: the same kind at other prices
        others = await turn.stylist.shop_picks(turn.user, category=category, type_name=slots.type)
        others = sorted(others, key=lambda h: h.product.price)
        if others:
            text = texts.SHOP_PICKS_OTHER_PRICES.format(what=what, range=_price_words(turn, others))
            return [await products_reply(turn.stylist, text, others)]
    category = load_vocabulary().type_of(slots.type).category if slots.type else None
    closest = await turn.stylist.shop_picks(turn.user, category=category) if category else []
    if closest:  # no dead end: no blazers, but jackets
        text = texts.SHOP_PICKS_CLOSEST.format(what=what, category=category)
        return [await products_reply(turn.stylist, text, closest)]
    return [Reply(text=texts.SHOP_PICKS_NONE.format(what=what), buttons=_menu())]


def _plural(word: str) -> str:
    return word if word.endswith("s") or word in texts.UNCOUNTABLE else f"{word}s"


async def shopping(turn: Turn) -> list[Reply]:
    """Answer a shopping request: products of a kind, the gaps of the wardrobe, or what completes the last look."""
    if not await turn.stylist.catalog_ready():
        buttons = ((Button(texts.BTN_OUTFIT, Action(ActionKind.INTENT, ("outfit",))),
                    Button(texts.BTN_WARDROBE, Action(ActionKind.INTENT, ("wardrobe",)))),)
        return [Reply(text=texts.SHOP_NOT_READY, buttons=buttons)]
    slots = turn.slots
    if slots.min_price is not None or slots.max_price is not None:
        problem = price_problem(slots.min_price, slots.max_price)
        if problem is not None:  # the same check as `stylist catalog search` and the engine's filters
            return [Reply(text=texts.SHOP_PRICE_BAD.format(problem=problem), buttons=_menu())]
        return await _picks(turn)
    if slots.type or slots.category:
        return await _picks(turn)
    words = turn.incoming.text.lower()
    if any(w in words for w in GAP_WORDS) or not outfits.shown_looks(turn):
        return await _gaps(turn)
    return await _complete(turn)


async def shop_button(turn: Turn) -> list[Reply]:
    """Complete my look, wardrobe gaps, or "buy it or not?" for one product."""
    if not await turn.stylist.catalog_ready():
        return [Reply(text=texts.SHOP_NOT_READY)]
    what = turn.action.arg(0)
    if what == "buy":
        return await _buy(turn, turn.action.arg(1))
    if what == "gaps":
        return await _gaps(turn)
    return await _complete(turn, turn.action.arg(1))


async def _buy(turn: Turn, product_id: str) -> list[Reply]:
    product = await turn.stylist.product(product_id)
    goes, verdict = await turn.stylist.buy_or_not(turn.user, product_id)
    line = texts.SHOP_BUY[verdict.verdict].format(reason=verdict.reason)
    partners = texts.listing([item_name(g) for g in verdict.partners[:3]])
    text = f"{product.title}: {line}" + (f" With your {partners}." if partners and verdict.looks else "")
    replies = [Reply(text=text, links=(Link(texts.SHOP_OPEN, turn.stylist.product_link(product)),))]
    if goes.looks and verdict.verdict != "skip":
        replies.append(await look_reply(turn.stylist, goes.looks[0], buttons=False))
    return replies


async def push_products(turn: Turn, look: Look, day: date) -> list[Reply]:
    """Return the shop's part of a morning push: products completing the pushed look (none pushed this week)."""
    hits = await turn.stylist.push_products(turn.user, look, day)
    return [await products_reply(turn.stylist, texts.SHOP_PUSH, hits, menu=False)] if hits else []


def router() -> Router:
    """Return the shopping feature's routes."""
    return Router("shopping", intents={Intent.SHOPPING: shopping}, actions={ActionKind.SHOP: shop_button})
