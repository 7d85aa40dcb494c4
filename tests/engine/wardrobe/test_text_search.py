"""Text search over a wardrobe: query parsing, MiniLM tag matching, and the CLIP text path."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from config.vocabulary import load_vocabulary
from engine.encoders.base import Encoder, HeadOutput, l2_normalise
from engine.types import Color, Garment, Tags, TextHit
from engine.wardrobe.text_search import QueryParser, TagTextMatcher, search_wardrobe


@pytest.fixture(scope="session")
def parser() -> QueryParser:
    return QueryParser(load_vocabulary())


def garment(gid: str, type_name: str, colours: str, *, pattern: str = "solid", formality: str | None = None) -> Garment:
    """A stored garment built from a type and colour names (first colour dominant)."""
    vocabulary = load_vocabulary()
    garment_type = vocabulary.types[type_name]
    names = colours.split()
    shares = [0.7, 0.3][: len(names)] if len(names) > 1 else [1.0]
    tags = Tags(
        category=garment_type.category,
        type=type_name,
        colors=tuple(Color(n, vocabulary.palette[n], s) for n, s in zip(names, shares, strict=True)),
        pattern=pattern,
        formality=formality or garment_type.default_formality,
        seasons=garment_type.seasons,
    )
    return Garment(gid, "u1", tags, (), f"h-{gid}", f"t-{gid}", False, datetime(2024, 1, 1, tzinfo=UTC))


WARDROBE = [
    garment("navy-tee", "t-shirt", "navy"),
    garment("navy-sweater", "sweater", "navy"),
    garment("navy-coat", "coat", "navy"),
    garment("red-coat", "coat", "red"),
    garment("beige-trousers", "pants", "beige", formality="smart-casual"),
    garment("blue-jeans", "jeans", "blue"),
    garment("white-sports-shoes", "sports-shoes", "white", formality="sport"),
    garment("black-heels", "heels", "black", formality="formal"),
    garment("striped-shirt", "shirt", "white navy", pattern="striped", formality="smart-casual"),
    garment("grey-hoodie", "hoodie", "grey"),
    garment("floral-dress", "dress", "pink multi", pattern="floral"),
    garment("black-shorts", "shorts", "black"),
]


def ids(hits: list[TextHit]) -> list[str]:
    return [hit.garment.id for hit in hits]


def rank(hits: list[TextHit], gid: str) -> int:
    return ids(hits).index(gid)


def test_parser_reads_colours_types_and_synonyms(parser: QueryParser) -> None:
    found = {c.kind: (c.values, c.negated) for c in parser.parse("Dark-blue trousers or burgundy jumpers, not formal")}
    # "dark blue" is navy or the palette's deep blue (a garment the tagger names blue can be dark blue)
    assert found["color"] == (frozenset({"navy", "blue", "red"}), False)
    assert found["type"] == (frozenset({"pants", "sweater", "longsleeve"}), False)
    assert found["formality"] == (frozenset({"formal"}), True)


def test_parser_handles_multiword_labels_plurals_and_categories(parser: QueryParser) -> None:
    kinds = {(c.kind, v) for c in parser.parse("light blue long-sleeved tops and shoes for winter") for v in c.values}
    assert ("color", "blue") in kinds and ("warmth", "light") not in kinds  # "light blue" is a colour
    assert ("type", "longsleeve") in kinds and ("category", "shoes") in kinds
    assert ("season", "winter") in kinds and ("warmth", "warm") in kinds


def test_negation_stops_at_the_next_constraint(parser: QueryParser) -> None:
    constraints = parser.parse("no black, something warm")
    assert {(c.kind, c.negated) for c in constraints} == {("color", True), ("warmth", False)}
    both = parser.parse("not black or navy")
    assert [(c.kind, c.values, c.negated) for c in both] == [("color", frozenset({"black", "navy"}), True)]


def test_warm_and_navy_prefers_warm_navy_things(matcher: TagTextMatcher) -> None:
    hits = search_wardrobe("something warm and navy", WARDROBE, None, None, matcher)
    top_two = set(ids(hits)[:2])
    assert top_two == {"navy-coat", "navy-sweater"}
    assert rank(hits, "navy-sweater") < rank(hits, "navy-tee")
    assert rank(hits, "navy-sweater") < rank(hits, "red-coat")
    assert set(hits[0].reasons) == {"navy", "warm"}


def test_trousers_and_sneakers_synonyms(matcher: TagTextMatcher) -> None:
    assert ids(search_wardrobe("beige trousers", WARDROBE, None, None, matcher))[0] == "beige-trousers"
    # no garment is tagged "sneakers": sports shoes are the closest thing in this wardrobe
    hits = search_wardrobe("white sneakers", WARDROBE, None, None, matcher)
    assert ids(hits)[0] == "white-sports-shoes"


def test_formality_and_season_words(matcher: TagTextMatcher) -> None:
    smart = ids(search_wardrobe("something smart", WARDROBE, None, None, matcher))
    assert set(smart[:3]) <= {"beige-trousers", "black-heels", "striped-shirt", "navy-coat", "red-coat"}
    assert smart.index("black-heels") < smart.index("black-shorts")
    summer = ids(search_wardrobe("for summer", WARDROBE, None, None, matcher))
    assert summer.index("black-shorts") < summer.index("navy-coat")
    sporty = ids(search_wardrobe("sporty", WARDROBE, None, None, matcher))
    assert sporty[0] == "white-sports-shoes"


def test_pattern_and_negation_in_a_search(matcher: TagTextMatcher) -> None:
    assert ids(search_wardrobe("striped shirt", WARDROBE, None, None, matcher))[0] == "striped-shirt"
    hits = search_wardrobe("a coat, not red", WARDROBE, None, None, matcher)
    assert ids(hits)[0] == "navy-coat" and "not red" in hits[0].reasons


def test_unparsed_queries_fall_back_to_description_similarity(matcher: TagTextMatcher) -> None:
    hits = search_wardrobe("flowery frock", WARDROBE, None, None, matcher, limit=3)
    assert len(hits) == 3 and hits[0].garment.id == "floral-dress"  # "flowery" is parsed, "frock" is not
    hits = search_wardrobe("hooded sweatshirt", WARDROBE, None, None, matcher)
    assert ids(hits)[0] == "grey-hoodie"


def test_corrected_tags_are_what_search_sees(matcher: TagTextMatcher) -> None:
    """Search reads the garment's tags as stored, corrections applied: a tee corrected to red is red."""
    corrected = garment("navy-tee", "t-shirt", "red")
    hits = search_wardrobe("red t-shirt", [*WARDROBE[1:], corrected], None, None, matcher)
    assert ids(hits)[0] == "navy-tee"


def test_empty_inputs(matcher: TagTextMatcher) -> None:
    assert search_wardrobe("", WARDROBE, None, None, matcher) == []
    assert search_wardrobe("navy", [], None, None, matcher) == []


def test_without_a_model_only_tags_count() -> None:
    hits = search_wardrobe("red coat", WARDROBE, None, None, None)
    assert ids(hits)[0] == "red-coat"


class LookupTextEncoder(Encoder):
    """A joint image-text encoder over a fixed set of words: a text's vector is the sum of its words'."""

    name = "lookup"
    dim = 4
    WORDS = {"navy": 0, "coat": 1, "red": 2, "shorts": 3}

    def embed_images(self, images: list[object]) -> np.ndarray:  # type: ignore[override]
        raise AssertionError("search must use the stored vectors, not re-embed photos")

    def tag_heads(self, embeddings: np.ndarray) -> dict[str, HeadOutput]:
        return {}

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        out = np.full((len(texts), self.dim), 0.01, dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                if word in self.WORDS:
                    out[row, self.WORDS[word]] += 1
        return l2_normalise(out)

    @property
    def supports_text(self) -> bool:
        return True


def test_clip_path_ranks_by_the_stored_image_vectors() -> None:
    garments = [WARDROBE[2], WARDROBE[3], WARDROBE[11]]  # navy coat, red coat, black shorts
    # stored photo vectors that disagree with the tags for the shorts: the photo looks like a navy coat
    vectors = l2_normalise(np.array([[1, 1, 0, 0], [0, 1, 1, 0], [1, 1, 0, 0.1]], dtype=np.float32))
    hits = search_wardrobe("something that looks navy", garments, vectors, LookupTextEncoder(), None)
    assert ids(hits)[0] == "navy-coat" and ids(hits)[-1] == "red-coat"
    with pytest.raises(ValueError, match="2 vectors for 3 garments"):
        search_wardrobe("navy", garments, vectors[:2], LookupTextEncoder(), None)


def test_every_synonym_names_a_vocabulary_value() -> None:
    from config.vocabulary import CATEGORIES, COLOR_NAMES, FORMALITIES, PATTERNS, SEASONS

    allowed = {
        "color": set(COLOR_NAMES), "type": set(load_vocabulary().types), "category": set(CATEGORIES),
        "pattern": set(PATTERNS), "formality": set(FORMALITIES), "season": set(SEASONS), "warmth": {"warm", "light"},
    }
    synonyms = load_vocabulary().synonyms
    assert len(synonyms) > 100
    for phrase, targets in ((s.phrase, s.targets) for s in synonyms):
        for target in targets:
            kind, value = target.split(":", 1)
            assert value in allowed[kind], f"{phrase!r} -> {target!r}"


async def test_the_facade_searches_a_real_wardrobe_by_text(reopen, sentences):
    """Real photos, tagged by the real tagger, found by words."""
    from tests._support import sample_names, sample_photo

    stylist = await reopen(sentences=sentences)
    await stylist.add_garments("alice", [sample_photo(n) for n in sample_names()])
    await stylist.add_garments("bob", [sample_photo(n) for n in sample_names("shoes")])
    hits = await stylist.search_text("alice", "shoes", k=5)
    assert [h.garment.tags.category for h in hits] == ["shoes"] * 5
    assert all(h.garment.user_id == "alice" for h in hits)
    hits = await stylist.search_text("alice", "something warm for winter", k=4)
    assert sum(h.garment.tags.category == "outerwear" for h in hits) >= 3
    assert await stylist.search_text("carol", "anything") == []
