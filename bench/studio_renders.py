"""Studio-style renderings of the CC0 home photos: the garment cut out and centred on white, as a catalog shows it.

There are no studio photos in ``shared/data``; these stand in for them, with the by-eye labels of the photos they
come from (the garment's colour does not change with the light). Two looks:

- ``white``: the training code's product shot (``models.style_data.product_shot``: the product's own garment mask,
  a white canvas, a slight blur, exposure within ±15 %);
- ``bright``: the same after bright, even studio light on the garment: exposure raised (x1.6 in linear light) and
  the shadows filled (a constant of linear light added), so a black garment reads as a dark grey, as black garments
  do in catalog photos lit for their detail.

Deterministic per photo (seeded by its path).
"""

from __future__ import annotations

import zlib

import numpy as np
from PIL import Image

from models.style_data import garment_mask_of, product_shot

LOOKS = ("white", "bright")
GAIN = 1.6  # exposure in linear light
FILL = 0.012  # shadow fill, in linear light (sRGB 0 -> about 28)


def _linear(rgb: np.ndarray) -> np.ndarray:
    c = rgb / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0.0, 1.0)
    c = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
    return np.round(c * 255).astype(np.uint8)


def studio_light(image: Image.Image, gain: float = GAIN, fill: float = FILL) -> Image.Image:
    """Return the photo under brighter, more even light: exposure times ``gain`` plus ``fill`` in linear light."""
    lin = _linear(np.asarray(image.convert("RGB"), dtype=np.float64))
    return Image.fromarray(_srgb(lin * gain + fill))


def render(image: Image.Image, key: str, look: str) -> Image.Image:
    """Return a studio rendering (``look``: one of ``LOOKS``) of a garment photo; ``key`` seeds it."""
    if look not in LOOKS:
        raise ValueError(f"look must be one of {LOOKS}")
    rng = np.random.default_rng(zlib.crc32(key.encode()))
    mask = garment_mask_of(image)  # cut out where the home photo shows the garment, before the light changes
    lit = studio_light(image) if look == "bright" else image
    return product_shot(lit, rng, grey=False, mask=mask)
