"""The outfit commands of ``stylist``: outfit, today, feedback, location, train-compat."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.cli import EXIT_ERROR, EXIT_OK, Output
from engine import ItemFeatures, Location, Look, OutfitRequest, Suggestions, describe_weather, with_weather
from engine.stylist import Stylist


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


async def _show(stylist: Stylist, suggestions: Suggestions, out: Output, folder: Path | None) -> None:
    weather = describe_weather(suggestions.weather)
    if not out.as_json and suggestions.weather.note:
        out.item({}, f"({suggestions.weather.note})")
    for rank, look in enumerate(suggestions.looks, 1):
        collage = None
        if folder is not None:
            collage = folder / f"look-{look.id}.png"
            await asyncio.to_thread(_write, collage, await stylist.collage(look))
        out.item({**look.to_dict(), "collage": str(collage) if collage else None}, _text(rank, look, weather, collage))


def _text(rank: int, look: Look, weather: str, collage: Path | None) -> str:
    lines = [f"Look {rank} ({look.id}, score {look.score.total:.2f}, {weather}): {look.reason}"]
    for garment, slot in zip(look.items, look.slots, strict=True):
        colours = "/".join(c.name for c in garment.tags.colors)
        lines.append(f"  {slot:9s} {garment.id}  {colours} {garment.tags.type}")
    if collage:
        lines.append(f"  collage: {collage}")
    return "\n".join(lines)


async def outfit(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    """Suggest looks for an occasion and weather, optionally around one item."""
    request = OutfitRequest(occasion=args.occasion, anchor_id=args.anchor, n=args.n, day=args.date)
    request = with_weather(request, temp_c=args.temp, rain=args.rain)
    suggestions = await stylist.suggest_outfits(args.user, request, skip=max(0, args.another))
    await _show(stylist, suggestions, out, args.out)
    return EXIT_OK


async def today(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    """Print the look of the day."""
    suggestions = await stylist.daily_look(args.user, args.date, another=max(0, args.another))
    await _show(stylist, suggestions, out, args.out)
    return EXIT_OK


async def feedback(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    """Record feedback on a look."""
    await stylist.feedback(args.user, args.look, args.kind, day=args.date)
    out.item({"look": args.look, "feedback": args.kind}, f"noted: {args.kind} for look {args.look}")
    return EXIT_OK


async def location(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    """Set where a user is."""
    try:
        ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        out.problem(f"{args.tz!r} is not a time zone name like Europe/Berlin")
        return EXIT_ERROR
    place = Location(args.latitude, args.longitude, args.tz, args.place)
    await stylist.set_location(args.user, place)
    out.item({"user": args.user, "latitude": place.latitude, "longitude": place.longitude, "timezone": args.tz},
             f"{args.user} is at {place.latitude:.2f}, {place.longitude:.2f} ({args.tz})")
    return EXIT_OK


async def train_compat(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    """Retrain the compatibility model from feedback and, optionally, a Polyvore folder."""
    outfits: list[list[ItemFeatures]] = []
    pool: list[ItemFeatures] = []
    problems: list[str] = []
    if args.polyvore is not None:
        from engine.outfits.polyvore import load_polyvore

        outfits, problems = await asyncio.to_thread(load_polyvore, args.polyvore, stylist.tagger, split=args.split)
        pool = [item for look in outfits for item in look]
        for problem in problems[:20]:
            out.problem(problem)
    report = await stylist.train_compat(outfits=outfits, pool=pool)
    auc = f"{report.train_auc:.3f}" if report.train_auc is not None else "n/a"
    out.item({"positives": report.positives, "negatives": report.negatives, "outfits": report.outfits,
              "train_auc": report.train_auc, "model": str(report.path), "skipped": len(problems)},
             f"trained on {report.outfits} outfits ({report.positives} good pairs, {report.negatives} bad); "
             f"train AUC {auc}; saved to {report.path}")
    return EXIT_OK


