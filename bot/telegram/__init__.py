"""The Telegram front-end (python-telegram-bot): ``start_telegram`` is the one call the composition root makes."""

from __future__ import annotations

from bot.telegram.frontend import Handle, TelegramFrontend, TelegramOptions, command_turn
from config.settings import Settings
from engine import Stylist


async def start_telegram(settings: Settings, handle: Handle, stylist: Stylist,
                         options: TelegramOptions | None = None) -> TelegramFrontend | None:
    """Start the bot when ``STYLIST_TELEGRAM_TOKEN`` is set (None when it is not); ``await frontend.stop()`` ends it.

    ``handle`` is the dialog's ``Conversation.handle``; the returned front-end is also the morning push's
    ``Sender`` for ``telegram:`` users.
    """
    if settings.telegram_token is None:
        return None
    frontend = TelegramFrontend(settings, handle, stylist, options)
    await frontend.start()
    return frontend


__all__ = ["Handle", "TelegramFrontend", "TelegramOptions", "command_turn", "start_telegram"]
