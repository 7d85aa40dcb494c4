"""Users' corrections as training photos: garments whose type a user corrected, read from the stylist's database.

Only used when the operator opts in (``python -m models.train_style --with-corrections DATABASE_URL``): every
user's corrected garments join the training photos, labelled with the user's type. The photos are the stored
originals in the blob folder (content-addressed: ``blobs/ab/cd/<sha256>.<suffix>``). ``models`` sits under the
engine, so this reads the ``garments`` table with SQLAlchemy directly instead of through ``engine.storage``.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from config.vocabulary import load_vocabulary
from models.style_data import TYPE_MERGES, Sample

SPLIT = "corrections"
_HASH = re.compile(r"[0-9a-f]{64}")


def corrected_samples(database_url: str, blob_dir: Path, categories: tuple[str, ...]) -> tuple[list[Sample], int]:
    """Return the corrected garments of every user as training samples, and how many were skipped.

    A garment counts when its user corrected its type; it is skipped when its photo is missing from ``blob_dir`` or
    its category is not one the network learns (``categories``).
    """
    rows = asyncio.run(_read(database_url))
    vocabulary = load_vocabulary()
    samples: list[Sample] = []
    skipped = 0
    for image_hash, corrections in rows:
        fixes = json.loads(corrections) if isinstance(corrections, str) else dict(corrections or {})
        type_name = fixes.get("type")
        path = _blob_path(blob_dir, image_hash)
        if type_name not in vocabulary.types or path is None:
            skipped += type_name is not None
            continue
        category = vocabulary.type_of(type_name).category
        if category not in categories:
            skipped += 1
            continue
        samples.append(Sample(path, SPLIT, category, TYPE_MERGES.get(type_name, type_name)))
    return samples, skipped


async def _read(database_url: str) -> list[tuple[str, Any]]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT image_hash, corrections FROM garments ORDER BY id"))
            return [(str(h), c) for h, c in result.all()]
    finally:
        await engine.dispose()


def _blob_path(blob_dir: Path, image_hash: str) -> Path | None:
    """Return the stored file of a blob hash, or None (a hash that is not 64 hex digits is never a path)."""
    if not _HASH.fullmatch(image_hash):
        return None
    folder = blob_dir / image_hash[:2] / image_hash[2:4]
    found = sorted(folder.glob(f"{image_hash}*")) if folder.is_dir() else []
    return next((p for p in found if p.is_file() and not p.name.endswith(".part")), None)
