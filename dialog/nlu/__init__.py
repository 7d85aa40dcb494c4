"""Understanding utterances: intent from the nearest labelled examples (MiniLM), slots from the vocabulary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from dialog.nlu.intents import TextEmbedder, load_examples
from dialog.nlu.understander import Understander

__all__ = ["TextEmbedder", "Understander", "load_examples", "understand_texts"]


def understand_texts(
    understander: Understander, texts: Sequence[str], today: date, *, has_photos: bool = False
) -> list[dict[str, object]]:
    """Return ``{"text", "intent", "slots", "confidence"}`` per text (the ``stylist intent`` output)."""
    found = understander.understand_many(texts, has_photos=has_photos, today=today)
    return [understanding.to_dict(text) for text, understanding in zip(texts, found, strict=True)]
