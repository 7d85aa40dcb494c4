"""Tag heads on Lite0 embeddings: temperature-scaled linear softmax layers in numpy, saved as npz + JSON."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from models.preprocess import Preprocessing

WEIGHTS_FILE = "heads.npz"
CONFIG_FILE = "config.json"
DEFAULT_DIR = Path(__file__).parent / "weights" / "style_v1"
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Return row-wise softmax in float32."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


@dataclass(frozen=True)
class LinearHead:
    """``softmax((x @ weight + bias) / temperature)`` over ``labels``; x is an L2-normalised embedding."""

    labels: tuple[str, ...]
    weight: np.ndarray  # float32 [dim, len(labels)]
    bias: np.ndarray  # float32 [len(labels)]
    temperature: float = 1.0

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Return raw (unscaled) logits [N, K]."""
        return (x.astype(np.float32, copy=False) @ self.weight + self.bias).astype(np.float32)

    def probs(self, x: np.ndarray) -> np.ndarray:
        """Return calibrated probabilities [N, K]."""
        return softmax(self.logits(x) / np.float32(self.temperature))


@dataclass(frozen=True)
class PooledHead:
    """Coarse labels whose probability is the sum of a finer head's: ``probs(source) @ matrix``.

    Used for ``category`` when pooling the ``type`` head beats a separate category head on validation.
    """

    source: str
    labels: tuple[str, ...]
    matrix: np.ndarray  # float32 0/1 [len(source labels), len(labels)]

    @classmethod
    def from_mapping(
        cls, source: str, fine: tuple[str, ...], coarse: tuple[str, ...], parent: dict[str, str]
    ) -> PooledHead:
        """Build the pooling matrix from a fine -> coarse label mapping."""
        matrix = np.zeros((len(fine), len(coarse)), dtype=np.float32)
        for i, label in enumerate(fine):
            matrix[i, coarse.index(parent[label])] = 1.0
        return cls(source=source, labels=coarse, matrix=matrix)


Head = LinearHead | PooledHead


@dataclass(frozen=True)
class TaggerHeads:
    """The committed heads plus the preprocessing and metadata they were trained with."""

    heads: dict[str, Head]
    preprocessing: Preprocessing
    config: dict[str, Any]

    @property
    def dim(self) -> int:
        """Return the embedding dimension the heads expect."""
        return next(h.weight.shape[0] for h in self.heads.values() if isinstance(h, LinearHead))

    def predict(self, x: np.ndarray) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
        """Return ``{head: (labels, probs [N, K])}`` for L2-normalised embeddings ``x``."""
        return predict_heads(self.heads, x)

    def save(self, folder: Path) -> None:
        """Write ``heads.npz`` (float32, byte-reproducible) and ``config.json`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {}
        specs: dict[str, dict[str, Any]] = {}
        for name, head in self.heads.items():
            if isinstance(head, LinearHead):
                arrays[f"{name}.weight"] = head.weight.astype(np.float32)
                arrays[f"{name}.bias"] = head.bias.astype(np.float32)
                specs[name] = {"kind": "linear", "labels": list(head.labels), "temperature": head.temperature}
            else:
                arrays[f"{name}.pool"] = head.matrix.astype(np.float32)
                specs[name] = {"kind": "pooled", "labels": list(head.labels), "source": head.source}
        _write_npz(folder / WEIGHTS_FILE, arrays)
        config = dict(self.config)
        config["preprocessing"] = self.preprocessing.to_dict()
        config["feature_dim"] = self.dim
        config["heads"] = specs
        text = json.dumps(config, indent=2, ensure_ascii=False) + "\n"
        (folder / CONFIG_FILE).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, folder: Path = DEFAULT_DIR) -> TaggerHeads:
        """Read heads saved by :meth:`save`."""
        config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
        heads: dict[str, Head] = {}
        with np.load(folder / WEIGHTS_FILE) as arrays:
            for name, spec in config["heads"].items():
                labels = tuple(spec["labels"])
                if spec["kind"] == "pooled":
                    heads[name] = PooledHead(spec["source"], labels, arrays[f"{name}.pool"].astype(np.float32))
                else:
                    weight, bias = arrays[f"{name}.weight"], arrays[f"{name}.bias"]
                    heads[name] = LinearHead(
                        labels, weight.astype(np.float32), bias.astype(np.float32), float(spec["temperature"])
                    )
        return cls(heads=heads, preprocessing=Preprocessing.from_dict(config["preprocessing"]), config=config)


def predict_heads(heads: dict[str, Head], x: np.ndarray) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Return ``{head: (labels, probs)}``; pooled heads sum the probabilities of their source head."""
    out = {n: (h.labels, h.probs(x)) for n, h in heads.items() if isinstance(h, LinearHead)}
    for name, head in heads.items():
        if isinstance(head, PooledHead):
            out[name] = (head.labels, (out[head.source][1] @ head.matrix).astype(np.float32))
    return {name: out[name] for name in heads}


def _write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    # np.savez stamps the current time into the zip; a fixed stamp makes reruns byte-identical.
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_ZIP_TIME), buf.getvalue())
