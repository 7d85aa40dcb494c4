"""Garment colours from a photo: separate the garment from its background, cluster it, name the clusters.

numpy + Pillow (and scipy.ndimage for connected components), deterministic. The pipeline works on a small copy
of the photo (``models.pixels``):

1. CIELAB conversion and the garment mask of :func:`models.pixels.garment_mask` (a colour-histogram
   figure/ground model seeded by the border and a centre prior).
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
from models.pixels import BoolArray, FloatArray, hex_to_lab, kmeans, lab_to_hex, photo_lab_and_mask

MAX_COLORS = 3
MIN_SHARE = 0.12  # named colours below this share of the garment are not reported
MULTI_SHARE = 0.45  # "no colour covers about half": measured shares run low (shadows, seams, blur)
MULTI_MIN_NAMES = 3  # ... and at least this many names above MIN_SHARE
LIGHTNESS_WEIGHT = 0.6  # exposure moves L* far more than hue: discount it when naming

_GARMENT_CLUSTERS = 6

# Studio photos: a garment cut out on a plain light background is exposed for that background (brighter than a
# home photo of the same garment, whose colours the palette was calibrated on) and lit evenly (shadows filled).
# Their garment colours are taken back to home-photo exposure before naming: linear light minus the fill, divided
# by the gain. Chosen on studio renderings of the validation photos (bench/studio_renders.py).
STUDIO_GAIN = 1.4
STUDIO_FILL = 0.006
STUDIO_RING = 0.08  # the border ring examined, as a fraction of the short side (as the garment mask's seed)
STUDIO_MIN_L = 80.0  # the ring's median lightness at least this ...
STUDIO_PLAIN = 0.9  # ... with this share of its pixels within STUDIO_SPREAD of it, nearly colourless
STUDIO_SPREAD = 4.0



@dataclass(frozen=True, slots=True)
class ColorResult:
    """Colours of one garment photo, the confidence of the dominant name, and the garment mask used.

    ``colors`` is ordered by share and the shares sum to 1, except that when no name covers about half the
    garment the first entry is ``multi`` (its share: the part not covered by the two named colours after it).
    ``mask`` is at working resolution (``models.pixels.WORK_SIDE``), as ``models.pixels.working_rgb`` returns it.
    """

    colors: tuple[Color, ...]
    confidence: float
    mask: BoolArray

    @property
    def dominant(self) -> str:
        """Return the dominant colour name."""
        return self.colors[0].name


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


# --- studio photos ----------------------------------------------------------------------------------------


def studio_background(lab: FloatArray) -> float | None:
    """Return the background's relative luminance Y when the photo is a studio shot (a plain, light, colourless
    border ring), else None."""
    h, w = lab.shape[:2]
    r = max(2, round(STUDIO_RING * min(h, w)))
    if min(h, w) <= 2 * r:
        return None
    ring = np.concatenate([lab[:r].reshape(-1, 3), lab[-r:].reshape(-1, 3),
                           lab[r:-r, :r].reshape(-1, 3), lab[r:-r, -r:].reshape(-1, 3)])
    level = float(np.median(ring[:, 0]))
    plain = (np.abs(ring[:, 0] - level) < STUDIO_SPREAD) & (np.hypot(ring[:, 1], ring[:, 2]) < STUDIO_SPREAD)
    if level < STUDIO_MIN_L or plain.mean() < STUDIO_PLAIN:
        return None
    return float(((level + 16.0) / 116.0) ** 3)


def home_exposure(pixels: FloatArray, background: float) -> FloatArray:
    """Return studio-lit CIELAB pixels as a home photo would show them: exposure relative to the background,
    the studio's fill light removed and its gain undone (in linear light, XYZ relative to white)."""
    fy = (pixels[:, 0] + 16.0) / 116.0
    f = np.stack([fy + pixels[:, 1] / 500.0, fy, fy - pixels[:, 2] / 200.0], axis=1)
    xyz = np.where(f > 6.0 / 29.0, f**3, (f - 16.0 / 116.0) * 3.0 * (6.0 / 29.0) ** 2)
    xyz = np.maximum(xyz / background - STUDIO_FILL, 0.0) / STUDIO_GAIN
    g = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    out = np.empty_like(pixels, dtype=np.float32)
    out[:, 0] = 116.0 * g[:, 1] - 16.0
    out[:, 1] = 500.0 * (g[:, 0] - g[:, 1])
    out[:, 2] = 200.0 * (g[:, 1] - g[:, 2])
    return out


# --- public -----------------------------------------------------------------------------------------------


def extract_colors(image: Image.Image, lab: FloatArray | None = None, *, studio: bool = True) -> ColorResult:
    """Return the garment's colours (1-3, by share), the dominant name's confidence and the garment mask.

    ``lab``: the photo's ``models.pixels.working_lab`` when the caller has it already. ``studio``: take a studio
    shot's colours back to home-photo exposure (False only to measure what that changes).
    """
    lab, mask = photo_lab_and_mask(image, lab)
    pixels = lab[mask]
    background = studio_background(lab) if studio else None
    if background is not None:
        pixels = home_exposure(pixels, background)
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
