"""Transcripts through the real slack-bolt app and a fake Slack Web API: photos, looks, buttons, the Home tab.

The photo and button flows run in both Socket Mode and HTTP mode (the Events API, signed requests).
"""

from __future__ import annotations

from typing import Any

import pytest

from dialog.messages import Action, ActionKind
from engine import Stylist
from tests.slack.conftest import ANN, dress, quiet, sample
from tests.slack.events import Delivery, buttons, command, dm, dm_of, home_opened, press
from tests.slack.fake_slack_api import TEAM, FakeSlackApi

ANN_ID = f"slack:{TEAM}:{ANN}"
BOTH = pytest.mark.parametrize("mode", ["socket", "http"])


async def _feedback_kinds(stylist: Stylist, user: str) -> list[str]:
    from sqlmodel import select

    from engine.storage.db import FeedbackRow

    async with stylist.db.session() as session:
        rows = (await session.exec(select(FeedbackRow).where(FeedbackRow.user_id == user))).all()
    return [row.kind for row in rows]


@BOTH
async def test_a_photo_shared_in_a_dm_gets_a_reply_naming_the_garment(
        slack_api: FakeSlackApi, slack: Any, send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    photo = slack_api.add_file(sample("skirt-3.jpg"), "skirt.jpg", "image/jpeg")
    assert await send.send(dm(ANN, files=[photo])) == 200
    await quiet(slack_api, lambda a: bool(a.shared(dm_of(ANN))))
    share = slack_api.shared(dm_of(ANN))[0]
    assert "Added your red skirt" in share.comment
    assert share.data[:3] == b"\xff\xd8\xff"  # the garment's thumbnail, uploaded through files_upload_v2
    assert [m for m, _ in slack_api.downloads] == [photo["id"]]
    assert slack_api.downloads[0][1] == f"Bearer {slack.settings.slack_bot_token.get_secret_value()}"
    garments = await stylist.wardrobe(ANN_ID)
    assert [g.tags.type for g in garments] == ["skirt"]


@BOTH
async def test_what_to_wear_to_work_gets_a_collage_with_buttons_and_a_button_stores_feedback(
        slack_api: FakeSlackApi, slack: Any, send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await dress(stylist, ANN)
    await send.send(dm(ANN, "what should I wear to work?"))
    await quiet(slack_api, lambda a: bool(a.shared(dm_of(ANN))) and bool(a.posted(dm_of(ANN))))
    collage = slack_api.shared(dm_of(ANN))[0]
    assert collage.data[:3] == b"\xff\xd8\xff" and collage.filename.startswith("look-")
    message = slack_api.posted(dm_of(ANN))[-1]
    assert [b["type"] for b in message.params["blocks"]][:2] == ["section", "context"]
    found = buttons(message)
    actions = [Action.decode(b["value"]) for _, b in found]
    like_block, like = next((block, b) for block, b in found
                            if Action.decode(b["value"]).kind is ActionKind.FEEDBACK and b["value"].endswith("|like"))
    assert any(a.kind is ActionKind.ANOTHER for a in actions)
    assert like_block.startswith(f"for:{ANN}:")

    before = len(slack_api.posted(dm_of(ANN)))
    assert await send.send(press(ANN, like, like_block)) == 200
    await quiet(slack_api, lambda a: len(a.posted(dm_of(ANN))) > before)
    assert await _feedback_kinds(stylist, ANN_ID) == ["like"]


async def test_the_slash_command_answers_in_the_dm(slack_api: FakeSlackApi, slack: Any, send: Delivery,
                                                   met: Any) -> None:
    await met(ANN)
    await send.send(command(ANN, "help"))
    await quiet(slack_api, lambda a: bool(a.posted(dm_of(ANN))))
    assert "Here's what I can do" in slack_api.posted(dm_of(ANN))[0].text


async def test_the_home_tab_shows_todays_look_and_the_settings(slack_api: FakeSlackApi, slack: Any,
                                                               send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await dress(stylist, ANN)
    await send.send(home_opened(ANN))
    await quiet(slack_api, lambda a: ANN in a.views)
    view = slack_api.views[ANN]
    kinds = [b["type"] for b in view["blocks"]]
    assert kinds[0] == "header" and "image" in kinds and "divider" in kinds
    image = next(b for b in view["blocks"] if b["type"] == "image")
    assert slack_api.uploads[image["slack_file"]["id"]].data[:3] == b"\xff\xd8\xff"
    assert slack_api.uploads[image["slack_file"]["id"]].channel is None  # uploaded privately, shown by id
    text = str(view)
    assert "Your city" in text and "Morning look" in text


async def test_the_slash_command_in_a_channel_says_where_the_answer_goes(slack_api: FakeSlackApi, slack: Any,
                                                                          send: Delivery, met: Any) -> None:
    await met(ANN)
    await send.send(command(ANN, "settings", channel="C0000GENERAL"))
    await quiet(slack_api, lambda a: bool(a.posted(dm_of(ANN))))
    assert "answering in our direct messages" in str(next(iter(slack_api.acks.values()))["payload"])
    assert slack_api.posted("C0000GENERAL") == [] and "Your city" in slack_api.posted(dm_of(ANN))[0].text
