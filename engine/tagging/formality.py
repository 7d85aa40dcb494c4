"""The formality a photo shows, from the formality probe, kept within what the garment's type allows.

The probe (``models.formality_probe``, trained by ``python -m models.train_formality``) reads the style embedding and
the ImageNet branch and gives each formality a probability. Its choice stands when the type allows it (a shirt may be
formal, a t-shirt sport). When it does not, ``config/data/formality_kinds.csv`` may name the kind of that type that
the photo then is (a "Loafer" shown as casual is a plain shoe: slippers and kids' shoes; a running shoe shown as
formal is a dress shoe); otherwise the likeliest formality the type allows is kept. Numpy only.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from config.vocabulary import Vocabulary, load_vocabulary

#: Never surer than this: the probe was trained on a few hundred photos labelled by one person.
MAX_CONF = 0.95


@dataclass(frozen=True)
class Shown:
    """The formality a photo shows and the type it then is (the given type unless a kind switch applied)."""

    type: str
    formality: str
    confidence: float
    switched: bool = False


@cache
def load_formality_kinds() -> dict[tuple[str, str], str]:
    """Read ``config/data/formality_kinds.csv`` as (type, formality) -> kind, checked against the vocabulary."""
    text = resources.files("config").joinpath("data", "formality_kinds.csv").read_text(encoding="utf-8")
    vocabulary = load_vocabulary()
    kinds: dict[tuple[str, str], str] = {}
    for line, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        where = f"formality_kinds.csv:{line}"
        for name in (row["type"], row["kind"]):
            if name not in vocabulary.types:
                raise ValueError(f"{where}: {name!r} is not a type in types.csv")
        if row["formality"] in vocabulary.type_of(row["type"]).formalities:
            raise ValueError(f"{where}: {row['type']} already allows {row['formality']}; nothing to switch")
        if row["formality"] not in vocabulary.type_of(row["kind"]).formalities:
            raise ValueError(f"{where}: {row['kind']} does not allow {row['formality']}")
        kinds[(row["type"], row["formality"])] = row["kind"]
    return kinds


def shown_formality(type_name: str, seen: dict[str, float], minimums: dict[str, float] | None = None,
                    kinds: dict[tuple[str, str], str] | None = None, vocabulary: Vocabulary | None = None) -> Shown:
    """Return the formality the probe ``seen`` (label -> probability) within what ``type_name`` allows, or the
    kind of that type a data row names for the probe's choice.

    A label under its probability in ``minimums`` is not claimed (the probe's balanced training makes the rare
    formal and sport likelier than they are; the minimums were chosen on validation).
    """
    kinds = load_formality_kinds() if kinds is None else kinds
    vocabulary = vocabulary or load_vocabulary()
    minimums = minimums or {}
    claims = {label: p for label, p in seen.items() if p >= minimums.get(label, 0.0)} or seen
    best = max(claims, key=claims.__getitem__)
    allowed = vocabulary.type_of(type_name).formalities
    if best in allowed:
        return Shown(type_name, best, min(seen[best], MAX_CONF))
    if (type_name, best) in kinds:
        return Shown(kinds[(type_name, best)], best, min(seen[best], MAX_CONF), switched=True)
    pool = claims if any(f in claims for f in allowed) else seen
    within = max(allowed, key=lambda f: pool.get(f, 0.0))
    total = sum(pool.get(f, 0.0) for f in allowed)
    return Shown(type_name, within, min(pool.get(within, 0.0) / total if total > 0 else 0.0, MAX_CONF))
