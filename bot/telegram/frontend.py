"""The Telegram front-end: a python-telegram-bot ``Application`` whose handlers only translate.

Updates become ``Incoming`` turns for the dialog (``handle``), its replies become Bot API calls, and the same
object is the morning push's ``Sender`` for Telegram users. Errors end in one central handler that logs the
traceback, then apologises; a user who blocked the bot gets their morning push turned off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import Bot, BotCommand, ChatMember, Update
from telegram.constants import ChatAction, ChatType
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import texts
from bot.delivery import DeliveryDelayed, RecipientGone
from bot.telegram.albums import AlbumCollector
from bot.telegram.inbound import (
    PLATFORM,
    Refusal,
    accepted_incoming,
    chat_key,
    photo_of,
    refusal_for,
    retry_seconds,
    use_timedelta_periods,
)
from bot.telegram.outbound import ReplySender
from bot.telegram.request import AiohttpRequest
from config.settings import Settings
from dialog.messages import Action, ActionKind, ChatKey, Incoming, InvalidAction, Reply
from dialog.understanding import Intent
from engine import Stylist

log = logging.getLogger(__name__)

Handle = Callable[[Incoming], Awaitable[list[Reply]]]
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
# Commands that are requests the dialog takes as a chip; the others are typed words it understands.
CHIP_COMMANDS = {"help": Intent.HELP, "today": Intent.TODAY, "wardrobe": Intent.WARDROBE,
                 "settings": Intent.SETTINGS, "outfit": Intent.OUTFIT}
WORD_COMMANDS = {"start": "hi", "forget": "forget me"}


@dataclass(frozen=True, slots=True)
class TelegramOptions:
    """Tuning that tests and deployments may change; the defaults suit Telegram's own servers."""

    poll_timeout_s: int = 30  # long polling: how long one getUpdates waits for news
    album_quiet_s: float = 1.0  # an album is complete after this long without a new part
    flood_retries: int = 3  # RetryAfter answers waited out (per call) before giving up
    concurrent_updates: int = 64  # updates handled at once (turns of one chat still run one at a time)
    receive: bool = True  # False: a send-only worker (e.g. a second push worker; Telegram allows one poller)


def command_turn(key: ChatKey, command: str, args: Sequence[str]) -> Incoming:
    """Return the turn a slash command stands for (``/outfit for a wedding`` is typed words)."""
    if command == "outfit" and args:
        return Incoming(key, text="outfit " + " ".join(args))
    if command in CHIP_COMMANDS:
        return Incoming(key, action=Action(ActionKind.INTENT, (CHIP_COMMANDS[command].value,)))
    return Incoming(key, text=WORD_COMMANDS.get(command, command))


class TelegramFrontend:
    """Translates between Telegram and the dialog; also the push ``Sender`` for ``telegram:`` users."""

    platform = PLATFORM

    def __init__(self, settings: Settings, handle: Handle, stylist: Stylist,
                 options: TelegramOptions | None = None) -> None:
        if settings.telegram_token is None:
            raise ValueError("STYLIST_TELEGRAM_TOKEN is not set")
        use_timedelta_periods()
        self.settings = settings
        self.handle = handle
        self.stylist = stylist
        self.options = options or TelegramOptions()
        self.max_bytes = settings.max_image_bytes
        self.app = self._build()
        self.replies = ReplySender(self.app.bot)
        # Downloads and "typing..." are not messages: they skip the flood limiter that paces what we send
        # (it would count three requests per photo against Telegram's ~30 messages a second).
        self.fetcher = Bot(self._token(), base_url=f"{settings.telegram_api_url}/bot",
                           base_file_url=f"{settings.telegram_api_url}/file/bot", request=AiohttpRequest(),
                           get_updates_request=AiohttpRequest(connections=1))
        self.albums = AlbumCollector(self._on_album, quiet_s=self.options.album_quiet_s,
                                     spawn=lambda coro, origin: self.app.create_task(coro, update=origin))
        self._webhook: object | None = None

    def _token(self) -> str:
        assert self.settings.telegram_token is not None
        return self.settings.telegram_token.get_secret_value()

    def _build(self) -> Application:  # type: ignore[type-arg]
        root = self.settings.telegram_api_url
        builder = (Application.builder().token(self._token())
                   .base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
                   .rate_limiter(AIORateLimiter(max_retries=self.options.flood_retries))
                   .concurrent_updates(self.options.concurrent_updates)
                   # aiohttp, not PTB's httpx: a tenth of the event loop's time per request (bot/telegram/request.py)
                   .request(AiohttpRequest())
                   .get_updates_request(AiohttpRequest(connections=1, read_timeout=self.options.poll_timeout_s + 10)))
        if self.settings.telegram_webhook_url:
            builder = builder.updater(None)
        app = builder.build()
        app.add_handler(CommandHandler([*CHIP_COMMANDS, *WORD_COMMANDS], self._on_command))
        app.add_handler(MessageHandler(filters.UpdateType.MESSAGE, self._on_message))
        app.add_handler(CallbackQueryHandler(self._on_button))
        app.add_handler(ChatMemberHandler(self._on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        app.add_error_handler(self._on_error)
        return app

    # ---- lifecycle ------------------------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect (getMe), register the command menu, and start long polling or the webhook receiver."""
        await self.app.initialize()
        await self.fetcher.initialize()
        if not self.options.receive:
            log.info("telegram: send-only as @%s", self.app.bot.username)
            return
        await self.app.bot.set_my_commands([BotCommand(name, about) for name, about in texts.COMMANDS])
        await self.app.start()
        if self.settings.telegram_webhook_url:
            from bot.telegram.webhook import WebhookReceiver

            receiver = WebhookReceiver(self.app, self.settings)
            await receiver.start()
            self._webhook = receiver
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(timeout=self.options.poll_timeout_s,
                                                 allowed_updates=ALLOWED_UPDATES)
        log.info("telegram: %s as @%s", "webhook" if self._webhook else "long polling", self.app.bot.username)

    async def stop(self) -> None:
        """Stop receiving, let buffered albums finish, and close the connections."""
        if self._webhook is not None:
            await self._webhook.stop()  # type: ignore[attr-defined]
        elif self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        self.albums.flush()  # the application's stop() below waits for the tasks this spawns
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()
        await self.fetcher.shutdown()

    # ---- inbound --------------------------------------------------------------------------------------------

    def _typing(self, chat_id: int) -> asyncio.Task[bool]:
        """Show "typing..." while the turn runs: started at once, not waited for before the work."""
        return asyncio.ensure_future(self.fetcher.send_chat_action(chat_id, ChatAction.TYPING))

    async def _answer(self, incoming: Incoming, notes: Sequence[Refusal] = (),
                      typing: asyncio.Task[bool] | None = None) -> None:
        typing = typing or self._typing(int(incoming.key.chat))
        try:
            replies = await self.handle(incoming)
        finally:
            with contextlib.suppress(RetryAfter):  # a courtesy: flood control on it is not an error
                await typing  # before the replies, so "typing..." never shows after the answer
        await self.replies.send(int(incoming.key.chat), [*(Reply(text=n.text) for n in notes), *replies])

    async def _on_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        key = chat_key(message) if message is not None else None
        if message is None or key is None:
            return
        if message.media_group_id is not None:
            refused = refusal_for(message, self.max_bytes)
            photo = self._refused(refused) if refused is not None else photo_of(self.fetcher, message, self.max_bytes)
            self.albums.add(key, message.media_group_id, message.message_id, message.caption or "", photo, update)
            return
        refused = refusal_for(message, self.max_bytes)
        if refused is not None:  # nothing to work on: no "typing..."
            await self.replies.send(message.chat.id, [Reply(text=refused.text)])
            return
        typing = self._typing(message.chat.id)
        try:
            incoming = await accepted_incoming(self.fetcher, message, key, self.max_bytes)
        except BaseException:
            _drop(typing)
            raise
        if isinstance(incoming, Refusal):  # the download failed or was too big after all
            _drop(typing)
            await self.replies.send(message.chat.id, [Reply(text=incoming.text)])
            return
        await self._answer(incoming, typing=typing)  # "typing..." overlaps the download and the turn

    @staticmethod
    async def _refused(refusal: Refusal) -> Refusal:
        return refusal

    async def _on_album(self, incoming: Incoming, refusals: list[Refusal]) -> None:
        if not incoming.photos:  # nothing usable in it: say why once per reason
            reasons = list(dict.fromkeys(r.text for r in refusals))
            await self.replies.send(int(incoming.key.chat), [Reply(text=r) for r in reasons])
            return
        notes = [Refusal(texts.PARTLY.format(reasons=" ".join(dict.fromkeys(r.text for r in refusals))))]
        await self._answer(incoming, notes if refusals else ())

    async def _on_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        key = chat_key(message) if message is not None else None
        if message is None or key is None or not message.text:
            return
        command = message.text.split()[0].lstrip("/").split("@")[0].lower()
        await self._answer(command_turn(key, command, context.args or []))

    async def _on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        try:
            action = Action.decode(query.data)
        except InvalidAction:
            log.info("telegram: refused a malformed button from %s", query.from_user.id)
            await query.answer(texts.FORGED_BUTTON, show_alert=True)
            return
        try:
            await query.answer()  # stops the button's spinner; a query older than ~15 minutes cannot be answered
        except BadRequest as exc:
            log.info("telegram: could not answer a button press: %s", exc)
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        key = ChatKey(PLATFORM, str(chat_id), str(query.from_user.id))
        await self._answer(Incoming(key, action=action))

    async def _on_membership(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        if change.new_chat_member.status in (ChatMember.BANNED, ChatMember.LEFT):
            await self._push_off(f"{PLATFORM}:{change.from_user.id}", "blocked the bot")

    async def _push_off(self, user_id: str, why: str) -> None:
        profile = await self.stylist.profile(user_id)
        if profile.push_enabled:
            await self.stylist.update_profile(user_id, push_enabled=False)
            log.info("telegram: %s %s: morning push turned off", user_id, why)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The one place errors end: log the traceback first, then apologise (or stop writing to a blocker)."""
        error = context.error
        user = update.effective_user if isinstance(update, Update) else None
        if isinstance(error, Forbidden):
            if user is not None:
                await self._push_off(f"{PLATFORM}:{user.id}", f"cannot be reached ({error})")
            return
        log.error("telegram: handling an update failed", exc_info=error)
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is not None:
            try:
                await self.app.bot.send_message(chat.id, texts.SORRY)
            except TelegramError as exc:
                log.warning("telegram: could not apologise in chat %s: %s", chat.id, exc)

    # ---- the push Sender ------------------------------------------------------------------------------------

    def chat_key(self, user_id: str) -> ChatKey | None:
        """Return the private chat with a ``telegram:<id>`` user (Telegram's private chat id is the user id)."""
        platform, _, user = user_id.partition(":")
        if platform != PLATFORM or not user.isdigit():
            return None
        return ChatKey(PLATFORM, user, user)

    async def deliver(self, key: ChatKey, replies: Sequence[Reply]) -> None:
        """Send replies unprompted; Telegram's failures become ``RecipientGone`` / ``DeliveryDelayed``."""
        try:
            await self.replies.send(int(key.chat), replies)
        except Forbidden as exc:
            raise RecipientGone(str(exc)) from exc
        except RetryAfter as exc:
            raise DeliveryDelayed(str(exc), retry_seconds(exc)) from exc
        except BadRequest as exc:  # not retried: it would fail again
            if "chat not found" in str(exc).lower():
                raise RecipientGone(str(exc)) from exc
            raise
        except NetworkError as exc:  # includes TimedOut
            raise DeliveryDelayed(str(exc)) from exc


def _drop(task: asyncio.Task[bool] | None) -> None:
    """Cancel a "typing..." that is no longer wanted, retrieving its error so none is reported as lost."""
    if task is not None:
        task.cancel()
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
