"""The housekeeping commands: rebuild the vector index, and the demonstration on the bundled sample wardrobe."""

from __future__ import annotations

import argparse
import asyncio
import csv
from pathlib import Path

from bot.cli.command import Command, with_app
from bot.cli.files import read_photos, write_file
from bot.cli.output import EXIT_ERROR, EXIT_OK, Output, describe
from bot.main import App
from engine import PhotoInput

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "wardrobe"


async def reindex(app: App, args: argparse.Namespace, out: Output) -> int:
    """Rebuild the vector index from the database."""
    count = await app.stylist.reindex()
    out.item({"reindexed": count}, f"reindexed {count} items")
    return EXIT_OK


def _read_samples(max_bytes: int) -> tuple[list[PhotoInput], dict[str, str]]:
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix == ".jpg")
    with (SAMPLES / "labels.csv").open(encoding="utf-8") as fh:
        truth = {r["file"]: r["category"] for r in csv.DictReader(fh)}
    return read_photos(files, max_bytes)[0], truth


async def demo(app: App, args: argparse.Namespace, out: Output) -> int:
    """Add the sample wardrobe to user 'demo', then show what was learned, a similar item and today's look."""
    if not SAMPLES.is_dir():
        out.problem(f"the sample wardrobe is missing at {SAMPLES}")
        return EXIT_ERROR
    stylist = app.stylist
    photos, truth = await asyncio.to_thread(_read_samples, app.settings.max_image_bytes)
    result = await stylist.add_garments("demo", photos)
    items = list(result.added) + list(result.duplicates)
    right = 0
    for g in sorted(items, key=lambda g: g.source_name or ""):
        name = Path(g.source_name or "").name
        ok = truth.get(name) == g.tags.category
        right += ok
        out.item({**g.to_dict(), "expected_category": truth.get(name)},
                 f"{'ok ' if ok else 'XX '} {name:16s} {describe(g.tags.to_dict())}")
    if not out.as_json and items:
        out.item({}, f"\n{len(items)} garments in the demo wardrobe; category right for {right}/{len(items)}.")
        first = items[0]
        matches = await stylist.find_similar("demo", first.id, k=3)
        out.item({}, f"Most similar to {Path(first.source_name or '').name} ({describe(first.tags.to_dict())}):")
        for m in matches:
            out.item({}, f"  {m.similarity:.3f}  {Path(m.garment.source_name or '').name}: "
                     f"{describe(m.garment.tags.to_dict())}")
        suggestions = await stylist.daily_look("demo")
        look = suggestions.looks[0]
        collage = app.settings.data_dir / "looks" / f"look-{look.id}.png"
        await asyncio.to_thread(write_file, collage, await stylist.collage(look))
        worn = ", ".join(f"{Path(g.source_name or '').name}" for g in look.items)
        out.item({}, f"\nToday's look ({suggestions.weather.note or 'live weather'}): {look.reason}\n  {worn}\n"
                     f"  collage: {collage}")
        out.item({}, f"Try: stylist outfit --user demo --occasion work --temp 8 --rain --out looks/\n"
                     f"Data kept in {app.settings.data_dir}")
    return EXIT_OK


COMMANDS = (
    Command("reindex", "Rebuild the vector index from the database.", with_app(reindex), user=False),
    Command("demo", "Add the bundled sample wardrobe to user 'demo' and show what was learned.", with_app(demo),
            user=False),
)
