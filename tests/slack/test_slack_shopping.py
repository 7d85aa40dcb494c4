"""Shopping through the real slack-bolt app and the fake Slack Web API: each product once, as its own upload
titled with its name and price, followed right away by its "Buy it or not?" button and its shop link."""

from __future__ import annotations

from typing import Any

from dialog.messages import Action, ActionKind
from engine import PhotoInput, Stylist
from tests.slack.conftest import ANN, quiet, sample
from tests.slack.events import Delivery, buttons, dm, dm_of, press
from tests.slack.fake_slack_api import TEAM, FakeSlackApi

ANN_ID = f"slack:{TEAM}:{ANN}"
WARDROBE = ("t-shirt-1.jpg", "pants-1.jpg", "shoes-1.jpg")


def _products(api: FakeSlackApi, channel: str) -> list[Any]:
    return [u for u in api.uploads.values() if u.channel == channel and u.filename.startswith("product-")]


async def test_gaps_show_each_product_once_with_its_price_button_and_link(
        slack_api: FakeSlackApi, slack: Any, send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await stylist.add_garments(ANN_ID, [PhotoInput(sample(n), n) for n in WARDROBE])
    assert await stylist.catalog_ready()
    await send.send(dm(ANN, "what's missing from my wardrobe?"))
    await quiet(slack_api, lambda a: bool(_products(a, dm_of(ANN))) and bool(a.posted(dm_of(ANN))), settle=1.5)

    uploads = _products(slack_api, dm_of(ANN))
    assert 1 <= len(uploads) <= 6
    assert "Your wardrobe has" in uploads[0].comment  # the gap, said with the first product
    for upload in uploads:
        assert upload.data[:3] == b"\xff\xd8\xff" and "€" in upload.title and "(demo shop)" in upload.title
    titles = [u.title.split(" · ")[0] for u in uploads]

    # after each product's upload comes one message with its buttons: Buy it or not? and its shop link
    order = [c for c in slack_api.calls if c.method in ("files.completeUploadExternal", "chat.postMessage")]
    follow = [order[i + 1] for i, c in enumerate(order) if c.method == "files.completeUploadExternal"]
    assert len(follow) == len(uploads) and all(c.method == "chat.postMessage" for c in follow)
    for message in follow:
        assert [b["type"] for b in message.params["blocks"]] == ["actions"]  # one row: buy, then the shop link
        found = [b for _, b in buttons(message)]
        assert [b["text"]["text"] for b in found if b.get("value")] == ["Buy it or not?"]
        urls = [b["url"] for b in found if b.get("url")]
        assert len(urls) == 1 and urls[0].startswith("https://shop.example/demo/")
    posted = "\n".join(str(c.params.get("blocks")) for c in slack_api.posted(dm_of(ANN)))
    for title in titles:  # the title is on the picture only, never repeated in a message's blocks
        assert title not in posted, (title, posted)

    block, buy = next((b, e) for b, e in buttons(follow[0]) if e.get("value"))
    assert Action.decode(buy["value"]).kind is ActionKind.SHOP and block.startswith(f"for:{ANN}:")
    before = len(slack_api.posted(dm_of(ANN)))
    await send.send(press(ANN, buy, block))
    await quiet(slack_api, lambda a: len(a.posted(dm_of(ANN))) > before, settle=1.5)
    verdict = slack_api.posted(dm_of(ANN))[before]
    assert titles[0] in verdict.text
    assert any(word in verdict.text for word in ("Buy it:", "Maybe:", "I'd skip it:"))
