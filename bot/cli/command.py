"""What a command is: its name, help, arguments and handler; and the wrapper that opens the app for it."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

from bot.cli.output import Output
from bot.main import App, build_app
from config.settings import Settings

Handler = Callable[[Settings, argparse.Namespace, Output], Awaitable[int]]
AppHandler = Callable[[App, argparse.Namespace, Output], Awaitable[int]]


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """Add nothing: the command takes only the common options."""


def _no_check(args: argparse.Namespace) -> str | None:
    """Find nothing wrong: each option was checked on its own by its type."""
    return None


@dataclass(frozen=True)
class Command:
    """One ``stylist`` sub-command."""

    name: str
    help: str
    run: Handler
    arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments
    user: bool = True  # takes --user
    check: Callable[[argparse.Namespace], str | None] = _no_check  # options wrong together: a usage error (exit 2)


def with_app(handler: AppHandler) -> Handler:
    """Return a handler that runs ``handler`` with the app open, and closes it afterwards."""

    async def run(settings: Settings, args: argparse.Namespace, out: Output) -> int:
        app = await build_app(settings)
        try:
            return await handler(app, args, out)
        finally:
            await app.close()

    return run


def day(text: str) -> date:
    """Parse a YYYY-MM-DD argument."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-27") from None
