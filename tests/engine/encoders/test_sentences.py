"""The MiniLM sentence encoder: normalised vectors, and a cache that makes a restart cheap without changing them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engine import SentenceEncoder


def test_embeddings_are_unit_vectors_in_input_order(sentences: Any) -> None:
    vectors = sentences.embed(["a warm navy coat", "sandals for the beach", "a warm navy coat"])
    assert vectors.shape == (3, sentences.dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[2]) and float(vectors[0] @ vectors[1]) < 0.9
    assert sentences.embed([]).shape == (0, sentences.dimension)


def test_the_cache_gives_the_same_vectors_after_a_restart(sentences: Any, tmp_path: Path) -> None:
    cache = tmp_path / "sentences.npz"
    first = SentenceEncoder(sentences.model, cache=cache, name="minilm")
    texts = ["what should I wear to a wedding", "my navy blazer", "I live in Berlin"]
    computed = first.embed(texts)
    first.remember()
    assert cache.is_file()

    class Refuses:  # a restarted process whose model must not be asked again for known texts
        def encode(self, *args: Any, **kwargs: Any) -> Any:
            raise AssertionError("recomputed a cached text")

    again = SentenceEncoder(Refuses(), cache=cache, name="minilm")
    assert np.array_equal(again.embed(list(reversed(texts))), computed[::-1])
    # another model's cache is never used
    other = SentenceEncoder(sentences.model, cache=cache, name="another-model")
    assert other.embed(["my navy blazer"]).shape == (1, sentences.dimension)
    assert "my navy blazer" in other._known and len(other._known) == 1


def test_a_damaged_cache_is_ignored(sentences: Any, tmp_path: Path) -> None:
    cache = tmp_path / "sentences.npz"
    cache.write_bytes(b"not a numpy file")
    encoder = SentenceEncoder(sentences.model, cache=cache, name="minilm")
    assert np.allclose(encoder.embed(["a red dress"]), sentences.embed(["a red dress"]), atol=1e-5)
    encoder.remember()  # and replaced by a good one
    assert len(SentenceEncoder(sentences.model, cache=cache, name="minilm")._known) == 1
