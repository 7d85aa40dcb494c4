"""Pairwise compatibility: pair features, the stylist's rule prior and its reasons, the learned model."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from engine.outfits.features import (
    N_FEATURES,
    NEUTRALS,
    PAIR_FEATURE_NAMES,
    WHEEL_DEGREES,
    ItemFeatures,
    PoolPairs,
    pack_items,
    pair_feature_matrix,
    pair_features,
)
from engine.outfits.model import (
    MODEL_HALF_WEIGHT_PAIRS,
    MODEL_MAX_WEIGHT,
    CompatModel,
    CompatScorer,
    outfit_pairs_from_looks,
    roc_auc,
)
from engine.outfits.prior import prior_with_reasons, rule_prior
from tests.garments import item


def feature(a: ItemFeatures, b: ItemFeatures, name: str) -> float:
    return float(pair_features(a, b)[PAIR_FEATURE_NAMES.index(name)])


def test_item_features_from_tags() -> None:
    shirt = item("s", "shirt", ("navy", "white"), pattern="striped")
    assert (shirt.slot, shirt.category, shirt.warmth, shirt.formality) == ("top", "top", 1, "smart-casual")
    assert shirt.colors == ("navy", "white") and shirt.shares == pytest.approx((0.5, 0.5))
    assert shirt.lab[0][0] < 30 < 80 < shirt.lab[1][0]  # navy is dark, white is light (CIELAB L*)
    assert shirt.vector is not None and np.linalg.norm(shirt.vector) == pytest.approx(1.0, abs=1e-5)
    assert item("j", "jeans", ("blue",)).is_denim and not item("c", "coat", ("blue",)).is_denim


def test_pair_features_are_symmetric_and_named() -> None:
    a, b = item("a", "blouse", ("pink", "white"), pattern="floral"), item("b", "skirt", ("green",))
    fa, fb = pair_features(a, b), pair_features(b, a)
    assert fa.shape == (N_FEATURES,) == (len(PAIR_FEATURE_NAMES),)
    np.testing.assert_allclose(fa, fb)
    assert fa[:7].sum() == pytest.approx(1.0)  # the colour relations share out the colour mass
    matrix = pair_feature_matrix(pack_items([a, b]), pack_items([b, a]))
    np.testing.assert_allclose(matrix[0, 0], fa, atol=1e-6)  # float32 style vectors
    np.testing.assert_allclose(matrix[1, 1], fb, atol=1e-6)


def test_colour_relations() -> None:
    def rel(c1: str, c2: str) -> str:
        f = pair_features(item("a", "t-shirt", (c1,)), item("b", "skirt", (c2,)))
        return PAIR_FEATURE_NAMES[int(np.argmax(f[:7]))]

    assert rel("black", "white") == "colour_both_neutral"
    assert rel("grey", "red") == "colour_one_neutral"
    assert rel("red", "red") == "colour_same_hue"
    assert rel("blue", "purple") == "colour_analogous"
    assert rel("blue", "orange") == "colour_complementary"
    assert rel("red", "yellow") == "colour_clashing"
    assert feature(item("a", "t-shirt", ("red",)), item("b", "jeans", ("blue",)), "colour_one_neutral") == 1.0


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        (item("a", "shirt", ("navy",)), item("b", "pants", ("white",)), "navy and white are a safe pair"),
        (item("a", "t-shirt", ("white",)), item("b", "jeans", ("black",)), "black and white are a classic pair"),
        (item("a", "t-shirt", ("red",)), item("b", "jeans", ("blue",)), "denim goes with anything"),
        (item("a", "t-shirt", ("black",)), item("b", "skirt", ("orange",)), "black goes with everything"),
        (item("a", "sweater", ("grey",)), item("b", "skirt", ("red",)), "grey grounds the red"),
        (item("a", "t-shirt", ("blue",)), item("b", "skirt", ("orange",)), "blue and orange are complementary"),
    ],
)
def test_safe_pairs_score_high_with_their_reason(a: ItemFeatures, b: ItemFeatures, reason: str) -> None:
    prior, reasons = prior_with_reasons(a, b)
    assert reason in reasons
    assert prior > 0.6
    assert prior == rule_prior(a, b) == rule_prior(b, a)


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        (item("a", "blouse", ("white",), pattern="floral"), item("b", "skirt", ("white",), pattern="printed"),
         "two loud patterns compete"),
        (item("a", "formal-shoes", ("black",), formality="formal"), item("b", "shorts", ("beige",)),
         "formal shoes with shorts is a big formality gap"),
        (item("a", "hoodie", ("grey",), formality="sport"), item("b", "blazer", ("navy",)),
         "blazer with hoodie is a big formality gap"),
        (item("a", "t-shirt", ("red",)), item("b", "skirt", ("yellow",)), "red and yellow clash"),
        (item("a", "coat", ("grey",)), item("b", "sandals", ("brown",)),
         "coat with sandals mixes hot and cold weather"),
    ],
)
def test_bad_pairs_score_low_with_their_reason(a: ItemFeatures, b: ItemFeatures, reason: str) -> None:
    prior, reasons = prior_with_reasons(a, b)
    assert reason in reasons
    assert prior < 0.5


def test_rules_move_the_prior_the_right_way() -> None:
    solid = rule_prior(item("a", "blouse", ("white",)), item("b", "skirt", ("white",)))
    one = rule_prior(item("a", "blouse", ("white",), pattern="floral"), item("b", "skirt", ("white",)))
    two = rule_prior(item("a", "blouse", ("white",), pattern="floral"),
                     item("b", "skirt", ("white",), pattern="printed"))
    assert two < solid <= one + 0.05
    top = item("a", "t-shirt", ("red",))
    assert rule_prior(top, item("b", "jeans", ("blue",))) > rule_prior(top, item("c", "skirt", ("orange",))) \
        > rule_prior(top, item("d", "skirt", ("yellow",)))


# --- the learned model -------------------------------------------------------------------------------

COLOURS = sorted(NEUTRALS | set(WHEEL_DEGREES))
TYPES = ("t-shirt", "shirt", "sweater", "jeans", "pants", "skirt", "sneakers", "boots", "jacket", "dress")


def planted_label(a: ItemFeatures, b: ItemFeatures) -> float:
    """1 iff the two (single) colours are complementary or at least one is neutral."""
    ca, cb = a.dominant, b.dominant
    if ca in NEUTRALS or cb in NEUTRALS:
        return 1.0
    d = abs(WHEEL_DEGREES[ca] - WHEEL_DEGREES[cb])
    return float(min(d, 360 - d) >= 150)


def random_pairs(n: int, seed: int) -> tuple[list[ItemFeatures], list[ItemFeatures], np.ndarray]:
    rng = np.random.default_rng(seed)
    chromatic = sorted(WHEEL_DEGREES)
    items_a: list[ItemFeatures] = []
    items_b: list[ItemFeatures] = []
    for i in range(n):
        # half the pairs chromatic-only, so both labels are common
        pool = chromatic if rng.random() < 0.6 else COLOURS
        patterns = ("solid", "striped", "floral")
        for side, out in (("a", items_a), ("b", items_b)):
            out.append(item(f"{seed}-{i}-{side}", str(rng.choice(TYPES)), (str(rng.choice(pool)),),
                            pattern=str(rng.choice(patterns))))
    labels = np.array([planted_label(a, b) for a, b in zip(items_a, items_b, strict=True)])
    return items_a, items_b, labels


@pytest.fixture(scope="module")
def planted() -> tuple[CompatModel, tuple[list[ItemFeatures], list[ItemFeatures], np.ndarray]]:
    a, b, y = random_pairs(1500, seed=1)
    return CompatModel(l2=1.0).fit(a, b, y), random_pairs(500, seed=2)


def test_model_learns_a_planted_signal(planted: tuple[CompatModel, tuple]) -> None:
    model, (a, b, y) = planted
    assert 0.2 < y.mean() < 0.8
    scores = np.array([model.score(x, z) for x, z in zip(a, b, strict=True)])
    assert roc_auc(scores, y) > 0.9
    assert model.metrics["train_auc"] > 0.9 and model.n_train == 1500


def test_model_save_load_round_trip(planted: tuple[CompatModel, tuple], tmp_path: Path) -> None:
    model, (a, b, _) = planted
    path = tmp_path / "compat" / "model.npz"
    model.save(path)
    config = json.loads(path.with_suffix(".json").read_text())
    assert config["feature_names"] == list(PAIR_FEATURE_NAMES) and config["n_train"] == 1500
    loaded = CompatModel.load(path)
    for x, z in zip(a[:50], b[:50], strict=True):
        assert loaded.score(x, z) == model.score(x, z)
    config["feature_names"] = config["feature_names"][::-1]
    path.with_suffix(".json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="feature layout"):
        CompatModel.load(path)


def test_scorer_blends_by_training_size(planted: tuple[CompatModel, tuple]) -> None:
    model, (a, b, _) = planted
    assert CompatScorer(None).score(a[0], b[0]) == rule_prior(a[0], b[0])
    scorer = CompatScorer(model)
    w = 1500 / (1500 + MODEL_HALF_WEIGHT_PAIRS)
    assert scorer.model_weight == pytest.approx(min(w, MODEL_MAX_WEIGHT))
    expected = w * model.score(a[0], b[0]) + (1 - w) * rule_prior(a[0], b[0])
    assert scorer.score(a[0], b[0]) == pytest.approx(expected)


def test_roc_auc() -> None:
    assert roc_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == pytest.approx(0.75)
    assert roc_auc(np.array([0.5, 0.5]), np.array([0, 1])) == pytest.approx(0.5)


def test_outfit_pairs_from_looks() -> None:
    liked = [[item("t1", "shirt", ("white",)), item("b1", "jeans", ("blue",)), item("s1", "sneakers", ("white",))],
             [item("d1", "dress", ("navy",)), item("s2", "heels", ("black",), formality="formal")]]
    disliked = [[item("t2", "t-shirt", ("red",)), item("b2", "skirt", ("yellow",))]]
    pool = [*liked[0], *liked[1], *disliked[0], item("b3", "pants", ("grey",)), item("s3", "boots", ("brown",))]
    a, b, y = outfit_pairs_from_looks(liked, disliked, pool=pool, swaps_per_look=3, seed=5)
    positives = {frozenset((x.id, z.id)) for x, z, label in zip(a, b, y, strict=True) if label == 1}
    assert positives == {frozenset(p) for look in liked for p in combinations([it.id for it in look], 2)}
    negatives = [(x.id, z.id) for x, z, label in zip(a, b, y, strict=True) if label == 0]
    assert ("t2", "b2") in negatives
    in_liked = {it.id: look for look in liked for it in look}
    swaps = [(x, z) for x, z, label in zip(a, b, y, strict=True) if label == 0 and x.id not in {"t2"}]
    assert len(swaps) >= 3, "type-preserving swaps add negatives"
    for x, z in swaps:  # a pool item from outside the look, paired with the rest of the look
        look = in_liked[z.id]
        assert x.id not in {it.id for it in look}
        assert x.slot in {it.slot for it in look} and x.slot != z.slot  # it replaced a same-slot item
    again = outfit_pairs_from_looks(liked, disliked, pool=pool, swaps_per_look=3, seed=5)
    assert [(x.id, z.id) for x, z in zip(again[0], again[1], strict=True)] == \
        [(x.id, z.id) for x, z in zip(a, b, strict=True)]


def test_outfit_pairs_do_not_depend_on_item_ids() -> None:
    """Garment ids are random: renaming every item (same clothes, same feedback) draws the same swaps."""
    from dataclasses import replace

    liked = [[item("t1", "shirt", ("white",)), item("b1", "jeans", ("blue",)), item("s1", "sneakers", ("white",))],
             [item("t4", "t-shirt", ("green",)), item("b4", "shorts", ("beige",)), item("s4", "sandals", ("brown",))]]
    extra = [item("t2", "t-shirt", ("red",)), item("t3", "polo", ("navy",)), item("b2", "skirt", ("yellow",)),
             item("b3", "pants", ("grey",)), item("s2", "boots", ("black",)), item("s3", "heels", ("pink",))]
    pool = [*liked[0], *liked[1], *extra]
    names = iter(["zz", "aa", "mm", "qq", "bb", "yy", "cc", "xx", "dd", "ww", "ee", "vv"])
    renamed = {it.id: replace(it, id=next(names)) for it in pool}
    a, b, _ = outfit_pairs_from_looks(liked, pool=pool, swaps_per_look=3, seed=1)
    a2, b2, _ = outfit_pairs_from_looks([[renamed[it.id] for it in look] for look in liked],
                                        pool=list(renamed.values())[::-1], swaps_per_look=3, seed=1)
    back = {new.id: old for old, new in renamed.items()}
    assert [(back[x.id], back[z.id]) for x, z in zip(a2, b2, strict=True)] == \
        [(x.id, z.id) for x, z in zip(a, b, strict=True)]


def test_pool_blocks_match_pairwise_features(planted: tuple[CompatModel, tuple]) -> None:
    model, (a, b, _) = planted
    items = [*a[:6], *b[:5]]
    pool = PoolPairs(items)
    block = pool.planes(slice(0, 6), np.array([6, 8, 10]))
    for i in range(6):
        for k, j in enumerate((6, 8, 10)):
            np.testing.assert_allclose(block[:, i, k], pair_features(items[i], items[j]), atol=1e-6)
    for scorer in (CompatScorer(None), CompatScorer(model)):
        scores = scorer.score_block(pool, slice(0, 6), slice(6, 11))
        expected = [[scorer.score(x, z) for z in items[6:]] for x in items[:6]]
        np.testing.assert_allclose(scores, expected, atol=1e-6)
