"""The platform-neutral morning push: schedule, claim, pace and send each user's look of the day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from functools import partial

from bot.delivery import Sender
from bot.push.pacing import Pacer, retrying
from bot.push.schedule import Slot, latest_slot
from bot.push.scheduler import Compose, PushOptions, PushScheduler, TickReport, senders_by_platform
from config.settings import Settings
from dialog.conversation import Conversation
from dialog.push import morning_look
from engine import Clock, Stylist


def morning_push(settings: Settings, stylist: Stylist, conversation: Conversation, senders: Sequence[Sender], *,
                 clock: Clock | None = None) -> PushScheduler:
    """Build the scheduler the composition root runs (``await scheduler.run(stop)``), one sender per platform."""
    clock = clock or stylist.clock  # one clock: the stylist's "today" and the push's "now" agree
    options = PushOptions(grace=timedelta(minutes=settings.push_grace_minutes), rate_per_s=settings.push_rate_per_s)
    return PushScheduler(stylist, partial(morning_look, conversation), senders_by_platform(senders), clock=clock,
                         options=options)


__all__ = [
    "Compose", "Pacer", "PushOptions", "PushScheduler", "Slot", "TickReport", "latest_slot",
    "morning_push", "retrying", "senders_by_platform",
]
