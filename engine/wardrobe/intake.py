"""Photos into a wardrobe: decode, recognise a photo sent again, tag in shared encoder batches, store safely.

The write order makes a crash harmless: blob, SQL row (hidden), vector, then the row is marked visible. A row
left hidden by a crash is finished at the next start (``engine.wardrobe.maintenance.finish_half_done``).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from engine.clock import Clock
from engine.encoders.batcher import MicroBatcher
from engine.errors import ImageRejected
from engine.images.decoding import content_hash, encode_original, make_thumbnail
from engine.storage.blobs import BlobStore
from engine.storage.db import GarmentRow
from engine.storage.garments import GarmentRepository, vector_of
from engine.storage.vectors import VectorIndex
from engine.tagging.examples import example_of, learn, thresholds_for
from engine.tagging.photo_tagger import BATCH
from engine.tagging.tagger import Tagger
from engine.types import AddResult, Garment, PhotoInput, Rejected, Tagged

TagBatcher = MicroBatcher[tuple[Image.Image, Any], Tagged]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A decoded photo, ready to tag and store."""

    name: str
    original: bytes
    thumbnail: bytes
    image_hash: str
    image: Any
    lab: Any  # the working-size CIELAB image the blank check computed (tagging reuses it), or None


class Intake:
    """Adds photos to users' wardrobes."""

    def __init__(self, garments: GarmentRepository, index: VectorIndex, blobs: BlobStore, tagger: Tagger,
                 batcher: TagBatcher, clock: Clock) -> None:
        self.garments = garments
        self.index = index
        self.blobs = blobs
        self.tagger = tagger
        self.batcher = batcher
        self.clock = clock

    async def add(self, user_id: str, photos: Sequence[PhotoInput]) -> AddResult:
        """Decode, tag and store photos; good ones are added even when others are rejected, known ones reported."""
        added: list[Garment] = []
        duplicates: list[Garment] = []
        rejected: list[Rejected] = []
        for start in range(0, len(photos), BATCH):
            ready, bad = await asyncio.to_thread(self._prepare_all, photos[start : start + BATCH])
            rejected.extend(bad)
            fresh, known = await self._split_known(user_id, ready)
            duplicates.extend(known)
            if fresh:
                added.extend(await self._store(user_id, fresh))
        return AddResult(tuple(added), tuple(duplicates), tuple(rejected))

    def _prepare(self, photo: PhotoInput) -> Prepared:
        image, lab = self.tagger.decode_with_lab(photo)
        original = encode_original(image)
        return Prepared(photo.name, original, make_thumbnail(image), content_hash(original), image, lab)

    def _prepare_all(self, photos: Sequence[PhotoInput]) -> tuple[list[Prepared], list[Rejected]]:
        ready: list[Prepared] = []
        rejected: list[Rejected] = []
        for photo in photos:
            try:
                ready.append(self._prepare(photo))
            except ImageRejected as exc:
                rejected.append(Rejected(photo.name, exc.reason))
        return ready, rejected

    async def _split_known(self, user_id: str, ready: list[Prepared]) -> tuple[list[Prepared], list[Garment]]:
        """Separate photos this user already has (by content hash) from new ones, deduplicating the batch."""
        by_hash = await self.garments.by_hashes(user_id, {p.image_hash for p in ready})
        fresh: list[Prepared] = []
        known: list[Garment] = []
        seen: set[str] = set()
        for prepared in ready:
            if prepared.image_hash in by_hash:
                known.append(self.garments.to_garment(by_hash[prepared.image_hash]))
            elif prepared.image_hash not in seen:
                seen.add(prepared.image_hash)
                fresh.append(prepared)
        return fresh, known

    async def _store(self, user_id: str, fresh: list[Prepared]) -> list[Garment]:
        """Write in the order blob, SQL row (hidden), vector, then mark the rows visible."""
        tagged = await asyncio.gather(*(self.batcher.submit((p.image, p.lab)) for p in fresh))
        tagged = await with_examples(self.garments, self.tagger, user_id, tagged)
        thumbs = await asyncio.to_thread(self._put_blobs, fresh)
        rows = []
        for prepared, item, thumb in zip(fresh, tagged, thumbs, strict=True):
            now = self.clock.now()
            rows.append(GarmentRow(
                id=secrets.token_hex(5),
                user_id=user_id,
                image_hash=prepared.image_hash,
                thumb_hash=thumb,
                source_name=prepared.name[:512],
                tags=item.tags.to_dict(),
                embedding=np.asarray(item.embedding, dtype=np.float32).tobytes(),
                encoder=self.tagger.encoder.name,
                created_at=now,
                updated_at=now,
            ))
        await self.garments.add(rows)
        await index_rows(self.garments, self.index, user_id, rows)
        return [self.garments.to_garment(row) for row in rows]

    def _put_blobs(self, fresh: list[Prepared]) -> list[str]:
        thumbs = []
        for prepared in fresh:
            self.blobs.put(prepared.original)
            thumbs.append(self.blobs.put(prepared.thumbnail))
        return thumbs


async def with_examples(garments: GarmentRepository, tagger: Tagger, user_id: str,
                        items: Sequence[Tagged]) -> list[Tagged]:
    """Return the items with what this user's corrected garments teach applied (``engine.tagging.examples``).

    Only for a user who corrected something: then their whole wardrobe is read (a nearer garment that was not
    corrected keeps a correction from deciding). The vectors come from SQL, the same ones the index holds, which
    spares a filtered index query per photo.
    """
    thresholds = thresholds_for(tagger.encoder.name)
    if thresholds is None or not items or not await garments.corrected(user_id, tagger.encoder.name):
        return list(items)
    rows = [row for row in await garments.visible(user_id) if row.encoder == tagger.encoder.name]
    examples = [example_of(row.id, vector_of(row), row.tags, row.corrections) for row in rows]
    return [Tagged(learn(item.tags, item.embedding, examples, thresholds, tagger.vocabulary), item.embedding)
            for item in items]


async def index_rows(garments: GarmentRepository, index: VectorIndex, user_id: str, rows: list[GarmentRow]) -> None:
    """Put rows' vectors into the index, then mark the rows visible."""
    vectors = np.stack([vector_of(row) for row in rows])
    await asyncio.to_thread(index.upsert, user_id, [row.id for row in rows], vectors)
    await garments.mark_indexed(rows)
