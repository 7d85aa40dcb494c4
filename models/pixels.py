"""Pixel-level garment analysis shared by training and the product: colour space, segmentation, texture.

numpy + Pillow (and scipy.ndimage for connected components), deterministic. ``garment_mask`` separates a
garment from its background (the photos are on floors, beds and hangers); ``texture`` measures its surface. The
engine names colours and infers patterns from these (``engine.colors``, ``engine.attributes``); training cuts
garments out with the same mask (``models.style_data``) and the pattern head learns on the same texture measures
(``models.train_pattern``), so training and inference see identical features.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image

WORK_SIDE = 96  # longest side of the working image; names are about whole garments, not detail
EDGE = 6.0  # an L* step per pixel that counts as an edge at the working size

_SEG_CLUSTERS = 10
_BORDER = 0.08  # fraction of the short side used as the background seed ring
_PRIOR_SIGMA = 0.30  # centre prior, as a fraction of each side
_MIN_MASK = 0.06  # a garment covers at least this fraction of the frame, else fall back to the centre

FloatArray = np.ndarray
IntArray = np.ndarray
BoolArray = np.ndarray


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
    channel = np.arange(3)
    for _ in range(iters):
        labels = _assign(fit, c)
        counts = np.bincount(labels, minlength=len(c)).astype(np.float32)
        keep = counts > 0
        # per-cluster channel sums in one pass: bin 3 * label + channel (float64, accumulated in point order)
        sums = np.bincount((3 * labels[:, None] + channel).ravel(), weights=fit.ravel(), minlength=3 * len(c))
        c = (sums.reshape(-1, 3)[keep] / counts[keep, None]).astype(np.float32)
    labels = _assign(points, c)
    used = np.flatnonzero(np.bincount(labels, minlength=len(c)))
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
    """Return the parts of ``mask`` connected to ``seed`` (4-neighbourhood): its connected components that touch
    the seed, which is what geodesic dilation of the seed inside the mask converges to, labelled in one pass."""
    from scipy import ndimage  # lazy: a third of a second to import, only needed once a photo is segmented

    components, count = ndimage.label(mask)  # the default structure is the 4-neighbourhood cross
    keep = np.zeros(count + 1, dtype=bool)
    keep[components[seed & mask]] = True
    keep[0] = False
    return keep[components]


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


# --- working image -------------------------------------------------------------------------------------


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


def working_lab(image: Image.Image) -> FloatArray:
    """Return the photo at working size in CIELAB: what colours, the garment mask and texture are measured on."""
    return rgb_to_lab(working_rgb(image))


def photo_lab_and_mask(image: Image.Image, lab: FloatArray | None = None) -> tuple[FloatArray, BoolArray]:
    """Return the photo at working size in CIELAB and its garment mask (all-true when too small to segment).

    ``lab``: the photo's :func:`working_lab`, when the caller has it already (it is then not computed again).
    """
    lab = working_lab(image) if lab is None else lab
    mask = garment_mask(lab) if min(lab.shape[:2]) >= 8 else np.ones(lab.shape[:2], dtype=bool)
    return lab, mask


# --- texture ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Texture:
    """Texture measures of the garment interior, all scale-free."""

    energy: float  # mean L* gradient magnitude
    edges: float  # fraction of interior pixels on an L* edge
    colour_edges: float  # fraction of interior pixels on a strong chroma edge
    coherence: float  # structure-tensor orientation coherence (1 = all edges parallel)
    peak: float  # largest share of gradient energy in one of 8 orientation bins
    centre: float  # edge density in the central region relative to the whole garment

    def vector(self) -> np.ndarray:
        """Return the measures as float32 [6], in field order (the learned pattern head's texture input)."""
        return np.array(
            [self.energy, self.edges, self.colour_edges, self.coherence, self.peak, self.centre], dtype=np.float32
        )


#: Texture input of the learned pattern head when the garment interior is too small to measure.
NO_TEXTURE = np.zeros(6, dtype=np.float32)


def texture(lab: np.ndarray, mask: np.ndarray) -> Texture | None:
    """Measure the texture of the garment interior; None when the interior is too small to say."""
    inner = erode(erode(mask))
    if inner.sum() < 30:
        return None
    gy, gx = np.gradient(lab[..., 0])
    mag = np.hypot(gx, gy)
    chroma = np.zeros_like(mag)
    for ch in (1, 2):
        cy, cx = np.gradient(lab[..., ch])
        chroma += cy**2 + cx**2
    m, gxi, gyi = mag[inner], gx[inner], gy[inner]
    jxx, jyy, jxy = (gxi**2).sum(), (gyi**2).sum(), (gxi * gyi).sum()
    coherence = float(np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / (jxx + jyy + 1e-9))
    bins = (np.arctan2(gyi, gxi) % np.pi / np.pi * 8).astype(int) % 8
    hist = np.bincount(bins, weights=m * (m > 4), minlength=8)
    yy, xx = np.nonzero(inner)
    near_y = np.abs(yy - yy.mean()) < 0.6 * (yy.std() + 1)
    central = near_y & (np.abs(xx - xx.mean()) < 0.6 * (xx.std() + 1))
    edge = m > EDGE
    centre = float(edge[central].mean() / (edge.mean() + 1e-9)) if edge.any() else 0.0
    return Texture(
        energy=float(m.mean()),
        edges=float(edge.mean()),
        colour_edges=float((np.sqrt(chroma[inner]) > EDGE).mean()),
        coherence=coherence,
        peak=float(hist.max() / (hist.sum() + 1e-9)),
        centre=centre,
    )


def pattern_features(
    image: Image.Image | np.ndarray, mask: np.ndarray, lab: FloatArray | None = None
) -> tuple[Texture | None, np.ndarray]:
    """Return the garment's texture measures and the pattern head's texture input (zeros when unmeasurable).

    ``lab``: the photo's :func:`working_lab` when the caller has it already (used when it matches ``mask``).
    """
    if lab is None or lab.shape[:2] != mask.shape:
        rgb = working_rgb(image) if isinstance(image, Image.Image) else image
        if rgb.shape[:2] != mask.shape:
            rgb = np.asarray(Image.fromarray(rgb).resize(mask.shape[::-1], Image.Resampling.BOX))
        lab = rgb_to_lab(rgb)
    t = texture(lab, mask)
    return t, (t.vector() if t is not None else NO_TEXTURE)
