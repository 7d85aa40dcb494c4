"""Routers: each feature registers the intents, button kinds and waiting states it answers; one place composes them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field

from dialog.context import Turn
from dialog.messages import ActionKind, Reply
from dialog.state import ConvState
from dialog.understanding import Intent

Handler = Callable[[Turn], Awaitable[list[Reply]]]
# A waiting-state handler may return None: the message was not an answer to the question, so it is routed
# as a fresh request (the user changed the subject) and the waiting state ends.
StateHandler = Callable[[Turn], Awaitable[list[Reply] | None]]


@dataclass(frozen=True)
class Router:
    """One feature's handlers: by intent, by button kind and by the state the conversation waits in."""

    name: str
    intents: Mapping[Intent, Handler] = field(default_factory=dict)
    actions: Mapping[ActionKind, Handler] = field(default_factory=dict)
    states: Mapping[ConvState, StateHandler] = field(default_factory=dict)


class RoutingError(RuntimeError):
    """The routers do not cover every intent, button kind and waiting state exactly once."""


@dataclass(frozen=True)
class Routes:
    """The composed routing table: exactly one handler for every intent, action kind and waiting state."""

    intents: dict[Intent, Handler]
    actions: dict[ActionKind, Handler]
    states: dict[ConvState, StateHandler]


def _merge(kind: str, tables: Iterable[tuple[str, Mapping]], expected: Iterable) -> dict:  # type: ignore[type-arg]
    merged: dict = {}  # type: ignore[type-arg]
    owner: dict = {}  # type: ignore[type-arg]
    problems = []
    for router_name, table in tables:
        for key, handler in table.items():
            if key in merged:
                problems.append(f"{kind} {key!s} is handled by both {owner[key]} and {router_name}")
            merged[key], owner[key] = handler, router_name
    missing = [str(key) for key in expected if key not in merged]
    if missing:
        problems.append(f"no handler for {kind} {', '.join(missing)}")
    if problems:
        raise RoutingError("; ".join(problems))
    return merged


def compose(routers: Iterable[Router]) -> Routes:
    """Check that every intent, action kind and waiting state has exactly one handler; return the table."""
    routers = list(routers)
    waiting = [state for state in ConvState if state is not ConvState.IDLE]
    return Routes(
        intents=_merge("intent", ((r.name, r.intents) for r in routers), Intent),
        actions=_merge("action", ((r.name, r.actions) for r in routers), ActionKind),
        states=_merge("state", ((r.name, r.states) for r in routers), waiting),
    )
