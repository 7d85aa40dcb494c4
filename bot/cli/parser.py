"""The ``stylist`` argument parser, put together from the command groups in the order ``--help`` lists them."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli import catalog, chat, maintenance, outfits, photos, wardrobe
from bot.cli.command import Command

COMMANDS: tuple[Command, ...] = (*chat.COMMANDS, *photos.COMMANDS, *wardrobe.COMMANDS, *outfits.COMMANDS,
                                 *maintenance.COMMANDS, *catalog.COMMANDS)
BY_NAME = {command.name: command for command in COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of the whole command line."""
    return _build()[0]


def _build() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(prog="stylist", description="Your personal AI stylist.")
    parser.add_argument("--data-dir", type=Path, help="where the wardrobe lives (env STYLIST_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parsers = {}
    for command in COMMANDS:
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        if command.user:
            p.add_argument("--user", required=True, help="whose wardrobe")
        p.add_argument("--json", action="store_true", help="one JSON object per line")
        command.arguments(p)
        parsers[command.name] = p
    return parser, parsers


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse ``argv``; options that are wrong together end it as argparse does (usage, one error line, exit 2)."""
    parser, parsers = _build()
    args = parser.parse_args(argv)
    problem = BY_NAME[args.command].check(args)
    if problem is not None:
        parsers[args.command].error(problem)
    return args
