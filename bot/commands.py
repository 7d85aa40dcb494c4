"""What each ``stylist`` command does: read files, call the engine, print results."""

from __future__ import annotations

import argparse
import asyncio
import csv
import logging
from pathlib import Path
from typing import Any

from bot import outfit_commands
from bot.cli import EXIT_ERROR, EXIT_OK, Output, Progress, describe, iter_files
from config.settings import Settings
from engine import PhotoInput, Rejected, StylistError
from engine.stylist import Stylist
from engine.tagging.tagger import build_tagger

log = logging.getLogger("stylist")

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "wardrobe"
_CHUNK = 32


def read_photo(path: Path, max_bytes: int) -> PhotoInput:
    """Read at most ``max_bytes + 1`` bytes, so a huge file is rejected without loading it whole."""
    with path.open("rb") as fh:
        return PhotoInput(fh.read(max_bytes + 1), str(path))


def read_photos(paths: list[Path], max_bytes: int) -> tuple[list[PhotoInput], list[tuple[str, str]]]:
    """Read several photos (blocking); files that cannot be read come back as (path, reason)."""
    photos: list[PhotoInput] = []
    bad: list[tuple[str, str]] = []
    for path in paths:
        try:
            photos.append(read_photo(path, max_bytes))
        except OSError as exc:
            bad.append((str(path), f"cannot read the file ({exc.strerror or exc})"))
    return photos, bad


def _collect(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    good: list[Path] = []
    bad: list[tuple[str, str]] = []
    for path, error in iter_files(paths):
        if error is None:
            good.append(path)
        else:
            bad.append((str(path), error))
    return good, bad


def _report_bad(bad: list[tuple[str, str]], out: Output) -> None:
    for name, reason in bad:
        out.item({"path": name, "error": reason}, f"skipped {name}: {reason}")
        out.problem(f"{name}: {reason}")


async def run_command(args: argparse.Namespace, settings: Settings, out: Output) -> int:
    """Dispatch one parsed command; known errors become one line and exit status 1."""
    try:
        if args.command == "tag":
            return await _tag(args, settings, out)
        stylist = await Stylist.open(settings)
        try:
            handler = _HANDLERS[args.command]
            return await handler(stylist, args, out)
        finally:
            await stylist.close()
    except StylistError as exc:
        out.problem(str(exc))
        return EXIT_ERROR
    except OSError as exc:
        out.problem(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
        return EXIT_ERROR
    except Exception:  # the one central handler: a bug, not bad input — log it whole, then apologise
        log.exception("unexpected error in %r", args.command)
        out.problem("sorry, something went wrong inside the stylist (details above); nothing was half-written")
        return EXIT_ERROR


async def _tag(args: argparse.Namespace, settings: Settings, out: Output) -> int:
    tagger = await asyncio.to_thread(build_tagger, settings)
    files, bad = await asyncio.to_thread(_collect, args.paths)
    _report_bad(bad, out)
    failed = bool(bad)
    for start in range(0, len(files), _CHUNK):
        chunk = files[start : start + _CHUNK]
        photos, unreadable = await asyncio.to_thread(read_photos, chunk, settings.max_image_bytes)
        _report_bad(unreadable, out)
        failed = failed or bool(unreadable)
        for photo, result in zip(photos, await asyncio.to_thread(tagger.tag_photos, photos), strict=True):
            if isinstance(result, Rejected):
                failed = True
                _report_bad([(photo.name, result.reason)], out)
            else:
                tags = result.tags.to_dict()
                unsure = result.tags.to_confirm()
                ask = f"  (not sure about {', '.join(unsure)})" if unsure else ""
                out.item({"path": photo.name, **tags}, f"{photo.name}: {describe(tags)}{ask}")
    return EXIT_ERROR if failed else EXIT_OK


async def _add(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    files, bad = await asyncio.to_thread(_collect, args.paths)
    _report_bad(bad, out)
    progress = Progress(len(files))
    added = duplicates = 0
    failed = bool(bad)
    for start in range(0, len(files), _CHUNK):
        chunk = files[start : start + _CHUNK]
        photos, unreadable = await asyncio.to_thread(read_photos, chunk, stylist.settings.max_image_bytes)
        _report_bad(unreadable, out)
        failed = failed or bool(unreadable)
        result = await stylist.add_garments(args.user, photos)
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
            _report_bad([(r.name, r.reason) for r in result.rejected], out)
        progress.advance(len(chunk))
    if failed and not out.as_json:
        rejected = len(files) - added - duplicates + len(bad)
        out.problem(f"{added} added, {duplicates} already there, {rejected} not added")
    return EXIT_ERROR if failed else EXIT_OK


async def _wardrobe(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    items = await stylist.wardrobe(args.user)
    for g in items:
        laundry = " [laundry]" if g.in_laundry else ""
        out.item(g.to_dict(), f"{g.id}  {describe(g.tags.to_dict())}{laundry}")
    if not items and not out.as_json:
        out.item({}, f"{args.user}'s wardrobe is empty")
    return EXIT_OK


def _resolve_query(arg: str, max_bytes: int) -> PhotoInput | str | None:
    """Return the photo a path names, the item id, or None when it looks like a path that is not a file."""
    path = Path(arg)
    if path.is_file():
        return read_photo(path, max_bytes)
    if path.exists() or "/" in arg or "." in arg:
        return None
    return arg


async def _similar(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    query = await asyncio.to_thread(_resolve_query, args.query, stylist.settings.max_image_bytes)
    if query is None:
        out.problem(f"{args.query}: no such photo or item")
        return EXIT_ERROR
    for match in await stylist.find_similar(args.user, query, k=args.k):
        g = match.garment
        out.item({**g.to_dict(), "similarity": round(match.similarity, 4)},
                 f"{match.similarity:.3f}  {g.id}  {describe(g.tags.to_dict())}")
    return EXIT_OK


async def _search(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    hits = await stylist.search_text(args.user, args.query, k=args.k)
    for hit in hits:
        g = hit.garment
        why = ", ".join(hit.reasons)
        out.item({**g.to_dict(), "score": round(hit.score, 4), "matched": list(hit.reasons)},
                 f"{hit.score:.2f}  {g.id}  {describe(g.tags.to_dict())}{f'  ({why})' if why else ''}")
    if not hits and not out.as_json:
        out.item({}, f"{args.user}'s wardrobe is empty")
    return EXIT_OK


async def _correct(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    changes: dict[str, Any] = {}
    for change in args.changes:
        field, sep, value = change.partition("=")
        if not sep or not field or not value:
            out.problem(f"{change!r}: write corrections as FIELD=VALUE, e.g. type=jeans")
            return EXIT_ERROR
        changes[field.strip()] = value.strip()
    g = await stylist.correct_tags(args.user, args.item, changes)
    out.item(g.to_dict(), f"{g.id}  {describe(g.tags.to_dict())}  (corrected: {', '.join(g.corrected)})")
    return EXIT_OK


async def _laundry(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    g = await stylist.set_laundry(args.user, args.item, not args.clean)
    out.item(g.to_dict(), f"{g.id} is {'in the laundry' if g.in_laundry else 'clean'}")
    return EXIT_OK


async def _remove(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    g = await stylist.remove_garment(args.user, args.item)
    out.item({**g.to_dict(), "status": "removed"}, f"removed {g.id}: {describe(g.tags.to_dict())}")
    return EXIT_OK


async def _forget(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    report = await stylist.forget_user(args.user)
    out.item({"user": args.user, "garments": report.garments, "vectors": report.vectors, "blobs": report.blobs},
             f"forgot {args.user}: {report.garments} items, {report.vectors} vectors, {report.blobs} images")
    return EXIT_OK


async def _reindex(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    count = await stylist.reindex()
    out.item({"reindexed": count}, f"reindexed {count} items")
    return EXIT_OK


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _read_samples(max_bytes: int) -> tuple[list[PhotoInput], dict[str, str]]:
    files = sorted(p for p in SAMPLES.iterdir() if p.suffix == ".jpg")
    with (SAMPLES / "labels.csv").open(encoding="utf-8") as fh:
        truth = {r["file"]: r["category"] for r in csv.DictReader(fh)}
    return read_photos(files, max_bytes)[0], truth


async def _demo(stylist: Stylist, args: argparse.Namespace, out: Output) -> int:
    if not SAMPLES.is_dir():
        out.problem(f"the sample wardrobe is missing at {SAMPLES}")
        return EXIT_ERROR
    photos, truth = await asyncio.to_thread(_read_samples, stylist.settings.max_image_bytes)
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
        collage = stylist.settings.data_dir / "looks" / f"look-{look.id}.png"
        await asyncio.to_thread(_write_file, collage, await stylist.collage(look))
        worn = ", ".join(f"{Path(g.source_name or '').name}" for g in look.items)
        out.item({}, f"\nToday's look ({suggestions.weather.note or 'live weather'}): {look.reason}\n  {worn}\n"
                     f"  collage: {collage}")
        out.item({}, f"Try: stylist outfit --user demo --occasion work --temp 8 --rain --out looks/\n"
                     f"Data kept in {stylist.settings.data_dir}")
    return EXIT_OK


_HANDLERS = {
    "add": _add, "wardrobe": _wardrobe, "similar": _similar, "search": _search, "correct": _correct,
    "laundry": _laundry, "remove": _remove, "forget": _forget, "reindex": _reindex, "demo": _demo,
    "outfit": outfit_commands.outfit, "today": outfit_commands.today, "feedback": outfit_commands.feedback,
    "location": outfit_commands.location, "train-compat": outfit_commands.train_compat,
}
