"""Garments built directly from tags (no photos, no encoder) for the compatibility and composer unit tests."""

from __future__ import annotations

import zlib
from datetime import date, datetime

import numpy as np

from config.vocabulary import load_vocabulary
from engine.outfits.composer import Candidate
from engine.outfits.features import ItemFeatures, item_features
from engine.types import Color, Garment, Tags

VECTOR_DIM = 64


def style_vector(item_id: str, dim: int = VECTOR_DIM) -> np.ndarray:
    """Return a random unit vector seeded by the item id (same id, same vector)."""
    v = np.random.default_rng(zlib.crc32(item_id.encode())).normal(size=dim).astype(np.float32)
    return v / np.linalg.norm(v)


def garment(item_id: str, type_name: str, colors: tuple[str, ...] = ("black",), *, formality: str | None = None,
            pattern: str = "solid", seasons: tuple[str, ...] | None = None, in_laundry: bool = False) -> Garment:
    """Return a garment of one user with realistic tags: colours get their palette swatch and equal shares."""
    vocabulary = load_vocabulary()
    gtype = vocabulary.types[type_name]
    tags = Tags(
        category=gtype.category,
        type=type_name,
        colors=tuple(Color(c, vocabulary.palette[c], 1.0 / len(colors)) for c in colors),
        pattern=pattern,
        formality=formality or gtype.default_formality,
        seasons=seasons or gtype.seasons,
        confidence={"type": 0.9},
    )
    return Garment(item_id, "u1", tags, (), f"h-{item_id}", f"t-{item_id}", in_laundry, datetime(2025, 1, 1))


def features(g: Garment, *, with_vector: bool = True) -> ItemFeatures:
    """Return the compatibility features of a garment, with its seeded style vector."""
    return item_features(g, style_vector(g.id) if with_vector else None, load_vocabulary())


def item(item_id: str, type_name: str, colors: tuple[str, ...] = ("black",), **tags: object) -> ItemFeatures:
    """Return features straight from tags: ``item("t1", "shirt", ("navy",))``."""
    return features(garment(item_id, type_name, colors, **tags))  # type: ignore[arg-type]


def candidate(item_id: str, type_name: str, colors: tuple[str, ...] = ("black",), *, last_worn: date | None = None,
              preference: float = 0.5, **tags: object) -> Candidate:
    """Return a composer candidate built from tags."""
    g = garment(item_id, type_name, colors, **tags)  # type: ignore[arg-type]
    return Candidate(g, features(g), last_worn=last_worn, preference=preference)
