"""Learning from corrections: every garment a user corrected is an example for that user's next photos.

A new photo close to a corrected garment takes the corrected value of a field from it, so the second photo of the
same kind of thing comes out right:

- type (and its category), pattern and formality: of the user's garments the tagger made the same call for (it
  called them what it calls the new photo), the nearest in the style space (cosine of the stored style embeddings)
  decides, when the user corrected that field on it and it is at least as similar as the field's threshold. A nearer
  garment of the same call that was not corrected says the call is right for things like this; a correction of
  another call does not touch what the tagger calls something else;
- the dominant colour: of the user's garments close in the style space whose dominant colour the tagger named the
  same, the one measured closest in CIELAB decides, when the user renamed it and the two measured colours lie within
  a distance (this is the user's light and camera, and their idea of navy, for things like that garment).

Thresholds were chosen on clothing_small validation by replaying corrections (``python -m bench.correction_replay
--calibrate``); they hold for the embedding space they were measured in, so an encoder without thresholds (a CLIP
backend) learns nothing. The style space groups photos by the type the network sees, so a corrected garment only
decides for photos very close to it: in practice the same garment, or a near twin, photographed again.
Only the owner's own corrections are ever examples (the caller loads them per user).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from config.vocabulary import Vocabulary
from engine.tagging.attributes import infer_formality, infer_seasons
from engine.types import Color, Tags
from models.pixels import hex_to_lab

#: The fields a correction can teach, in the order they are learned (type first: formality follows the type).
STYLE_FIELDS = ("type", "pattern", "formality")


@dataclass(frozen=True, slots=True)
class Example:
    """A garment of the user: its style embedding, the tags it was stored with (JSON form) and the user's
    corrections (empty when the user corrected nothing: then it only keeps other examples from deciding)."""

    item_id: str
    embedding: np.ndarray
    model: dict[str, Any]
    corrections: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """How close a new photo must be to a corrected example for it to decide a field, and how sure that is.

    ``similarity``: cosine similarity in the style space per field (type, pattern, formality, colors);
    ``colour_distance``: CIELAB distance between the measured dominant colours; ``confidence``: the share of such
    overrides that were right when the thresholds were chosen (what the tag's confidence becomes).
    """

    similarity: dict[str, float]
    colour_distance: float
    confidence: dict[str, float] = field(default_factory=dict)


#: Per encoder (its name up to the ``@`` of the runtime), chosen on clothing_small validation
#: (``python -m bench.correction_replay --calibrate``; BENCHMARKS.md "Learning from corrections"): for each field the
#: lowest threshold with no loss when the senders' photos are replayed (their other garments), which is also the
#: one that helps most on the same garment photographed again. Colour (``--cross-validate``): no setting's gain on
#: other garments can be told from noise (held out over sender folds it is -19..+32 photos whichever way it is
#: chosen), so the setting is the one that helps the same garment shot again most among those with no loss on other
#: garments *with 90 % confidence* (bootstrap over senders): style similarity 0.95, CIELAB distance 8. Formality has
#: no labels: it uses the type's.
THRESHOLDS: dict[str, Thresholds] = {
    "embedded:style_v1": Thresholds(
        similarity={"type": 0.92, "pattern": 0.98, "formality": 0.92, "colors": 0.95},
        colour_distance=8.0,
        confidence={"type": 0.8, "category": 0.8, "pattern": 0.6, "formality": 0.6, "colors": 0.7},
    ),
}


def thresholds_for(encoder_name: str) -> Thresholds | None:
    """Return the calibrated thresholds of an encoder's embedding space, or None (then nothing is learned)."""
    return THRESHOLDS.get(encoder_name.split("@", 1)[0])


def learn(tags: Tags, embedding: np.ndarray, examples: Sequence[Example], thresholds: Thresholds,
          vocabulary: Vocabulary) -> Tags:
    """Return ``tags`` with every field a close corrected garment of the user decides set to the corrected value.

    ``examples``: the user's garments (corrected or not) in the same embedding space as ``embedding``.

    The fields taken from an example are named in ``Tags.learned_from`` (field -> the example's item id) and get the
    calibrated confidence of such overrides.
    """
    if not examples:
        return tags
    vector = np.asarray(embedding, dtype=np.float32)
    similarity = np.stack([np.asarray(e.embedding, dtype=np.float32) for e in examples]) @ vector
    learned = dict(tags.learned_from)
    confidence = dict(tags.confidence)
    for name in STYLE_FIELDS:
        source = _nearest(name, tags, similarity, examples, thresholds.similarity.get(name))
        if source is None:
            continue
        if name == "type":
            tags = _set_type(tags, source, vocabulary)
        elif name == "pattern":
            tags = replace(tags, pattern=str(source.corrections["pattern"]))
        else:
            tags = replace(tags, formality=str(source.corrections["formality"]))
        learned[name] = source.item_id
        confidence[name] = thresholds.confidence.get(name, 0.7)
        if name == "type":
            learned["category"] = source.item_id
            confidence["category"] = thresholds.confidence.get("category", 0.7)
    colour_source = _colour_example(tags, examples, similarity, thresholds)
    if colour_source is not None:
        tags = replace(tags, colors=_renamed(tags.colors, colour_source.corrections["colors"][0]))
        learned["colors"] = colour_source.item_id
        confidence["colors"] = thresholds.confidence.get("colors", 0.7)
    return replace(tags, confidence=confidence, learned_from=learned) if learned else tags


def _nearest(name: str, tags: Tags, similarity: np.ndarray, examples: Sequence[Example],
             threshold: float | None) -> Example | None:
    """Return the example that decides ``name``: the user's most similar garment of the same call, when the user
    corrected that field on it and it is close enough (a nearer garment of the same call that was not corrected
    says the call was right for things like this)."""
    if threshold is None:
        return None
    call = getattr(tags, name)
    same = np.fromiter((e.model.get(name) == call for e in examples), dtype=bool, count=len(examples))
    if not same.any():
        return None
    nearest = int(np.argmax(np.where(same, similarity, -np.inf)))
    best = examples[nearest]
    if float(similarity[nearest]) < threshold:
        return None
    corrected = name
    if name == "type" and "type" not in best.corrections:
        corrected = "category"  # the user corrected the category alone
    if corrected not in best.corrections or best.corrections[corrected] == getattr(tags, corrected):
        return None
    return best


def _set_type(tags: Tags, source: Example, vocabulary: Vocabulary) -> Tags:
    """Set the type (or only the category, when that is what the example corrected) and what follows from it."""
    if "type" in source.corrections:
        type_name = str(source.corrections["type"])
    else:  # the user corrected the category alone: the type follows it unless it already belongs there
        value = str(source.corrections["category"])
        same = vocabulary.type_of(tags.type).category == value
        type_name = tags.type if same else vocabulary.default_type(value).name
    category = vocabulary.type_of(type_name).category
    formality, _ = infer_formality(type_name, tags.colors, tags.pattern)
    seasons, _ = infer_seasons(type_name, tags.colors)
    return replace(tags, type=type_name, category=category, formality=formality, seasons=seasons)


def _colour_example(tags: Tags, examples: Sequence[Example], similarity: np.ndarray,
                    thresholds: Thresholds) -> Example | None:
    """Return the example that decides the dominant colour: of the user's garments whose dominant colour the tagger
    named the same (and, when ``thresholds.similarity`` has ``colors``, that close in the style space), the one
    measured closest, when the user renamed it and it lies within ``thresholds.colour_distance``."""
    if not tags.colors:
        return None
    here = _lab(tags.colors[0].hex)
    near = thresholds.similarity.get("colors", -1.0)
    best: Example | None = None
    best_distance = np.inf
    for example, sim in zip(examples, similarity, strict=True):
        colours = example.model.get("colors") or []
        if not colours or colours[0]["name"] != tags.colors[0].name or sim < near:
            continue
        distance = float(np.linalg.norm(_lab(colours[0]["hex"]) - here))
        if distance < best_distance:
            best, best_distance = example, distance
    if best is None or best_distance > thresholds.colour_distance:
        return None
    names = best.corrections.get("colors")
    return best if names and names[0] != tags.colors[0].name else None


@lru_cache(maxsize=65536)
def _lab(value: str) -> np.ndarray:
    """Return a hex colour in CIELAB (cached: a wardrobe's stored colours are read for every new photo)."""
    return hex_to_lab(value)


def _renamed(colors: tuple[Color, ...], name: str) -> tuple[Color, ...]:
    """Rename the dominant colour, folding any other entry of that name into it."""
    first = colors[0]
    share = first.share + sum(c.share for c in colors[1:] if c.name == name)
    return (Color(name, first.hex, share), *(c for c in colors[1:] if c.name != name))


def example_of(item_id: str, embedding: np.ndarray, model: dict[str, Any], corrections: dict[str, Any]) -> Example:
    """Return an example from a stored garment: only the corrections this module can learn from are kept."""
    kept = {k: v for k, v in corrections.items() if k in {*STYLE_FIELDS, "category", "colors"}}
    if "colors" in kept and not kept["colors"]:
        del kept["colors"]
    return Example(item_id, np.asarray(embedding, dtype=np.float32), model, kept)
