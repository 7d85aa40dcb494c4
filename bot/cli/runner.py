"""Run one ``stylist`` command: parse, load settings, dispatch, and the one central handler for what goes wrong."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from bot.cli.output import EXIT_ERROR, EXIT_USAGE, Output
from bot.cli.parser import BY_NAME, parse
from bot.process import configure_logging
from config.settings import Settings, SettingsError, load_settings
from engine import StylistError

log = logging.getLogger("stylist")


async def run_command(args: argparse.Namespace, settings: Settings, out: Output) -> int:
    """Dispatch one parsed command; known errors become one line and exit status 1."""
    try:
        return await BY_NAME[args.command].run(settings, args, out)
    except StylistError as exc:
        out.problem(str(exc))
        return EXIT_ERROR
    except SettingsError as exc:  # found only when a front-end starts (a port in use, a host without a token)
        out.problem(str(exc))
        return EXIT_USAGE
    except OSError as exc:
        out.problem(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return EXIT_ERROR
    except Exception:  # the one central handler: a bug, not bad input — log it whole, then apologise
        log.exception("unexpected error in %r", args.command)
        out.problem("sorry, something went wrong inside the stylist (details above); nothing was half-written")
        return EXIT_ERROR


def run(argv: list[str] | None = None) -> int:
    """Parse ``argv``, load the settings and run the command; return the exit status."""
    args = parse(argv)
    try:
        overrides: dict[str, Any] = {"data_dir": args.data_dir} if args.data_dir else {}
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"stylist: {exc}", file=sys.stderr)
        return EXIT_USAGE
    configure_logging(settings.log_level)
    try:
        return asyncio.run(run_command(args, settings, Output(args.json)))
    except KeyboardInterrupt:
        print("stylist: interrupted", file=sys.stderr)
        return 130
