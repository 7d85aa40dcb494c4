"""Keeping the stores consistent: finish rows a crash left half-written, rebuild the index, drop orphan blobs.

SQL is the source of truth; the vector index can always be rebuilt from SQL rows and the stored originals.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

import numpy as np

from engine.storage.blobs import BlobStore
from engine.storage.db import GarmentRow
from engine.storage.garments import GarmentRepository
from engine.storage.vectors import VectorIndex
from engine.tagging.photo_tagger import BATCH
from engine.tagging.tagger import Tagger
from engine.types import PhotoInput
from engine.wardrobe.intake import index_rows

log = logging.getLogger(__name__)


def _by_user(rows: list[GarmentRow]) -> dict[str, list[GarmentRow]]:
    by_user: dict[str, list[GarmentRow]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    return by_user


async def finish_half_done(garments: GarmentRepository, index: VectorIndex) -> int:
    """Index rows a crash left between the SQL write and the vector write; return how many."""
    rows = await garments.half_done()
    for user_id, user_rows in _by_user(rows).items():
        log.info("finishing %d half-added garments of %s", len(user_rows), user_id)
        await index_rows(garments, index, user_id, user_rows)
    return len(rows)


async def reindex(garments: GarmentRepository, index: VectorIndex, tagger: Tagger, blobs: BlobStore) -> int:
    """Rebuild the vector index from SQL: re-add every row's vector, drop vectors without a row; return rows."""
    rows = await garments.every()
    stale = [row for row in rows if row.encoder != tagger.encoder.name]
    if stale:
        await _reembed(garments, tagger, blobs, stale)
    for user_id, user_rows in _by_user(rows).items():
        await index_rows(garments, index, user_id, user_rows)
    orphans = await asyncio.to_thread(index.ids)
    orphans -= {row.id for row in rows}
    await asyncio.to_thread(index.delete, sorted(orphans))
    return len(rows)


async def _reembed(garments: GarmentRepository, tagger: Tagger, blobs: BlobStore, rows: list[GarmentRow]) -> None:
    """Recompute embeddings from the stored originals (after an encoder change)."""
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        images = [
            tagger.decode(PhotoInput(await asyncio.to_thread(blobs.get, row.image_hash), row.id), refuse_blank=False)
            for row in chunk
        ]
        vectors = await asyncio.to_thread(tagger.encoder.embed_images, images)
        for row, vector in zip(chunk, vectors, strict=True):
            row.embedding = np.asarray(vector, dtype=np.float32).tobytes()
            row.encoder = tagger.encoder.name
        await garments.save(chunk)


async def delete_unreferenced(garments: GarmentRepository, blobs: BlobStore, hashes: Collection[str]) -> int:
    """Delete the blobs among ``hashes`` that no garment row uses any more; return how many were deleted."""
    orphans = set(hashes) - await garments.referenced(hashes)
    return sum(await asyncio.to_thread(lambda: [blobs.delete(h) for h in sorted(orphans)]))
