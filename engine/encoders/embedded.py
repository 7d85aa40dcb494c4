"""The default, offline encoder: the fine-tuned Lite0 style network (``models/weights/style_v1``).

A thin adapter of :class:`models.runtime.StyleRuntime` to the ``Encoder`` interface: ``embed_images`` returns
the network's 256-d L2-normalised style embedding; ``tag_heads`` computes the calibrated category and type
probabilities from those embeddings alone (temperature-scaled cosine heads in numpy), so no state is kept between
the two calls. CPU runs the cached ONNX export with ONNX Runtime (no torch imported); CUDA runs torch in float16.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from config.settings import Settings
from engine.encoders.base import IMAGENET_HEAD, IMAGENET_LABELS, Encoder, FormalityModel, HeadOutput, PatternModel
from engine.errors import EncoderUnavailable
from models.artifacts import IMAGENET_DIR, STYLE_DIR
from models.heads import TaggerHeads
from models.preprocess import Preprocessing
from models.runtime import RuntimeUnavailable, StyleRuntime, load_style_net, resolve_device

__all__ = ["EmbeddedEncoder", "load_style_net", "resolve_device"]


class EmbeddedEncoder(Encoder):
    """Fine-tuned Lite0: 256-d style embedding + calibrated category and type heads on that embedding."""

    def __init__(self, settings: Settings, heads_dir: Path = STYLE_DIR, chunk: int | None = None) -> None:
        try:
            runtime = StyleRuntime(
                heads_dir,
                cache_dir=settings.cache_dir,
                device=settings.device,
                threads=settings.encoder_threads,
                chunk=chunk,
                branch=IMAGENET_DIR if settings.imagenet_branch else None,
            )
        except RuntimeUnavailable as exc:
            raise EncoderUnavailable(f"{exc} [STYLIST_DEVICE={settings.device}]") from exc
        self.runtime = runtime
        self.folder = heads_dir
        self.dim = runtime.dim
        # The name changes with the weights or the network config, so `stylist reindex` re-embeds rows made by
        # another version of the network.
        self.name = f"embedded:{heads_dir.name}@{runtime.tag}"
        #: The learned pattern head for this embedding space, or None (the tagger then uses texture rules).
        self.pattern_head: PatternModel | None = runtime.pattern_head
        #: The formality probe (only with the ImageNet branch, whose probabilities it reads), or None.
        self.formality_probe: FormalityModel | None = runtime.formality_probe
        self.low_confidence_threshold = runtime.low_confidence_threshold
        self.low_confidence_accuracy = runtime.low_confidence_accuracy

    # What the runtime knows is read from it, never copied: one place to change (e.g. ``runtime.chunk``).
    @property
    def heads(self) -> TaggerHeads:
        """Return the committed heads and the preprocessing and metadata they were trained with."""
        return self.runtime.heads

    @property
    def preprocessing(self) -> Preprocessing:
        """Return how photos are turned into network input."""
        return self.runtime.preprocessing

    @property
    def device(self) -> str:
        """Return "cpu" or "cuda"."""
        return self.runtime.device

    @property
    def chunk(self) -> int:
        """Return how many photos go through the network per call."""
        return self.runtime.chunk

    @property
    def onnx_path(self) -> Path | None:
        """Return the cached ONNX export in use (None on CUDA)."""
        return self.runtime.onnx_path

    @property
    def exported_now(self) -> bool:
        """Return whether this process exported the network (the cache had no export yet)."""
        return self.runtime.exported_now

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        """Return float32 [N, 256] L2-normalised style embeddings."""
        return self.runtime.embed_images(images)

    def tag_heads(self, embeddings: np.ndarray) -> dict[str, HeadOutput]:
        """Return calibrated ``category`` and ``type`` probabilities of embeddings from this encoder."""
        return {name: HeadOutput(labels, probs) for name, (labels, probs) in self.runtime.predict(embeddings).items()}

    def see(self, images: list[Image.Image]) -> tuple[np.ndarray, dict[str, HeadOutput]]:
        """Return embeddings and head probabilities from one network pass, with ``imagenet`` (1000 classes,
        labelled by index) when the ImageNet branch is on."""
        embeddings, imagenet = self.runtime.look(images)
        heads = self.tag_heads(embeddings)
        if imagenet is not None:
            heads[IMAGENET_HEAD] = HeadOutput(IMAGENET_LABELS, imagenet)
        return embeddings, heads
