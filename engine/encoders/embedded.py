"""The default, offline encoder: EfficientNet-Lite0 features + the committed tag heads.

CPU runs the backbone exported once to ONNX (cached in ``settings.cache_dir``) with ONNX Runtime; that
steady state imports no torch. CUDA runs the torch module eagerly with fp16 autocast.
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
from engine.encoders.base import Encoder, HeadOutput, l2_normalise
from engine.errors import EncoderUnavailable
from models.artifacts import FEATURE_DIM, INPUT_NAME, onnx_file
from models.heads import DEFAULT_DIR, TaggerHeads

log = logging.getLogger(__name__)

CHUNK = 32


def resolve_device(setting: str) -> str:
    """Return "cuda" or "cpu" for a ``Settings.device`` value.

    "auto" only imports torch to ask about CUDA when an NVIDIA device node exists (or torch is already
    loaded), so a CPU-only process on Linux never pays for importing torch.
    """
    if setting != "auto":
        return setting
    if (
        sys.platform.startswith("linux")
        and not os.path.exists("/dev/nvidiactl")
        and "torch" not in sys.modules
    ):
        return "cpu"
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


class EmbeddedEncoder(Encoder):
    """Lite0 (ImageNet, frozen) pooled features, L2-normalised, with linear category and type heads."""

    name = "embedded"
    dim = FEATURE_DIM

    def __init__(self, settings: Settings, heads_dir: Path = DEFAULT_DIR, chunk: int = CHUNK) -> None:
        self.heads = TaggerHeads.load(heads_dir)
        self.preprocessing = self.heads.preprocessing
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

        path = onnx_file(settings.cache_dir)
        if not path.exists():
            from models.lite0 import export_onnx  # the only step on CPU that needs torch

            log.info("exporting the Lite0 backbone to %s (once)", path)
            export_onnx(path)
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

        from models.lite0 import build_backbone

        if not torch.cuda.is_available():
            raise EncoderUnavailable("STYLIST_DEVICE=cuda but torch sees no CUDA device")
        self._module = build_backbone().to("cuda")

    def _features(self, pixels: np.ndarray) -> np.ndarray:
        if self._session is not None:
            return np.asarray(self._session.run(None, {INPUT_NAME: pixels})[0], dtype=np.float32)
        import torch

        with torch.inference_mode(), torch.autocast("cuda", dtype=torch.float16):
            out = self._module(torch.from_numpy(pixels).to("cuda", non_blocking=True))
        return out.float().cpu().numpy()

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        """Return float32 [N, 1280] L2-normalised embeddings, computed in chunks of ``self.chunk``."""
        out = np.zeros((len(images), self.dim), dtype=np.float32)
        for start in range(0, len(images), self.chunk):
            part = images[start : start + self.chunk]
            out[start : start + len(part)] = self._features(self.preprocessing.batch(part))
        return l2_normalise(out)

    def tag_heads(self, embeddings: np.ndarray) -> dict[str, HeadOutput]:
        """Return calibrated ``category`` and ``type`` probabilities of embeddings from this encoder."""
        x = np.asarray(embeddings, dtype=np.float32).reshape(-1, self.dim)
        return {name: HeadOutput(labels, probs) for name, (labels, probs) in self.heads.predict(x).items()}
