"""How well the style network notices things it was never taught: a held-out-type experiment.

    python -m models.train_style --hold-out-type other --out build/style_no_other   # ~9 min, 2 cores
    python -m bench.unknown_items --model build/style_no_other [--data ../shared/data]

The shipped network learns `other` from 27 clothing_extra photos (bags, socks, swimwear, ...). Trained again
without them, those photos become genuinely unseen kinds of things, and the question is whether a score computed
from the product's outputs separates them from ordinary garments. Each score's threshold is set on the
*validation* split alone (flagging a fixed share of ordinary photos); the figures are the share of the unseen
photos flagged (recall) and the share of test photos flagged (false alarms), plus what the network calls the
unseen photos. Scores: the top calibrated type probability (the shipped low-confidence rule), the top cosine
between the embedding and a type prototype, the energy ``T * logsumexp(logits / T)``, the mean cosine to the
five nearest training photos, and the Mahalanobis distance to the nearest type's training photos (class means,
one shared covariance), plain and relative to one Gaussian over all training photos.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from models.heads import LinearHead
from models.style_data import load_samples, missing_data, open_rgb

if TYPE_CHECKING:
    from engine.encoders.embedded import EmbeddedEncoder

RATES = (0.02, 0.05, 0.10)


def _synthetic() -> list[Image.Image]:
    """Plain and random non-garment images (the spot checks of the model card)."""
    rng = np.random.default_rng(0)
    gradient = np.tile(np.linspace(0, 255, 224, dtype=np.uint8)[None, :, None], (224, 1, 3))
    return [
        Image.new("RGB", (224, 224), (128, 128, 128)),
        Image.new("RGB", (224, 224), (255, 255, 255)),
        Image.fromarray(rng.integers(0, 256, (224, 224, 3), dtype=np.uint8)),
        Image.fromarray(gradient),
    ]


class Mahalanobis:
    """Class-conditional Gaussians with one shared covariance over the training embeddings, and one over all."""

    def __init__(self, gallery: np.ndarray, labels: list[str], ridge: float = 1e-3) -> None:
        classes = sorted(set(labels))
        index = np.array([classes.index(label) for label in labels])
        self.means = np.stack([gallery[index == c].mean(0) for c in range(len(classes))])
        centred = gallery - self.means[index]
        eye = np.eye(gallery.shape[1])
        self.precision = np.linalg.inv(np.cov(centred, rowvar=False) + ridge * eye)
        self.mean_all = gallery.mean(0)
        self.precision_all = np.linalg.inv(np.cov(gallery, rowvar=False) + ridge * eye)

    def distances(self, emb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (distance to the nearest class, that minus the distance to the all-photo Gaussian)."""
        d = emb[:, None, :] - self.means[None]
        per_class = np.einsum("ncd,de,nce->nc", d, self.precision, d).min(1)
        a = emb - self.mean_all
        return per_class, per_class - np.einsum("nd,de,ne->n", a, self.precision_all, a)


def scores(
    encoder: EmbeddedEncoder, images: list[Image.Image], gallery: np.ndarray, gaussians: Mahalanobis
) -> dict[str, np.ndarray]:
    """Return each candidate score (higher = more like a known garment) for ``images``."""
    emb = encoder.embed_images(images)
    maha, relative = gaussians.distances(emb)
    nearest = np.sort(emb @ gallery.T, axis=1)[:, -5:].mean(1)
    head = encoder.heads.heads["type"]
    assert isinstance(head, LinearHead)
    probs = encoder.tag_heads(emb)["type"].probs
    logits = emb @ head.weight
    cosines = logits / np.linalg.norm(head.weight, axis=0)
    t = head.temperature
    energy = t * np.log(np.exp((logits - logits.max(1, keepdims=True)) / t).sum(1)) + logits.max(1)
    return {
        "max probability": probs.max(1),
        "max prototype cosine": cosines.max(1),
        "energy": energy,
        "mean cosine to the 5 nearest training photos": nearest,
        "minus Mahalanobis distance to the nearest type": -maha,
        "minus relative Mahalanobis distance": -relative,
    }


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and print the experiment's figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, required=True, help="a style network trained with --hold-out-type")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("STYLIST_SHARED_DATA", "../shared/data")))
    parser.add_argument("--type", default="other", help="the held-out type")
    args = parser.parse_args(argv)
    if problem := missing_data(args.data):
        parser.error(problem)
    from config.settings import load_settings
    from engine.encoders.embedded import EmbeddedEncoder

    encoder = EmbeddedEncoder(load_settings(encoder_threads=2), heads_dir=args.model)
    held = encoder.heads.config["training"].get("held_out_type")
    if held != args.type:
        raise SystemExit(f"{args.model} was not trained with --hold-out-type {args.type} (held out: {held})")
    samples = load_samples(args.data)
    groups = {
        "validation": [open_rgb(s.path) for s in samples if s.split == "validation"],
        "test": [open_rgb(s.path) for s in samples if s.split == "test"],
        f"unseen `{args.type}`": [open_rgb(s.path) for s in samples if s.type == args.type],
        "synthetic non-garments": _synthetic(),
    }
    known = [s for s in samples if s.split in ("train", "extra") and s.type != args.type]
    gallery = encoder.embed_images([open_rgb(s.path) for s in known])
    gaussians = Mahalanobis(gallery, [s.type for s in known])
    got = {name: scores(encoder, images, gallery, gaussians) for name, images in groups.items()}
    unseen = f"unseen `{args.type}`"
    emb = encoder.embed_images(groups[unseen])
    heads = encoder.tag_heads(emb)
    called = Counter(heads["category"].labels[i] for i in heads["category"].probs.argmax(1))
    print(f"model {encoder.name}; {len(groups[unseen])} unseen photos, called: {dict(called.most_common())}")
    for score in got["validation"]:
        print(f"\n{score}: medians " + ", ".join(f"{g} {np.median(v[score]):.3f}" for g, v in got.items()))
        for rate in RATES:
            threshold = float(np.quantile(got["validation"][score], rate))
            flags = {g: float(np.mean(v[score] < threshold)) for g, v in got.items()}
            print(
                f"  flag {rate:.0%} of validation (threshold {threshold:.3f}): unseen flagged "
                f"{flags[unseen]:.2f}, test flagged {flags['test']:.3f}, synthetic flagged "
                f"{flags['synthetic non-garments']:.2f}"
            )


if __name__ == "__main__":
    main()
