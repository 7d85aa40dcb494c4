"""The learned pattern head: softmax regression on the style embedding plus six texture measures.

``probs = softmax(((x - mean) / scale) @ weight + bias)`` with ``x = [embedding (256), texture (6)]``; the texture
measures are :class:`models.pixels.Texture` in field order. Saved beside the style network it belongs to
(``pattern.npz`` + ``pattern.json``): a head is only valid for the embedding space it was trained on, so the
JSON records that network's tag and the encoder refuses a head made for other weights.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.heads import _write_npz, softmax

PATTERN_WEIGHTS = "pattern.npz"
PATTERN_CONFIG = "pattern.json"


@dataclass(frozen=True)
class PatternHead:
    """Standardised multinomial logistic regression over ``labels``."""

    labels: tuple[str, ...]
    mean: np.ndarray  # float32 [F]
    scale: np.ndarray  # float32 [F]
    weight: np.ndarray  # float32 [F, K]
    bias: np.ndarray  # float32 [K]
    info: dict[str, Any]

    @property
    def features(self) -> int:
        """Return the input width (embedding dimension + texture measures)."""
        return int(self.mean.shape[0])

    def probs(self, x: np.ndarray) -> np.ndarray:
        """Return probabilities [N, K] of feature rows ``x`` [N, F]."""
        z = (np.asarray(x, dtype=np.float32).reshape(-1, self.features) - self.mean) / self.scale
        return softmax(z @ self.weight + self.bias)

    def save(self, folder: Path) -> None:
        """Write ``pattern.npz`` (byte-reproducible) and ``pattern.json`` into ``folder``."""
        arrays = {"mean": self.mean, "scale": self.scale, "weight": self.weight, "bias": self.bias}
        _write_npz(folder / PATTERN_WEIGHTS, {k: v.astype(np.float32) for k, v in arrays.items()})
        text = json.dumps({"labels": list(self.labels), **self.info}, indent=2, ensure_ascii=False) + "\n"
        (folder / PATTERN_CONFIG).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> PatternHead | None:
        """Read the head saved in ``folder``; None when the folder has none, ValueError when it is unreadable."""
        if not (folder / PATTERN_WEIGHTS).exists() or not (folder / PATTERN_CONFIG).exists():
            return None
        try:
            info = json.loads((folder / PATTERN_CONFIG).read_text(encoding="utf-8"))
            labels = tuple(info.pop("labels"))
            with np.load(folder / PATTERN_WEIGHTS, allow_pickle=False) as a:
                mean, scale, weight, bias = (a[k].astype(np.float32) for k in ("mean", "scale", "weight", "bias"))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
            raise ValueError(f"unreadable pattern head in {folder}: {exc}") from exc
        if not (mean.shape == scale.shape == weight.shape[:1] and weight.shape[1:] == bias.shape == (len(labels),)):
            raise ValueError(f"pattern head in {folder} has inconsistent shapes")
        return cls(labels, mean, scale, weight, bias, info)
