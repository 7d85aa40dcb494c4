"""The fine-tuned style network: EfficientNet-Lite0 trunk + a 256-d style embedding + cosine tag heads.

``pixels [N, 3, 224, 224] -> (embedding [N, D] L2-normalised, category_logits [N, C], type_logits [N, T])``.
Deployed (ONNX on a CPU, torch on a GPU) behind :class:`PixelInput`, which takes the uint8 photos
``[N, 224, 224, 3]`` the preprocessing lays out and normalises them inside the graph.
The heads are cosine classifiers on the embedding (``scale * e . w / |w|``), so the tag probabilities are a
function of the style vector alone: the product computes them in numpy from the embeddings it stores.

Weights are saved as one float16 npz (``network.npz``, byte-reproducible) beside ``config.json``; which weights
is separate from which architecture (:class:`StyleNetConfig`). This module imports torch.
"""

from __future__ import annotations

import contextlib
import io
import os
import uuid
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from models.artifacts import EMBEDDING_NAME, IMAGENET_NAME, INPUT_NAME, LOGIT_NAMES, NETWORK_FILE
from models.heads import _write_npz
from models.preprocess import Preprocessing

FEATURE_DIM = 1280


@dataclass(frozen=True)
class StyleNetConfig:
    """Architecture of a :class:`StyleNet` (stored in config.json under ``network``)."""

    category_labels: tuple[str, ...]
    type_labels: tuple[str, ...]
    embed_dim: int = 256
    scale: float = 16.0  # cosine-logit scale used in training (temperature scaling calibrates later)
    train_from_block: int = 12  # blocks before this stay ImageNet-frozen (their outputs are cached)
    #: Output embedding = normalize(e + pull * sum_t P(t | e) * prototype_t): pulls each photo towards the type
    #: prototypes it probably belongs to, so neighbours share the type more often (applied after training).
    prototype_pull: float = 0.0

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> StyleNetConfig:
        """Build from :meth:`to_dict` output."""
        return cls(
            category_labels=tuple(data["category_labels"]),  # type: ignore[arg-type]
            type_labels=tuple(data["type_labels"]),  # type: ignore[arg-type]
            embed_dim=int(data["embed_dim"]),  # type: ignore[call-overload]
            scale=float(data["scale"]),  # type: ignore[arg-type]
            train_from_block=int(data["train_from_block"]),  # type: ignore[call-overload]
            prototype_pull=float(data.get("prototype_pull", 0.0)),  # type: ignore[arg-type]
        )


class CosineHead(nn.Module):
    """``scale * normalize(x) @ normalize(W).T``."""

    def __init__(self, dim: int, classes: int, scale: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(classes, dim) * 0.01)
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return cosine logits of already-normalised embeddings."""
        return self.scale * x @ F.normalize(self.weight, dim=1).T

    def numpy_weight(self) -> np.ndarray:
        """Return the float32 [dim, classes] matrix whose product with an embedding gives the logits."""
        with torch.no_grad():
            return (self.scale * F.normalize(self.weight.float(), dim=1)).T.contiguous().numpy().astype(np.float32)


class StyleNet(nn.Module):
    """Lite0 trunk -> GAP -> dropout -> linear projection -> L2 norm -> cosine category / type heads."""

    def __init__(self, config: StyleNetConfig, pretrained: bool = False) -> None:
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        self.config = config
        with contextlib.redirect_stdout(io.StringIO()):  # the package prints on load
            if pretrained:
                from models.artifacts import weights_path

                net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(weights_path()))
            else:
                net = EfficientNet.from_name("efficientnet-lite0")
        # Never call set_swish(): Lite0 uses ReLU6. The ImageNet classifier is not part of this model.
        self.stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = net._blocks
        self.head = nn.Sequential(net._conv_head, net._bn1, net._swish)
        self.drop_connect = float(net._global_params.drop_connect_rate or 0.0)
        self.dropout = nn.Dropout(0.2)
        self.project = nn.Linear(FEATURE_DIM, config.embed_dim)
        self.category_head = CosineHead(config.embed_dim, len(config.category_labels), config.scale)
        self.type_head = CosineHead(config.embed_dim, len(config.type_labels), config.scale)

    def trunk(self, x: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """Run blocks ``start:stop`` (the stem first when ``start == 0``)."""
        if start == 0:
            x = self.stem(x)
        stop = len(self.blocks) if stop is None else stop
        for idx in range(start, stop):
            x = self.blocks[idx](x, drop_connect_rate=self.drop_connect * idx / len(self.blocks))
        return x

    def embed_from(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Return L2-normalised embeddings from the activation entering block ``start``."""
        pooled = self.head(self.trunk(x, start)).mean(dim=(2, 3))
        return F.normalize(self.project(self.dropout(pooled)), dim=1)

    def pull_to_prototypes(self, e: torch.Tensor) -> torch.Tensor:
        """Return the style embedding: ``e`` moved towards its likely type prototypes by ``prototype_pull``."""
        if self.config.prototype_pull == 0:
            return e
        prototypes = F.normalize(self.type_head.weight, dim=1)
        probs = torch.softmax(self.type_head(e), dim=1)
        return F.normalize(e + self.config.prototype_pull * probs @ prototypes, dim=1)

    def style_from(self, x: torch.Tensor, start: int = 0) -> torch.Tensor:
        """Return the output style embedding from the activation entering block ``start`` (inference)."""
        return self.pull_to_prototypes(self.embed_from(x, start))

    def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return ``(embedding, category_logits, type_logits)`` of preprocessed images."""
        e = self.style_from(pixels)
        return e, self.category_head(e), self.type_head(e)

    def save(self, path: Path) -> None:
        """Write every float tensor as float16 into one byte-reproducible npz."""
        arrays = {
            name: t.detach().cpu().numpy().astype(np.float16)
            for name, t in self.state_dict().items()
            if t.is_floating_point()
        }
        _write_npz(path, arrays)

    @classmethod
    def load(cls, folder: Path, config: StyleNetConfig) -> StyleNet:
        """Build the network from ``folder/network.npz`` (float16 stored, float32 in memory), in eval mode."""
        model = cls(config)
        state = model.state_dict()
        with np.load(folder / NETWORK_FILE) as arrays:
            for name in state:
                if state[name].is_floating_point():
                    state[name] = torch.from_numpy(arrays[name].astype(np.float32))
        model.load_state_dict(state)
        return model.eval()

    def round_to_stored_precision(self) -> None:
        """Round every float tensor to float16 and back, so in-memory weights equal what :meth:`save` writes."""
        with torch.no_grad():
            for t in self.state_dict().values():
                if t.is_floating_point():
                    t.copy_(t.half().float())


class PixelInput(nn.Module):
    """The style network as deployed: uint8 RGB photos ``[N, size, size, 3]`` in, normalised inside the graph.

    Normalising and transposing in the graph costs ONNX Runtime a fraction of what numpy spends on it (about
    0.8 ms a photo of 8.6 end to end on one CPU thread, ``bench.clip_speed``) and gives a GPU a quarter of the
    bytes to transfer. Outputs are the wrapped network's, bit for bit those of ``net(preprocessing.batch(...))``.
    With an ImageNet ``branch`` (``models.imagenet_branch``) the activation after the shared frozen blocks also
    feeds the ImageNet classifier, whose logits come fourth: one pass, the shared blocks computed once.
    """

    def __init__(self, net: StyleNet, preprocessing: Preprocessing, branch: nn.Module | None = None) -> None:
        super().__init__()
        self.net = net
        self.branch = branch
        self.size = preprocessing.size
        mean, std = preprocessing.mean_std()
        self.mean: torch.Tensor
        self.std: torch.Tensor
        self.register_buffer("mean", torch.from_numpy(mean.copy()).view(1, 3, 1, 1))
        self.register_buffer("std", torch.from_numpy(std.copy()).view(1, 3, 1, 1))

    @property
    def output_names(self) -> list[str]:
        """Return the names of :meth:`forward`'s outputs, in order."""
        return [EMBEDDING_NAME, *LOGIT_NAMES, *([IMAGENET_NAME] if self.branch is not None else [])]

    def forward(self, photos: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Return ``(embedding, category_logits, type_logits[, imagenet_logits])`` of uint8 photos."""
        x = (photos.permute(0, 3, 1, 2).to(self.mean.dtype) - self.mean) / self.std
        if self.branch is None:
            return self.net(x)  # type: ignore[no-any-return]
        start = self.net.config.train_from_block
        shared = self.net.trunk(x, 0, start)
        e = self.net.style_from(shared, start)
        return e, self.net.category_head(e), self.net.type_head(e), self.branch(shared)


def export_onnx(model: PixelInput, path: Path) -> Path:
    """Export ``model`` (eval mode, float32) to ONNX (opset 17, dynamic batch) atomically; return ``path``."""
    import onnx

    model = model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    outputs = model.output_names
    try:
        with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (torch.zeros(1, model.size, model.size, 3, dtype=torch.uint8),),
                str(tmp),
                input_names=[INPUT_NAME],
                output_names=outputs,
                dynamic_axes={name: {0: "batch"} for name in [INPUT_NAME, *outputs]},
                opset_version=17,
                dynamo=False,
            )
        onnx.checker.check_model(str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
