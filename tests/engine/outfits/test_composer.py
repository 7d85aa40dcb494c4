"""Outfit composition: the hard filters, scoring, diversity, determinism and the words, on tag-built garments."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from bench.compose_speed import synthetic_wardrobe
from config.vocabulary import load_vocabulary
from engine.errors import ItemNotFound
from engine.looks import Look, OutfitRequest, Weather
from engine.outfits.composer import Candidate, ComposeResult, compose, compose_exhaustive, look_id
from engine.outfits.model import CompatScorer
from engine.outfits.rules import EMPTY_WARDROBE, MAIN_SLOTS, MAX_REASON_CHARS
from tests.garments import candidate as c

TODAY = date(2025, 3, 10)
MILD = Weather(20.0)
SCORER = CompatScorer()


def wardrobe() -> list[Candidate]:
    """A small but real wardrobe: enough for several diverse looks in any weather."""
    return [
        c("t-white", "t-shirt", ("white",)), c("t-navy", "shirt", ("navy",)),
        c("t-grey", "sweater", ("grey",)), c("t-pink", "blouse", ("pink",), pattern="floral"),
        c("t-black", "longsleeve", ("black",)), c("t-sport", "t-shirt", ("grey",), formality="sport"),
        c("t-formal", "shirt", ("white",), formality="formal"),
        c("b-jeans", "jeans", ("blue",)), c("b-black", "pants", ("black",)), c("b-shorts", "shorts", ("beige",)),
        c("b-skirt", "skirt", ("red",)), c("b-track", "track-pants", ("black",)),
        c("b-formal", "pants", ("navy",), formality="formal"), c("b-chinos", "pants", ("beige",)),
        c("s-white", "sneakers", ("white",)), c("s-boots", "boots", ("brown",)),
        c("s-sandals", "sandals", ("brown",)), c("s-formal", "formal-shoes", ("black",)),
        c("s-sport", "sports-shoes", ("grey",)), c("s-flats", "flats", ("beige",)),
        c("o-jacket", "jacket", ("navy",)), c("o-coat", "coat", ("grey",)),
        c("o-blazer", "blazer", ("black",), formality="formal"),
        c("d-navy", "dress", ("navy",)), c("a-belt", "belt", ("brown",)), c("g-bag", "bag", ("black",)),
        c("i-socks", "socks", ("white",)),
    ]


def run(items: list[Candidate] | None = None, weather: Weather = MILD, **kwargs: object) -> ComposeResult:
    request = kwargs.pop("request", OutfitRequest())
    return compose(wardrobe() if items is None else items, request, weather, SCORER, today=TODAY,  # type: ignore[arg-type]
                   **kwargs)  # type: ignore[arg-type]


def ids(look: Look) -> set[str]:
    return {g.id for g in look.items}


def types(result: ComposeResult) -> set[str]:
    return {g.tags.type for look in result.looks for g in look.items}


def main_ids(look: Look) -> set[str]:
    return {g.id for g, s in zip(look.items, look.slots, strict=True) if s in MAIN_SLOTS}


# --- shape of a look ---------------------------------------------------------------------------------


def test_looks_are_complete_and_well_formed() -> None:
    result = run()
    assert len(result.looks) == 3 and result.missing == []
    for look in result.looks:
        slots = set(look.slots)
        assert {"top", "bottom", "shoes"} <= slots or {"onepiece", "shoes"} <= slots
        assert not ({"top", "bottom"} & slots and "onepiece" in slots)
        assert len(look.slots) == len(set(look.slots)) == len(look.items)
        assert look.id == look_id([g.id for g in look.items])
        assert "i-socks" not in ids(look) or look.slots.count("accessory") == 1
        assert all(0 <= getattr(look.score, p) <= 1 for p in ("compatibility", "preference", "novelty",
                                                                "weather_fit", "total"))
        assert look.reason.endswith(".") and len(look.reason) <= MAX_REASON_CHARS
    assert [lk.score.total for lk in result.looks] == sorted((lk.score.total for lk in result.looks), reverse=True)


def test_innerwear_and_other_are_never_composed() -> None:
    items = [*wardrobe(), c("u-under", "undershirt", ("white",))]
    items.append(Candidate(items[0].garment, items[0].features))  # a duplicate row must not break anything
    vocabulary = load_vocabulary()
    assert vocabulary.types["socks"].slot == "accessory"
    for look in run(items, n=5).looks:
        assert all(g.tags.category not in {"innerwear", "other"} for g in look.items)


# --- hard filters ------------------------------------------------------------------------------------


def test_freezing_weather_means_no_shorts_or_sandals_and_an_outer_layer() -> None:
    result = run(weather=Weather(0.0), n=3)
    assert result.looks
    assert not types(result) & {"shorts", "sandals", "flip-flops"}
    assert all("outer" in look.slots for look in result.looks)
    assert "0 °C" in result.looks[0].reason


def test_hot_weather_means_no_coat() -> None:
    result = run(weather=Weather(30.0), n=3)
    assert result.looks
    assert not types(result) & {"coat", "boots", "sweater"}


def test_rain_keeps_suede_and_canvas_shoes_at_home() -> None:
    import dataclasses

    base = [x for x in wardrobe() if x.features.slot != "shoes"]
    suede = c("s-suede", "boots", ("brown",))
    suede = dataclasses.replace(suede, features=dataclasses.replace(suede.features, material="suede"))
    rubber = c("s-rubber", "boots", ("black",))
    wet = Weather(12.0, precip_mm=5.0, condition="rain")
    result = run([*base, suede, rubber], weather=wet, n=2)
    assert result.looks and all("s-suede" not in ids(look) for look in result.looks)
    dry = run([*base, suede, rubber], weather=Weather(12.0), n=2)
    assert any("s-suede" in ids(look) for look in dry.looks)


def test_wedding_means_formal_items_only() -> None:
    result = run(request=OutfitRequest(occasion="wedding"), n=2)
    assert result.looks
    assert all(g.tags.formality == "formal" for look in result.looks for g in look.items)
    assert "a wedding" in result.looks[0].reason


def test_gym_means_sport() -> None:
    result = run(request=OutfitRequest(occasion="gym"), n=1)
    assert result.looks
    assert all(g.tags.formality == "sport" for g in result.looks[0].items)
    assert {"t-sport", "b-track", "s-sport"} <= ids(result.looks[0])


def test_no_occasion_means_casual_or_smart_casual() -> None:
    result = run(n=5)
    assert {g.tags.formality for look in result.looks for g in look.items} <= {"casual", "smart-casual"}


def test_laundry_is_excluded() -> None:
    items = [*wardrobe(), c("t-best", "shirt", ("white",), preference=1.0, in_laundry=True)]
    assert all("t-best" not in ids(look) for look in run(items, n=5).looks)


def test_recently_worn_is_excluded_when_there_are_alternatives() -> None:
    yesterday = TODAY - timedelta(days=1)
    items = [c("t1", "t-shirt", ("white",), last_worn=yesterday, preference=1.0), c("t2", "t-shirt", ("grey",)),
             c("b1", "jeans", ("blue",)), c("s1", "sneakers", ("white",), last_worn=yesterday)]
    result = run(items, n=1)
    assert ids(result.looks[0]) == {"t2", "b1", "s1"}  # the only shoes are kept, the worn T-shirt is not
    long_ago = [c("t1", "t-shirt", ("white",), last_worn=TODAY - timedelta(days=30), preference=1.0), *items[1:]]
    assert "t1" in ids(run(long_ago, n=1).looks[0])


def test_anchor_is_in_every_look() -> None:
    result = run(request=OutfitRequest(anchor_id="b-skirt"), n=3)
    assert len(result.looks) == 3 and all("b-skirt" in ids(look) for look in result.looks)
    bag = run(request=OutfitRequest(anchor_id="g-bag"), n=3)
    assert all("g-bag" in ids(look) for look in bag.looks)


def test_anchor_is_kept_against_the_filters_and_the_reason_says_so() -> None:
    result = run(weather=Weather(0.0), request=OutfitRequest(anchor_id="b-shorts"), n=2)
    assert result.looks and all("b-shorts" in ids(look) for look in result.looks)
    assert result.looks[0].reason.startswith("Your shorts as asked (a bit light for 0 °C)")
    formal = run(request=OutfitRequest(occasion="wedding", anchor_id="s-sandals"), n=1)
    assert "s-sandals" in ids(formal.looks[0]) and "not really for a wedding" in formal.looks[0].reason


def test_unknown_anchor_raises() -> None:
    with pytest.raises(ItemNotFound):
        run(request=OutfitRequest(anchor_id="nope"))


# --- what is missing ---------------------------------------------------------------------------------


def test_missing_shoes_are_named() -> None:
    result = run([x for x in wardrobe() if x.features.slot != "shoes"])
    assert result.looks == [] and result.missing == ["shoes"]


def test_missing_bottom_or_dress() -> None:
    result = run([x for x in wardrobe() if x.features.slot not in {"bottom", "onepiece"}])
    assert result.missing == ["a bottom or a dress"]


def test_empty_wardrobe_says_so() -> None:
    assert run([]) == ComposeResult([], [EMPTY_WARDROBE])


def test_missing_formal_clothes_for_a_wedding() -> None:
    casual = [x for x in wardrobe() if x.features.formality != "formal"]
    assert run(casual, request=OutfitRequest(occasion="wedding")).missing == ["anything formal for a wedding"]
    no_formal_shoes = [x for x in wardrobe() if x.garment.id != "s-formal"]
    assert run(no_formal_shoes, request=OutfitRequest(occasion="wedding")).missing == ["formal shoes for a wedding"]


def test_missing_warm_clothes_and_laundry() -> None:
    light = [c("t1", "t-shirt", ("white",)), c("b1", "shorts", ("blue",)), c("s1", "sandals", ("brown",))]
    missing = run(light, weather=Weather(-5.0)).missing
    assert missing[0] == "something warm enough for -5 °C"
    assert "a jacket or coat for a freezing -5 °C" in missing
    washing = [c("t1", "t-shirt", ("white",)), c("b1", "jeans", ("blue",)),
               c("s1", "sneakers", ("white",), in_laundry=True)]
    assert run(washing).missing == ["clean shoes"]


# --- diversity, determinism, skip, repeats -----------------------------------------------------------


def test_looks_share_at_most_one_main_item() -> None:
    result = run(n=4)
    assert len(result.looks) == 4
    for i, a in enumerate(result.looks):
        for b in result.looks[i + 1:]:
            assert len(main_ids(a) & main_ids(b)) <= 1


def test_diversity_relaxes_on_a_tiny_wardrobe() -> None:
    items = [c("t1", "t-shirt", ("white",)), c("t2", "shirt", ("navy",)), c("b1", "jeans", ("blue",)),
             c("s1", "sneakers", ("white",))]
    result = run(items, n=3)
    assert len(result.looks) == 2  # only two distinct looks exist; both are returned
    assert len({look.id for look in result.looks}) == 2


def test_same_inputs_same_looks() -> None:
    first = run(n=3, weather=Weather(12.0, wind_kmh=25.0))
    shuffled = wardrobe()
    np.random.default_rng(3).shuffle(shuffled)  # type: ignore[arg-type]
    second = run(shuffled, n=3, weather=Weather(12.0, wind_kmh=25.0))
    assert [(lk.id, lk.reason, lk.score) for lk in first.looks] == [(lk.id, lk.reason, lk.score)
                                                                     for lk in second.looks]


def test_skip_gives_the_next_looks() -> None:
    five = run(n=5)
    assert [lk.id for lk in run(n=2, skip=3).looks] == [lk.id for lk in five.looks[3:5]]
    assert [lk.id for lk in run(n=3, skip=0).looks] == [lk.id for lk in five.looks[:3]]


def test_excluded_looks_are_not_returned() -> None:
    first = run(n=1).looks[0]
    again = run(n=1, exclude_looks={frozenset(ids(first))}).looks[0]
    assert again.id != first.id


def test_a_recent_combination_scores_lower() -> None:
    first = run(n=1).looks[0]
    recent = run(n=1, recent_looks={frozenset(ids(first))}).looks[0]
    assert recent.id != first.id or recent.score.novelty < first.score.novelty


def test_preference_breaks_a_near_tie() -> None:
    items = [c("t-a", "t-shirt", ("white",)), c("t-z", "t-shirt", ("white",)), c("b1", "jeans", ("blue",)),
             c("s1", "sneakers", ("white",))]
    assert "t-a" in ids(run(items, n=1).looks[0])  # equal scores: the smaller id wins
    items[1] = c("t-z", "t-shirt", ("white",), preference=0.9)
    assert "t-z" in ids(run(items, n=1).looks[0])


# --- beam search vs the full product -----------------------------------------------------------------


@pytest.mark.parametrize("beam_width", [24, 8])
def test_beam_search_finds_the_exhaustive_optimum(beam_width: int) -> None:
    weathers = [Weather(14.0, wind_kmh=35.0), Weather(4.0, condition="rain", precip_mm=2.0), Weather(27.0)]
    exact, compared = 0, 0
    for seed in range(20):
        items = synthetic_wardrobe(40, seed)
        weather = weathers[seed % 3]
        beam = compose(items, OutfitRequest(), weather, SCORER, today=TODAY, n=3, beam_width=beam_width)
        full = compose_exhaustive(items, OutfitRequest(), weather, SCORER, today=TODAY, n=3)
        assert len(beam.looks) == len(full.looks)
        if not full.looks:  # some random wardrobes have nothing for the weather: both agree on that
            continue
        compared += 1
        exact += beam.looks[0].id == full.looks[0].id
        assert beam.looks[0].score.total >= full.looks[0].score.total - 0.01
    assert compared >= 15 and exact >= 0.8 * compared


def test_a_disliked_pair_is_not_worn_together_but_each_item_stays() -> None:
    looks = run(n=5).looks
    top = next(look for look in looks if any(i.startswith("t-") for i in ids(look))
               and any(i.startswith("b-") for i in ids(look)))
    a = next(i for i in sorted(ids(top)) if i.startswith("t-"))
    b = next(i for i in sorted(ids(top)) if i.startswith("b-"))
    assert any({a, b} <= ids(look) for look in run(n=3).looks)
    # "not these two together": the pair's compatibility drops for this user only
    shifted = run(n=3, pair_shifts={frozenset((a, b)): -0.3}).looks
    assert all(not {a, b} <= ids(look) for look in shifted)
    assert any(a in ids(look) or b in ids(look) for look in shifted)  # each item is still worn
    # the same result from the exhaustive search, so the shift is applied to every pair matrix the same way
    exhaustive = compose_exhaustive(wardrobe(), OutfitRequest(), MILD, SCORER, today=TODAY, n=3,
                                    pair_shifts={frozenset((a, b)): -0.3}).looks
    assert ids(exhaustive[0]) == ids(shifted[0])


def test_a_liked_pair_rises() -> None:
    baseline = run(n=5).looks
    worst = baseline[-1]
    pair = frozenset(sorted(ids(worst))[:2])
    boosted = run(n=5, pair_shifts={pair: 0.3}).looks
    rank = next(k for k, look in enumerate(boosted) if pair <= ids(look))
    assert rank < len(baseline) - 1
