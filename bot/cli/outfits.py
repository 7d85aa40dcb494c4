"""The outfit commands: outfit, today, feedback, location, train-compat."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.cli.command import Command, day, with_app
from bot.cli.files import write_file
from bot.cli.output import EXIT_ERROR, EXIT_OK, Output
from bot.main import App
from engine import Location, Look, OutfitRequest, Suggestions, describe_fallback, describe_weather, with_weather


async def _show(app: App, suggestions: Suggestions, out: Output, folder: Path | None) -> None:
    weather = describe_weather(suggestions.weather)
    if not out.as_json and suggestions.weather.note:
        out.item({}, f"({suggestions.weather.note})")
    for rank, look in enumerate(suggestions.looks, 1):
        collage = None
        if folder is not None:
            collage = folder / f"look-{look.id}.png"
            await asyncio.to_thread(write_file, collage, await app.stylist.collage(look))
        out.item({**look.to_dict(), "collage": str(collage) if collage else None}, _text(rank, look, weather, collage))


def _text(rank: int, look: Look, weather: str, collage: Path | None) -> str:
    lines = [f"Look {rank} ({look.id}, score {look.score.total:.2f}, {weather}): {look.reason}"]
    if look.fallback:
        lines.append(f"  {describe_fallback(look)}")
    for garment, slot in zip(look.items, look.slots, strict=True):
        colours = "/".join(c.name for c in garment.tags.colors)
        lines.append(f"  {slot:9s} {garment.id}  {colours} {garment.tags.type}")
    if collage:
        lines.append(f"  collage: {collage}")
    return "\n".join(lines)


def _outfit_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--occasion", help="casual, work, interview, date, party, wedding, gym, travel")
    p.add_argument("--temp", type=float, metavar="C", help="temperature in °C (else live or seasonal weather)")
    p.add_argument("--rain", action="store_true", help="it rains")
    p.add_argument("--with", dest="anchor", metavar="ITEM", help="build the looks around this item")
    p.add_argument("--n", type=int, default=3, help="how many looks (1-10, default 3)")
    p.add_argument("--another", type=int, default=0, metavar="K", help="skip the K best looks")
    p.add_argument("--out", type=Path, metavar="DIR", help="write a collage per look into DIR")
    p.add_argument("--date", type=day, help="the day (YYYY-MM-DD, default today)")


async def outfit(app: App, args: argparse.Namespace, out: Output) -> int:
    """Suggest looks for an occasion and weather, optionally around one item."""
    request = OutfitRequest(occasion=args.occasion, anchor_id=args.anchor, n=args.n, day=args.date)
    request = with_weather(request, temp_c=args.temp, rain=args.rain)
    suggestions = await app.stylist.suggest_outfits(args.user, request, skip=max(0, args.another))
    await _show(app, suggestions, out, args.out)
    return EXIT_OK


def _today_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--date", type=day, help="the day (YYYY-MM-DD, default today where the user is)")
    p.add_argument("--another", type=int, default=0, metavar="K", help="the K-th next best look")
    p.add_argument("--out", type=Path, metavar="DIR", help="write the collage into DIR")


async def today(app: App, args: argparse.Namespace, out: Output) -> int:
    """Print the look of the day."""
    suggestions = await app.stylist.daily_look(args.user, args.date, another=max(0, args.another))
    await _show(app, suggestions, out, args.out)
    return EXIT_OK


def _feedback_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("look", metavar="LOOK")
    p.add_argument("kind", choices=["like", "dislike", "wore", "not_today"])
    p.add_argument("--date", type=day, help="the day it was worn (default today)")


async def feedback(app: App, args: argparse.Namespace, out: Output) -> int:
    """Record feedback on a look."""
    await app.stylist.feedback(args.user, args.look, args.kind, day=args.date)
    out.item({"look": args.look, "feedback": args.kind}, f"noted: {args.kind} for look {args.look}")
    return EXIT_OK


def _location_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("latitude", type=float)
    p.add_argument("longitude", type=float)
    p.add_argument("--tz", default="UTC", help="IANA time zone, e.g. Europe/Berlin")
    p.add_argument("--place", help="a name to show")


async def location(app: App, args: argparse.Namespace, out: Output) -> int:
    """Set where a user is."""
    try:
        ZoneInfo(args.tz)
    except (ZoneInfoNotFoundError, ValueError):
        out.problem(f"{args.tz!r} is not a time zone name like Europe/Berlin")
        return EXIT_ERROR
    place = Location(args.latitude, args.longitude, args.tz, args.place)
    await app.stylist.set_location(args.user, place)
    out.item({"user": args.user, "latitude": place.latitude, "longitude": place.longitude, "timezone": args.tz},
             f"{args.user} is at {place.latitude:.2f}, {place.longitude:.2f} ({args.tz})")
    return EXIT_OK


def _train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--polyvore", type=Path, metavar="DIR", help="also learn from a Polyvore Outfits folder")
    p.add_argument("--split", default="train", help="which Polyvore split file (default train)")


async def train_compat(app: App, args: argparse.Namespace, out: Output) -> int:
    """Retrain the compatibility model from feedback and, optionally, a Polyvore folder."""
    problems: list[str] = []
    if args.polyvore is None:
        report = await app.stylist.train_compat()
    else:
        outfits, problems = await app.stylist.polyvore_outfits(args.polyvore, split=args.split)
        for problem in problems[:20]:
            out.problem(problem)
        report = await app.stylist.train_compat(outfits=outfits, pool=[item for look in outfits for item in look])
    auc = f"{report.train_auc:.3f}" if report.train_auc is not None else "n/a"
    out.item({"positives": report.positives, "negatives": report.negatives, "outfits": report.outfits,
              "train_auc": report.train_auc, "model": str(report.path), "skipped": len(problems)},
             f"trained on {report.outfits} outfits ({report.positives} good pairs, {report.negatives} bad); "
             f"train AUC {auc}; saved to {report.path}")
    return EXIT_OK


COMMANDS = (
    Command("outfit", "Suggest looks from a wardrobe.", with_app(outfit), _outfit_arguments),
    Command("today", "The look of the day: weather-aware, not repeating what was just worn.", with_app(today),
            _today_arguments),
    Command("feedback", "Say what you think of a look: like, dislike, wore, not_today.", with_app(feedback),
            _feedback_arguments),
    Command("location", "Set where a user is, for the weather.", with_app(location), _location_arguments),
    Command("train-compat", "Retrain the outfit compatibility model from all feedback.", with_app(train_compat),
            _train_arguments, user=False),
)
