"""Intent scores from the nearest labelled examples (config/data/intent_examples.csv) in MiniLM space.

Each example is embedded in two views: as written (typos repaired) and with its colours and garments replaced
by one stand-in each ("delete my purple socks" -> "delete my red shirts"), so the words that carry the intent
weigh more than the clothes named. An intent's score, per view, mixes the mean cosine of its ``k`` nearest
examples with the cosine to its centroid (its prototype); the views are averaged.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from importlib import resources
from typing import Protocol

import numpy as np

from dialog.understanding import Intent

INTENTS: tuple[Intent, ...] = tuple(Intent)
# Chosen by leave-one-out on the training examples (``python -m bench.intent_accuracy --cv``).
TOP_K = 2
NEAREST_SHARE = 0.5  # the rest of a view's score is the cosine to the intent's centroid


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
    """Nearest-example and prototype scores over one or more embedding views of the same examples."""

    def __init__(self, views: Sequence[np.ndarray], labels: Sequence[Intent], *, k: int = TOP_K,
                 nearest_share: float = NEAREST_SHARE) -> None:
        if any(len(view) != len(labels) for view in views):
            raise ValueError(f"example vectors do not match the {len(labels)} labels")
        self.views = [np.asarray(view, dtype=np.float32) for view in views]
        self.labels = np.array([INTENTS.index(label) for label in labels])
        self.k = k
        self.nearest_share = nearest_share

    def scores(self, queries: Sequence[np.ndarray], *, leave_out: bool = False) -> np.ndarray:
        """Return ``float[N, len(INTENTS)]`` scores for L2-normalised queries, one array per view.

        With ``leave_out`` the queries are the examples themselves, each scored without itself (for
        leave-one-out evaluation).
        """
        total = np.zeros((len(queries[0]), len(INTENTS)), dtype=np.float32)
        for view, query in zip(self.views, queries, strict=True):
            total += self._view_scores(view, np.asarray(query, dtype=np.float32), leave_out)
        return total / len(self.views)

    def _view_scores(self, view: np.ndarray, query: np.ndarray, leave_out: bool) -> np.ndarray:
        sims = query @ view.T
        if leave_out:
            np.fill_diagonal(sims, -np.inf)
        out = np.full((len(query), len(INTENTS)), -1.0, dtype=np.float32)
        for index in range(len(INTENTS)):
            members = self.labels == index
            if not members.any():
                continue
            own = sims[:, members]
            k = min(self.k, own.shape[1] - leave_out)
            nearest = -np.sort(-own, axis=1)[:, :k].mean(axis=1) if k > 0 else np.full(len(query), -1.0)
            out[:, index] = self.nearest_share * nearest + (1 - self.nearest_share) * self._centroid_cosine(
                view, members, query, leave_out, index)
        return out

    def _centroid_cosine(self, view: np.ndarray, members: np.ndarray, query: np.ndarray, leave_out: bool,
                         index: int) -> np.ndarray:
        total = view[members].sum(axis=0)
        if not leave_out:
            return query @ (total / np.linalg.norm(total))
        # each example's own intent centroid is computed without it
        centroids = np.repeat(total[None, :], len(query), axis=0)
        own = self.labels == index
        centroids[own] -= view[own]
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        return np.einsum("nd,nd->n", query, centroids / np.maximum(norms, 1e-9))
