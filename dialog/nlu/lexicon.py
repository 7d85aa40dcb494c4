"""The words the understanding knows: phrases from the vocabulary and config/data/nlu_lexicon.csv, matched
longest-first over a tokenised utterance, with cheap typo repair for longer words."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources

from config import Vocabulary
from dialog.nlu.when import WEEKDAYS

# Token pattern: words (with inner hyphens, "t-shirt"), numbers, and the punctuation that ends a clause
# (it stops negation windows and item phrases from reaching across commas).
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|[,.;:!?]")
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
FUZZY_MIN_LEN = 5  # shorter words have too many near neighbours to repair safely
REPAIR_CACHE = 20_000  # unknown words seen, and what they were repaired to (bounded: users type anything)
LONG_WORD = 8  # from this length two edits are still a typo ("reccomend")
MAX_PHRASE = 5
# Days, weekdays and relative words are read by code (dialog.nlu.when); the typo repair must know them.
TIME_WORDS = (
    "today", "tonight", "todays", "tomorrow", "tomorrows", "yesterday", "weekend", "weekends", "morning",
    "evening", "afternoon", "night", "week", "degrees", "celsius", "fahrenheit",
    *WEEKDAYS, *(day + "s" for day in WEEKDAYS),
)
# Lexicon kinds that are single words looked at around a match, not phrases to match themselves.
WORD_KINDS = ("weather_lead", "weather_noun")
# Categories whose generic word ("shoes", "a dress") means the whole category rather than one fine type.
GENERIC_TYPES = ("top", "dress", "outerwear", "shoes", "hat", "bag")


@dataclass(frozen=True, slots=True)
class Mention:
    """A matched phrase: its meanings (slot kind -> value) and its token span."""

    meanings: dict[str, str]
    start: int
    end: int

    def get(self, kind: str) -> str | None:
        """Return this mention's value for ``kind``, if it has that meaning."""
        return self.meanings.get(kind)


@dataclass(frozen=True)
class Lexicon:
    """Phrase -> meanings, plus the words known to the typo repair."""

    phrases: dict[tuple[str, ...], dict[str, str]]
    known: frozenset[str] = field(default_factory=frozenset)
    word_sets: dict[str, frozenset[str]] = field(default_factory=dict)
    _by_initial: dict[str, set[str]] = field(init=False, repr=False, default_factory=dict)
    _repairs: dict[str, str] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        by_initial: dict[str, set[str]] = {}
        for word in self.known:
            if word.isalpha() and len(word) >= FUZZY_MIN_LEN - 1:
                by_initial.setdefault(word[0], set()).add(word)
        object.__setattr__(self, "_by_initial", by_initial)

    def words(self, kind: str) -> frozenset[str]:
        """Return the single words of a word kind (``weather_lead``, ``weather_noun``)."""
        return self.word_sets.get(kind, frozenset())

    def repair(self, token: str) -> str:
        """Return ``token``, or the known word it is a likely typo of (words of 5+ letters only).

        A typo here is one edit (two for words of 8+ letters) that keeps the first letter: a swap, a missed or
        doubled letter. Plain similarity ratios also "repair" real words ("stock" -> "socks", "browse" ->
        "rose"); an edit bound with the first letter fixed does not, and an inflection ("moved") stays as said.
        """
        if len(token) < FUZZY_MIN_LEN or not token.isalpha() or token in self.known:
            return token
        if (cached := self._repairs.get(token)) is not None:
            return cached
        repaired = self._nearest(token)
        if len(self._repairs) < REPAIR_CACHE:
            self._repairs[token] = repaired
        return repaired

    def _nearest(self, token: str) -> str:
        allowed = 2 if len(token) >= LONG_WORD else 1
        best, best_distance = token, allowed + 1
        for word in sorted(self._by_initial.get(token[0], ())):
            if abs(len(word) - len(token)) > allowed or token.startswith(word):
                continue
            distance = edit_distance(token, word)
            if distance < best_distance:
                best, best_distance = word, distance
        return best

    def match(self, tokens: list[str]) -> list[Mention]:
        """Return the phrases found in ``tokens``, longest first from the left, never overlapping."""
        found: list[Mention] = []
        i = 0
        while i < len(tokens):
            for size in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
                meanings = self.phrases.get(tuple(tokens[i : i + size]))
                if meanings is not None:
                    found.append(Mention(meanings, i, i + size))
                    i += size
                    break
            else:
                i += 1
        return found


def normalise(text: str) -> str:
    """Lower-case ``text`` and drop apostrophes ("It's" -> "its"), as the lexicon writes its phrases."""
    return text.translate(_QUOTES).lower().replace("'", "")


def tokenise(text: str) -> list[str]:
    """Split normalised text into word, number and clause-punctuation tokens."""
    return _TOKEN.findall(text)


def _plural(word: str) -> str:
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def _add(table: dict[tuple[str, ...], dict[str, str]], phrase: str, kind: str, value: str) -> None:
    key = tuple(tokenise(normalise(phrase)))
    if not key:
        return
    meanings = table.setdefault(key, {})
    if kind == "cue" and kind in meanings:
        meanings[kind] += " " + value  # one phrase may point to several intents ("buy": shopping, goes_with)
    else:
        meanings.setdefault(kind, value)


def _add_garment_word(table: dict[tuple[str, ...], dict[str, str]], phrase: str, kind: str, value: str) -> None:
    """Add a garment phrase with its plural ("blazer", "blazers")."""
    _add(table, phrase, kind, value)
    words = phrase.split()
    if not words[-1].endswith("s"):
        _add(table, " ".join([*words[:-1], _plural(words[-1])]), kind, value)


def _vocabulary_phrases(vocab: Vocabulary) -> Iterable[tuple[str, str, str]]:
    """Yield ``(phrase, kind, value)`` for the vocabulary's own names and labels."""
    for name, garment_type in vocab.types.items():
        if name == "other":
            continue
        kind, value = ("category", garment_type.category) if name in GENERIC_TYPES else ("type", name)
        for phrase in {name, name.replace("-", " "), garment_type.label.lower()}:
            if " or " not in phrase:
                yield phrase, kind, value
    for color in vocab.palette:
        yield color, "color", color
    for occasion in vocab.occasions:
        yield occasion, "occasion", occasion


def _lexicon_rows() -> Iterable[tuple[str, str, str]]:
    """Yield ``(phrase, kind, value)`` from config/data/nlu_lexicon.csv (``#`` rows are comments)."""
    text = resources.files("config").joinpath("data", "nlu_lexicon.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(line for line in text.splitlines() if not line.startswith("#")):
        for phrase in row["phrases"].split(";"):
            if phrase.strip():
                yield phrase.strip(), row["slot"], row["value"]


def load_lexicon(vocab: Vocabulary, extra_words: Iterable[str] = ()) -> Lexicon:
    """Build the lexicon from the vocabulary and the lexicon data file; ``extra_words`` are also typo targets."""
    table: dict[tuple[str, ...], dict[str, str]] = {}
    word_sets: dict[str, set[str]] = {kind: set() for kind in WORD_KINDS}
    # Data-file rows first: a phrase listed there wins over a vocabulary meaning of the same kind.
    for phrase, kind, value in _lexicon_rows():
        if kind in WORD_KINDS:
            word_sets[kind].add(phrase)
        elif kind in ("type", "category"):
            _add_garment_word(table, phrase, kind, value)
        else:
            _add(table, phrase, kind, value)
    for phrase, kind, value in _vocabulary_phrases(vocab):
        if kind in ("type", "category"):
            _add_garment_word(table, phrase, kind, value)
        else:
            _add(table, phrase, kind, value)
    known = {word for key in table for word in key} | set(TIME_WORDS)
    for text in extra_words:
        known.update(t for t in tokenise(normalise(text)) if t.isalpha())
    return Lexicon(phrases=table, known=frozenset(known),
                   word_sets={kind: frozenset(words) for kind, words in word_sets.items()})


def edit_distance(a: str, b: str) -> int:
    """Return the optimal-string-alignment distance (insert, delete, substitute, swap neighbours)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
