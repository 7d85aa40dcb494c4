"""Image preprocessing for the Lite0 backbone, in numpy + Pillow only (the ONNX path must not need torch)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
from PIL import Image

Geometry = Literal["squash", "letterbox", "crop"]
Norm = Literal["imagenet", "tf"]

_IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32) * 255.0
_IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32) * 255.0
# The original TF EfficientNet-Lite checkpoints were trained on (x - 127) / 128.
_TF_MEAN = np.full(3, 127.0, dtype=np.float32)
_TF_STD = np.full(3, 128.0, dtype=np.float32)


@dataclass(frozen=True, slots=True)
class Preprocessing:
    """How a photo becomes the backbone's input.

    ``geometry``: ``squash`` resizes to size x size ignoring the aspect ratio; ``letterbox`` fits the longest
    side and pads the rest with the normalisation mean (so padding is zero after normalising); ``crop``
    resizes the shortest side and keeps the centre square.
    ``norm``: ``imagenet`` mean/std or ``tf`` (x - 127) / 128.
    """

    geometry: Geometry = "letterbox"
    norm: Norm = "imagenet"
    size: int = 224

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-ready description (stored in the tagger's config.json)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Preprocessing:
        """Build from :meth:`to_dict` output."""
        return cls(geometry=data["geometry"], norm=data["norm"], size=int(data["size"]))  # type: ignore[arg-type,call-overload]

    def mean_std(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the per-channel (mean, std) on the 0-255 scale that :meth:`normalise` applies."""
        return (_IMAGENET_MEAN, _IMAGENET_STD) if self.norm == "imagenet" else (_TF_MEAN, _TF_STD)

    def _resize(self, image: Image.Image) -> Image.Image:
        s = self.size
        w, h = image.size
        if self.geometry == "squash":
            return image.resize((s, s), Image.Resampling.BILINEAR)
        if self.geometry == "letterbox":
            scale = s / max(w, h)
            nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
            fill = tuple(int(round(v)) for v in self.mean_std()[0])
            canvas = Image.new("RGB", (s, s), fill)
            canvas.paste(image.resize((nw, nh), Image.Resampling.BILINEAR), ((s - nw) // 2, (s - nh) // 2))
            return canvas
        scale = s / min(w, h)
        nw, nh = max(s, round(w * scale)), max(s, round(h * scale))
        left, top = (nw - s) // 2, (nh - s) // 2
        return image.resize((nw, nh), Image.Resampling.BILINEAR).crop((left, top, left + s, top + s))

    def photo(self, image: Image.Image) -> np.ndarray:
        """Return the uint8 [size, size, 3] RGB input of one image: resized and padded, not yet normalised."""
        if image.mode != "RGB":
            image = image.convert("RGB")
        return np.asarray(self._resize(image), dtype=np.uint8)

    def photos(self, images: list[Image.Image]) -> np.ndarray:
        """Return the uint8 [N, size, size, 3] input of several images: what the exported network reads.

        The deployed graph (:class:`models.style_net.PixelInput`) normalises inside, where it is vectorised with
        the network; a quarter of the bytes to copy, and on a GPU to transfer.
        """
        return np.stack([self.photo(image) for image in images]) if images else np.zeros(
            (0, self.size, self.size, 3), dtype=np.uint8)

    def normalise(self, photos: np.ndarray) -> np.ndarray:
        """Return float32 [N, 3, size, size] network input from uint8 [N, size, size, 3] photos."""
        mean, std = self.mean_std()
        return np.ascontiguousarray(((photos.astype(np.float32) - mean) / std).transpose(0, 3, 1, 2))

    def __call__(self, image: Image.Image) -> np.ndarray:
        """Return the float32 [3, size, size] input of one image."""
        return self.normalise(self.photo(image)[None])[0]

    def batch(self, images: list[Image.Image]) -> np.ndarray:
        """Return the float32 [N, 3, size, size] input of several images (training, eager torch)."""
        return self.normalise(self.photos(images))
