"""The platform-neutral morning push: schedule, claim, pace and send each user's look of the day."""

from bot.push.pacing import Pacer, retrying
from bot.push.schedule import Slot, latest_slot
from bot.push.scheduler import Clock, Compose, PushOptions, PushScheduler, TickReport, senders_by_platform, utc_now

__all__ = [
    "Clock", "Compose", "Pacer", "PushOptions", "PushScheduler", "Slot", "TickReport", "latest_slot", "retrying",
    "senders_by_platform", "utc_now",
]
