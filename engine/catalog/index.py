"""The catalog's vectors: one Chroma collection, each product with its category, type, brand and price.

Filters go into the vector query, but never as a Chroma ``where``: that scans the metadata of the whole
collection (about 1.4 ms per 1,000 rows here, however selective). The index keeps a small mirror of every
product's filter fields instead (a few bytes each; read from Chroma once, kept in step by this process's writes
and re-read when the collection's size changes or ``MIRROR_TTL_S`` has passed, so another process's import is
seen). With it a filtered search knows how many products pass before asking Chroma:

- at most ``BY_IDS`` pass: the query names exactly those ids (Chroma scores only them): exact;
- more: the nearest ``k / share`` x ``OVERSAMPLE`` are asked for unfiltered and filtered here; should too few
  pass, the query is repeated by ids. bench/catalog_search.py measures both against exact NumPy search.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from engine.catalog.types import ProductFilter
from engine.storage.vectors import PrecomputedOnly

COLLECTION = "catalog"
OVERSAMPLE = 3
BY_IDS = 2000
MIRROR_TTL_S = 600.0  # another process's price change reaches the filters within this; a re-read of 100k takes seconds
COUNT_TTL_S = 1.0  # Chroma's count() costs milliseconds: a query trusts one taken within the last second


@dataclass(frozen=True, slots=True)
class IndexedProduct:
    """What the index keeps beside a product's vector (what filters test)."""

    id: str
    category: str
    type: str
    brand: str
    price: float

    def metadata(self) -> dict[str, Any]:
        """Return the Chroma metadata."""
        return {"category": self.category, "type": self.type, "brand": self.brand.lower(), "price": self.price}


class ProductIndex:
    """Product vectors in a cosine-space Chroma collection of their own."""

    def __init__(self, client: Any, name: str = COLLECTION) -> None:
        self._collection = client.get_or_create_collection(
            name=name, embedding_function=PrecomputedOnly(),
            configuration={"hnsw": {"space": "cosine", "ef_search": 200}},
        )
        self._mirror: dict[str, IndexedProduct] | None = None
        self._mirror_at = 0.0
        self._columns: dict[str, np.ndarray] | None = None  # the mirror as arrays, for vectorised filters
        self._count: tuple[float, int] | None = None  # (when, how many)
        self._position: dict[str, int] = {}  # product id -> its row in the columns

    @classmethod
    def open(cls, *, path: Path | None = None, url: str | None = None, name: str = COLLECTION) -> ProductIndex:
        """Open the embedded index at ``path`` or a Chroma server at ``url`` (blocking)."""
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if url:
            from urllib.parse import urlparse

            parsed = urlparse(url)
            client: Any = chromadb.HttpClient(host=parsed.hostname or "localhost",
                                              port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                                              ssl=parsed.scheme == "https", settings=settings)
        else:
            assert path is not None, "an embedded index needs a path"
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=settings)
        return cls(client, name)

    def upsert(self, products: list[IndexedProduct], vectors: np.ndarray) -> None:
        """Insert or replace products' vectors and metadata."""
        if products:
            self._collection.upsert(ids=[p.id for p in products], embeddings=np.asarray(vectors, dtype=np.float32),
                                    metadatas=[p.metadata() for p in products])
            self._remember(products)
            self._count = None

    def update_metadata(self, products: list[IndexedProduct]) -> None:
        """Change products' metadata (a new price) without touching their vectors."""
        if products:
            self._collection.update(ids=[p.id for p in products], metadatas=[p.metadata() for p in products])
            self._remember(products)

    def delete(self, ids: list[str]) -> None:
        """Delete vectors by id (missing ids are ignored)."""
        if ids:
            self._collection.delete(ids=ids)
            for i in ids:
                (self._mirror or {}).pop(i, None)
            self._columns = None
            self._count = None

    def ids(self) -> set[str]:
        """Return every id stored."""
        return set(self._collection.get(include=[])["ids"])

    def count(self) -> int:
        """Return how many vectors the collection holds."""
        self._count = (time.monotonic(), int(self._collection.count()))
        return self._count[1]

    def _recent_count(self) -> int:
        if self._count is None or time.monotonic() - self._count[0] > COUNT_TTL_S:
            return self.count()
        return self._count[1]

    def _remember(self, products: list[IndexedProduct]) -> None:
        if self._mirror is not None:
            self._mirror.update((p.id, p) for p in products)
            self._columns = None

    def _passing(self, where: ProductFilter) -> np.ndarray:
        """Return which products of the mirror's columns pass a filter (a boolean mask, vectorised)."""
        mirror = self.mirror()
        if self._columns is None:
            items = list(mirror.values())
            self._columns = {
                "id": np.array([p.id for p in items], dtype=object),
                "category": np.array([p.category for p in items]), "type": np.array([p.type for p in items]),
                "brand": np.array([p.brand.lower() for p in items]),
                "price": np.array([p.price for p in items], dtype=np.float64),
            }
            self._position = {p.id: i for i, p in enumerate(items)}
        c = self._columns
        mask = np.ones(len(c["id"]), dtype=bool)
        for key in ("category", "type", "brand"):
            value = getattr(where, key)
            if value is not None:
                mask &= c[key] == (value.lower() if key == "brand" else value)
        if where.min_price is not None:
            mask &= c["price"] >= where.min_price
        if where.max_price is not None:
            mask &= c["price"] <= where.max_price
        return mask

    def mirror(self) -> dict[str, IndexedProduct]:
        """Return every product's filter fields (read from Chroma when stale)."""
        total = self._recent_count()
        if self._mirror is None or len(self._mirror) != total or time.monotonic() - self._mirror_at > MIRROR_TTL_S:
            mirror: dict[str, IndexedProduct] = {}
            for offset in range(0, total, 10_000):
                page = self._collection.get(include=["metadatas"], limit=10_000, offset=offset)
                for pid, meta in zip(page["ids"], page["metadatas"] or [], strict=True):
                    mirror[pid] = IndexedProduct(pid, str(meta["category"]), str(meta["type"]), str(meta["brand"]),
                                                 float(meta["price"]))  # type: ignore[arg-type]
            self._mirror, self._mirror_at, self._columns = mirror, time.monotonic(), None
        return self._mirror

    def query(self, vectors: np.ndarray, k: int, where: ProductFilter | None = None) -> list[list[tuple[str, float]]]:
        """Return, for each query vector, up to ``k`` (id, cosine similarity) pairs passing the filter, best first."""
        queries = np.asarray(vectors, dtype=np.float32).reshape(-1, vectors.shape[-1])
        total = self._recent_count()
        if k <= 0 or total == 0:
            return [[] for _ in range(len(queries))]
        if where is None or where.empty:
            return self._raw(queries, min(k, total))
        mask = self._passing(where)
        n_passing = int(mask.sum())
        if not n_passing:
            return [[] for _ in range(len(queries))]
        if n_passing <= BY_IDS:
            return self._raw(queries, min(k, n_passing), ids=list(self._columns_ids()[mask]))
        position = self._position
        wide = min(total, math.ceil(k * total / n_passing * OVERSAMPLE) + 10)
        out = []
        for row, hits in enumerate(self._raw(queries, wide)):
            kept = [(pid, score) for pid, score in hits if pid in position and mask[position[pid]]][:k]
            if len(kept) < k and wide < total:  # unlucky: too few passed among the nearest
                kept = self._raw(queries[row : row + 1], k, ids=list(self._columns_ids()[mask]))[0]
            out.append(kept)
        return out

    def _columns_ids(self) -> np.ndarray:
        assert self._columns is not None, "the mirror's columns are built by _passing"
        return self._columns["id"]

    def _raw(self, queries: np.ndarray, k: int, ids: list[str] | None = None) -> list[list[tuple[str, float]]]:
        result = self._collection.query(query_embeddings=queries, n_results=k, ids=ids, include=["distances"])
        return [[(i, 1.0 - float(d)) for i, d in zip(ids_, dists, strict=True)]
                for ids_, dists in zip(result["ids"], result["distances"] or [], strict=True)]
