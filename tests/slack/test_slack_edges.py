"""Bad input, forged and replayed requests, flood control, unreachable members, and how replies are laid out."""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.slack import SlackFrontend
from dialog.messages import Action, ActionKind, Button, Link, Picture, Reply
from engine import Stylist
from tests.slack.conftest import ANN, dress, quiet, sample
from tests.slack.events import Delivery, command, dm, dm_of, home_opened, mention, press
from tests.slack.fake_slack_api import TEAM, FakeSlackApi

MB = 1024 * 1024
ANN_ID = f"slack:{TEAM}:{ANN}"
HTTP = pytest.mark.parametrize("mode", ["http"])


async def _said(api: FakeSlackApi, channel: str) -> str:
    await quiet(api, lambda a: bool(a.posted(channel)))
    return "\n".join(c.text for c in api.posted(channel))


async def test_an_empty_message_is_answered_clearly(slack_api: FakeSlackApi, slack: Any, send: Delivery,
                                                    met: Any) -> None:
    await met(ANN)
    await send.send(dm(ANN, "   "))
    assert "Send me a message or photos" in await _said(slack_api, dm_of(ANN))


async def test_a_pdf_is_refused_by_name_without_downloading(slack_api: FakeSlackApi, slack: Any, send: Delivery,
                                                            met: Any, stylist: Stylist) -> None:
    await met(ANN)
    pdf = slack_api.add_file(b"%PDF-1.7\n%...", "lookbook.pdf", "application/pdf")
    await send.send(dm(ANN, "my lookbook", files=[pdf]))
    said = await _said(slack_api, dm_of(ANN))
    assert "not a PDF" in said and slack_api.downloads == []
    assert await stylist.wardrobe(ANN_ID) == []


async def test_a_huge_image_is_refused_without_downloading(slack_api: FakeSlackApi, slack: Any, send: Delivery,
                                                           met: Any, stylist: Stylist) -> None:
    await met(ANN)
    huge = slack_api.add_file(sample("shirt-1.jpg"), "huge.jpg", "image/jpeg", size=30 * MB)
    await send.send(dm(ANN, files=[huge]))
    assert "30 MB, more than the 20 MB" in await _said(slack_api, dm_of(ANN))
    assert slack_api.downloads == [] and await stylist.wardrobe(ANN_ID) == []


async def test_a_file_whose_size_lies_is_cut_off_at_the_limit(slack_api: FakeSlackApi, slack: SlackFrontend,
                                                              send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    slack.fetcher.max_bytes = 100_000
    liar = slack_api.add_file(b"\xff\xd8\xff" + b"0" * 300_000, "small.jpg", "image/jpeg", size=1000)
    await send.send(dm(ANN, files=[liar]))
    assert "more than the 0 MB" in await _said(slack_api, dm_of(ANN))
    assert await stylist.wardrobe(ANN_ID) == []


async def test_the_good_photos_of_a_message_are_kept_and_the_others_named(
        slack_api: FakeSlackApi, slack: Any, send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    files = [slack_api.add_file(sample("hat-1.jpg"), "hat.jpg", "image/jpeg"),
             slack_api.add_file(b"%PDF-1.7", "notes.pdf", "application/pdf")]
    await send.send(dm(ANN, files=files))
    await quiet(slack_api, lambda a: bool(a.shared(dm_of(ANN))))
    said = "\n".join(c.text for c in slack_api.posted(dm_of(ANN))) + "\n".join(
        u.comment for u in slack_api.shared(dm_of(ANN)))
    assert "couldn't use" in said and "not a PDF" in said
    assert len(await stylist.wardrobe(ANN_ID)) == 1


async def test_a_file_shared_as_a_stub_is_looked_up_with_files_info(
        slack_api: FakeSlackApi, slack: Any, send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    photo = slack_api.add_file(sample("dress-1.jpg"), "dress.jpg", "image/jpeg")
    stub = {"id": photo["id"], "mode": "hidden_by_limit", "file_access": "check_file_info"}  # Slack Connect
    await send.send(dm(ANN, files=[stub]))
    await quiet(slack_api, lambda a: bool(a.shared(dm_of(ANN))))
    assert [c.params["file"] for c in slack_api.calls if c.method == "files.info"] == [photo["id"]]
    assert len(await stylist.wardrobe(ANN_ID)) == 1


async def test_the_bot_token_goes_to_slacks_file_hosts_only(slack: SlackFrontend) -> None:
    stolen = {"id": "F1", "name": "x.jpg", "mimetype": "image/jpeg", "size": 10,
              "url_private_download": "https://files.evil.example/x.jpg"}
    refused = await slack.fetcher.fetch(stolen)
    assert "couldn't download" in getattr(refused, "text", "")


@HTTP
async def test_a_forged_signature_and_an_old_timestamp_are_refused(slack_api: FakeSlackApi, slack: Any,
                                                                   send: Delivery, met: Any) -> None:
    await met(ANN)
    body = dm(ANN, "help")
    assert await send.post("events_api", body, signature="v0=" + "0" * 64) == 401
    assert await send.post("events_api", body, timestamp=int(time.time()) - 6 * 60) == 401  # signed, but old
    assert await send.post("events_api", body, headers={"X-Slack-Request-Timestamp": "soon"}) == 401
    await slack_api.settle(0.5)
    assert slack_api.posted() == []  # nothing forged got through
    assert await send.post("events_api", body) == 200  # the same event, signed now: answered
    assert "Here's what I can do" in await _said(slack_api, dm_of(ANN))


@pytest.mark.parametrize("mode", ["socket", "http"])
async def test_a_replayed_event_is_processed_once(slack_api: FakeSlackApi, slack: Any, send: Delivery,
                                                  met: Any, stylist: Stylist) -> None:
    await met(ANN)
    photo = slack_api.add_file(sample("shoes-2.jpg"), "shoes.jpg", "image/jpeg")
    body = dm(ANN, files=[photo])
    assert await send.send(body) == 200
    assert await send.send(body) == 200  # Slack's retry (or a captured request): acknowledged, not processed
    await quiet(slack_api, lambda a: bool(a.shared(dm_of(ANN))), settle=1.5)
    assert len(slack_api.downloads) == 1 and len(slack_api.shared(dm_of(ANN))) == 1
    assert len(await stylist.wardrobe(ANN_ID)) == 1


async def test_flood_control_waits_out_retry_after(slack_api: FakeSlackApi, slack: Any, send: Delivery,
                                                   met: Any) -> None:
    await met(ANN)
    slack_api.fail("chat.postMessage", "ratelimited", status=429, retry_after=1, channel=dm_of(ANN))
    started = time.monotonic()
    await send.send(command(ANN, "help"))
    await quiet(slack_api, lambda a: len(a.posted(dm_of(ANN))) == 2)  # refused once, then sent
    first, second = slack_api.posted(dm_of(ANN))
    assert second.at - first.at >= 1.0 and time.monotonic() - started >= 1.0
    assert "Here's what I can do" in second.text


async def test_a_member_who_cannot_be_reached_has_push_turned_off(slack_api: FakeSlackApi, slack: Any,
                                                                  send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await stylist.update_profile(ANN_ID, push_enabled=True)
    slack_api.fail("chat.postMessage", "account_inactive", times=99)
    await send.send(dm(ANN, "help"))
    await quiet(slack_api, lambda a: bool(a.posted(dm_of(ANN))))
    assert not (await stylist.profile(ANN_ID)).push_enabled
    assert len(slack_api.posted(dm_of(ANN))) == 1  # no apology to someone who cannot read it


async def test_an_unexpected_failure_is_logged_with_its_traceback_then_apologised_for(
        slack_api: FakeSlackApi, slack: Any, send: Delivery, met: Any, caplog: pytest.LogCaptureFixture) -> None:
    await met(ANN)
    slack_api.fail("chat.postMessage", "invalid_blocks")
    await send.send(dm(ANN, "help"))
    await quiet(slack_api, lambda a: len(a.posted(dm_of(ANN))) == 2)
    assert "Sorry, something went wrong" in slack_api.posted(dm_of(ANN))[-1].text
    failure = next(r for r in caplog.records if "handling a request failed" in r.getMessage())
    assert failure.exc_info is not None and "invalid_blocks" in str(failure.exc_info[1])


async def test_the_home_tab_is_published_without_the_picture_while_slack_processes_it(
        slack_api: FakeSlackApi, slack: Any, send: Delivery, met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await dress(stylist, ANN)
    slack_api.files_ready = False
    await send.send(home_opened(ANN))
    await quiet(slack_api, lambda a: ANN in a.views)
    blocks = slack_api.views[ANN]["blocks"]
    assert "image" not in [b["type"] for b in blocks] and any(b["type"] == "actions" for b in blocks)


async def test_a_member_who_never_talked_gets_a_welcome_on_the_home_tab(slack_api: FakeSlackApi, slack: Any,
                                                                         send: Delivery, conversation: Any) -> None:
    await send.send(home_opened(ANN))
    await quiet(slack_api, lambda a: ANN in a.views)
    assert "I'm your stylist" in str(slack_api.views[ANN])
    await send.send(mention(ANN, "C1", "hi"))  # the first message still gets the greeting
    await quiet(slack_api, lambda a: bool(a.posted("C1")))
    assert "I'm your stylist" in "\n".join(c.text for c in slack_api.posted("C1"))


async def test_a_home_tab_button_is_answered_in_the_dm(slack_api: FakeSlackApi, slack: Any, send: Delivery,
                                                       met: Any, stylist: Stylist) -> None:
    await met(ANN)
    await send.send(home_opened(ANN))
    await quiet(slack_api, lambda a: ANN in a.views)
    toggle = next(e for b in slack_api.views[ANN]["blocks"] if b["type"] == "actions" for e in b["elements"]
                  if e["value"].startswith("set|push|"))
    block = next(b["block_id"] for b in slack_api.views[ANN]["blocks"]
                 if b["type"] == "actions" and toggle in b["elements"])
    before = (await stylist.profile(ANN_ID)).push_enabled
    await send.send(press(ANN, toggle, block, view=True))
    await quiet(slack_api, lambda a: bool(a.posted(dm_of(ANN))) and len([c for c in a.calls
                                                                           if c.method == "views.publish"]) >= 2)
    assert (await stylist.profile(ANN_ID)).push_enabled is not before


async def test_replies_are_laid_out_within_slacks_limits(slack_api: FakeSlackApi, slack: SlackFrontend) -> None:
    from bot.slack.outbound import Target

    like = Button("Like <3 " + "x" * 100, Action(ActionKind.FEEDBACK, ("abc", "like")))
    pictures = tuple(Picture(sample("shirt-1.jpg"), caption=f"<shirt {i}> & co", filename=f"{i}.jpg")
                     for i in range(12))
    long_text = "\n".join(f"line {i} & <more> **bold**" for i in range(600))
    target = Target("D1", ANN)
    await slack.replies.send(target, [
        Reply(text=long_text),
        Reply(text="Twelve pieces", pictures=pictures, buttons=((like,),),
              links=(Link("Shop", "https://shop.example/item"), Link("Local", "mailto:x@example.org"))),
    ])
    posts = slack_api.posted("D1")
    sections = [b for c in posts for b in c.params["blocks"] if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= 3000 for b in sections) and all(len(c.params["blocks"]) <= 50 for c in posts)
    assert "line 0 &amp; &lt;more&gt; *bold*" in sections[0]["text"]["text"]  # escaped, Slack's bold
    uploads = [c for c in slack_api.calls if c.method == "files.completeUploadExternal"]
    assert [len(c.params["files"]) for c in uploads] == [10, 2]
    last = posts[-1].params
    buttons = [e for b in last["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons[0]["value"] == "fb|abc|like" and len(buttons[0]["text"]["text"]) <= 75
    assert buttons[1]["url"] == "https://shop.example/item"
    assert "Local: mailto:x@example.org" in str(last["blocks"])
