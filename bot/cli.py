"""The ``stylist`` command line: a terminal front-end over the engine. Its ``--json`` output is a contract."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from config.settings import SettingsError, load_settings

log = logging.getLogger("stylist")

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
_HIDDEN_PREFIXES = (".", "_")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stylist", description="Your personal AI stylist.")
    parser.add_argument("--data-dir", type=Path, help="where the wardrobe lives (env STYLIST_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str, *, user: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        if user:
            p.add_argument("--user", required=True, help="whose wardrobe")
        p.add_argument("--json", action="store_true", help="one JSON object per line")
        return p

    p = command("tag", "Tag photos without storing them.", user=False)
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p = command("add", "Add photos (files or folders) to a wardrobe.")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    command("wardrobe", "List a wardrobe.")
    p = command("similar", "Find the most similar items in a wardrobe to a photo or an item id.")
    p.add_argument("query", metavar="PATH_OR_ITEM")
    p.add_argument("--k", type=int, default=5, help="how many (1-100, default 5)")
    p = command("search", "Find items by words, e.g. 'something warm and navy'.")
    p.add_argument("query", metavar="WORDS")
    p.add_argument("--k", type=int, default=10, help="how many (default 10)")
    p = command("correct", "Correct tags of an item, e.g. type=jeans colors=navy,white.")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("changes", nargs="+", metavar="FIELD=VALUE")
    p = command("laundry", "Mark an item as in the laundry (or back with --clean).")
    p.add_argument("item", metavar="ITEM")
    p.add_argument("--clean", action="store_true", help="it is back from the laundry")
    p = command("remove", "Remove an item from a wardrobe.")
    p.add_argument("item", metavar="ITEM")
    command("forget", "Delete everything stored about a user.")
    p = command("outfit", "Suggest looks from a wardrobe.")
    p.add_argument("--occasion", help="casual, work, interview, date, party, wedding, gym, travel")
    p.add_argument("--temp", type=float, metavar="C", help="temperature in °C (else live or seasonal weather)")
    p.add_argument("--rain", action="store_true", help="it rains")
    p.add_argument("--with", dest="anchor", metavar="ITEM", help="build the looks around this item")
    p.add_argument("--n", type=int, default=3, help="how many looks (1-10, default 3)")
    p.add_argument("--another", type=int, default=0, metavar="K", help="skip the K best looks")
    p.add_argument("--out", type=Path, metavar="DIR", help="write a collage per look into DIR")
    p.add_argument("--date", type=_date, help="the day (YYYY-MM-DD, default today)")
    p = command("today", "The look of the day: weather-aware, not repeating what was just worn.")
    p.add_argument("--date", type=_date, help="the day (YYYY-MM-DD, default today where the user is)")
    p.add_argument("--another", type=int, default=0, metavar="K", help="the K-th next best look")
    p.add_argument("--out", type=Path, metavar="DIR", help="write the collage into DIR")
    p = command("feedback", "Say what you think of a look: like, dislike, wore, not_today.")
    p.add_argument("look", metavar="LOOK")
    p.add_argument("kind", choices=["like", "dislike", "wore", "not_today"])
    p.add_argument("--date", type=_date, help="the day it was worn (default today)")
    p = command("location", "Set where a user is, for the weather.")
    p.add_argument("latitude", type=float)
    p.add_argument("longitude", type=float)
    p.add_argument("--tz", default="UTC", help="IANA time zone, e.g. Europe/Berlin")
    p.add_argument("--place", help="a name to show")
    p = command("train-compat", "Retrain the outfit compatibility model from all feedback.", user=False)
    p.add_argument("--polyvore", type=Path, metavar="DIR", help="also learn from a Polyvore Outfits folder")
    p.add_argument("--split", default="train", help="which Polyvore split file (default train)")
    command("reindex", "Rebuild the vector index from the database.", user=False)
    command("demo", "Add the bundled sample wardrobe to user 'demo' and show what was learned.", user=False)
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-27") from None


class Output:
    """Writes results as JSON lines or as readable text, and problems as one line on stderr."""

    def __init__(self, as_json: bool, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def item(self, obj: dict[str, Any], text: str) -> None:
        """Emit one result."""
        self.out.write((json.dumps(obj, ensure_ascii=False) if self.as_json else text) + "\n")
        self.out.flush()

    def problem(self, message: str) -> None:
        """Emit one problem line on stderr."""
        self.err.write(f"stylist: {message}\n")
        self.err.flush()


def describe(tags: dict[str, Any]) -> str:
    """Return a short human description of tags, e.g. 'navy/white striped shirt (smart-casual)'."""
    colours = "/".join(c["name"] for c in tags["colors"]) or "?"
    pattern = "" if tags["pattern"] == "solid" else f" {tags['pattern']}"
    return f"{colours}{pattern} {tags['type']} ({tags['category']}, {tags['formality']})"


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Yield each file under the given paths with an error for paths that cannot be read."""
    for path in paths:
        if path.is_dir():
            found = False
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(_HIDDEN_PREFIXES))
                for name in sorted(files):
                    if not name.startswith(_HIDDEN_PREFIXES):
                        found = True
                        yield Path(root) / name, None
            if not found:
                yield path, "the folder has no files"
        elif path.is_file():
            yield path, None
        elif path.exists():
            yield path, "not a regular file"
        else:
            yield path, "no such file or folder"


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal and for many files."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.enabled = total >= 8 and self.stream.isatty()

    def advance(self, n: int) -> None:
        """Record ``n`` more files done."""
        self.done += n
        if self.enabled:
            width = 30
            filled = width * self.done // max(self.total, 1)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
            if self.done >= self.total:
                self.stream.write("\n")
            self.stream.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    # Nothing is ever downloaded at run time, and library progress bars would clutter the terminal.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Composing runs small matrix products; an idle BLAS worker spinning on the other core only slows them.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    args = _build_parser().parse_args(argv)
    try:
        overrides: dict[str, Any] = {"data_dir": args.data_dir} if args.data_dir else {}
        settings = load_settings(**overrides)
    except SettingsError as exc:
        print(f"stylist: {exc}", file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("chromadb", "httpx", "onnxruntime", "sentence_transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from bot.commands import run_command

    try:
        return asyncio.run(run_command(args, settings, Output(args.json)))
    except KeyboardInterrupt:
        print("stylist: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
