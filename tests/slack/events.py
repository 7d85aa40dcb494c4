"""What members do, as Slack delivers it: event, slash command and interaction payloads, sent by Socket Mode
(an envelope on the fake server's websocket) or over HTTP (signed exactly as Slack signs, to the app's receiver).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from tests.slack.fake_slack_api import BOT_USER, SIGNING_SECRET, TEAM, FakeSlackApi

_ids = itertools.count(1)


def dm_of(user: str) -> str:
    """Return the id of a member's DM with the bot (what the fake's conversations.open answers)."""
    return f"D{user}"


def _ts() -> str:
    return f"{time.time():.0f}.{next(_ids):06d}"


def event_body(event: dict[str, Any], event_id: str | None = None, team: str = TEAM) -> dict[str, Any]:
    """Wrap an event as the Events API delivers it."""
    return {"token": "legacy", "team_id": team, "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}", "event_time": int(time.time()), "event": event,
            "authorizations": [{"team_id": team, "user_id": BOT_USER, "is_bot": True}]}


def dm(user: str, text: str = "", files: Sequence[dict[str, Any]] = (), team: str = TEAM) -> dict[str, Any]:
    """A member's message in their DM with the bot (a ``file_share`` when files come with it)."""
    event: dict[str, Any] = {"type": "message", "channel": dm_of(user), "channel_type": "im", "user": user,
                             "text": text, "ts": _ts(), "team": team}
    if files:
        event.update(subtype="file_share", files=list(files))
    return event_body(event, team=team)


def mention(user: str, channel: str, text: str, files: Sequence[dict[str, Any]] = (),
            thread_ts: str | None = None, team: str = TEAM) -> dict[str, Any]:
    """A member mentioning the bot in a channel."""
    event: dict[str, Any] = {"type": "app_mention", "channel": channel, "user": user, "ts": _ts(), "team": team,
                             "text": f"<@{BOT_USER}> {text}".strip()}
    if files:
        event["files"] = list(files)
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_body(event, team=team)


def home_opened(user: str, team: str = TEAM) -> dict[str, Any]:
    """A member opening the app's Home tab."""
    return event_body({"type": "app_home_opened", "user": user, "channel": dm_of(user), "tab": "home",
                       "event_ts": _ts()}, team=team)


def command(user: str, text: str, channel: str | None = None, team: str = TEAM) -> dict[str, Any]:
    """``/stylist <text>`` typed by a member (in their DM with the bot unless ``channel`` says otherwise)."""
    return {"token": "legacy", "team_id": team, "channel_id": channel or dm_of(user), "user_id": user,
            "command": "/stylist", "text": text, "response_url": "https://hooks.slack.com/commands/1",
            "trigger_id": f"tr{next(_ids)}", "api_app_id": "A1"}


def press(user: str, button: dict[str, Any], block_id: str, channel: str | None = None,
          thread_ts: str | None = None, team: str = TEAM, view: bool = False) -> dict[str, Any]:
    """A member pressing a button the app posted (in a message, or on the Home tab with ``view``)."""
    channel = channel or dm_of(user)
    container: dict[str, Any] = ({"type": "view", "view_id": "V1"} if view else
                                 {"type": "message", "channel_id": channel, "message_ts": _ts(), "is_ephemeral": False})
    if thread_ts and not view:
        container["thread_ts"] = thread_ts
    action = {"type": "button", "action_id": button["action_id"], "block_id": block_id,
              "value": button.get("value"), "action_ts": _ts(), "text": button.get("text")}
    return {"type": "block_actions", "user": {"id": user, "team_id": team}, "team": {"id": team},
            "api_app_id": "A1", "token": "legacy", "container": container, "trigger_id": f"tr{next(_ids)}",
            "channel": {"id": channel}, "actions": [action], "response_url": "https://hooks.slack.com/actions/1"}


def buttons(call: Any) -> list[tuple[str, dict[str, Any]]]:
    """Return (block id, button) of every button in a posted message."""
    found = []
    for block in call.params.get("blocks") or []:
        if block.get("type") == "actions":
            found += [(block["block_id"], e) for e in block["elements"] if e.get("type") == "button"]
    return found


@dataclass
class Delivery:
    """Sends payloads to the app by one transport: ``socket`` (through the fake) or ``http`` (to the receiver)."""

    api: FakeSlackApi
    mode: str
    url: str = ""  # the receiver's URL, in HTTP mode
    secret: str = SIGNING_SECRET

    async def send(self, body: dict[str, Any]) -> int:
        """Deliver one payload; return the HTTP status (200 for an envelope the app acknowledged)."""
        kind = ("events_api" if body.get("type") == "event_callback" else
                "slash_commands" if "command" in body else "interactive")
        if self.mode == "socket":
            envelope_id = await self.api.envelope(kind, body)
            await self.api.wait_for(lambda a: envelope_id in a.acks, limit_s=30)
            return 200
        return await self.post(kind, body)

    async def post(self, kind: str, body: dict[str, Any], *, timestamp: int | None = None,
                   signature: str | None = None, headers: dict[str, str] | None = None) -> int:
        """POST a payload to the receiver, signed (or with the given timestamp / forged signature)."""
        if kind == "events_api":
            raw, content_type = json.dumps(body), "application/json"
        elif kind == "slash_commands":
            raw, content_type = urlencode(body), "application/x-www-form-urlencoded"
        else:
            raw, content_type = urlencode({"payload": json.dumps(body)}), "application/x-www-form-urlencoded"
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signed = hmac.new(self.secret.encode(), f"v0:{stamp}:{raw}".encode(), hashlib.sha256).hexdigest()
        sent = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": signature or f"v0={signed}", **(headers or {})}
        async with aiohttp.ClientSession() as http, http.post(self.url, data=raw.encode(), headers=sent) as response:
            return response.status
