"""The Understander: intent from the nearest labelled examples plus a few cheap cues, then the slots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np

from config import Vocabulary, load_vocabulary
from dialog.nlu.intents import INTENTS, IntentModel, TextEmbedder, load_examples
from dialog.nlu.lexicon import Lexicon, load_lexicon
from dialog.nlu.slots import Reading, read, slots_for
from dialog.understanding import Intent, Slots, Understanding

# Below this best score no example is close enough: the utterance is not one we understand (fallback).
# Both chosen by leave-one-out on the training examples (python -m bench.intent_accuracy --cv).
FALLBACK_BELOW = 0.35
CUE_BONUS = 0.1  # added to an intent's score when the utterance says one of its cue words
# An utterance that names any of these is about clothes: it is never a low-score fallback.
DOMAIN_KINDS = frozenset({"color", "type", "category", "occasion", "temp", "rain"})
# Besides the lexicon's "cue" rows, these slot words point to their intent ("in the wash", "mute").
CUE_KINDS = {"laundry": Intent.LAUNDRY, "push": Intent.SETTINGS}
SOFTMAX_T = 0.05  # turns score gaps into a confidence: a 0.1 lead is about 0.88
PHOTO_INTENTS = frozenset({Intent.ADD_GARMENT, Intent.FIND_SIMILAR, Intent.GOES_WITH})
# A caption steers a photo among these; without a photo "what goes with my navy blazer" is an outfit request.
WITHOUT_PHOTO = frozenset(INTENTS) - {Intent.GOES_WITH}
_OUTFIT, _GOES_WITH = INTENTS.index(Intent.OUTFIT), INTENTS.index(Intent.GOES_WITH)


class Understander:
    """Reads utterances into an intent, slots and a confidence. Blocking: callers run it in a thread.

    Built once per process from the shared sentence model; the labelled examples are embedded here, once.
    """

    def __init__(
        self,
        encoder: TextEmbedder,
        vocabulary: Vocabulary | None = None,
        examples: Sequence[tuple[Intent, str]] | None = None,
    ) -> None:
        self.encoder = encoder
        examples = list(examples if examples is not None else load_examples())
        self.lexicon: Lexicon = load_lexicon(vocabulary or load_vocabulary(), (t for _, t in examples))
        self.example_readings = [read(text, self.lexicon) for _, text in examples]
        self.model = IntentModel(self._views(self.example_readings), [intent for intent, _ in examples])

    def understand(self, text: str, *, has_photos: bool = False, today: date) -> Understanding:
        """Return what one utterance (and whether photos came with it) asks for."""
        return self.understand_many([text], has_photos=has_photos, today=today)[0]

    def understand_many(
        self, texts: Sequence[str], *, has_photos: bool | Sequence[bool] = False, today: date
    ) -> list[Understanding]:
        """Return the understanding of each text, embedding them in one batch."""
        photos = [has_photos] * len(texts) if isinstance(has_photos, bool) else list(has_photos)
        if len(photos) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(photos)} has_photos flags")
        readings = [read(text, self.lexicon) for text in texts]
        scores = self.scores(readings) + CUE_BONUS * cue_matrix(readings)
        out = []
        for reading, row, photo in zip(readings, scores, photos, strict=True):
            intent, confidence = choose_intent(row, reading, has_photos=photo)
            slots = slots_for(reading, intent, today)
            out.append(Understanding(settle_day_intent(intent, slots, today), slots, confidence))
        return out

    def scores(self, readings: Sequence[Reading]) -> np.ndarray:
        """Return the nearest-example scores of read utterances, ``float[N, len(INTENTS)]``."""
        return self.model.scores(self._views(readings))

    def _views(self, readings: Sequence[Reading]) -> list[np.ndarray]:
        """Embed the readings as written and with stand-ins for their clothes, in one batch."""
        vectors = self.encoder.embed([r.repaired for r in readings] + [r.canonical for r in readings])
        return [vectors[: len(readings)], vectors[len(readings) :]]


def cue_matrix(readings: Sequence[Reading]) -> np.ndarray:
    """Return ``float[N, len(INTENTS)]``: 1 where an utterance says a cue word of that intent."""
    out = np.zeros((len(readings), len(INTENTS)), dtype=np.float32)
    for row, reading in enumerate(readings):
        for mention in reading.mentions:
            named = (mention.get("cue") or "").split()
            named += [CUE_KINDS[kind].value for kind in mention.meanings if kind in CUE_KINDS]
            for name in named:
                out[row, INTENTS.index(Intent(name))] = 1.0
    return out


def speaks_of_clothes(reading: Reading) -> bool:
    """Return whether the utterance names a colour, garment, occasion or the weather (so it is not off-topic,
    however far its wording is from the examples: "tomorrow will be cold and wet, any look for me?")."""
    return reading.temp_c is not None or any(kind in DOMAIN_KINDS for m in reading.mentions for kind in m.meanings)


def choose_intent(row: np.ndarray, reading: Reading, *, has_photos: bool) -> tuple[Intent, float]:
    """Pick the intent from one row of scores, with the photo cues; return it with a confidence in 0-1."""
    if has_photos and not any(token.isalnum() for token in reading.tokens):
        return Intent.ADD_GARMENT, 1.0  # a photo alone is a garment to add
    allowed = PHOTO_INTENTS if has_photos else WITHOUT_PHOTO
    if not has_photos:  # "what goes with my navy blazer" asks for looks around an owned item
        row = row.copy()
        row[_OUTFIT] = max(row[_OUTFIT], row[_GOES_WITH])
    mask = np.array([intent in allowed for intent in INTENTS])
    masked = np.where(mask, row, -np.inf)
    best = int(np.argmax(masked))
    if masked[best] < FALLBACK_BELOW and not speaks_of_clothes(reading):
        # nothing close: a photo is still most likely a garment to add; words alone get the fallback
        if has_photos:
            return Intent.ADD_GARMENT, float(max(0.0, masked[best]))
        return Intent.FALLBACK, float(min(1.0, 1.0 - masked[best]))
    weights = np.exp((masked - masked[best]) / SOFTMAX_T)
    return INTENTS[best], float(weights[best] / weights.sum())


def settle_day_intent(intent: Intent, slots: Slots, today: date) -> Intent:
    """Tell today's look from an outfit request: a bare "what should I wear" is today's look; any constraint
    (occasion, weather, colour, garment, item, count) or another day makes it an outfit request."""
    if intent not in (Intent.OUTFIT, Intent.TODAY):
        return intent
    constrained = any((slots.occasion, slots.temp_c is not None, slots.rain is not None, slots.colors, slots.type,
                       slots.category, slots.item, slots.count)) or (slots.day not in (None, today))
    return Intent.OUTFIT if constrained else Intent.TODAY
