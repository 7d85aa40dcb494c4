"""The wardrobe commands: list, find similar, search by words, correct tags, laundry, remove, forget a user."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from bot.cli.command import Command, with_app
from bot.cli.files import photo_or_item
from bot.cli.output import EXIT_ERROR, EXIT_OK, Output, describe
from bot.main import App


async def wardrobe(app: App, args: argparse.Namespace, out: Output) -> int:
    """List a user's garments, oldest first."""
    items = await app.stylist.wardrobe(args.user)
    for g in items:
        laundry = " [laundry]" if g.in_laundry else ""
        out.item(g.to_dict(), f"{g.id}  {describe(g.tags.to_dict())}{laundry}")
    if not items and not out.as_json:
        out.item({}, f"{args.user}'s wardrobe is empty")
    return EXIT_OK


def _similar_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="PATH_OR_ITEM")
    parser.add_argument("--k", type=int, default=5, help="how many (1-100, default 5)")


async def similar(app: App, args: argparse.Namespace, out: Output) -> int:
    """Print the items most like a photo or an item."""
    query = await asyncio.to_thread(photo_or_item, args.query, app.settings.max_image_bytes)
    if query is None:
        out.problem(f"{args.query}: no such photo or item")
        return EXIT_ERROR
    for match in await app.stylist.find_similar(args.user, query, k=args.k):
        g = match.garment
        out.item({**g.to_dict(), "similarity": round(match.similarity, 4)},
                 f"{match.similarity:.3f}  {g.id}  {describe(g.tags.to_dict())}")
    return EXIT_OK


def _search_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="WORDS")
    parser.add_argument("--k", type=int, default=10, help="how many (default 10)")


async def search(app: App, args: argparse.Namespace, out: Output) -> int:
    """Print the items that best match some words, with what matched."""
    hits = await app.stylist.search_text(args.user, args.query, k=args.k)
    for hit in hits:
        g = hit.garment
        why = ", ".join(hit.reasons)
        out.item({**g.to_dict(), "score": round(hit.score, 4), "matched": list(hit.reasons)},
                 f"{hit.score:.2f}  {g.id}  {describe(g.tags.to_dict())}{f'  ({why})' if why else ''}")
    if not hits and not out.as_json:
        out.item({}, f"{args.user}'s wardrobe is empty")
    return EXIT_OK


def _correct_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("item", metavar="ITEM")
    parser.add_argument("changes", nargs="+", metavar="FIELD=VALUE")


async def correct(app: App, args: argparse.Namespace, out: Output) -> int:
    """Apply FIELD=VALUE corrections to an item's tags."""
    changes: dict[str, Any] = {}
    for change in args.changes:
        field, sep, value = change.partition("=")
        if not sep or not field or not value:
            out.problem(f"{change!r}: write corrections as FIELD=VALUE, e.g. type=jeans")
            return EXIT_ERROR
        changes[field.strip()] = value.strip()
    g = await app.stylist.correct_tags(args.user, args.item, changes)
    out.item(g.to_dict(), f"{g.id}  {describe(g.tags.to_dict())}  (corrected: {', '.join(g.corrected)})")
    return EXIT_OK


def _item_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("item", metavar="ITEM")


def _laundry_arguments(parser: argparse.ArgumentParser) -> None:
    _item_argument(parser)
    parser.add_argument("--clean", action="store_true", help="it is back from the laundry")


async def laundry(app: App, args: argparse.Namespace, out: Output) -> int:
    """Mark an item as in the laundry, or back."""
    g = await app.stylist.set_laundry(args.user, args.item, not args.clean)
    out.item(g.to_dict(), f"{g.id} is {'in the laundry' if g.in_laundry else 'clean'}")
    return EXIT_OK


async def remove(app: App, args: argparse.Namespace, out: Output) -> int:
    """Remove one item from a wardrobe."""
    g = await app.stylist.remove_garment(args.user, args.item)
    out.item({**g.to_dict(), "status": "removed"}, f"removed {g.id}: {describe(g.tags.to_dict())}")
    return EXIT_OK


async def forget(app: App, args: argparse.Namespace, out: Output) -> int:
    """Delete everything stored about a user."""
    report = await app.stylist.forget_user(args.user)
    out.item({"user": args.user, "garments": report.garments, "vectors": report.vectors, "blobs": report.blobs},
             f"forgot {args.user}: {report.garments} items, {report.vectors} vectors, {report.blobs} images")
    return EXIT_OK


COMMANDS = (
    Command("wardrobe", "List a wardrobe.", with_app(wardrobe)),
    Command("similar", "Find the most similar items in a wardrobe to a photo or an item id.", with_app(similar),
            _similar_arguments),
    Command("search", "Find items by words, e.g. 'something warm and navy'.", with_app(search), _search_arguments),
    Command("correct", "Correct tags of an item, e.g. type=jeans colors=navy,white.", with_app(correct),
            _correct_arguments),
    Command("laundry", "Mark an item as in the laundry (or back with --clean).", with_app(laundry),
            _laundry_arguments),
    Command("remove", "Remove an item from a wardrobe.", with_app(remove), _item_argument),
    Command("forget", "Delete everything stored about a user.", with_app(forget)),
)
