"""Identity is (team, member): each member has their own wardrobe, and nothing of one is shown to another.

In a channel the app answers in the thread, seen by the member only (ephemeral), and sends pictures of their
things to their DM; a button pressed by someone it was not for changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine import Stylist
from tests.slack.conftest import ANN, BOB, GENERAL, dress, quiet, sample
from tests.slack.events import Delivery, buttons, dm, dm_of, mention, press
from tests.slack.fake_slack_api import TEAM, FakeSlackApi

BOTH = pytest.mark.parametrize("mode", ["socket", "http"])


async def _feedback(stylist: Stylist, user: str) -> list[str]:
    from sqlmodel import select

    from engine.storage.db import FeedbackRow

    async with stylist.db.session() as session:
        rows = (await session.exec(select(FeedbackRow).where(FeedbackRow.user_id == f"slack:{TEAM}:{user}"))).all()
    return [row.kind for row in rows]


@BOTH
async def test_two_members_of_one_team_have_their_own_wardrobes(slack_api: FakeSlackApi, slack: Any,
                                                                send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN, BOB)
    photo = slack_api.add_file(sample("skirt-3.jpg"), "skirt.jpg", "image/jpeg")
    await send.send(dm(ANN, files=[photo]))
    await quiet(slack_api, lambda a: bool(a.shared(dm_of(ANN))))
    await send.send(dm(BOB, "show my wardrobe"))
    await quiet(slack_api, lambda a: bool(a.posted(dm_of(BOB))))
    bob_sees = "\n".join(c.text for c in slack_api.posted(dm_of(BOB)))
    assert "skirt" not in bob_sees.lower() and not slack_api.shared(dm_of(BOB))
    assert len(await stylist.wardrobe(f"slack:{TEAM}:{ANN}")) == 1
    assert await stylist.wardrobe(f"slack:{TEAM}:{BOB}") == []


@BOTH
async def test_in_a_channel_the_wardrobe_goes_to_the_members_dm_and_the_thread_only_says_so(
        slack_api: FakeSlackApi, slack: Any, send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN, BOB)
    await dress(stylist, ANN)
    asked = mention(ANN, GENERAL, "show my wardrobe")
    await send.send(asked)
    await quiet(slack_api, lambda a: len(a.shared(dm_of(ANN))) >= 8 and bool(a.posted(GENERAL)))
    in_channel = slack_api.posted(GENERAL)
    assert [c.method for c in in_channel] == ["chat.postEphemeral"]  # one line, seen by Ann only, in the thread
    assert in_channel[0].params["user"] == ANN and in_channel[0].params["thread_ts"] == asked["event"]["ts"]
    assert "direct message" in in_channel[0].text
    assert slack_api.shared(GENERAL) == []  # no picture of Ann's things in the channel
    assert slack_api.seen_in(GENERAL, BOB) == ""  # Bob sees nothing of it
    assert "8 pieces" in "\n".join(u.comment for u in slack_api.shared(dm_of(ANN)))


async def test_a_look_asked_for_in_a_channel_is_answered_in_the_thread_and_the_dm(
        slack_api: FakeSlackApi, slack: Any, send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN, BOB)
    await dress(stylist, ANN)
    await send.send(mention(ANN, GENERAL, "what should I wear to work?"))
    await quiet(slack_api, lambda a: bool(a.shared(dm_of(ANN))) and len(a.posted(dm_of(ANN))) >= 1)
    assert slack_api.seen_in(GENERAL, BOB) == ""
    look = slack_api.posted(dm_of(ANN))[-1]
    assert any(b["value"].endswith("|like") for _, b in buttons(look))


async def test_a_button_pressed_by_another_member_changes_nothing_and_is_answered_politely(
        slack_api: FakeSlackApi, slack: Any, send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN, BOB)
    await dress(stylist, ANN)
    await send.send(dm(ANN, "what should I wear to work?"))
    await quiet(slack_api, lambda a: bool(a.posted(dm_of(ANN))))
    block, like = next((blk, b) for blk, b in buttons(slack_api.posted(dm_of(ANN))[-1]) if b["value"].endswith("like"))

    thread = "1700000000.000100"
    await send.send(press(BOB, like, block, channel=GENERAL, thread_ts=thread))  # e.g. a shared message
    await quiet(slack_api, lambda a: bool(a.posted(GENERAL)))
    answer = slack_api.posted(GENERAL)
    assert [c.method for c in answer] == ["chat.postEphemeral"] and answer[0].params["user"] == BOB
    assert f"belongs to <@{ANN}>" in answer[0].text and answer[0].params["thread_ts"] == thread
    assert await _feedback(stylist, ANN) == [] and await _feedback(stylist, BOB) == []

    forged = {**like, "value": like["value"].replace("like", "dislike")}  # Bob's own block id, Ann's look id
    await send.send(press(BOB, forged, f"for:{BOB}:0"))
    await quiet(slack_api, lambda a: bool(a.posted(dm_of(BOB))))
    assert "expired or isn't yours" in slack_api.posted(dm_of(BOB))[-1].text  # the dialog: not Bob's look
    assert await _feedback(stylist, ANN) == [] and await _feedback(stylist, BOB) == []
