"""The shop's catalog: import, search by picture with filters, stats, removal, and the demonstration catalog.

The demonstration catalog (``samples/catalog``, CC0 photos, links to a placeholder shop) is imported lazily, on
the first use that needs products, once per data folder: the import is stored like any other, so a restart
finds it there. It is never imported once a shop's own feed has been, and a shop's import removes it.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from engine.catalog.fetch import FetchPolicy
from engine.catalog.importer import CatalogImporter, Progress
from engine.catalog.index import ProductIndex
from engine.catalog.repository import ProductRepository, product_vector, to_product
from engine.catalog.types import DEMO_FEED, SHOP_FEED, CatalogStats, ImportReport, Product, ProductFilter, ProductHit
from engine.clock import Clock
from engine.encoders.batcher import MicroBatcher
from engine.errors import CatalogEmpty, ItemNotFound
from engine.storage.blobs import BlobStore
from engine.tagging.tagger import Tagger
from engine.types import PhotoInput, Tagged

DEMO_FEED_PATH = Path(__file__).resolve().parents[2] / "samples" / "catalog" / "feed.csv"


class CatalogService:
    """Products of one shop; the facade ``Stylist`` delegates here."""

    def __init__(self, products: ProductRepository, index: ProductIndex, blobs: BlobStore, tagger: Tagger,
                 batcher: MicroBatcher[tuple[Image.Image, Any], Tagged], clock: Clock, policy: FetchPolicy, *,
                 demo: bool = True) -> None:
        self.products, self.index, self.blobs, self.tagger, self.batcher = products, index, blobs, tagger, batcher
        self.importer = CatalogImporter(products, index, blobs, tagger, batcher, clock, policy)
        self.demo = demo
        self._demo_lock = asyncio.Lock()
        self._demo_checked = False

    async def import_feed(self, feed: Path, *, prune: bool = False, progress: Progress | None = None) -> ImportReport:
        """Import a shop's feed (see ``engine.catalog.importer``)."""
        return await self.importer.run(Path(feed), feed_name=SHOP_FEED, prune=prune, progress=progress)

    async def ready(self) -> bool:
        """Whether there are products; imports the demonstration catalog the first time when allowed."""
        if await self.products.count():
            return True
        if not self.demo or self._demo_checked:
            return False
        async with self._demo_lock:
            if not self._demo_checked and DEMO_FEED_PATH.exists() and SHOP_FEED not in await self.products.feeds():
                await self.importer.run(DEMO_FEED_PATH, feed_name=DEMO_FEED)
            self._demo_checked = True
        return bool(await self.products.count())

    async def has_products(self) -> bool:
        """Whether any product is stored now (never imports anything)."""
        return bool(await self.products.count())

    async def _require(self) -> None:
        if not await self.ready():
            raise CatalogEmpty()

    async def embed(self, photos: Sequence[PhotoInput]) -> list[Tagged]:
        """Decode and tag query photos (``ImageRejected`` for a bad one)."""
        decoded = [await asyncio.to_thread(self.tagger.decode_with_lab, p) for p in photos]
        return list(await asyncio.gather(*(self.batcher.submit(d) for d in decoded)))

    async def search_vectors(self, vectors: np.ndarray, k: int, where: ProductFilter | None = None,
                             exclude: set[str] | None = None) -> list[list[ProductHit]]:
        """Return the products nearest to each vector (filtered, without ``exclude``), best first."""
        await self._require()
        extra = len(exclude or ())
        found = await asyncio.to_thread(self.index.query, vectors, k + extra, where)
        rows = await self.products.by_ids({pid for hits in found for pid, _ in hits})
        out = []
        for hits in found:
            kept = [ProductHit(to_product(rows[pid]), score) for pid, score in hits
                    if pid in rows and pid not in (exclude or ())]
            out.append(kept[:k])
        return out

    async def search(self, queries: Sequence[PhotoInput], *, k: int = 5,
                     where: ProductFilter | None = None) -> list[list[ProductHit]]:
        """Return the products most like each photo, best first."""
        await self._require()
        tagged = await self.embed(queries)
        if not tagged:
            return []
        return await self.search_vectors(np.stack([t.embedding for t in tagged]), k, where)

    async def product(self, product_id: str) -> Product:
        """Return one product, or raise ``ItemNotFound``."""
        rows = await self.products.by_ids([product_id])
        if product_id not in rows:
            raise ItemNotFound(product_id)
        return to_product(rows[product_id])

    async def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Return the stored embeddings of some products."""
        return {pid: product_vector(row) for pid, row in (await self.products.by_ids(ids)).items()}

    async def all_products(self) -> list[tuple[Product, np.ndarray]]:
        """Return every product with its embedding (suggestions score them all)."""
        await self._require()
        return [(to_product(row), product_vector(row)) for row in await self.products.all_rows()]

    async def image(self, product_id: str, *, thumbnail: bool = True) -> bytes:
        """Return a product's stored JPEG (its thumbnail by default)."""
        rows = await self.products.by_ids([product_id])
        if product_id not in rows:
            raise ItemNotFound(product_id)
        row = rows[product_id]
        return await asyncio.to_thread(self.blobs.get, row.thumb_hash if thumbnail else row.image_hash)

    async def stats(self) -> CatalogStats:
        """Return how many products there are, by category, and whether they are the demo."""
        rows = await self.products.all_rows()
        by_category = Counter(row.tags["category"] for row in rows)
        return CatalogStats(products=len(rows), by_category=dict(sorted(by_category.items())),
                            brands=len({row.brand.lower() for row in rows if row.brand}),
                            currencies=tuple(sorted({row.currency for row in rows})),
                            demo=bool(rows) and all(row.feed == DEMO_FEED for row in rows),
                            vectors=await asyncio.to_thread(self.index.count))

    async def remove(self, ids: Sequence[str]) -> list[str]:
        """Remove products by id: rows, then vectors; return the ids that existed."""
        found = await self.products.delete(list(ids))
        await asyncio.to_thread(self.index.delete, found)
        return found
