"""The encoder interface every vision backend implements (see DESIGN.md, "Encoders")."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image

from models.runtime import l2_normalise

__all__ = ["IMAGENET_HEAD", "IMAGENET_LABELS", "Encoder", "FormalityModel", "HeadOutput", "PatternModel",
           "l2_normalise"]

#: The head holding ImageNet-1k class probabilities, where a backend has one; its labels are the class indices.
IMAGENET_HEAD = "imagenet"
IMAGENET_LABELS = tuple(str(i) for i in range(1000))


class PatternModel(Protocol):
    """A learned pattern classifier on ``[embedding, texture]`` rows (``models.pattern_head.PatternHead``)."""

    @property
    def labels(self) -> tuple[str, ...]:
        """Return the pattern names, in the order of ``probs`` columns."""

    def probs(self, x: np.ndarray) -> np.ndarray:
        """Return probabilities [N, len(labels)]."""


class FormalityModel(Protocol):
    """A learned formality classifier on a photo's embedding and ImageNet probabilities
    (``models.formality_probe.FormalityProbe``)."""

    @property
    def labels(self) -> tuple[str, ...]:
        """Return the formality names, in the order of ``probs`` columns."""

    @property
    def types(self) -> tuple[str, ...]:
        """Return the garment types the model was trained on."""

    @property
    def minimums(self) -> dict[str, float]:
        """Return per label the probability under which the label is not claimed."""

    def probs(self, embeddings: np.ndarray, imagenet: np.ndarray) -> np.ndarray:
        """Return probabilities [N, len(labels)] from embeddings [N, D] and ImageNet probabilities [N, 1000]."""


@dataclass(frozen=True, slots=True)
class HeadOutput:
    """Probabilities of one tag head: ``probs[i, j]`` is P(labels[j] | image i)."""

    labels: tuple[str, ...]
    probs: np.ndarray

    def top(self, row: int) -> tuple[str, float]:
        """Return the most likely label of image ``row`` and its probability."""
        j = int(np.argmax(self.probs[row]))
        return self.labels[j], float(self.probs[row, j])


class Encoder(ABC):
    """Turns garment photos into L2-normalised style vectors and tag probabilities."""

    name: str
    dim: int
    #: A learned pattern classifier on ``[embedding, texture]`` (``PatternModel``), or None.
    pattern_head: PatternModel | None = None
    #: A learned formality classifier on the embedding and the ImageNet head (``FormalityModel``), or None.
    formality_probe: FormalityModel | None = None
    #: Below this top type probability the type is a guess (0: no such rule); such photos were right this often.
    low_confidence_threshold: float = 0.0
    low_confidence_accuracy: float = 1.0

    @abstractmethod
    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        """Return float32 [N, dim] L2-normalised embeddings of RGB images."""

    @abstractmethod
    def tag_heads(self, embeddings: np.ndarray) -> dict[str, HeadOutput]:
        """Return tag probabilities (at least ``category`` and ``type``) for embeddings from this encoder."""

    def see(self, images: list[Image.Image]) -> tuple[np.ndarray, dict[str, HeadOutput]]:
        """Return the embeddings and every head's probabilities for RGB images (one network pass where the
        backend can; an ``imagenet`` head joins ``category`` and ``type`` where the backend has one)."""
        embeddings = self.embed_images(images)
        return embeddings, self.tag_heads(embeddings)

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Return text embeddings in the image space, for joint image-text backends."""
        raise NotImplementedError(f"encoder {self.name!r} has no text tower")

    @property
    def supports_text(self) -> bool:
        """Whether ``embed_texts`` is available."""
        return False
