"""The formality probe: what a photo shows, as formal, smart-casual, casual or sport.

``probs = softmax(((x - mean) / scale) @ weight + bias)`` with ``x = [style embedding (256), log(imagenet @ groups +
0.001)]``: the style embedding, and the ImageNet-1k probabilities summed over groups of classes (one group per kind
mapped in ``config/data/imagenet_types.csv``, then its formal and its sport classes). The groups are stored with the
weights, so the probe is self-contained: a later edit of the data file does not silently change its inputs.

Trained by ``python -m models.train_formality`` on by-eye labels of train photos (``bench/data/
formality_by_eye_train.csv``); saved as ``probe.npz`` + ``probe.json`` in ``models/weights/formality_v1``. The JSON
records the style network it was trained for: an embedding space of other weights makes the probe meaningless.
Numpy only.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.heads import _write_npz, softmax

PROBE_WEIGHTS = "probe.npz"
PROBE_CONFIG = "probe.json"
FORMALITY_DIR = Path(__file__).parent / "weights" / "formality_v1"
#: Keeps the log of a group's mass finite where the photo shows none of it.
MASS_FLOOR = 1e-3
_ARRAYS = ("mean", "scale", "weight", "bias", "groups")


@dataclass(frozen=True)
class FormalityProbe:
    """Standardised multinomial logistic regression over ``labels`` on [embedding, grouped ImageNet mass]."""

    labels: tuple[str, ...]
    mean: np.ndarray  # float32 [F]
    scale: np.ndarray  # float32 [F]
    weight: np.ndarray  # float32 [F, K]
    bias: np.ndarray  # float32 [K]
    groups: np.ndarray  # float32 [1000, G]: 1 where an ImageNet class belongs to a group
    info: dict[str, Any]

    @property
    def dim(self) -> int:
        """Return the style embedding width the probe expects."""
        return int(self.mean.shape[0] - self.groups.shape[1])

    @property
    def types(self) -> tuple[str, ...]:
        """Return the garment types the probe was trained on (it says nothing sure about others)."""
        return tuple(self.info.get("types", ()))

    @property
    def minimums(self) -> dict[str, float]:
        """Return per label the probability under which it is not claimed (chosen on validation)."""
        return {k: float(v) for k, v in dict(self.info.get("minimums", {})).items()}

    def features(self, embeddings: np.ndarray, imagenet: np.ndarray) -> np.ndarray:
        """Return the probe's input rows [N, F] from style embeddings [N, D] and ImageNet probabilities [N, 1000]."""
        mass = np.asarray(imagenet, dtype=np.float32).reshape(-1, 1000) @ self.groups
        emb = np.asarray(embeddings, dtype=np.float32).reshape(len(mass), -1)
        return np.concatenate([emb, np.log(mass + MASS_FLOOR)], axis=1).astype(np.float32)

    def probs(self, embeddings: np.ndarray, imagenet: np.ndarray) -> np.ndarray:
        """Return the probability of each label [N, K] for photos' embeddings and ImageNet probabilities."""
        z = (self.features(embeddings, imagenet) - self.mean) / self.scale
        return softmax(z @ self.weight + self.bias)

    def save(self, folder: Path) -> None:
        """Write ``probe.npz`` (byte-reproducible) and ``probe.json`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        _write_npz(folder / PROBE_WEIGHTS, {k: getattr(self, k).astype(np.float32) for k in _ARRAYS})
        text = json.dumps({"labels": list(self.labels), **self.info}, indent=2, ensure_ascii=False) + "\n"
        (folder / PROBE_CONFIG).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, folder: Path = FORMALITY_DIR) -> FormalityProbe:
        """Read the probe saved in ``folder``; ValueError naming the folder when it is missing or damaged."""
        hint = "(python -m models.train_formality writes it)"
        if not (folder / PROBE_WEIGHTS).is_file() or not (folder / PROBE_CONFIG).is_file():
            raise ValueError(f"no formality probe in {folder}: {PROBE_WEIGHTS} or {PROBE_CONFIG} is missing {hint}")
        try:
            info = json.loads((folder / PROBE_CONFIG).read_text(encoding="utf-8"))
            labels = tuple(info.pop("labels"))
            with np.load(folder / PROBE_WEIGHTS, allow_pickle=False) as a:
                mean, scale, weight, bias, groups = (a[k].astype(np.float32) for k in _ARRAYS)
        except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
            raise ValueError(f"unreadable formality probe in {folder}: {exc} {hint}") from exc
        features = mean.shape[0] if mean.ndim == 1 else -1
        if not (scale.shape == mean.shape == weight.shape[:1] and weight.shape[1:] == bias.shape == (len(labels),)
                and groups.ndim == 2 and groups.shape[0] == 1000 and 0 < groups.shape[1] < features):
            raise ValueError(f"formality probe in {folder} has inconsistent shapes {hint}")
        return cls(labels, mean, scale, weight, bias, groups, info)
