"""The dialog's understanding on the bundled MiniLM: intents and slots read like a transcript, plus the
held-apart accuracy (tests/data/utterances.csv, never used to tune) as a failing-if-broken check."""

from __future__ import annotations

import csv
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from config import load_vocabulary
from config.vocabulary import COLOR_NAMES
from dialog.nlu import Understander, understand_texts
from dialog.nlu.intents import IntentModel, load_examples
from dialog.nlu.lexicon import edit_distance, load_lexicon
from dialog.nlu.when import find_clock, find_day, find_temperature
from dialog.understanding import Intent, ItemRef, Slots

TODAY = date(2026, 3, 11)  # a Wednesday; the held-apart set's dates are written against it
HELD_APART = Path(__file__).resolve().parent.parent / "data" / "utterances.csv"


@pytest.fixture(scope="session")
def nlu(understander: Understander) -> Understander:
    """The session's real Understander (tests/conftest.py), built once per run."""
    return understander


def said(nlu: Understander, text: str, photos: bool = False) -> tuple[Intent, Slots]:
    """Return the intent and slots of one utterance, today being ``TODAY``."""
    found = nlu.understand(text, has_photos=photos, today=TODAY)
    return found.intent, found.slots


@pytest.mark.parametrize(("text", "photos", "intent"), [
    ("", True, Intent.ADD_GARMENT),
    ("my new cardigan, keep it please", True, Intent.ADD_GARMENT),
    ("what do I wear for a job interview on monday", False, Intent.OUTFIT),
    ("dress me for a wedding", False, Intent.OUTFIT),
    ("what should I wear today?", False, Intent.TODAY),
    ("what do I put on this morning", False, Intent.TODAY),
    ("show me another one", False, Intent.ANOTHER),
    ("something different please", False, Intent.ANOTHER),
    ("show me everything in my wardrobe", False, Intent.WARDROBE),
    ("show me my navy blazer", False, Intent.SHOW_ITEM),
    ("that's navy, not black", False, Intent.CORRECT_ITEM),
    ("it's a skirt", False, Intent.CORRECT_ITEM),
    ("delete my red scarf", False, Intent.REMOVE_ITEM),
    ("my jeans are in the wash", False, Intent.LAUNDRY),
    ("the white shirt is back from the laundry", False, Intent.LAUNDRY),
    ("like this?", True, Intent.FIND_SIMILAR),
    ("what goes with this?", True, Intent.GOES_WITH),
    ("I'm thinking of buying this", True, Intent.GOES_WITH),
    ("something warm and navy", False, Intent.SEARCH),
    ("where can I buy a raincoat", False, Intent.SHOPPING),
    ("I live in Berlin", False, Intent.SETTINGS),
    ("send it at 7:30", False, Intent.SETTINGS),
    ("love it", False, Intent.FEEDBACK),
    ("I wore it", False, Intent.FEEDBACK),
    ("what can you do?", False, Intent.HELP),
    ("forget me", False, Intent.FORGET_ME),
    ("what's the capital of France", False, Intent.FALLBACK),
    ("zxqv blorp", False, Intent.FALLBACK),
])
def test_each_intent(nlu: Understander, text: str, photos: bool, intent: Intent) -> None:
    assert said(nlu, text, photos)[0] is intent


def test_a_photo_needs_its_caption_to_leave_the_wardrobe_path(nlu: Understander) -> None:
    # the same words without a photo ask about an owned item: an outfit around it, never "goes with"
    intent, slots = said(nlu, "what goes with my navy blazer")
    assert intent is Intent.OUTFIT
    assert slots.item == ItemRef(type="blazer", colors=("navy",))
    assert said(nlu, "what goes with my navy blazer", photos=True)[0] is Intent.GOES_WITH


@pytest.mark.parametrize(("text", "occasion"), [
    ("outfit for the office", "work"), ("what to wear to a big meeting", "work"), ("gym outfit please", "gym"),
    ("what do I wear for a run", "gym"), ("dinner date outfit", "date"), ("a look for my sister's wedding", "wedding"),
])
def test_occasions_and_their_synonyms(nlu: Understander, text: str, occasion: str) -> None:
    assert said(nlu, text) == (Intent.OUTFIT, Slots(occasion=occasion))


def test_weather_numbers_words_and_rain(nlu: Understander) -> None:
    assert said(nlu, "what to wear at 12 degrees")[1].temp_c == 12
    assert said(nlu, "-5°C tomorrow, what do I wear")[1].temp_c == -5
    assert said(nlu, "outfit for 75F")[1].temp_c == pytest.approx(23.9)
    assert said(nlu, "it's cold, what should I wear")[1].temp_c == 4
    assert said(nlu, "outfit for a hot day")[1].temp_c == 30
    assert said(nlu, "something warm and navy")[1].temp_c is None  # warm clothes, not warm weather
    for text in ("it's rainy, what should I wear", "raining all day, outfit?", "I'll need an umbrella, outfit?"):
        assert said(nlu, text)[1].rain is True, text


@pytest.mark.parametrize(("text", "day"), [
    ("what should I wear today", TODAY), ("outfit for tomorrow", date(2026, 3, 12)),
    ("outfit for a party on Friday", date(2026, 3, 13)), ("what do I wear this weekend", date(2026, 3, 14)),
    ("what should I wear next monday", date(2026, 3, 16)), ("outfit for wednesday", TODAY),
    ("what to wear on 2026-04-02", date(2026, 4, 2)), ("outfit for the 20th of March", date(2026, 3, 20)),
])
def test_days_resolve_against_today(nlu: Understander, text: str, day: date) -> None:
    assert said(nlu, text)[1].day == day


def test_colours_garments_and_counts(nlu: Understander) -> None:
    assert said(nlu, "anything in dark blue or gray?")[1].colors == ("navy", "grey")
    assert said(nlu, "find something cream or burgundy")[1].colors == ("beige", "red")
    assert said(nlu, "do I have black trousers")[1].type == "pants"
    assert said(nlu, "where can I buy new sneaks")[1].type == "sneakers"
    assert said(nlu, "search for a white tee")[1].type == "t-shirt"
    assert said(nlu, "list my shoes")[1].category == "shoes"
    assert said(nlu, "give me three outfits for work")[1].count == 3
    assert said(nlu, "2 looks for the weekend please")[1].count == 2
    assert said(nlu, "outfit for 12 degrees")[1].count is None  # a temperature is not a count


def test_an_owned_item_by_type_and_colour(nlu: Understander) -> None:
    intent, slots = said(nlu, "an outfit with my navy blazer please")
    assert intent is Intent.OUTFIT
    assert slots.item == ItemRef(type="blazer", colors=("navy",))
    assert (slots.colors, slots.type) == ((), None)  # the item's words are not repeated as filters
    assert said(nlu, "delete the grey hoodie") == (
        Intent.REMOVE_ITEM, Slots(item=ItemRef(type="hoodie", colors=("grey",))))


def test_corrections(nlu: Understander) -> None:
    assert said(nlu, "that's navy, not black") == (
        Intent.CORRECT_ITEM, Slots(colors=("navy",), old_colors=("black",)))
    assert said(nlu, "it's a skirt") == (Intent.CORRECT_ITEM, Slots(type="skirt"))
    assert said(nlu, "that's not a jacket, it's a coat") == (Intent.CORRECT_ITEM, Slots(type="coat"))


def test_laundry_directions(nlu: Understander) -> None:
    assert said(nlu, "my jeans are in the wash") == (
        Intent.LAUNDRY, Slots(item=ItemRef(type="jeans"), laundry="in"))
    assert said(nlu, "my white shirt is clean again")[1].laundry == "out"
    assert said(nlu, "the black dress is back from the laundry")[1].laundry == "out"


@pytest.mark.parametrize(("text", "value"), [
    ("love this look", "like"), ("ugh, hate it", "dislike"), ("I wore it to the office", "wore"),
    ("not today thanks", "not_today"),
])
def test_feedback_kinds(nlu: Understander, text: str, value: str) -> None:
    intent, slots = said(nlu, text)
    assert (intent, slots.feedback) == (Intent.FEEDBACK, value)


@pytest.mark.parametrize(("text", "setting", "value"), [
    ("I live in Berlin", "city", "Berlin"), ("move me to paris please", "city", "Paris"),
    ("set my time zone to Europe/Lisbon", "timezone", "Europe/Lisbon"),
    ("send it at 7:30", "push_time", "07:30"), ("send the morning look at 8am", "push_time", "08:00"),
    ("turn off the morning messages", "push_off", None), ("turn the daily look back on", "push_on", None),
    ("weekdays only", "days", "weekdays"),
])
def test_settings(nlu: Understander, text: str, setting: str, value: str | None) -> None:
    intent, slots = said(nlu, text)
    assert (intent, slots.setting, slots.value) == (Intent.SETTINGS, setting, value)


def test_typos_are_tolerated(nlu: Understander) -> None:
    assert said(nlu, "waht should i wear to a weding tomorow") == (
        Intent.OUTFIT, Slots(occasion="wedding", day=date(2026, 3, 12)))
    assert said(nlu, "delte my blak jakcet")[0] is Intent.REMOVE_ITEM
    assert said(nlu, "show my burgandy sweter")[1].item == ItemRef(type="sweater", colors=("red",))


def test_understand_texts_gives_the_cli_form(nlu: Understander) -> None:
    out = understand_texts(nlu, ["outfit for work tomorrow", "hello there"], TODAY)
    assert json.loads(json.dumps(out)) == out
    assert out[0]["intent"] == "outfit"
    assert out[0]["slots"] == {"occasion": "work", "day": "2026-03-12"}
    assert 0 < float(out[0]["confidence"]) <= 1  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="has_photos"):
        nlu.understand_many(["a", "b"], has_photos=[True], today=TODAY)


def test_a_huge_message_is_read_in_bounded_time(nlu: Understander) -> None:
    text = "what should I wear to work tomorrow " + "zorblat quenchy " * 3500  # about 56 KB
    started = time.perf_counter()
    found = nlu.understand(text, today=TODAY)
    assert time.perf_counter() - started < 5
    assert (found.slots.occasion, found.slots.day) == ("work", date(2026, 3, 12))


def test_held_apart_accuracy(nlu: Understander) -> None:
    with HELD_APART.open(encoding="utf-8", newline="") as f:
        cases = list(csv.DictReader(f))
    assert len(cases) >= 200
    found = nlu.understand_many([c["text"] for c in cases], has_photos=[c["has_photos"] == "yes" for c in cases],
                                today=TODAY)
    right = sum(u.intent.value == c["intent"] for u, c in zip(found, cases, strict=True))
    slots_right = sum(u.slots.to_dict() == _slots(c["slots"]) for u, c in zip(found, cases, strict=True))
    assert right / len(cases) >= 0.9
    assert slots_right / len(cases) >= 0.85


def _slots(text: str) -> dict[str, Any]:
    expected: dict[str, Any] = json.loads(text)
    if isinstance(expected.get("temp_c"), int):
        expected["temp_c"] = float(expected["temp_c"])
    return expected


# --- the pieces, without the model ---------------------------------------------------------------------


def test_every_lexicon_meaning_names_a_vocabulary_value() -> None:
    vocab = load_vocabulary()
    lexicon = load_lexicon(vocab)
    for phrase, meanings in lexicon.phrases.items():
        for kind, value in meanings.items():
            allowed = {"type": vocab.types, "color": COLOR_NAMES, "occasion": vocab.occasions,
                       "category": {t.category for t in vocab.types.values()}}.get(kind)
            if allowed is not None:
                assert value in allowed, (phrase, kind, value)
            if kind == "cue":
                assert all(Intent(name) for name in value.split())


def test_examples_cover_every_intent_and_model_checks_shapes() -> None:
    examples = load_examples()
    assert {intent for intent, _ in examples} == set(Intent)
    assert len(examples) >= 300
    with pytest.raises(ValueError, match="labels"):
        IntentModel([__import__("numpy").zeros((2, 3))], [Intent.HELP])


def test_temperatures_clocks_and_edits() -> None:
    assert find_temperature("it's -3°c") == (-3.0, (5, 9))
    assert find_temperature("minus 4 degrees")[0] == -4  # type: ignore[index]
    assert find_temperature("it's 80 degrees")[0] == pytest.approx(26.7)  # type: ignore[index]
    assert find_temperature("2 looks please") is None
    assert find_clock("at 6.45pm")[0] == "18:45"  # type: ignore[index]
    assert find_clock("3 outfits") is None
    assert find_day("day after tomorrow", ["day", "after", "tomorrow"], TODAY) == date(2026, 3, 13)
    assert edit_distance("scraf", "scarf") == 1 and edit_distance("stock", "socks") == 2
    lexicon = load_lexicon(load_vocabulary())
    assert lexicon.repair("trosers") == "trousers"
    assert lexicon.repair("stock") == "stock"  # a real word near a garment word stays itself
