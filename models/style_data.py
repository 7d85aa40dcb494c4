"""Training data for the style network: labelled samples, colour-preserving augmented views, cached activations.

The frozen first blocks of Lite0 are run ONCE over a fixed set of views per training photo; their activations
are stored as float16 under ``build/style_cache/`` and the trainable blocks train on them. Views never jitter
hue or saturation (colour is part of a garment's meaning): mirror, random-resized crop with mild brightness /
contrast, and "product shots" (the garment cut out with :func:`models.pixels.garment_mask` and centred on a plain
white or light-grey background) so catalog photos are seen in training. The segmentation is the product's own
(:mod:`models.pixels`), so the cut-outs match what the tagger sees.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from models.pixels import photo_lab_and_mask
from models.preprocess import Preprocessing

REPO = Path(__file__).resolve().parent.parent
#: Cached frozen-block activations and scratch exports; STYLIST_STYLE_CACHE moves it (the tests use a temp folder).
CACHE_DIR = Path(os.environ.get("STYLIST_STYLE_CACHE", REPO / "build" / "style_cache"))
# Ten views per photo: with five (one crop, one product shot of each background) the network had seen every view
# of a photo by the second epoch and more epochs did not help; with ten, longer training does (see train_style).
VIEWS = ("original", "mirror", "crop", "product_white", "product_grey",
         "crop2", "crop3", "crop4", "product_white2", "product_grey2")
AUG_VERSION = 2  # bump when the views change, so cached activations are rebuilt
# Fine types with too few photos to learn are folded into their nearest common type.
TYPE_MERGES: dict[str, str] = {"blouse": "shirt", "top": "t-shirt"}


@dataclass(frozen=True, slots=True)
class Sample:
    """One labelled photo; ``split`` is train / validation / test for clothing_small and extra otherwise."""

    path: Path
    split: str
    category: str
    type: str


def missing_data(data_dir: Path) -> str | None:
    """Return why ``data_dir`` cannot be trained or evaluated on (for a command-line error), or None."""
    needed = [data_dir / f / "labels.csv" for f in ("clothing_small", "clothing_extra")]
    needed.append(data_dir / "clothing_small" / "colour_pattern_labels.csv")
    absent = [str(p) for p in needed if not p.is_file()]
    if absent:
        return f"no labelled photos at {data_dir} (missing {', '.join(absent)}): pass --data or set STYLIST_SHARED_DATA"
    return None


def load_samples(data_dir: Path) -> list[Sample]:
    """Read clothing_small (all splits) and clothing_extra (training only) from their labels.csv files."""
    samples = []
    for folder in ("clothing_small", "clothing_extra"):
        with (data_dir / folder / "labels.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                fine = TYPE_MERGES.get(row["type"], row["type"])
                samples.append(
                    Sample(data_dir / folder / row["path"], row.get("split", "extra"), row["category"], fine)
                )
    return samples


def _mild_light(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    # Brightness and contrast only: they change exposure, never which colour a garment is.
    image = ImageEnhance.Brightness(image).enhance(float(rng.uniform(0.85, 1.15)))
    return ImageEnhance.Contrast(image).enhance(float(rng.uniform(0.85, 1.15)))


def random_crop(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Return a random-resized crop (40-100 % of the area, aspect 3/4-4/3), sometimes mirrored."""
    w, h = image.size
    for _ in range(10):
        area = w * h * rng.uniform(0.4, 1.0)
        aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
        cw, ch = round(np.sqrt(area * aspect)), round(np.sqrt(area / aspect))
        if 0 < cw <= w and 0 < ch <= h:
            left, top = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            image = image.crop((left, top, left + cw, top + ch))
            break
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return _mild_light(image, rng)


def product_shot(
    image: Image.Image, rng: np.random.Generator, grey: bool, mask: np.ndarray | None = None
) -> Image.Image:
    """Cut the garment out and centre it on a plain light background, like a catalog photo.

    ``mask``: the photo's garment mask (:func:`garment_mask_of`), when the caller has it already.
    """
    mask = garment_mask_of(image) if mask is None else mask
    alpha = Image.fromarray(mask.astype(np.uint8) * 255).resize(image.size, Image.Resampling.BILINEAR)
    box = alpha.point(lambda v: 255 if v > 127 else 0).getbbox() or (0, 0, *image.size)
    garment, alpha = image.crop(box), alpha.crop(box).filter(ImageFilter.GaussianBlur(1.0))
    level = int(rng.integers(226, 246)) if grey else 255
    canvas_w, canvas_h = (192, 256) if rng.random() < 0.7 else (224, 224)
    fill = rng.uniform(0.75, 0.92) * min(canvas_w / garment.width, canvas_h / garment.height)
    size = (max(1, round(garment.width * fill)), max(1, round(garment.height * fill)))
    canvas = Image.new("RGB", (canvas_w, canvas_h), (level, level, level))
    offset = ((canvas_w - size[0]) // 2, (canvas_h - size[1]) // 2)
    canvas.paste(garment.resize(size, Image.Resampling.BILINEAR), offset, alpha.resize(size, Image.Resampling.BILINEAR))
    if rng.random() < 0.5:
        canvas = canvas.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    # A slight blur smooths creases and sensor noise, as studio shots look; then mild exposure changes.
    return _mild_light(canvas.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.3, 0.8)))), rng)


def garment_mask_of(image: Image.Image) -> np.ndarray:
    """Return the product's garment mask of a photo (at the working size)."""
    return photo_lab_and_mask(image)[1]


def make_views(image: Image.Image, seed: int, index: int, mask: np.ndarray | None = None) -> list[Image.Image]:
    """Return the fixed augmented views (see ``VIEWS``) of one training photo; deterministic per (seed, index).

    The first five are drawn first, so they are the same images as in the five-view release. ``mask``: the
    photo's :func:`garment_mask_of`, when the caller has it (computed once here otherwise).
    """
    rng = np.random.default_rng([seed, index])
    mask = garment_mask_of(image) if mask is None else mask
    return [
        image,
        image.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
        random_crop(image, rng),
        product_shot(image, rng, grey=False, mask=mask),
        product_shot(image, rng, grey=True, mask=mask),
        random_crop(image, rng),
        random_crop(image, rng),
        random_crop(image, rng),
        product_shot(image, rng, grey=False, mask=mask),
        product_shot(image, rng, grey=True, mask=mask),
    ]


def open_rgb(path: Path) -> Image.Image:
    """Return the photo at ``path`` as RGB."""
    with Image.open(path) as img:
        return img.convert("RGB")


class PrefixRunner:
    """Runs the frozen first blocks (an ONNX export of them) with ONNX Runtime and caches the activations."""

    def __init__(self, onnx_path: Path, prep: Preprocessing, key: str, threads: int = 2) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self.prep = prep
        self.key = key

    def activations(self, samples: list[Sample], views: bool, seed: int, batch: int = 40) -> np.ndarray:
        """Return float16 [N * V, C, H, W] activations (V = len(VIEWS) if ``views`` else 1), cached on disk."""
        name = json.dumps([self.key, AUG_VERSION, views, seed, [str(s.path) for s in samples]])
        path = CACHE_DIR / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.npy"
        if path.exists():
            return np.load(path)
        per = len(VIEWS) if views else 1
        out: np.ndarray | None = None
        pending: list[Image.Image] = []
        done = 0
        for i, sample in enumerate(samples):
            image = open_rgb(sample.path)
            pending.extend(make_views(image, seed, i) if views else [image])
            if len(pending) >= batch or i == len(samples) - 1:
                acts = self.session.run(None, {"pixels": self.prep.batch(pending)})[0].astype(np.float16)
                if out is None:
                    out = np.zeros((len(samples) * per, *acts.shape[1:]), dtype=np.float16)
                out[done : done + len(acts)] = acts
                done += len(acts)
                pending = []
        assert out is not None and done == len(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
        np.save(tmp, out)
        os.replace(tmp, path)
        return out
