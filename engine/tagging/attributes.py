"""Pattern, formality and seasons of a garment, with honest confidences.

``infer_pattern`` reads texture from the garment pixels (the mask of ``engine.tagging.colors.extract_colors``) and, when
the encoder ships a learned pattern head, combines it with the style embedding; otherwise texture rules.
``infer_formality`` and ``infer_seasons`` start from the type table (``config/data/types.csv``) and nudge it
by colour and pattern. Pure functions, numpy + Pillow only.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from config.vocabulary import SEASONS, load_vocabulary
from engine.encoders.base import PatternModel
from engine.types import Color
from models.pixels import pattern_features

_DARK = {"black", "navy", "grey", "brown"}
_BRIGHT = {"red", "pink", "orange", "yellow", "green", "purple", "blue"}
_LIGHT = {"white", "beige", "pink", "yellow"}
_LOUD = {"multi", "orange", "yellow"}


def infer_pattern(
    image: Image.Image | np.ndarray,
    mask: np.ndarray,
    embedding: np.ndarray | None = None,
    model: PatternModel | None = None,
    lab: np.ndarray | None = None,
) -> tuple[str, float]:
    """Return the garment's pattern and a confidence in [0, 1].

    ``image`` is the photo (or its working-size RGB array) and ``mask`` the garment mask at working size (``lab``,
    the photo's ``models.pixels.working_lab``, saves converting it again when the caller has it). With a
    learned ``model`` and the photo's style ``embedding`` the answer is the model's most likely pattern and its
    probability (trained on the by-eye labels of the validation split; see ``models.train_pattern``). Without
    one, texture rules set by eye on the validation split: busy and parallel -> striped; busy and isotropic ->
    floral; busy otherwise -> printed; edges concentrated in the middle -> printed (a graphic on a plain
    garment); else solid. When unsure the rules say solid, modestly.
    """
    t, measures = pattern_features(image, mask, lab)
    if model is not None and embedding is not None:
        probs = model.probs(np.concatenate([np.asarray(embedding, dtype=np.float32).ravel(), measures]))[0]
        best = int(np.argmax(probs))
        return model.labels[best], float(probs[best])
    if t is None:
        return "solid", 0.4
    if t.energy > 8.4:
        if t.coherence > 0.5:
            return "striped", float(np.clip(0.4 + (t.coherence - 0.5), 0.4, 0.75))
        if t.peak <= 0.15:
            return "floral", 0.45
        return "printed", 0.45
    if t.centre > 2.1 and t.edges > 0.05:
        return "printed", float(np.clip(0.35 + 0.05 * t.centre, 0.35, 0.65))
    if t.colour_edges > 0.43:
        return "floral", 0.4
    # the calmer the surface, the surer "solid" is; busy-but-unclassified stays near a coin flip
    return "solid", float(np.clip(0.85 - 0.05 * t.energy, 0.45, 0.8))


def infer_formality(type_name: str, colors: tuple[Color, ...], pattern: str, shown: str | None = None,
                    shown_conf: float = 0.0) -> tuple[str, float]:
    """Return the garment's formality (the type's range, nudged by colour and pattern) and a confidence.

    ``shown``: a formality the photo itself shows (the ImageNet branch saw a Loafer, a suit, running shoes),
    with its probability ``shown_conf``; it wins where the type allows it.
    """
    allowed = load_vocabulary().type_of(type_name).formalities
    if shown is not None and shown in allowed:
        return shown, float(np.clip(shown_conf, 0.0, 0.95))
    dominant = colors[0].name if colors else ""
    want = allowed[0]
    confidence = 0.6 if len(allowed) == 1 else 0.5
    if pattern == "solid" and dominant in _DARK | {"white"} and _can_step(allowed, up=True):
        want, confidence = _step(allowed, up=True), 0.45  # a dark or white plain piece dresses up
    elif (pattern in {"printed", "floral"} or dominant in _LOUD) and "casual" in allowed:
        want, confidence = "casual", 0.65  # graphics and loud colours dress down
    return want, confidence


def _can_step(allowed: tuple[str, ...], up: bool) -> bool:
    return _step(allowed, up) != allowed[0]


def _step(allowed: tuple[str, ...], up: bool) -> str:
    """Return the next formality from the type's default in one direction, if the type allows it."""
    ladder = ("sport", "casual", "smart-casual", "formal")
    here = ladder.index(allowed[0])
    for other in ladder[here + 1 :] if up else ladder[:here][::-1]:
        if other in allowed:
            return other
    return allowed[0]


def infer_seasons(type_name: str, colors: tuple[Color, ...]) -> tuple[tuple[str, ...], float]:
    """Return the seasons the garment suits (type table, nudged by colour) and a confidence."""
    garment = load_vocabulary().type_of(type_name)
    seasons = set(garment.seasons)
    confidence = 0.75 if len(seasons) <= 2 or len(seasons) == 4 else 0.65
    names = {c.name for c in colors if c.share >= 0.3} or ({colors[0].name} if colors else set())
    light = names <= _LIGHT | _BRIGHT and bool(names)
    dark = names <= _DARK and bool(names)
    if light and garment.warmth <= 2 and seasons & {"spring", "summer"} and len(seasons) > 1:
        seasons.discard("winter")  # light, bright and not warm: a spring/summer piece
        confidence -= 0.1
    elif dark and garment.warmth >= 3 and seasons & {"autumn", "winter"} and len(seasons) > 1:
        seasons.discard("summer")  # dark and heavy: autumn/winter
        confidence -= 0.1
    return tuple(s for s in SEASONS if s in seasons), float(np.clip(confidence, 0.0, 1.0))
