"""Garment colours from a photo: separate the garment from its background, cluster it, name the clusters.

Pure numpy + Pillow and deterministic. The pipeline works on a small copy of the photo (``WORK_SIDE``):

1. CIELAB conversion; a colour-histogram figure/ground model seeded by the border (background) and a centre
   prior (garment), refined twice, smoothed, cleaned morphologically, and kept where connected to the centre.
2. k-means of the garment pixels; each cluster is named by the nearest calibrated palette reference
   (``config/data/palette.csv``) in a lightness-discounted CIELAB metric; clusters with one name are merged.
3. ``multi`` when no name covers about half the garment and several names share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

from config.vocabulary import load_vocabulary
from engine.types import Color

WORK_SIDE = 96  # longest side of the working image; names are about whole garments, not detail
MAX_COLORS = 3
MIN_SHARE = 0.12  # named colours below this share of the garment are not reported
MULTI_SHARE = 0.45  # "no colour covers about half": measured shares run low (shadows, seams, blur)
MULTI_MIN_NAMES = 3  # ... and at least this many names above MIN_SHARE
LIGHTNESS_WEIGHT = 0.6  # exposure moves L* far more than hue: discount it when naming

_SEG_CLUSTERS = 10
_GARMENT_CLUSTERS = 6
_BORDER = 0.08  # fraction of the short side used as the background seed ring
_PRIOR_SIGMA = 0.30  # centre prior, as a fraction of each side
_MIN_MASK = 0.06  # a garment covers at least this fraction of the frame, else fall back to the centre

FloatArray = np.ndarray
IntArray = np.ndarray
BoolArray = np.ndarray


@dataclass(frozen=True, slots=True)
class ColorResult:
    """Colours of one garment photo, the confidence of the dominant name, and the garment mask used.

    ``colors`` is ordered by share and the shares sum to 1, except that when no name covers about half the
    garment the first entry is ``multi`` (its share: the part not covered by the two named colours after it).
    ``mask`` is at working resolution (longest side ``WORK_SIDE``), as ``working_rgb`` returns the photo.
    """

    colors: tuple[Color, ...]
    confidence: float
    mask: BoolArray

    @property
    def dominant(self) -> str:
        """Return the dominant colour name."""
        return self.colors[0].name


# --- colour space -----------------------------------------------------------------------------------------

_SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883])
_RGB_TO_XYZN = (_SRGB_TO_XYZ / _WHITE_D65[:, None]).T
_XYZ_TO_SRGB = np.linalg.inv(_SRGB_TO_XYZ)


@cache
def _linear_lut() -> FloatArray:
    c = np.arange(256, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def rgb_to_lab(rgb: np.ndarray) -> FloatArray:
    """Convert uint8 sRGB values of shape (..., 3) to CIELAB (D65) as float32."""
    xyz = _linear_lut()[rgb] @ _RGB_TO_XYZN.astype(np.float32)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    lab = np.empty(f.shape, dtype=np.float32)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab


def lab_to_hex(lab: FloatArray) -> str:
    """Convert one CIELAB colour to an sRGB hex string, clipped to the gamut."""
    fy = (float(lab[0]) + 16.0) / 116.0
    f = np.array([fy + float(lab[1]) / 500.0, fy, fy - float(lab[2]) / 200.0])
    xyz = np.where(f > 0.206893, f**3, (f - 16.0 / 116.0) / 7.787) * _WHITE_D65
    lin = np.clip(_XYZ_TO_SRGB @ xyz, 0.0, 1.0)
    srgb = np.where(lin <= 0.0031308, lin * 12.92, 1.055 * lin ** (1 / 2.4) - 0.055)
    r, g, b = (round(float(v) * 255) for v in srgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def hex_to_lab(value: str) -> FloatArray:
    """Convert an sRGB hex string such as ``#1f2a48`` to CIELAB."""
    value = value.lstrip("#")
    return rgb_to_lab(np.array([int(value[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.uint8))


# --- clustering and morphology ----------------------------------------------------------------------------


def kmeans(points: FloatArray, k: int, iters: int = 6, sample: int = 1500) -> tuple[FloatArray, IntArray]:
    """Cluster points deterministically; return the centres and every point's label.

    Farthest-point initialisation from the median and Lloyd steps on a strided sample keep it fast and
    repeatable; all points are assigned at the end. Empty clusters are dropped.
    """
    step = max(1, len(points) // sample)
    fit = points[::step].astype(np.float32)
    k = max(1, min(k, len(fit)))
    centres = [np.median(fit, axis=0)]
    d2 = ((fit - centres[0]) ** 2).sum(1)
    for _ in range(k - 1):
        idx = int(np.argmax(d2))
        if d2[idx] <= 1e-6:
            break
        centres.append(fit[idx])
        d2 = np.minimum(d2, ((fit - fit[idx]) ** 2).sum(1))
    c = np.array(centres, dtype=np.float32)
    for _ in range(iters):
        labels = _assign(fit, c)
        counts = np.bincount(labels, minlength=len(c)).astype(np.float32)
        keep = counts > 0
        sums = np.stack([np.bincount(labels, weights=fit[:, j], minlength=len(c)) for j in range(3)], 1)
        c = (sums[keep] / counts[keep, None]).astype(np.float32)
    labels = _assign(points, c)
    used = np.unique(labels)
    remap = np.full(len(c), -1)
    remap[used] = np.arange(len(used))
    return c[used], remap[labels]


def _assign(points: FloatArray, centres: FloatArray) -> IntArray:
    d = (centres**2).sum(1)[None, :] - 2.0 * points @ centres.T
    return d.argmin(1)


def _dilate(m: BoolArray) -> BoolArray:
    o = m.copy()
    o[1:] |= m[:-1]
    o[:-1] |= m[1:]
    o[:, 1:] |= m[:, :-1]
    o[:, :-1] |= m[:, 1:]
    return o


def erode(m: BoolArray) -> BoolArray:
    """Erode a boolean mask by one pixel (4-neighbourhood)."""
    return ~_dilate(~m)


def _box_mean(a: FloatArray, r: int = 1) -> FloatArray:
    h, w = a.shape
    k = 2 * r + 1
    c = np.pad(np.pad(a, r, mode="edge").cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    return (c[k : k + h, k : k + w] - c[:h, k : k + w] - c[k : k + h, :w] + c[:h, :w]) / (k * k)


def _reconstruct(seed: BoolArray, mask: BoolArray) -> BoolArray:
    """Return the parts of ``mask`` connected to ``seed`` (geodesic dilation)."""
    cur = seed & mask
    for _ in range(sum(mask.shape)):
        nxt = _dilate(cur) & mask
        if np.array_equal(nxt, cur):
            break
        cur = nxt
    return cur


# --- figure / ground --------------------------------------------------------------------------------------


@cache
def _priors(h: int, w: int) -> tuple[FloatArray, BoolArray]:
    y = (np.arange(h) + 0.5) / h - 0.5
    x = (np.arange(w) + 0.5) / w - 0.5
    prior = np.exp(-0.5 * ((y[:, None] / _PRIOR_SIGMA) ** 2 + (x[None, :] / _PRIOR_SIGMA) ** 2))
    r = max(2, round(_BORDER * min(h, w)))
    border = np.zeros((h, w), dtype=bool)
    border[:r] = border[-r:] = True
    border[:, :r] = border[:, -r:] = True
    return prior.astype(np.float32), border


def garment_mask(lab: FloatArray) -> BoolArray:
    """Separate the garment from its background in a CIELAB image; return a boolean mask.

    Colour clusters are scored by how much more often they occur under a centre prior than on the border,
    the score is refined twice with the current mask as the new model, then smoothed and cleaned. When the
    result is implausibly small (background looks like the garment) the central ellipse is used instead;
    when the garment fills the frame the border model is the garment itself and the mask grows to it.
    """
    h, w, _ = lab.shape
    prior, border = _priors(h, w)
    _, labels = kmeans(lab.reshape(-1, 3), _SEG_CLUSTERS)
    k = int(labels.max()) + 1
    fg_w = (prior * ~border).ravel()
    bg_w = border.ravel().astype(np.float32)
    mask = prior > 0.5
    for step in range(3):
        hf = np.bincount(labels, weights=fg_w, minlength=k) + 1e-3
        hb = np.bincount(labels, weights=bg_w, minlength=k) + 1e-3
        score = (hf / hf.sum()) / (hf / hf.sum() + hb / hb.sum())
        mask = _box_mean(score[labels].reshape(h, w)) > 0.5
        if step < 2:
            fg_w = (mask * (0.3 + 0.7 * ~border) * (0.3 + 0.7 * prior)).ravel()
            bg_w = (~mask).ravel().astype(np.float32)
    mask = erode(_dilate(_dilate(erode(mask))))  # open, then close
    connected = _reconstruct(prior > 0.6, mask)
    if connected.sum() >= _MIN_MASK * h * w:
        return connected
    if mask.sum() >= _MIN_MASK * h * w:
        return mask
    return prior > 0.5


# --- naming -----------------------------------------------------------------------------------------------


@cache
def _references() -> tuple[tuple[str, ...], FloatArray]:
    refs = load_vocabulary().palette_refs
    names = tuple(name for name, values in refs.items() for _ in values)
    labs = np.array([hex_to_lab(v) for values in refs.values() for v in values], dtype=np.float32)
    return names, labs * np.array([LIGHTNESS_WEIGHT, 1.0, 1.0], dtype=np.float32)


def name_colors(labs: FloatArray) -> tuple[list[str], FloatArray]:
    """Name CIELAB colours (n, 3) by their nearest calibrated palette reference; return names, distances."""
    names, refs = _references()
    scaled = np.atleast_2d(labs) * np.array([LIGHTNESS_WEIGHT, 1.0, 1.0], dtype=np.float32)
    d = np.sqrt(((scaled[:, None, :] - refs[None, :, :]) ** 2).sum(2))
    best = d.argmin(1)
    return [names[i] for i in best], d


def _name_confidence(d_row: FloatArray, name: str) -> float:
    """Confidence from the margin between the nearest reference and the nearest one of another name."""
    names, _ = _references()
    own = min(float(d) for n, d in zip(names, d_row, strict=True) if n == name)
    other = min(float(d) for n, d in zip(names, d_row, strict=True) if n != name)
    return float(np.clip(0.5 + 0.5 * (other - own) / (other + own + 1e-6) * 2.0, 0.0, 1.0))


# --- public -----------------------------------------------------------------------------------------------


def working_rgb(image: Image.Image, side: int = WORK_SIDE) -> np.ndarray:
    """Return the photo as a small uint8 RGB array (longest side ``side``); alpha is composed onto white."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if image.mode != "RGB":
        image = image.convert("RGB")
    w, h = image.size
    scale = side / max(w, h)
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        image = image.resize(size, Image.Resampling.BOX, reducing_gap=3.0)
    return np.asarray(image, dtype=np.uint8)


def extract_colors(image: Image.Image) -> ColorResult:
    """Return the garment's colours (1-3, by share), the dominant name's confidence and the garment mask."""
    lab = rgb_to_lab(working_rgb(image))
    mask = garment_mask(lab) if min(lab.shape[:2]) >= 8 else np.ones(lab.shape[:2], dtype=bool)
    pixels = lab[mask]
    centres, labels = kmeans(pixels, _GARMENT_CLUSTERS)
    counts = np.bincount(labels, minlength=len(centres)).astype(np.float64)
    names, dists = name_colors(centres)
    by_name: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        by_name.setdefault(name, []).append(i)
    total = counts.sum()
    merged = []
    for name, idx in by_name.items():
        share = counts[idx].sum() / total
        mean = (centres[idx] * counts[idx, None]).sum(0) / counts[idx].sum()
        conf = float(np.average([_name_confidence(dists[i], name) for i in idx], weights=counts[idx]))
        merged.append((share, name, mean, conf))
    merged.sort(key=lambda m: (-m[0], m[1]))
    return _finish(merged, mask)


def _finish(merged: list[tuple[float, str, FloatArray, float]], mask: BoolArray) -> ColorResult:
    kept = [m for m in merged if m[0] >= MIN_SHARE][:MAX_COLORS] or merged[:1]
    top_share, _, _, top_conf = kept[0]
    spread = sum(1 for m in merged if m[0] >= MIN_SHARE)
    if top_share < MULTI_SHARE and spread >= MULTI_MIN_NAMES:
        parts = tuple(Color(name, lab_to_hex(mean), float(share)) for share, name, mean, _ in kept[:2])
        rest = 1.0 - sum(c.share for c in parts)
        mean = np.sum([share * lab for share, _, lab, _ in merged], axis=0)
        multi = Color("multi", lab_to_hex(mean), float(rest))
        # "multi" states the spread, so it is as sure as the dominant share is low
        return ColorResult((multi, *parts), float(np.clip(1.4 - top_share / MULTI_SHARE, 0.0, 1.0)), mask)
    scale = sum(m[0] for m in kept)
    colors = tuple(Color(name, lab_to_hex(mean), float(share / scale)) for share, name, mean, _ in kept)
    confidence = top_conf * float(np.clip(0.5 + top_share, 0.0, 1.0))
    return ColorResult(colors, confidence, mask)
