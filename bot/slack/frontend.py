"""The Slack front-end: a slack-bolt ``AsyncApp`` whose listeners only translate.

Events (DMs, mentions, ``/stylist``, buttons, the App Home) become ``Incoming`` turns of the member's one
conversation; the dialog's replies become Block Kit messages and uploads. In a channel the answer goes in the
thread, seen by the member only, and pictures of their things go to their DM. The same object is the morning
push's ``Sender`` for ``slack:`` users. Errors end in one central handler that logs the traceback, then apologises.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import texts
from bot.delivery import DeliveryDelayed, RecipientGone
from bot.slack import blocks
from bot.slack.home import HomeTab
from bot.slack.inbound import PLATFORM, FileFetcher, command_turn, member_key, member_of, to_incoming
from bot.slack.outbound import ReplySender, Target, api_error, shows_pictures
from bot.slack.replay import SeenEvents
from config.settings import Settings, SettingsError
from dialog.conversation import Conversation
from dialog.messages import ChatKey, Incoming, InvalidAction, Reply
from engine import Stylist

log = logging.getLogger(__name__)

# Errors after which a member cannot be written to any more: their morning push is turned off.
GONE_ERRORS = frozenset({"account_inactive", "user_not_found", "user_disabled", "channel_not_found", "not_in_channel",
                         "is_archived", "cannot_dm_bot", "messages_tab_disabled", "user_not_visible"})
TEXT_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})  # other message subtypes are edits, joins...


@dataclass(frozen=True, slots=True)
class SlackOptions:
    """Tuning that tests and deployments may change; the defaults suit Slack's own servers."""

    flood_retries: int = 3  # 429 answers waited out (per call, honouring Retry-After) before giving up
    seen_events: int = 10_000  # event ids remembered to process a replayed or retried event once
    receive: bool = True  # False: a send-only worker (e.g. a second push worker)
    stop_grace_s: float = 10.0  # at stop, turns in progress may finish this long; then they are cancelled


@dataclass(frozen=True, slots=True)
class Place:
    """Where a member spoke: their DM with the bot, or a channel (thread)."""

    channel: str
    thread_ts: str | None = None
    dm: bool = False


def _retry_after(exc: SlackApiError) -> float:
    headers = exc.response.headers if exc.response is not None else {}
    value = next((v for k, v in (headers or {}).items() if k.lower() == "retry-after"), "1")
    value = value[0] if isinstance(value, list) else value
    try:
        return float(value)
    except (TypeError, ValueError):
        return 1.0


class SlackFrontend:
    """Translates between Slack and the dialog; also the push ``Sender`` for ``slack:`` users."""

    platform = PLATFORM

    def __init__(self, settings: Settings, conversation: Conversation, stylist: Stylist,
                 options: SlackOptions | None = None) -> None:
        if settings.slack_bot_token is None:
            raise ValueError("STYLIST_SLACK_BOT_TOKEN is not set")
        self.settings = settings
        self.conversation = conversation
        self.stylist = stylist
        self.options = options or SlackOptions()
        token = settings.slack_bot_token.get_secret_value()
        self.client = AsyncWebClient(token=token, base_url=settings.slack_api_url, retry_handlers=[
            AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(self.options.flood_retries)])
        self.replies = ReplySender(self.client)
        self.fetcher = FileFetcher(token, settings.slack_api_url, settings.max_image_bytes, lookup=self._file_info)
        self.seen = SeenEvents(self.options.seen_events)
        self.home = HomeTab(conversation, self.client)
        self.app = self._build()
        self._dms: dict[str, str] = {}  # "T:U" -> the DM channel id
        self._receiver: Any = None
        self._in_flight: set[asyncio.Task[Any]] = set()  # bolt runs each listener in a task it does not keep
        self.bot_user = ""

    def _build(self) -> AsyncApp:
        secret = self.settings.slack_signing_secret
        app = AsyncApp(client=self.client, signing_secret=secret.get_secret_value() if secret else None,
                       request_verification_enabled=secret is not None, name="stylist")
        app.middleware(self._once)
        app.event("message")(self._tracked(self._on_message))
        app.event("app_mention")(self._tracked(self._on_mention))
        app.event("app_home_opened")(self._tracked(self._on_home))
        app.command("/stylist")(self._tracked(self._on_command))
        app.action(re.compile(f"^{blocks.BUTTON_PREFIX}"))(self._tracked(self._on_button))
        app.action(re.compile(f"^{blocks.LINK_PREFIX}"))(self._on_link)
        app.error(self._tracked(self._on_error))  # it runs in the failed listener's task, after the listener
        return app

    # ---- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the token (auth.test), then connect by Socket Mode or start the Events API receiver."""
        # one pooled session for every Web API call (slack_sdk opens and closes a new one per call without it)
        self.client.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.client.timeout))
        try:
            identity = await self.client.auth_test()
        except SlackApiError as exc:  # a revoked or mistyped token: one line naming the variable, as at start
            raise SettingsError(f"STYLIST_SLACK_BOT_TOKEN: Slack refused the token ({api_error(exc)})") from None
        self.bot_user = str(identity.get("user_id") or "")
        if not self.options.receive:
            log.info("slack: send-only as %s", identity.get("user"))
            return
        if self.settings.slack_app_token is not None:
            from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

            app_token = self.settings.slack_app_token.get_secret_value()
            try:  # checked here: the socket client would retry a refused app token forever
                opened = await self.client.apps_connections_open(app_token=app_token)
            except SlackApiError as exc:
                raise SettingsError(f"STYLIST_SLACK_APP_TOKEN: Slack refused the token ({api_error(exc)})") from None
            handler = AsyncSocketModeHandler(self.app, app_token)
            handler.client.wss_uri = str(opened.get("url"))  # the first connection uses the URL just issued
            await handler.connect_async()
            self._receiver = handler
        else:
            from bot.slack.receiver import EventsReceiver

            receiver = EventsReceiver(self.app, self.settings.slack_listen)
            await receiver.start()
            self._receiver = receiver
        mode = "socket mode" if self.settings.slack_app_token else f"events API on {self.settings.slack_listen}"
        log.info("slack: %s as %s in %s", mode, identity.get("user"), identity.get("team"))

    async def stop(self) -> None:
        """Stop receiving, let the turns in progress finish (or cancel them after the grace), close the connections."""
        if self._receiver is not None:
            await self._receiver.close_async()
            self._receiver = None
        await self._finish_in_flight()
        await self.fetcher.close()
        if self.client.session is not None:
            await self.client.session.close()

    def _tracked(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """Wrap a listener so that ``stop`` can wait for it (bolt reads the arguments through ``__wrapped__``)."""

        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._in_flight.add(task)
            try:
                await listener(**kwargs)
            finally:
                self._in_flight.discard(task)  # type: ignore[arg-type]

        return run

    async def _finish_in_flight(self) -> None:
        """Wait up to ``stop_grace_s`` for the listeners still running, then cancel the rest and wait for them."""
        running = [t for t in self._in_flight if t is not asyncio.current_task()]
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=self.options.stop_grace_s)
        if late:
            log.info("slack: cancelling %d turn(s) still running at stop", len(late))
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    # ---- inbound --------------------------------------------------------------------------------------------

    async def _once(self, body: dict[str, Any], next: Any) -> BoltResponse | None:  # noqa: A002 (bolt's name)
        """Process each event (and each interaction) once: Slack retries, and a replayed request, are dropped."""
        if not self.seen.first(body.get("event_id") or body.get("trigger_id")):
            log.info("slack: dropped a repeated delivery of %s", body.get("event_id") or body.get("trigger_id"))
            return BoltResponse(status=200, body="")
        return await next()  # type: ignore[no-any-return]

    async def _on_message(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or event.get("subtype") not in TEXT_SUBTYPES or event.get("bot_id"):
            return  # only people's own messages in the bot's DMs (channels reach us as mentions)
        user, channel = str(event.get("user") or ""), str(event.get("channel") or "")
        if not user or not channel:
            return
        team = _team(event, body)
        self._dms[f"{team}:{user}"] = channel
        await self._take(member_key(team, user), event, Place(channel, dm=True))

    async def _on_mention(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        user, channel = str(event.get("user") or ""), str(event.get("channel") or "")
        if not user or not channel or event.get("bot_id"):
            return
        thread = str(event.get("thread_ts") or event.get("ts") or "") or None
        await self._take(member_key(_team(event, body), user), event, Place(channel, thread))

    async def _take(self, key: ChatKey, event: Mapping[str, Any], place: Place) -> None:
        incoming, refusals = await to_incoming(self.fetcher, key, event.get("text"), event.get("files") or [])
        notes = list(dict.fromkeys(r.text for r in refusals))
        if incoming is None:
            await self._send(key, place, [Reply(text=n) for n in notes])
            return
        partly = [texts.PARTLY.format(reasons=" ".join(notes))] if notes else []
        await self._answer(incoming, place, partly)

    async def _answer(self, incoming: Incoming, place: Place, notes: Sequence[str] = ()) -> None:
        replies = await self.conversation.handle(incoming)
        await self._send(incoming.key, place, [*(Reply(text=n) for n in notes), *replies])

    async def _send(self, key: ChatKey, place: Place, replies: Sequence[Reply]) -> None:
        """Send a turn's replies: all into a DM; in a channel, text to the member only and pictures to their DM."""
        member = member_of(key)
        assert member is not None
        team, user = member
        if place.dm:
            await self.replies.send(Target(place.channel, user, place.thread_ts), replies)
            return
        here = Target(place.channel, user, place.thread_ts, ephemeral=True)
        private = [r for r in replies if shows_pictures(r)]
        for reply in replies:
            if not shows_pictures(reply):
                await self.replies.send_one(here, reply)
        if private:
            await self.replies.send_one(here, Reply(text=texts.SLACK_SENT_TO_DM))
            await self.replies.send(Target(await self.dm(team, user), user), private)

    async def _on_command(self, ack: Any, command: dict[str, Any]) -> None:
        team, user = str(command.get("team_id") or ""), str(command.get("user_id") or "")
        in_dm = command.get("channel_id") == self._dms.get(f"{team}:{user}")  # known from their DM's events
        await ack() if in_dm else await ack(text=texts.SLACK_SLASH_IN_DM)  # first (3 s); seen by the member only
        key = member_key(team, user)
        await self._answer(command_turn(key, str(command.get("text") or "")), Place(await self.dm(team, user), dm=True))

    async def _on_button(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        presser = body.get("user") or {}
        user = str(presser.get("id") or "")
        team = str(presser.get("team_id") or (body.get("team") or {}).get("id") or "")
        place = await self._place_of(body, team, user)
        owner = blocks.button_owner(action.get("block_id"))
        if owner is not None and owner != user:
            log.info("slack: %s pressed a button of %s: refused", user, owner)
            await self._tell(place, user, texts.SLACK_NOT_YOURS.format(owner=owner))
            return
        try:
            pressed = blocks.pressed(action.get("value"))
        except InvalidAction:
            log.info("slack: refused a malformed button from %s", user)
            await self._tell(place, user, texts.FORGED_BUTTON)
            return
        await self._answer(Incoming(member_key(team, user), action=pressed), place)
        if (body.get("container") or {}).get("type") == "view":
            await self.home.publish(team, user)  # a button on the App Home: show the change there too

    async def _place_of(self, body: Mapping[str, Any], team: str, user: str) -> Place:
        container = body.get("container") or {}
        channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
        if container.get("type") != "message" or not channel or channel.startswith("D"):
            return Place(await self.dm(team, user), dm=True)  # the App Home, or a DM: answered in the DM
        # the thread of the message pressed; an ephemeral message (our answers in channels) is no thread parent
        parent = None if container.get("is_ephemeral") else container.get("message_ts")
        return Place(channel, str(container.get("thread_ts") or parent or "") or None)

    async def _tell(self, place: Place, user: str, text: str) -> None:
        """Say one line to one member only, where they pressed."""
        target = Target(place.channel, user, place.thread_ts, ephemeral=not place.dm)
        await self.replies.send_one(target, Reply(text=text))

    async def _on_link(self, ack: Any) -> None:
        await ack()  # a URL button opens in the browser; Slack still tells the app, which has nothing to do

    async def _on_home(self, event: dict[str, Any], body: dict[str, Any]) -> None:
        user = str(event.get("user") or "")
        team = _team(event, body)
        if event.get("channel"):
            self._dms[f"{team}:{user}"] = str(event["channel"])
        if event.get("tab") == "home" and user:
            await self.home.publish(team, user)

    async def _on_error(self, error: Exception, body: dict[str, Any]) -> None:
        """The one place errors end: log the traceback first, then apologise (or stop writing to someone gone)."""
        who = _member_of_body(body)
        if isinstance(error, SlackApiError) and api_error(error) in GONE_ERRORS and who is not None:
            await self._push_off(f"{PLATFORM}:{who[0]}:{who[1]}", api_error(error))
            return
        log.error("slack: handling a request failed", exc_info=error)
        if who is None:
            return
        try:
            await self.replies.send(Target(await self.dm(*who), who[1]), [Reply(text=texts.SORRY)])
        except (SlackApiError, aiohttp.ClientError) as exc:
            log.warning("slack: could not apologise to %s: %s", who[1], exc)

    async def _push_off(self, user_id: str, why: str) -> None:
        profile = await self.stylist.profile(user_id)
        if profile.push_enabled:
            await self.stylist.update_profile(user_id, push_enabled=False)
            log.info("slack: %s cannot be reached (%s): morning push turned off", user_id, why)

    async def _file_info(self, file_id: str) -> dict[str, Any]:
        """Return a shared file's whole object (files.info); a file Slack will not describe is a stub, refused."""
        try:
            info = await self.client.files_info(file=file_id)
        except SlackApiError as exc:
            log.info("slack: files.info refused %s: %s", file_id, api_error(exc))
            return {"id": file_id}
        return dict(info.get("file") or {"id": file_id})

    async def dm(self, team: str, user: str) -> str:
        """Return the id of the member's DM with the bot (opened with conversations.open the first time)."""
        member = f"{team}:{user}"
        if member not in self._dms:
            opened = await self.client.conversations_open(users=user)
            self._dms[member] = str((opened.get("channel") or {}).get("id") or "")
        return self._dms[member]

    # ---- the push Sender ------------------------------------------------------------------------------------

    def chat_key(self, user_id: str) -> ChatKey | None:
        """Return the conversation of a ``slack:<team>:<user>`` user (its replies go to their DM)."""
        platform, _, member = user_id.partition(":")
        team, _, user = member.partition(":")
        if platform != PLATFORM or not team or not user:
            return None
        return member_key(team, user)

    async def deliver(self, key: ChatKey, replies: Sequence[Reply]) -> None:
        """Send replies to the member's DM; Slack's failures become ``RecipientGone`` / ``DeliveryDelayed``."""
        member = member_of(key)
        if member is None:
            raise RecipientGone(f"not a Slack member: {key.user}")
        try:
            await self.replies.send(Target(await self.dm(*member), member[1]), replies)
        except SlackApiError as exc:
            code, status = api_error(exc), exc.response.status_code if exc.response is not None else 0
            if code in GONE_ERRORS:
                raise RecipientGone(code) from exc
            if status == 429 or code == "ratelimited":
                raise DeliveryDelayed(code or "rate limited", _retry_after(exc)) from exc
            if status >= 500:
                raise DeliveryDelayed(code or f"HTTP {status}") from exc
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryDelayed(str(exc) or type(exc).__name__) from exc


def _team(event: Mapping[str, Any], body: Mapping[str, Any]) -> str:
    """Return the member's own team (in a channel shared between organisations it may not be the app's)."""
    return str(event.get("user_team") or event.get("team") or body.get("team_id") or "")


def _member_of_body(body: Mapping[str, Any]) -> tuple[str, str] | None:
    """Return (team, user) of whoever a request came from, for any kind of request."""
    event = body.get("event") or {}
    user = (body.get("user") or {}).get("id") or body.get("user_id") or event.get("user")
    team = ((body.get("user") or {}).get("team_id") or body.get("team_id") or event.get("team")
            or (body.get("team") or {}).get("id"))
    return (str(team), str(user)) if user and team else None
