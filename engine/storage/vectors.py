"""The vector index: Chroma collections keyed by kind, always scoped to one owner."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings

log = logging.getLogger(__name__)


class PrecomputedOnly(EmbeddingFunction[Documents]):
    """An embedding function that refuses to embed: we always pass vectors ourselves.

    Chroma falls back to a default function that downloads a model when none is given, so one is
    passed explicitly on every create and re-open.
    """

    def __init__(self) -> None:
        pass

    def __call__(self, input: Documents) -> Embeddings:
        raise RuntimeError("the stylist passes embeddings explicitly; Chroma must never embed text")

    @staticmethod
    def name() -> str:
        return "stylist-precomputed"

    def get_config(self) -> dict[str, Any]:
        return {}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> PrecomputedOnly:
        return PrecomputedOnly()

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"


@dataclass(frozen=True, slots=True)
class Hit:
    """One nearest neighbour: item id and cosine similarity."""

    id: str
    similarity: float


class VectorIndex:
    """Vectors of one kind (``garments``, later ``catalog``) in a cosine-space Chroma collection."""

    def __init__(self, client: Any, kind: str) -> None:
        self._client = client
        self.kind = kind
        self._collection = client.get_or_create_collection(
            name=kind,
            embedding_function=PrecomputedOnly(),
            configuration={"hnsw": {"space": "cosine"}},
        )

    @classmethod
    def open(cls, kind: str, *, path: Path | None = None, url: str | None = None) -> VectorIndex:
        """Open the embedded index at ``path`` or a Chroma server at ``url``."""
        settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if url:
            from urllib.parse import urlparse

            parsed = urlparse(url)
            client: Any = chromadb.HttpClient(
                host=parsed.hostname or "localhost",
                port=parsed.port or (443 if parsed.scheme == "https" else 8000),
                ssl=parsed.scheme == "https",
                settings=settings,
            )
        else:
            assert path is not None, "an embedded index needs a path"
            path.mkdir(parents=True, exist_ok=True)
            client = chromadb.PersistentClient(path=str(path), settings=settings)
        return cls(client, kind)

    def upsert(self, owner: str, ids: list[str], vectors: np.ndarray) -> None:
        """Insert or replace vectors, each tagged with its owner."""
        if not ids:
            return
        self._collection.upsert(
            ids=ids,
            embeddings=np.asarray(vectors, dtype=np.float32),
            metadatas=[{"owner": owner} for _ in ids],
        )

    def delete(self, ids: list[str]) -> None:
        """Delete vectors by id (missing ids are ignored)."""
        if ids:
            self._collection.delete(ids=ids)

    def delete_owner(self, owner: str) -> None:
        """Delete every vector of one owner."""
        self._collection.delete(where={"owner": owner})

    def ids(self, owner: str | None = None) -> set[str]:
        """Return the ids stored (for one owner, or all)."""
        result = self._collection.get(where={"owner": owner} if owner else None, include=[])
        return set(result["ids"])

    def query(self, owner: str, vector: np.ndarray, k: int) -> list[Hit]:
        """Return up to ``k`` nearest vectors of ``owner`` to ``vector``, most similar first."""
        if k <= 0:
            return []
        result = self._collection.query(
            query_embeddings=np.asarray(vector, dtype=np.float32)[None, :],
            n_results=k,
            where={"owner": owner},
            include=["distances"],
        )
        ids = result["ids"][0]
        distances = (result["distances"] or [[]])[0]
        return [Hit(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]

    def count(self) -> int:
        """Return how many vectors the collection holds."""
        return int(self._collection.count())
