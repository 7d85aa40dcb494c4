"""What every handler gets: the typed dependencies (``DialogContext``) and the turn in progress (``Turn``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from config.settings import Settings
from dialog import texts
from dialog.messages import Action, Incoming
from dialog.state import ConvState, DialogState, StateStore
from dialog.understanding import Intent, Slots, Understanding
from engine import Stylist

if TYPE_CHECKING:
    from dialog.router import Routes


class Understander(Protocol):
    """Turns one utterance into an intent with slots (``dialog.nlu`` builds it on the bundled MiniLM)."""

    def understand(self, text: str, *, has_photos: bool = False, today: date) -> Understanding:
        """Return what ``text`` asks for; ``today`` resolves dates such as "tomorrow"."""
        ...


@dataclass(frozen=True, slots=True)
class DialogContext:
    """The dialog's dependencies, built once at the composition root and passed to every handler."""

    stylist: Stylist
    understander: Understander
    states: StateStore
    settings: Settings
    samples: Path | None = None  # the bundled sample wardrobe (``samples/wardrobe``), offered at onboarding


class BadRequest(Exception):
    """A turn the dialog cannot act on (a forged or stale button, an item that is gone); the message is a reply."""


@dataclass(slots=True)
class Turn:
    """One turn in progress: the message, the conversation state it arrived in, and what was understood."""

    incoming: Incoming
    ctx: DialogContext
    state: DialogState
    understanding: Understanding = field(default_factory=lambda: Understanding(Intent.FALLBACK, Slots(), 0.0))
    routes: Routes | None = None  # the composed routes, for handlers that hand a turn on (quick-reply chips)
    next_state: DialogState | None = None
    forgotten: bool = False  # forget-me ran: store no state, so the next message is a first contact
    _today: date | None = None

    @property
    def user(self) -> str:
        """Return the engine's user id of the sender."""
        return self.incoming.key.user_id

    @property
    def action(self) -> Action:
        """Return the pressed button's action (a handler of button kinds is only called with one)."""
        if self.incoming.action is None:
            raise BadRequest(texts.STALE_BUTTON)
        return self.incoming.action

    @property
    def slots(self) -> Slots:
        """Return the slots of what was understood."""
        return self.understanding.slots

    @property
    def stylist(self) -> Stylist:
        """Return the engine facade."""
        return self.ctx.stylist

    @property
    def data(self) -> dict[str, object]:
        """Return the payload as this turn leaves it (the pending state's, else the stored one)."""
        return (self.next_state or self.state).data

    def move(self, name: ConvState, **data: object) -> None:
        """Leave this turn in state ``name``, keeping the payload and updating it with ``data``."""
        self.next_state = (self.next_state or self.state).moved(name, **data)

    def remember(self, **data: object) -> None:
        """Update the payload without changing the named state (``None`` removes a key)."""
        self.next_state = (self.next_state or self.state).with_data(**data)

    def idle(self) -> None:
        """End whatever the conversation was waiting for, keeping the payload."""
        self.move(ConvState.IDLE)

    async def today(self) -> date:
        """Return the user's local date, by the stylist's clock and the user's time zone."""
        if self._today is None:
            self._today = await self.ctx.stylist.today(self.user)
        return self._today
