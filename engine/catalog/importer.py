"""Importing a feed: parse, skip what is unchanged, fetch and tag the rest in shared encoder batches, store safely.

Products are embedded and tagged once, by the same tagger and the same micro-batcher as garments. Chunks are
pipelined: while one chunk is written (blobs, SQL, vectors) the next is fetched, decoded and tagged. The write
order makes a crash harmless: blobs, SQL rows (hidden), vectors, then the rows are marked visible; a hidden row
is fetched again by the next import.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from config.vocabulary import Vocabulary
from engine.catalog.feed import FeedRow, parse_feed
from engine.catalog.fetch import FetchFailed, FetchPolicy, ImageFetcher, source_stamp
from engine.catalog.index import ProductIndex
from engine.catalog.repository import ProductRepository, indexed_of, tags_from_dict
from engine.catalog.types import DEMO_FEED, SHOP_FEED, FeedProblem, ImportReport
from engine.clock import Clock
from engine.encoders.batcher import MicroBatcher
from engine.errors import FeedError, ImageRejected
from engine.images.decoding import content_hash, encode_original, make_thumbnail
from engine.storage.blobs import BlobStore
from engine.storage.db import ProductRow
from engine.tagging.attributes import infer_formality, infer_seasons
from engine.tagging.tagger import Tagger
from engine.types import Color, PhotoInput, Tagged, Tags

CHUNK = 64  # products fetched and tagged together; bounds memory on big feeds
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True, slots=True)
class _Ready:
    row: FeedRow
    stamp: str
    original: bytes
    thumbnail: bytes
    tagged: Tagged


class CatalogImporter:
    """Imports feeds into the catalog (SQL rows, blobs, the product index)."""

    def __init__(self, products: ProductRepository, index: ProductIndex, blobs: BlobStore, tagger: Tagger,
                 batcher: MicroBatcher[tuple[Image.Image, Any], Tagged], clock: Clock, policy: FetchPolicy) -> None:
        self.products, self.index, self.blobs, self.tagger = products, index, blobs, tagger
        self.batcher, self.clock, self.policy = batcher, clock, policy
        self.vocabulary: Vocabulary = tagger.vocabulary

    async def run(self, feed: Path, *, feed_name: str = SHOP_FEED, prune: bool = False,
                  progress: Progress | None = None) -> ImportReport:
        """Import ``feed``; bad rows are reported with their line and skipped, never fatal."""
        started = time.perf_counter()
        parsed = parse_feed(await asyncio.to_thread(_read_feed, feed), feed.name)
        problems = list(parsed.problems)
        existing = {row.id: row for row in await self.products.all_rows(visible_only=False)}
        base, stamps = await asyncio.to_thread(_stamps, feed, parsed.rows)
        todo: list[tuple[FeedRow, str]] = []
        changed: list[ProductRow] = []
        unchanged = 0
        for row, stamp in zip(parsed.rows, stamps, strict=True):
            old = existing.get(row.id)
            if old is None or not old.indexed or old.image_source != stamp:
                todo.append((row, stamp))
            elif self._refresh(old, row, feed_name):
                changed.append(old)
            else:
                unchanged += 1
        if changed:
            await self.products.save(changed)
            await asyncio.to_thread(self.index.update_metadata, [indexed_of(r) for r in changed])
        added, updated = await self._fetch_and_store(todo, base, feed_name, existing, problems, progress,
                                                     done=len(parsed.rows) - len(todo))
        removed = await self._remove_stale(parsed.ids, feed_name, existing, prune)
        problems.sort(key=lambda p: p.line)
        return ImportReport(rows=parsed.total, added=added, updated=updated + len(changed), unchanged=unchanged,
                            removed=removed, problems=tuple(problems), seconds=time.perf_counter() - started)

    def _refresh(self, row: ProductRow, feed: FeedRow, feed_name: str) -> bool:
        """Copy a feed row's changed fields (price, title...) onto a stored row; True when anything changed."""
        hints = feed.category or feed.type or feed.colour or feed.formality
        tags = self._hinted(tags_from_dict(row.tags), feed) if hints else None
        fields = {"title": feed.title, "url": feed.url, "price": feed.price, "currency": feed.currency,
                  "brand": feed.brand, "gender": feed.gender, "feed": feed_name}
        if tags is not None:
            fields["tags"] = tags.to_dict()
        dirty = False
        for name, value in fields.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                dirty = True
        if dirty:
            row.updated_at = self.clock.now()
        return dirty

    async def _fetch_and_store(self, todo: list[tuple[FeedRow, str]], base: Path, feed_name: str,
                               existing: dict[str, ProductRow], problems: list[FeedProblem],
                               progress: Progress | None, done: int) -> tuple[int, int]:
        total = done + len(todo)
        counter = [done]
        if progress:
            progress(done, total)

        def tick() -> None:
            counter[0] += 1
            if progress:
                progress(counter[0], total)

        added = updated = 0
        storing: asyncio.Task[list[ProductRow]] | None = None
        async with ImageFetcher(self.policy, base) as fetcher:
            for start in range(0, len(todo), CHUNK):
                chunk = todo[start : start + CHUNK]
                results = await asyncio.gather(*(self._prepare(fetcher, row, stamp, tick) for row, stamp in chunk))
                ready = [r for r in results if isinstance(r, _Ready)]
                problems.extend(r for r in results if isinstance(r, FeedProblem))
                if storing is not None:
                    await storing
                storing = asyncio.create_task(self._store(ready, feed_name))
                added += sum(1 for r in ready if r.row.id not in existing)
                updated += sum(1 for r in ready if r.row.id in existing)
            if storing is not None:
                await storing
        return added, updated

    async def _prepare(self, fetcher: ImageFetcher, row: FeedRow, stamp: str,
                       tick: Callable[[], None]) -> _Ready | FeedProblem:
        """Fetch, decode and tag one product's image; a failure becomes a problem naming the line."""
        try:
            data = await fetcher.fetch(row.image)
            image, lab, original, thumbnail = await asyncio.to_thread(self._decode, data, row.image)
            tagged = await self.batcher.submit((image, lab))
        except (FetchFailed, ImageRejected) as exc:
            reason = exc.reason if isinstance(exc, ImageRejected) else str(exc)
            return FeedProblem(row.line, row.id, f"image {row.image[:80]}: {reason}")
        finally:
            tick()
        return _Ready(row, stamp, original, thumbnail, replace(tagged, tags=self._hinted(tagged.tags, row)))

    def _decode(self, data: bytes, name: str) -> tuple[Image.Image, Any, bytes, bytes]:
        image, lab = self.tagger.decode_with_lab(PhotoInput(data, name))
        return image, lab, encode_original(image), make_thumbnail(image)

    def _hinted(self, tags: Tags, row: FeedRow) -> Tags:
        """Let the feed's own category, type, colour and formality win over the model's (like a user's correction)."""
        types, palette = self.vocabulary.types, self.vocabulary.palette
        category, type_name, colors = tags.category, tags.type, tags.colors
        confidence = dict(tags.confidence)
        if row.type in types:
            type_name, category = row.type, types[row.type].category
            confidence.update(type=1.0, category=1.0)
        elif row.category in {t.category for t in types.values()} and row.category != category:
            category, type_name = row.category, self.vocabulary.default_type(row.category).name
            confidence.update(category=1.0)
        if row.colour in palette:
            colors = (Color(row.colour, palette[row.colour], 1.0),)
            confidence.update(colors=1.0)
        if (category, type_name, colors) == (tags.category, tags.type, tags.colors):
            formality, seasons = tags.formality, tags.seasons
        else:
            formality = infer_formality(type_name, colors, tags.pattern)[0]
            seasons = infer_seasons(type_name, colors)[0]
        if row.formality:
            formality = row.formality
            confidence.update(formality=1.0)
        hinted = replace(tags, category=category, type=type_name, colors=colors, formality=formality,
                         seasons=seasons, confidence=confidence)
        return tags if hinted == tags else hinted

    async def _store(self, ready: list[_Ready], feed_name: str) -> list[ProductRow]:
        """Write blobs, hidden rows, vectors, then mark the rows visible."""
        if not ready:
            return []
        thumbs = await asyncio.to_thread(self._put_blobs, ready)
        now = self.clock.now()
        rows = [ProductRow(
            id=r.row.id, feed=feed_name, title=r.row.title, url=r.row.url, price=r.row.price,
            currency=r.row.currency, brand=r.row.brand, gender=r.row.gender, image_source=r.stamp[:2048],
            image_hash=content_hash(r.original), thumb_hash=thumb, tags=r.tagged.tags.to_dict(),
            embedding=np.asarray(r.tagged.embedding, dtype=np.float32).tobytes(), encoder=self.tagger.encoder.name,
            indexed=False, created_at=now, updated_at=now,
        ) for r, thumb in zip(ready, thumbs, strict=True)]
        await self.products.save(rows)
        vectors = np.stack([np.asarray(r.tagged.embedding, dtype=np.float32) for r in ready])
        await asyncio.to_thread(self.index.upsert, [indexed_of(row) for row in rows], vectors)
        for row in rows:
            row.indexed = True
        await self.products.save(rows)
        return rows

    def _put_blobs(self, ready: list[_Ready]) -> list[str]:
        thumbs = []
        for r in ready:
            self.blobs.put(r.original)
            thumbs.append(self.blobs.put(r.thumbnail))
        return thumbs

    async def _remove_stale(self, feed_ids: set[str], feed_name: str, existing: dict[str, ProductRow],
                            prune: bool) -> int:
        """Drop the demo catalog once a shop's feed arrives, and with ``prune`` the products that left the feed."""
        stale = [pid for pid, row in existing.items()
                 if (feed_name != DEMO_FEED and row.feed == DEMO_FEED and pid not in feed_ids)
                 or (prune and row.feed == feed_name and pid not in feed_ids)]
        if not stale:
            return 0
        await asyncio.to_thread(self.index.delete, stale)
        return len(await self.products.delete(stale))


def _stamps(feed: Path, rows: list[FeedRow]) -> tuple[Path, list[str]]:
    """Return the feed's folder and each row's image stamp (files are stat-ed: blocking)."""
    base = feed.resolve().parent
    return base, [source_stamp(row.image, base) for row in rows]


def _read_feed(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FeedError(f"no feed at {path}") from None
    except IsADirectoryError:
        raise FeedError(f"{path} is a folder, not a feed file") from None
    except OSError as exc:
        raise FeedError(f"cannot read the feed {path}: {exc.strerror or exc}") from None
