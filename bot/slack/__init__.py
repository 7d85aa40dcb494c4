"""The Slack front-end (slack-bolt): ``start_slack`` is the one call the composition root makes."""

from __future__ import annotations

from bot.slack.frontend import SlackFrontend, SlackOptions
from bot.slack.inbound import command_turn, member_key
from config.settings import Settings
from dialog.conversation import Conversation
from engine import Stylist


async def start_slack(settings: Settings, conversation: Conversation, stylist: Stylist,
                      options: SlackOptions | None = None) -> SlackFrontend | None:
    """Start the app when ``STYLIST_SLACK_BOT_TOKEN`` is set (None when it is not); ``await frontend.stop()`` ends it.

    With ``STYLIST_SLACK_APP_TOKEN`` it connects by Socket Mode, otherwise it receives the Events API over HTTP.
    The returned front-end is also the morning push's ``Sender`` for ``slack:`` users.
    """
    if settings.slack_bot_token is None:
        return None
    frontend = SlackFrontend(settings, conversation, stylist, options)
    try:
        await frontend.start()
    except BaseException:
        await frontend.stop()
        raise
    return frontend


__all__ = ["SlackFrontend", "SlackOptions", "command_turn", "member_key", "start_slack"]
