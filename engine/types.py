"""Plain data types of the engine's public surface."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

# re-exported: the engine's public surface names the "ask the user" line beside the tags it applies to
from config.vocabulary import CONFIRM_BELOW as CONFIRM_BELOW


@dataclass(frozen=True, slots=True)
class Color:
    """One colour of a garment: palette name, measured hex and share of the garment's pixels."""

    name: str
    hex: str
    share: float

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form."""
        return {"name": self.name, "hex": self.hex, "share": round(self.share, 3)}


@dataclass(frozen=True, slots=True)
class Tags:
    """What the stylist knows about a garment, each field with a confidence in ``confidence``."""

    category: str
    type: str
    colors: tuple[Color, ...]
    pattern: str
    formality: str
    seasons: tuple[str, ...]
    confidence: dict[str, float] = field(default_factory=dict)
    #: Fields taken from a garment the user corrected (field -> that garment's id); see engine.tagging.examples.
    learned_from: dict[str, str] = field(default_factory=dict)
    #: For an ``other`` item: the kinds it most likely is, surest first (the "what is it?" buttons).
    candidates: tuple[str, ...] = ()

    def to_confirm(self, threshold: float = CONFIRM_BELOW, limit: int = 2) -> tuple[str, ...]:
        """Return the least certain tags (confidence under ``threshold``), least certain first: ask about these."""
        unsure = sorted((c, name) for name, c in self.confidence.items() if c < threshold)
        return tuple(name for _, name in unsure[:limit])

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used by the command line contract (``learned_from`` only when something was)."""
        out: dict[str, Any] = {
            "category": self.category,
            "type": self.type,
            "colors": [c.to_dict() for c in self.colors],
            "pattern": self.pattern,
            "formality": self.formality,
            "seasons": list(self.seasons),
            "confidence": {k: round(v, 3) for k, v in self.confidence.items()},
            **({"candidates": list(self.candidates)} if self.candidates else {}),
        }
        if self.learned_from:
            out["learned_from"] = dict(self.learned_from)
        return out


@dataclass(frozen=True, slots=True)
class Garment:
    """A stored garment of one user; ``tags`` already has the user's corrections applied."""

    id: str
    user_id: str
    tags: Tags
    corrected: tuple[str, ...]
    image_hash: str
    thumb_hash: str
    in_laundry: bool
    created_at: datetime
    source_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form: id plus tags plus bookkeeping."""
        return {
            "id": self.id,
            **self.tags.to_dict(),
            "corrected": list(self.corrected),
            "to_confirm": list(self.tags.to_confirm()),
            "in_laundry": self.in_laundry,
            "image": self.image_hash,
            "source": self.source_name,
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class PhotoInput:
    """Raw photo bytes as they arrived, with a name for messages (file name or platform id)."""

    data: bytes
    name: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """A photo that was not added, and why."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class AddResult:
    """Outcome of ``add_garments``: what was added (or already known) and what was rejected."""

    added: tuple[Garment, ...]
    duplicates: tuple[Garment, ...]
    rejected: tuple[Rejected, ...]


@dataclass(frozen=True, slots=True)
class Match:
    """A similar garment and its cosine similarity to the query."""

    garment: Garment
    similarity: float


@dataclass(frozen=True, slots=True)
class Tagged:
    """Tags of one photo and its style embedding (what tagging without storing returns)."""

    tags: Tags
    embedding: np.ndarray


@dataclass(frozen=True, slots=True)
class TextHit:
    """A garment matching a text query, its score (higher is better) and the constraints it met."""

    garment: Garment
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What ``forget_user`` deleted."""

    garments: int
    vectors: int
    blobs: int
