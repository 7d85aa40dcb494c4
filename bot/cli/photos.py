"""The photo commands: ``tag`` (nothing stored) and ``add`` (into a wardrobe), over files and folders."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot.cli.command import Command, with_app
from bot.cli.files import collect, read_photos
from bot.cli.output import EXIT_ERROR, EXIT_OK, Output, Progress, describe
from bot.main import App
from config.settings import Settings
from engine import Rejected, Stylist

_CHUNK = 32


def _paths(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")


async def tag(settings: Settings, args: argparse.Namespace, out: Output) -> int:
    """Tag photos without opening any store."""
    tagger = await Stylist.open_tagger(settings)
    try:
        files, bad = await asyncio.to_thread(collect, args.paths)
        out.skipped(bad)
        failed = bool(bad)
        for start in range(0, len(files), _CHUNK):
            chunk = files[start : start + _CHUNK]
            photos, unreadable = await asyncio.to_thread(read_photos, chunk, settings.max_image_bytes)
            out.skipped(unreadable)
            failed = failed or bool(unreadable)
            for photo, result in zip(photos, await tagger.tag_photos(photos), strict=True):
                if isinstance(result, Rejected):
                    failed = True
                    out.skipped([(photo.name, result.reason)])
                else:
                    tags = result.tags.to_dict()
                    unsure = result.tags.to_confirm()
                    ask = f"  (not sure about {', '.join(unsure)})" if unsure else ""
                    out.item({"path": photo.name, **tags}, f"{photo.name}: {describe(tags)}{ask}")
    finally:
        await tagger.close()
    return EXIT_ERROR if failed else EXIT_OK


async def add(app: App, args: argparse.Namespace, out: Output) -> int:
    """Add the photos under the given paths to a wardrobe, reporting each one."""
    files, bad = await asyncio.to_thread(collect, args.paths)
    out.skipped(bad)
    progress = Progress(len(files))
    added = duplicates = 0
    failed = bool(bad)
    for start in range(0, len(files), _CHUNK):
        chunk = files[start : start + _CHUNK]
        photos, unreadable = await asyncio.to_thread(read_photos, chunk, app.settings.max_image_bytes)
        out.skipped(unreadable)
        failed = failed or bool(unreadable)
        result = await app.stylist.add_garments(args.user, photos)
        for garment in result.added:
            added += 1
            unsure = garment.tags.to_confirm()
            ask = f"  (not sure about {', '.join(unsure)}: fix with `stylist correct`)" if unsure else ""
            out.item({**garment.to_dict(), "status": "added"},
                     f"added {garment.id}: {describe(garment.tags.to_dict())}  <- {garment.source_name}{ask}")
        for garment in result.duplicates:
            duplicates += 1
            out.item({**garment.to_dict(), "status": "duplicate"},
                     f"already have {garment.id}: {describe(garment.tags.to_dict())}")
        if result.rejected:
            failed = True
            out.skipped([(r.name, r.reason) for r in result.rejected])
        progress.advance(len(chunk))
    if failed and not out.as_json:
        rejected = len(files) - added - duplicates + len(bad)
        out.problem(f"{added} added, {duplicates} already there, {rejected} not added")
    return EXIT_ERROR if failed else EXIT_OK


COMMANDS = (
    Command("tag", "Tag photos without storing them.", tag, _paths, user=False),
    Command("add", "Add photos (files or folders) to a wardrobe.", with_app(add), _paths),
)
