"""EfficientNet-Lite0 (ImageNet, Apache-2.0 weights package) as a pooled 1280-d feature backbone.

This module imports torch. The numpy-only preprocessing (:mod:`models.preprocess`) and the artefact names
(:mod:`models.artifacts`) are re-exported here; the ONNX steady state imports those two, never this file.
Editing this file changes :func:`onnx_tag`, so cached ONNX exports are rebuilt.
"""

from __future__ import annotations

import contextlib
import io
import os
import uuid
import warnings
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.artifacts import FEATURE_DIM, INPUT_NAME, OUTPUT_NAME, onnx_file, onnx_tag, weights_path
from models.preprocess import Preprocessing

__all__ = [
    "FEATURE_DIM",
    "Lite0Backbone",
    "Preprocessing",
    "build_backbone",
    "export_onnx",
    "onnx_file",
    "onnx_tag",
    "torch_features",
]


class Lite0Backbone(nn.Module):
    """EfficientNet-Lite0 trunk followed by global average pooling: [N, 3, 224, 224] -> [N, 1280]."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        """Return the pooled features (not normalised) of a batch of preprocessed images."""
        return self.net.extract_features(pixels).mean(dim=(2, 3))  # type: ignore[operator]


def build_backbone() -> Lite0Backbone:
    """Return the pretrained backbone in eval mode.

    Never call ``set_swish()`` on it: Lite models use ReLU6, and swish silently ruins the features.
    """
    from efficientnet_lite_pytorch import EfficientNet

    # The package prints "Loaded pretrained weights" to stdout, where our CLI writes JSON.
    with contextlib.redirect_stdout(io.StringIO()):
        net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(weights_path()))
    return Lite0Backbone(net).eval()


def export_onnx(path: Path, backbone: Lite0Backbone | None = None) -> Path:
    """Export the backbone to ONNX (opset 17, dynamic batch) at ``path``, atomically; return ``path``.

    The file is written beside its destination and moved into place with ``os.replace``, so a concurrent
    reader sees either no file or a complete, checked one.
    """
    import onnx

    backbone = backbone or build_backbone()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    dummy = torch.zeros(1, 3, 224, 224)
    try:
        # The TorchScript exporter warns about constant folding and may print; keep stdout clean for the CLI.
        with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                backbone,
                (dummy,),
                str(tmp),
                input_names=[INPUT_NAME],
                output_names=[OUTPUT_NAME],
                dynamic_axes={INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}},
                opset_version=17,
                dynamo=False,
            )
        onnx.checker.check_model(str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def torch_features(backbone: Lite0Backbone, pixels: np.ndarray) -> np.ndarray:
    """Run the backbone eagerly on CPU: float32 [N, 3, 224, 224] -> float32 [N, 1280] (not normalised)."""
    with torch.inference_mode():
        return backbone(torch.from_numpy(pixels)).numpy().astype(np.float32)
