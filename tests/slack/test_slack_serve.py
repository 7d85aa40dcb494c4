"""``stylist serve`` runs the Slack app (Socket Mode) in its one process, beside the web chat and Telegram."""

from __future__ import annotations

import os
from pathlib import Path

from tests._serve import refusal, serving, stop
from tests.slack.events import dm, dm_of
from tests.slack.fake_slack_api import APP_TOKEN, BOT_TOKEN, FakeSlackApi


async def test_serve_starts_the_slack_app_when_its_token_is_set(slack_api: FakeSlackApi, tmp_path: Path,
                                                                model_cache: Path) -> None:
    async with serving(tmp_path, model_cache, STYLIST_SLACK_BOT_TOKEN=BOT_TOKEN, STYLIST_SLACK_APP_TOKEN=APP_TOKEN,
                       STYLIST_SLACK_API_URL=slack_api.api_url) as proc:
        await slack_api.wait_for(lambda a: any(not ws.closed for ws in a._sockets), limit_s=540)  # a cold start
        await slack_api.envelope("events_api", dm("U0000SERVE", "help"))
        await slack_api.wait_for(lambda a: bool(a.posted(dm_of("U0000SERVE"))), limit_s=120)
        said = slack_api.posted(dm_of("U0000SERVE"))[0].text
        assert "I'm your stylist" in said  # a first message: the greeting
        await stop(proc)


async def test_serve_refuses_a_placeholder_token_in_one_line(tmp_path: Path) -> None:
    said = await refusal(tmp_path, {**os.environ, "STYLIST_SLACK_BOT_TOKEN": "xoxb-changeme"})
    lines = said.strip().splitlines()
    assert len(lines) == 1 and "STYLIST_SLACK_BOT_TOKEN" in lines[0] and "changeme" not in lines[0]


async def test_serve_with_nothing_to_serve_names_what_to_set(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STYLIST_")}
    said = await refusal(tmp_path, {**env, "STYLIST_WEB_ENABLED": "false"})
    assert "nothing to serve" in said and "STYLIST_SLACK_BOT_TOKEN" in said and "STYLIST_TELEGRAM_TOKEN" in said
