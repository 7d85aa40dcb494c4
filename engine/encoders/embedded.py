"""The default, offline encoder: the fine-tuned Lite0 style network (``models/weights/style_v1``).

``embed_images`` returns the network's 256-d L2-normalised style embedding; ``tag_heads`` computes the calibrated
category and type probabilities from those embeddings alone (the heads are temperature-scaled cosine classifiers
on the embedding, applied in numpy), so no state is kept between the two calls.

CPU runs the network exported once to ONNX (cached in ``settings.cache_dir`` under a name keyed by the weights'
hash) with ONNX Runtime; that steady state imports no torch. CUDA runs the torch module in float16.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from config.settings import Settings
from engine.attributes import PatternModel
from engine.encoders.base import Encoder, HeadOutput, l2_normalise
from engine.errors import EncoderUnavailable
from models.artifacts import EMBEDDING_NAME, INPUT_NAME, STYLE_DIR, model_tag, onnx_file
from models.heads import TaggerHeads
from models.pattern_head import PatternHead

log = logging.getLogger(__name__)

CHUNK = 32


def resolve_device(setting: str) -> str:
    """Return "cuda" or "cpu" for a ``Settings.device`` value.

    "auto" only imports torch to ask about CUDA when an NVIDIA device node exists (or torch is already
    loaded), so a CPU-only process on Linux never pays for importing torch.
    """
    if setting != "auto":
        return setting
    if sys.platform.startswith("linux") and not os.path.exists("/dev/nvidiactl") and "torch" not in sys.modules:
        return "cpu"
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_style_net(folder: Path = STYLE_DIR) -> Any:
    """Return the committed style network as a float32 torch module in eval mode (imports torch)."""
    from models.style_net import StyleNet, StyleNetConfig

    config = TaggerHeads.load(folder).config
    return StyleNet.load(folder, StyleNetConfig.from_dict(config["network"]))


class EmbeddedEncoder(Encoder):
    """Fine-tuned Lite0: 256-d style embedding + calibrated category and type heads on that embedding."""

    def __init__(self, settings: Settings, heads_dir: Path = STYLE_DIR, chunk: int = CHUNK) -> None:
        self.folder = heads_dir
        self.heads = TaggerHeads.load(heads_dir)
        self.preprocessing = self.heads.preprocessing
        self.dim = self.heads.dim
        # The name changes with the weights or the network config, so `stylist reindex` re-embeds rows made by
        # another version of the network.
        tag = model_tag(heads_dir)
        self.name = f"embedded:{heads_dir.name}@{tag}"
        #: The learned pattern head for this embedding space (``models.train_pattern``), or None: the tagger then
        #: falls back to texture rules. A head trained on another version of the network is not used.
        pattern = PatternHead.load(heads_dir)
        if pattern is not None and pattern.info.get("network") != tag:
            log.warning("pattern head in %s was trained for another network; using texture rules", heads_dir)
            pattern = None
        self.pattern_head: PatternModel | None = pattern
        rule = self.heads.config.get("low_confidence", {})
        #: Below this top type probability a tag is a guess: ask the user (or answer ``other``).
        self.low_confidence_threshold = float(rule.get("threshold", 0.0))
        #: How often validation photos under that threshold were right: their type's measured confidence.
        self.low_confidence_accuracy = float(rule.get("validation_accuracy_flagged", 1.0))
        self.chunk = chunk
        self.device = resolve_device(settings.device)
        self.onnx_path: Path | None = None
        self.exported_now = False
        self._session: Any = None
        self._module: Any = None
        if self.device == "cuda":
            self._load_torch()
        else:
            self._load_onnx(settings)

    def _load_onnx(self, settings: Settings) -> None:
        import onnxruntime as ort

        path = onnx_file(settings.cache_dir, self.folder)
        if not path.exists():
            from models.style_net import export_onnx  # the only step on CPU that needs torch

            log.info("exporting the style network to %s (once)", path)
            export_onnx(load_style_net(self.folder), path)
            self.exported_now = True
        options = ort.SessionOptions()
        options.intra_op_num_threads = settings.encoder_threads
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for a corrupt file
            raise EncoderUnavailable(f"cannot load the exported encoder {path}: {exc}") from exc
        self.onnx_path = path

    def _load_torch(self) -> None:
        import torch

        if not torch.cuda.is_available():
            raise EncoderUnavailable("STYLIST_DEVICE=cuda but torch sees no CUDA device")
        self._module = load_style_net(self.folder).to("cuda").half()

    def _embed(self, pixels: np.ndarray) -> np.ndarray:
        if self._session is not None:
            return np.asarray(self._session.run([EMBEDDING_NAME], {INPUT_NAME: pixels})[0], dtype=np.float32)
        import torch

        with torch.inference_mode():
            out = self._module(torch.from_numpy(pixels).to("cuda", non_blocking=True).half())[0]
        return out.float().cpu().numpy()

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        """Return float32 [N, 256] L2-normalised style embeddings, computed in chunks of ``self.chunk``."""
        out = np.zeros((len(images), self.dim), dtype=np.float32)
        for start in range(0, len(images), self.chunk):
            part = images[start : start + self.chunk]
            out[start : start + len(part)] = self._embed(self.preprocessing.batch(part))
        return l2_normalise(out)

    def tag_heads(self, embeddings: np.ndarray) -> dict[str, HeadOutput]:
        """Return calibrated ``category`` and ``type`` probabilities of embeddings from this encoder."""
        x = np.asarray(embeddings, dtype=np.float32).reshape(-1, self.dim)
        return {name: HeadOutput(labels, probs) for name, (labels, probs) in self.heads.predict(x).items()}
