"""The shop's catalog: ``stylist catalog import|search|stats|remove``.

``import`` exits 1 when some rows were skipped (each one is named on stderr with its line), 0 when all went in.
"""

from __future__ import annotations

import argparse
import asyncio
import math
from pathlib import Path

from bot.cli.command import Command, with_app
from bot.cli.files import collect, read_photos
from bot.cli.output import EXIT_ERROR, EXIT_OK, Output, Progress
from bot.main import App
from engine import MAX_RESULTS, ProductFilter, format_price, price_problem


def results(text: str) -> int:
    """Parse ``--k``: a whole number of products from 1 to ``MAX_RESULTS`` (refused, never clamped)."""
    try:
        k = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= k <= MAX_RESULTS:
        raise argparse.ArgumentTypeError(f"must be from 1 to {MAX_RESULTS}, not {k}")
    return k


def price(text: str) -> float:
    """Parse a price: a number of 0 or more (not negative, not NaN or infinite)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a price (a number such as 49.90)") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"a price must be a number of 0 or more, not {text}")
    return value


def check_search(args: argparse.Namespace) -> str | None:
    """Return what is wrong with a search's options taken together (a minimum above the maximum), or None."""
    if getattr(args, "catalog_command", None) != "search":
        return None
    problem = price_problem(args.min_price, args.max_price)
    return f"argument --min-price: {problem}" if problem else None


def _json(parser: argparse.ArgumentParser) -> None:
    # also accepted after the action (``catalog search x.jpg --json``); SUPPRESS keeps a --json given before it
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="one JSON object per line")


def _arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    p = sub.add_parser("import", help="import a CSV or JSON Lines feed (resumable; prices updated)")
    p.add_argument("feed", type=Path, metavar="FEED")
    p.add_argument("--prune", action="store_true", help="remove the products that are no longer in the feed")
    _json(p)
    p = sub.add_parser("search", help="the products most like one or more photos")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--k", type=results, default=5, help=f"products per photo, 1 to {MAX_RESULTS} (default 5)")
    p.add_argument("--category", help="only this coarse category (top, bottom, shoes, ...)")
    p.add_argument("--brand", help="only this brand")
    p.add_argument("--min-price", type=price, dest="min_price", help="only products costing at least this")
    p.add_argument("--max-price", type=price, dest="max_price", help="only products costing at most this")
    _json(p)
    p = sub.add_parser("stats", help="how many products, by category")
    _json(p)
    p = sub.add_parser("remove", help="remove products by id")
    p.add_argument("ids", nargs="+", metavar="ID")
    _json(p)


async def _import(app: App, args: argparse.Namespace, out: Output) -> int:
    bar: list[Progress] = []

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(Progress(total))
        bar[0].advance(done - bar[0].done)

    report = await app.stylist.import_catalog(args.feed, prune=args.prune, progress=progress)
    for problem in report.problems:
        out.problem(str(problem))
    out.item(report.to_dict(),
             f"{report.rows} rows: {report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
             f"{report.removed} removed, {len(report.problems)} skipped ({report.seconds:.1f} s)")
    return EXIT_ERROR if report.problems else EXIT_OK


async def _search(app: App, args: argparse.Namespace, out: Output) -> int:
    files, bad = await asyncio.to_thread(collect, args.paths)
    photos, unreadable = await asyncio.to_thread(read_photos, files, app.settings.max_image_bytes)
    out.skipped(bad + unreadable)
    if not photos:
        return EXIT_ERROR
    where = ProductFilter(category=args.category, brand=args.brand, min_price=args.min_price,
                          max_price=args.max_price)
    results = await app.stylist.search_catalog(photos, k=args.k, where=where)
    for photo, hits in zip(photos, results, strict=True):
        if not out.as_json:
            out.item({}, f"{photo.name}:" + ("" if hits else " nothing in the catalog matches"))
        for hit in hits:
            p = hit.product
            out.item({"query": photo.name, "id": p.id, "title": p.title, "url": p.url, "price": p.price,
                      "currency": p.currency, "category": p.tags.category, "type": p.tags.type,
                      "score": round(hit.score, 4)},
                     f"  {hit.score:.3f}  {p.title} ({p.tags.type}), {format_price(p.price, p.currency)}  {p.url}")
    return EXIT_ERROR if bad or unreadable else EXIT_OK


async def _stats(app: App, args: argparse.Namespace, out: Output) -> int:
    stats = await app.stylist.catalog_stats()
    by = ", ".join(f"{k} {v}" for k, v in stats.by_category.items()) or "none"
    demo = " (the demonstration catalog)" if stats.demo else ""
    out.item(stats.to_dict(), f"{stats.products} products{demo}: {by}; {stats.brands} brands; "
                              f"currencies {', '.join(stats.currencies) or '-'}")
    return EXIT_OK


async def _remove(app: App, args: argparse.Namespace, out: Output) -> int:
    removed = set(await app.stylist.remove_products(args.ids))
    for product_id in args.ids:
        if product_id in removed:
            out.item({"id": product_id, "removed": True}, f"removed {product_id}")
        else:
            out.problem(f"no product {product_id!r} in the catalog")
    return EXIT_OK if removed >= set(args.ids) else EXIT_ERROR


_ACTIONS = {"import": _import, "search": _search, "stats": _stats, "remove": _remove}


async def catalog(app: App, args: argparse.Namespace, out: Output) -> int:
    """Run one catalog action."""
    return await _ACTIONS[args.catalog_command](app, args, out)


COMMANDS = (
    Command("catalog", "The shop's catalog: import a feed, search it by photo, stats, remove products.",
            with_app(catalog), _arguments, user=False, check=check_search),
)
