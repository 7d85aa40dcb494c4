"""Search a wardrobe by text ("something warm and navy") with either encoder backend.

A query is parsed into tag constraints by vocabulary matching (colours, types, categories, patterns,
formality, warmth, seasons, with synonyms and "not"/"no"/"without" negation), and every garment is scored
by the constraints it meets plus a similarity between the query and the garment: the cosine of the
query's text embedding to the photo embedding for image-text encoders (CLIP), else the MiniLM cosine of
the query to a short description of the garment's tags. Constraints come from the stored tags, so a
user's corrections count. Everything here is blocking: call it behind ``asyncio.to_thread``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from config.vocabulary import COLOR_NAMES, COMPOSABLE_CATEGORIES, PATTERNS, Vocabulary, load_vocabulary
from engine.encoders.base import Encoder, l2_normalise
from engine.encoders.sentences import SentenceEncoder
from engine.types import Garment, Tags, TextHit

# kind -> weight of a constraint of that kind in the constraint score
WEIGHTS = {"type": 1.5, "category": 1.5, "color": 1.0, "pattern": 1.0, "formality": 1.0, "warmth": 1.0,
           "season": 0.75}
CONSTRAINT_SHARE = 0.7  # the rest of a score is the (rescaled) query-garment similarity
SIMILARITY_RANGE_FLOOR = 0.1  # similarity gaps narrower than this are not stretched to the full range
REASON_MIN = 0.6  # a constraint met at least this well is named as a reason

NEGATIONS = frozenset({"not", "no", "without", "except", "nothing", "never", "avoid"})
NEGATION_SCOPE = 3  # a negation applies to a constraint starting within this many words after it
WARMTH_WORDS = ("very light", "light", "medium warmth", "warm", "very warm")


@dataclass(frozen=True, slots=True)
class Constraint:
    """One thing the query asks for (or, ``negated``, asks to avoid): any of ``values`` of a tag ``kind``."""

    kind: str
    values: frozenset[str]
    phrase: str
    negated: bool = False


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


class QueryParser:
    """Turns query text into tag constraints by (multi-word, plural-tolerant) vocabulary matching."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        table: dict[tuple[str, ...], set[str]] = {}

        def add(phrase: str, *targets: str) -> None:
            table.setdefault(tuple(_words(phrase)), set()).update(targets)

        for garment_type in vocabulary.types.values():
            if garment_type.category in ("other", "innerwear"):
                continue
            add(garment_type.name, f"type:{garment_type.name}")
            if " or " not in garment_type.label:
                add(garment_type.label, f"type:{garment_type.name}")
        # later entries replace earlier ones: "shoes" means the category, not only the generic type
        words = [(name, f"color:{name}") for name in COLOR_NAMES]
        words += [(pattern, f"pattern:{pattern}") for pattern in PATTERNS]
        words += [(category, f"category:{category}") for category in COMPOSABLE_CATEGORIES]
        # synonyms.csv: a phrase listed there replaces any vocabulary meaning of the same words
        words += [(s.phrase, target) for s in vocabulary.synonyms for target in s.targets]
        replaced: set[tuple[str, ...]] = set()
        for phrase, target in words:
            key = tuple(_words(phrase))
            if key not in replaced:
                table[key] = set()
                replaced.add(key)
            table[key].add(target)
        self.table = {key: frozenset(targets) for key, targets in table.items()}
        self.longest = max(len(key) for key in self.table)

    def _lookup(self, words: tuple[str, ...]) -> frozenset[str] | None:
        last = words[-1]
        for stem in (last, last[:-2] if last.endswith("es") else None, last[:-1] if last.endswith("s") else None):
            if stem and (found := self.table.get((*words[:-1], stem))):
                return found
        return None

    def parse(self, text: str) -> tuple[Constraint, ...]:
        """Return the constraints of a query, same-kind ones merged ("navy or black" is one colour constraint)."""
        words = _words(text)
        merged: dict[tuple[str, bool], tuple[set[str], list[str]]] = {}
        negate_until = -1
        i = 0
        while i < len(words):
            if words[i] in NEGATIONS:
                negate_until = i + NEGATION_SCOPE
                i += 1
                continue
            for size in range(min(self.longest, len(words) - i), 0, -1):
                phrase = tuple(words[i : i + size])
                targets = self._lookup(phrase)
                if targets:
                    negated = i <= negate_until
                    # "no black or navy" negates both colours; "no black, something warm" only black
                    or_follows = i + size < len(words) and words[i + size] in ("or", "nor")
                    negate_until = i + size + 1 if negated and or_follows else -1
                    for target in targets:
                        kind, value = target.split(":", 1)
                        values, phrases = merged.setdefault((kind, negated), (set(), []))
                        values.add(value)
                        if " ".join(phrase) not in phrases:
                            phrases.append(" ".join(phrase))
                    i += size
                    break
            else:
                i += 1
        return tuple(
            Constraint(kind, frozenset(values), " or ".join(phrases), negated)
            for (kind, negated), (values, phrases) in merged.items()
        )


@cache
def default_parser() -> QueryParser:
    """Return a parser of the packaged vocabulary (built once)."""
    return QueryParser(load_vocabulary())


class TagTextMatcher:
    """MiniLM similarity between a query and short descriptions of garments' tags (no text tower needed).

    Share one ``SentenceEncoder`` per process (about 5-8 s to load cold); description embeddings are cached.
    """

    def __init__(self, sentences: SentenceEncoder, vocabulary: Vocabulary | None = None, *,
                 cache_size: int = 20_000) -> None:
        self.sentences = sentences
        self.vocabulary = vocabulary or load_vocabulary()
        self.parser = QueryParser(self.vocabulary)
        self.cache_size = cache_size
        self._cache: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls, model_path: Path | str | None = None, vocabulary: Vocabulary | None = None) -> TagTextMatcher:
        """Load the bundled offline MiniLM (or the sentence-transformers model at ``model_path``) on the CPU."""
        return cls(SentenceEncoder.load(model_path), vocabulary)

    def describe(self, tags: Tags) -> str:
        """Return a one-line description of tags, e.g. "navy striped shirt, top, smart-casual, ..."."""
        garment_type = self.vocabulary.type_of(tags.type)
        colours = " and ".join(c.name for c in tags.colors[:2])
        pattern = "" if tags.pattern == "solid" else f" {tags.pattern}"
        return (
            f"{colours}{pattern} {garment_type.label.lower()}, {tags.category}, {tags.formality}, "
            f"{' '.join(tags.seasons)}, {WARMTH_WORDS[min(max(garment_type.warmth, 0), 4)]}"
        ).strip()

    def _encode(self, texts: list[str]) -> np.ndarray:
        return self.sentences.embed(texts)

    def similarities(self, query: str, garments: list[Garment]) -> np.ndarray:
        """Return the cosine of the query to each garment's description, float32 [N]."""
        descriptions = [self.describe(g.tags) for g in garments]
        with self._lock:
            known = {d: self._cache[d] for d in set(descriptions) if d in self._cache}
        missing = sorted(set(descriptions) - known.keys())
        if missing:
            known.update(zip(missing, self._encode(missing), strict=True))
            with self._lock:
                if len(self._cache) + len(missing) > self.cache_size:
                    self._cache.clear()
                self._cache.update((d, known[d]) for d in missing)
        rows = [known[d] for d in descriptions]
        query_vector = self._encode([query])[0]
        return np.stack(rows) @ query_vector if rows else np.zeros(0, dtype=np.float32)


def search_wardrobe(
    query: str,
    garments: list[Garment],
    vectors: np.ndarray | None,
    encoder: Encoder | None,
    matcher: TagTextMatcher | None,
    *,
    limit: int | None = None,
) -> list[TextHit]:
    """Rank garments for a text query, best first (blocking).

    ``vectors`` are the garments' stored embeddings (rows aligned with ``garments``); with an encoder that
    ``supports_text`` they give the similarity, else ``matcher`` does; with neither only tags count.
    """
    if not garments or not query.strip():
        return []
    parser = matcher.parser if matcher is not None else default_parser()
    constraints = parser.parse(query)
    similarity = _similarity(query, garments, vectors, encoder, matcher)
    lo, hi = float(similarity.min()), float(similarity.max())
    scaled = (similarity - lo) / max(hi - lo, SIMILARITY_RANGE_FLOOR)
    present_types = {g.tags.type for g in garments}
    hits = []
    for garment, sim in zip(garments, scaled, strict=True):
        if not constraints:
            hits.append(TextHit(garment, float(sim), ()))
            continue
        met, total, reasons = 0.0, 0.0, []
        for constraint in constraints:
            score = _match(constraint, garment.tags, parser.vocabulary, present_types)
            if constraint.negated:
                score = 1.0 - score
            met += WEIGHTS[constraint.kind] * score
            total += WEIGHTS[constraint.kind]
            if score >= REASON_MIN:
                reasons.append(f"not {constraint.phrase}" if constraint.negated else constraint.phrase)
        score = CONSTRAINT_SHARE * met / total + (1 - CONSTRAINT_SHARE) * float(sim)
        hits.append(TextHit(garment, score, tuple(dict.fromkeys(reasons))))
    hits.sort(key=lambda hit: hit.score, reverse=True)
    return hits[:limit] if limit is not None else hits


def _similarity(
    query: str, garments: list[Garment], vectors: np.ndarray | None, encoder: Encoder | None,
    matcher: TagTextMatcher | None,
) -> np.ndarray:
    if encoder is not None and encoder.supports_text and vectors is not None:
        if len(vectors) != len(garments):
            raise ValueError(f"{len(vectors)} vectors for {len(garments)} garments")
        texts = encoder.embed_texts([query, f"a photo of {query}"])
        query_vector = l2_normalise(texts.mean(axis=0, keepdims=True))[0]
        return l2_normalise(np.asarray(vectors, dtype=np.float32)) @ query_vector
    if matcher is not None:
        return matcher.similarities(query, garments)
    return np.zeros(len(garments), dtype=np.float32)


def _match(constraint: Constraint, tags: Tags, vocabulary: Vocabulary, present_types: set[str]) -> float:
    """Return how well tags meet a constraint, in [0, 1] (ignoring negation)."""
    values = constraint.values
    garment_type = vocabulary.type_of(tags.type)
    match constraint.kind:
        case "color":
            for i, colour in enumerate(tags.colors):
                if colour.name in values:
                    return 1.0 if i == 0 else (0.6 if colour.share >= 0.2 else 0.3)
            return 0.0
        case "type":
            if tags.type in values:
                return 1.0
            wanted = {vocabulary.type_of(v).category for v in values}
            if tags.category not in wanted:
                return 0.0
            if not values & present_types:  # none of the wanted types is in the wardrobe: its kin may do
                return 0.5
            return 0.4 if tags.type == vocabulary.default_type(tags.category).name else 0.25
        case "category":
            return 1.0 if tags.category in values else 0.0
        case "pattern":
            return 1.0 if tags.pattern in values else 0.0
        case "formality":
            if tags.formality in values:
                return 1.0
            return 0.5 if values & set(garment_type.formalities) else 0.0
        case "warmth":
            level = garment_type.warmth
            fit = (level - 1) / 3 if "warm" in values else (3 - level) / 3
            return float(min(max(fit, 0.0), 1.0))
        case "season":
            return 1.0 if values & set(tags.seasons) else 0.0
    raise ValueError(f"unknown constraint kind {constraint.kind!r}")
