"""Help, the fallback, quick-reply chips, cancelling, and forget-me (which asks first)."""

from __future__ import annotations

from dialog import texts
from dialog.context import BadRequest, Turn
from dialog.messages import Action, ActionKind, Button, Reply
from dialog.router import Router
from dialog.state import ConvState
from dialog.understanding import Intent, Slots, Understanding

# The intents a chip may start: requests that need no slots and change nothing on their own.
CHIP_INTENTS = frozenset({Intent.TODAY, Intent.OUTFIT, Intent.WARDROBE, Intent.HELP, Intent.SETTINGS,
                          Intent.SHOPPING, Intent.ANOTHER})


def common_buttons() -> tuple[tuple[Button, ...], ...]:
    """Return the chips for the common requests."""
    def chip(label: str, intent: Intent) -> Button:
        return Button(label, Action(ActionKind.INTENT, (intent.value,)))

    return ((chip(texts.BTN_TODAY, Intent.TODAY), chip(texts.BTN_OUTFIT, Intent.OUTFIT)),
            (chip(texts.BTN_WARDROBE, Intent.WARDROBE), chip(texts.BTN_SETTINGS, Intent.SETTINGS),
             chip(texts.BTN_HELP, Intent.HELP)))


async def help_(turn: Turn) -> list[Reply]:
    """Say what the stylist can do."""
    return [Reply(text=texts.HELP, buttons=common_buttons())]


async def fallback(turn: Turn) -> list[Reply]:
    """Answer what was not understood with what the stylist can do, as buttons."""
    return [Reply(text=texts.FALLBACK, buttons=common_buttons())]


async def forget_me(turn: Turn) -> list[Reply]:
    """Ask to confirm deleting everything."""
    turn.move(ConvState.CONFIRM_FORGET)
    buttons = ((Button(texts.FORGET_YES, Action(ActionKind.CONFIRM, ("forget",))),
                Button(texts.FORGET_NO, Action(ActionKind.CANCEL, ("forget",)))),)
    return [Reply(text=texts.FORGET_ASK, buttons=buttons)]


async def _forget(turn: Turn) -> list[Reply]:
    report = await turn.stylist.forget_user(turn.user)
    await turn.ctx.states.delete(turn.incoming.key)
    turn.next_state = None
    turn.forgotten = True  # no state is stored: the next message is a first contact again
    # the event tells each front-end to drop what it keeps itself (the web chat's transcript and pictures)
    text = texts.FORGOTTEN.format(pieces=texts.count_of(report.garments, "piece"))
    return [Reply(text=text, extra={"event": "forgotten"})]


async def confirm(turn: Turn) -> list[Reply]:
    """Carry out what a confirm button confirms (only forget-me asks that way); stale when not asked."""
    if turn.action.arg(0) != "forget" or turn.state.name is not ConvState.CONFIRM_FORGET:
        raise BadRequest(texts.STALE_BUTTON)
    return await _forget(turn)


async def cancel(turn: Turn) -> list[Reply]:
    """End whatever was asked, changing nothing."""
    turn.idle()
    return [Reply(text=texts.CANCELLED)]


async def confirming_forget(turn: Turn) -> list[Reply] | None:
    """Take a typed yes or no to "delete everything?"; anything else is a new request (and keeps the data)."""
    words = " ".join(turn.incoming.text.lower().replace("!", " ").replace(".", " ").split())
    if words in texts.YES_WORDS:
        return await _forget(turn)
    if words in texts.NO_WORDS:
        return await cancel(turn)
    return None


async def chip(turn: Turn) -> list[Reply]:
    """Run the request a quick-reply chip names, as if typed without details."""
    try:
        intent = Intent(turn.action.arg(0))
    except ValueError:
        raise BadRequest(texts.STALE_BUTTON) from None
    if intent not in CHIP_INTENTS or turn.routes is None:
        raise BadRequest(texts.STALE_BUTTON)
    turn.understanding = Understanding(intent, Slots(), 1.0)
    return await turn.routes.intents[intent](turn)


def router() -> Router:
    """Return the general routes: help, fallback, chips, confirm / cancel and forget-me."""
    return Router(
        "general",
        intents={Intent.HELP: help_, Intent.FALLBACK: fallback, Intent.FORGET_ME: forget_me},
        actions={ActionKind.INTENT: chip, ActionKind.CONFIRM: confirm, ActionKind.CANCEL: cancel},
        states={ConvState.CONFIRM_FORGET: confirming_forget},
    )
