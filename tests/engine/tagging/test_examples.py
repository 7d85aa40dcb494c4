"""Learning from corrections: a user's corrected garment decides the tags of their next photo of the same kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from config.vocabulary import load_vocabulary
from engine import PhotoInput
from engine.tagging.examples import THRESHOLDS, example_of, learn
from engine.types import Color, Tags

# Two real photos of shorts sent by one person (clothing_small test, sender 204) that the tagger calls pants.
FIRST = "clothing_small/test/shorts/56fda6ba-1ee9-4f97-a0fd-55f01f1e2512.jpg"
SIBLING = "clothing_small/test/shorts/97620b7f-54ba-445a-9817-b39c8684f890.jpg"


def photo(shared_data: Path, path: str) -> PhotoInput:
    return PhotoInput((shared_data / path).read_bytes(), Path(path).name)


async def test_a_corrected_type_teaches_the_owner_and_nobody_else(stylist, shared_data):
    first = (await stylist.add_garments("ann", [photo(shared_data, FIRST)])).added[0]
    assert first.tags.type == "pants"  # the tagger's own mistake: what the correction has to teach
    await stylist.correct_tags("ann", first.id, {"type": "shorts"})

    sibling = (await stylist.add_garments("ann", [photo(shared_data, SIBLING)])).added[0]
    assert (sibling.tags.category, sibling.tags.type) == ("bottom", "shorts")
    assert sibling.tags.learned_from == {"type": first.id, "category": first.id}
    assert sibling.to_dict()["learned_from"] == {"type": first.id, "category": first.id}
    assert sibling.tags.confidence["type"] == THRESHOLDS["embedded:style_v1"].confidence["type"]
    assert sibling.tags.to_dict()["learned_from"]["type"] == first.id
    assert (await stylist.garment("ann", sibling.id)).tags.type == "shorts"  # stored as learned

    # the same photo in another user's wardrobe: ann's correction is not theirs
    other = (await stylist.add_garments("bob", [photo(shared_data, SIBLING)])).added[0]
    assert other.tags.type == "pants" and "learned_from" not in other.to_dict()

    # correcting a learned field makes it the user's own
    fixed = await stylist.correct_tags("ann", sibling.id, {"type": "pants"})
    assert fixed.tags.type == "pants" and not fixed.tags.learned_from


async def test_inspecting_a_photo_uses_the_owners_corrections(stylist, shared_data):
    first = (await stylist.add_garments("ann", [photo(shared_data, FIRST)])).added[0]
    await stylist.correct_tags("ann", first.id, {"type": "shorts"})
    _, tagged = await stylist.wardrobes.inspect("ann", photo(shared_data, SIBLING))
    assert tagged.tags.type == "shorts"
    _, plain = await stylist.wardrobes.inspect("bob", photo(shared_data, SIBLING))
    assert plain.tags.type == "pants"


def tags(type_name: str, colour: tuple[str, str] = ("black", "#1c1c1c"), pattern: str = "solid") -> Tags:
    category = load_vocabulary().type_of(type_name).category
    return Tags(category, type_name, (Color(*colour, 1.0),), pattern, "casual", ("summer",), {"type": 0.9})


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_a_nearer_uncorrected_garment_of_the_same_call_keeps_the_tag():
    vocabulary = load_vocabulary()
    thresholds = THRESHOLDS["embedded:style_v1"]
    query = unit(1, 0, 0)
    corrected = example_of("a", unit(1, 0.2, 0), tags("t-shirt").to_dict(), {"type": "polo", "category": "top"})
    learned = learn(tags("t-shirt"), query, [corrected], thresholds, vocabulary)
    assert learned.type == "polo" and learned.learned_from["type"] == "a"
    # a garment the tagger also called a t-shirt, nearer and not corrected: the call was right for such things
    confirmed = example_of("b", unit(1, 0.1, 0), tags("t-shirt").to_dict(), {})
    assert learn(tags("t-shirt"), query, [corrected, confirmed], thresholds, vocabulary).type == "t-shirt"
    # the correction was of another call (a shirt made a polo): a t-shirt is not touched
    shirt = example_of("c", query, tags("shirt").to_dict(), {"type": "polo", "category": "top"})
    assert learn(tags("t-shirt"), query, [shirt], thresholds, vocabulary).learned_from == {}
    # far away in the style space: nothing learned
    far = example_of("d", unit(0, 1, 0), tags("t-shirt").to_dict(), {"type": "polo", "category": "top"})
    assert learn(tags("t-shirt"), query, [far], thresholds, vocabulary).type == "t-shirt"


def test_a_renamed_colour_renames_the_same_measured_colour_only():
    vocabulary = load_vocabulary()
    thresholds = THRESHOLDS["embedded:style_v1"]
    example = example_of("a", unit(1, 0.1, 0), tags("t-shirt", ("black", "#1e2230")).to_dict(), {"colors": ["navy"]})
    same = learn(tags("t-shirt", ("black", "#1e2231")), unit(1, 0, 0), [example], thresholds, vocabulary)
    assert same.colors[0].name == "navy" and same.learned_from == {"colors": "a"}
    other = learn(tags("t-shirt", ("black", "#050505")), unit(1, 0, 0), [example], thresholds, vocabulary)
    assert other.colors[0].name == "black"  # measured far darker: really black
    far = learn(tags("t-shirt", ("black", "#1e2231")), unit(0, 1, 0), [example], thresholds, vocabulary)
    assert far.colors[0].name == "black"  # another kind of garment: the user's navy was about that one


def test_a_corrected_category_moves_the_type_with_it_and_pattern_is_learned_apart():
    vocabulary = load_vocabulary()
    thresholds = THRESHOLDS["embedded:style_v1"]
    query = unit(1, 0, 0)
    hoodie = example_of("a", unit(1, 0.05, 0), tags("hoodie").to_dict(), {"category": "outerwear"})
    learned = learn(tags("hoodie"), query, [hoodie], thresholds, vocabulary)
    assert learned.category == "outerwear"
    assert learned.type == vocabulary.default_type("outerwear").name
    assert learned.learned_from == {"type": "a", "category": "a"}
    printed = example_of("b", unit(1, 0.05, 0), tags("t-shirt").to_dict(), {"pattern": "printed"})
    learned = learn(tags("t-shirt"), query, [printed], thresholds, vocabulary)
    assert (learned.type, learned.pattern, learned.learned_from) == ("t-shirt", "printed", {"pattern": "b"})
