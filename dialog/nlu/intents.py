"""Intent scores from the nearest labelled examples (config/data/intent_examples.csv) in MiniLM space."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from importlib import resources
from typing import Protocol

import numpy as np

from dialog.understanding import Intent

INTENTS: tuple[Intent, ...] = tuple(Intent)
TOP_K = 3  # an intent's score is the mean cosine of its k nearest examples (chosen by leave-one-out)


class TextEmbedder(Protocol):
    """What the understanding needs of a sentence model (``engine.SentenceEncoder`` is one)."""

    def embed(self, texts: list[str]) -> np.ndarray:
        """Return L2-normalised embeddings, one row per text."""
        ...


def load_examples(name: str = "intent_examples.csv") -> list[tuple[Intent, str]]:
    """Read the labelled examples ``(intent, text)`` from config/data, checking every intent name."""
    text = resources.files("config").joinpath("data", name).read_text(encoding="utf-8")
    examples: list[tuple[Intent, str]] = []
    for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        try:
            intent = Intent(row["intent"])
        except ValueError:
            raise ValueError(f"{name}:{line}: unknown intent {row['intent']!r}") from None
        examples.append((intent, row["text"]))
    missing = set(INTENTS) - {intent for intent, _ in examples}
    if missing:
        raise ValueError(f"{name}: no examples for {sorted(missing)}")
    return examples


class IntentModel:
    """Nearest-example intent scores: each intent scores the mean cosine of its ``k`` closest examples."""

    def __init__(self, vectors: np.ndarray, labels: Sequence[Intent], *, k: int = TOP_K) -> None:
        if len(vectors) != len(labels):
            raise ValueError(f"{len(vectors)} example vectors for {len(labels)} labels")
        self.vectors = np.asarray(vectors, dtype=np.float32)
        self.labels = np.array([INTENTS.index(label) for label in labels])
        self.k = k

    def scores(self, queries: np.ndarray, *, exclude: Sequence[int] | None = None) -> np.ndarray:
        """Return ``float[N, len(INTENTS)]`` scores for L2-normalised query vectors.

        ``exclude`` names, per query, one example to leave out (leave-one-out evaluation), or -1 for none.
        """
        sims = np.asarray(queries, dtype=np.float32) @ self.vectors.T
        if exclude is not None:
            rows = np.arange(len(sims))
            keep = np.asarray(exclude) >= 0
            sims[rows[keep], np.asarray(exclude)[keep]] = -np.inf
        out = np.full((len(sims), len(INTENTS)), -1.0, dtype=np.float32)
        for index in range(len(INTENTS)):
            own = sims[:, self.labels == index]
            if own.shape[1] == 0:
                continue
            k = min(self.k, own.shape[1])
            top = -np.sort(-own, axis=1)[:, :k]
            top = np.where(np.isfinite(top), top, np.nan)
            out[:, index] = np.nan_to_num(np.nanmean(top, axis=1), nan=-1.0)
        return out
