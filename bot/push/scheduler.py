"""The morning push scheduler: every minute, send each due user their look, at most once per local date.

Platform-neutral: it asks the dialog for the replies (``compose``) and hands them to the front-end that owns
the user (a ``Sender`` per platform). The at-most-once guarantee is the engine's claim (a unique
``(user, day)`` row inserted before sending), so several schedulers and restarts never send a push twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from bot.delivery import DeliveryDelayed, RecipientGone, Sender
from bot.push.pacing import Pacer, Sleep, retrying
from bot.push.schedule import Slot, latest_slot
from dialog.messages import ChatKey, Reply
from engine import Clock, Profile, Stylist, SystemClock

log = logging.getLogger(__name__)

T = TypeVar("T")
Compose = Callable[[ChatKey, date], Awaitable[list[Reply]]]  # the dialog's morning look for a chat and day


@dataclass(slots=True)
class TickReport:
    """What one pass of the scheduler did, by outcome (user ids)."""

    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # missed the grace window, or no look to send
    failed: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)  # blocked the bot: push turned off
    taken: list[str] = field(default_factory=list)  # claimed by another scheduler (or sent before)


@dataclass(frozen=True, slots=True)
class PushOptions:
    """How pushes are paced and retried."""

    grace: timedelta = timedelta(hours=2)
    rate_per_s: float = 20.0
    concurrency: int = 8
    tries: int = 3
    base_delay_s: float = 1.0


class PushScheduler:
    """Finds due users and sends their morning look through the front-end that owns them."""

    def __init__(self, stylist: Stylist, compose: Compose, senders: Mapping[str, Sender], *,
                 clock: Clock | None = None, options: PushOptions | None = None, sleep: Sleep = asyncio.sleep) -> None:
        self.stylist = stylist
        self.compose = compose
        self.senders = dict(senders)
        self.clock = clock or SystemClock()  # the engine's clock: the same one the stylist and dialog read
        self.options = options or PushOptions()
        self._sleep = sleep
        self._pacer = Pacer(self.options.rate_per_s, sleep=sleep)
        self._slots = asyncio.Semaphore(self.options.concurrency)

    def _sender(self, user_id: str) -> Sender | None:
        return self.senders.get(user_id.partition(":")[0])

    async def tick(self) -> TickReport:
        """Run one pass: send every push that has come due and was not claimed yet."""
        now = self.clock.now()
        report = TickReport()
        jobs = []
        for profile in await self.stylist.push_subscribers():
            sender = self._sender(profile.user_id)
            slot = latest_slot(profile, now, self.options.grace) if sender is not None else None
            if sender is None or slot is None:
                continue  # no front-end to reach this user in this process, or no push time has come
            jobs.append(self._one(sender, profile, slot, report))
        await asyncio.gather(*jobs)
        return report

    async def _one(self, sender: Sender, profile: Profile, slot: Slot, report: TickReport) -> None:
        """Claim and send one push; every failure is contained here (one user never stops the others)."""
        user = profile.user_id
        if not slot.in_grace:
            try:
                skipped = await self._again(lambda: self.stylist.claim_push(
                    user, slot.day, status="skipped", detail=f"missed by {slot.late}"))
            except Exception:
                log.exception("could not record the missed morning push of %s", user)
                return
            if skipped:
                log.warning("morning push of %s for %s skipped: due %s ago, past the grace window",
                            user, slot.day, slot.late)
                report.skipped.append(user)
            else:
                report.taken.append(user)  # sent (or skipped) before
            return
        async with self._slots:
            await self._pacer.wait()
            try:
                # a claim that failed is retried; if it had gone through, the retry finds it taken (never twice)
                if not await self._again(lambda: self.stylist.claim_push(user, slot.day)):
                    report.taken.append(user)
                    return
            except Exception:
                log.exception("could not claim the morning push of %s (tried again next minute)", user)
                report.failed.append(user)
                return
            outcome, detail = await self._send(sender, user, slot.day)
        getattr(report, outcome).append(user)
        try:
            await self._again(lambda: self.stylist.finish_push(user, slot.day, outcome, detail))
        except Exception:
            log.exception("could not record the morning push of %s as %s", user, outcome)

    async def _send(self, sender: Sender, user: str, day: date) -> tuple[str, str]:
        """Compose and deliver, retrying temporary failures; return (outcome, detail)."""
        key = sender.chat_key(user)
        if key is None:
            return "failed", "no chat for this user"
        try:
            replies = await self._again(lambda: self.compose(key, day))  # nothing sent yet: safe to repeat
            if not replies:
                return "skipped", "nothing to send"
            await retrying(lambda: sender.deliver(key, replies), DeliveryDelayed, tries=self.options.tries,
                           base_delay=self.options.base_delay_s, sleep=self._sleep,
                           delay_of=lambda exc: getattr(exc, "retry_after", 0.0))
        except RecipientGone as exc:
            log.info("%s cannot be reached (%s): morning push turned off", user, exc)
            await self._turn_off(user)
            return "gone", str(exc)
        except DeliveryDelayed as exc:
            log.warning("morning push of %s failed after %d tries: %s", user, self.options.tries, exc)
            return "failed", str(exc)
        except Exception as exc:
            log.exception("morning push of %s failed", user)
            return "failed", type(exc).__name__
        return "sent", ""

    async def _again(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run a step that sends nothing (claim, compose, record), retrying any error with backoff."""
        return await retrying(attempt, Exception, tries=self.options.tries, base_delay=self.options.base_delay_s,
                              sleep=self._sleep)

    async def _turn_off(self, user: str) -> None:
        try:
            await self.stylist.update_profile(user, push_enabled=False)
        except Exception:
            log.exception("could not turn the morning push of %s off", user)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Tick at the start of every minute until ``stop`` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        while not stop.is_set():
            try:
                report = await self.tick()
                if report.sent or report.failed or report.gone:
                    log.info("morning push: %d sent, %d failed, %d gone, %d skipped", len(report.sent),
                             len(report.failed), len(report.gone), len(report.skipped))
            except Exception:
                log.exception("morning push pass failed; trying again next minute")
            now = self.clock.now()
            delay = 60.0 - now.second - now.microsecond / 1e6
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(1.0, delay))


def senders_by_platform(senders: Sequence[Sender]) -> dict[str, Sender]:
    """Return the registry platform -> sender, refusing two front-ends that claim one platform."""
    registry: dict[str, Sender] = {}
    for sender in senders:
        if sender.platform in registry:
            raise ValueError(f"two senders for platform {sender.platform!r}")
        registry[sender.platform] = sender
    return registry
