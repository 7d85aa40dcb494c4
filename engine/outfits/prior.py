"""The stylist's rules of thumb as a prior on a pair's compatibility, and the phrases that explain it.

The prior is a hand-set linear model over the named pair features (``PRIOR_BASE`` + ``PRIOR_WEIGHTS``, clipped
to [0.02, 0.98]); each feature that moves it is also a reason phrase.
"""

from __future__ import annotations

import numpy as np

from engine.outfits.features import (
    FEATURE_INDEX,
    NEUTRALS,
    PAIR_FEATURE_NAMES,
    FloatArray,
    ItemFeatures,
    pair_features,
)

PRIOR_BASE = 0.55
PRIOR_WEIGHTS: dict[str, float] = {
    "colour_both_neutral": 0.20, "colour_one_neutral": 0.12, "colour_same_hue": 0.08, "colour_analogous": 0.06,
    "colour_complementary": 0.05, "colour_clashing": -0.25, "lightness_contrast": 0.05,
    "navy_white": 0.12, "black_white": 0.10, "black_any": 0.04, "denim": 0.10,
    "one_pattern": 0.02, "two_patterns": -0.12, "two_loud": -0.20,
    "formality_gap": -0.12, "formality_clash": -0.30,
    "season_overlap": 0.04, "season_disjoint": -0.10, "warmth_clash": -0.15, "same_slot": -0.30,
}
_PRIOR_VECTOR = np.array([PRIOR_WEIGHTS.get(name, 0.0) for name in PAIR_FEATURE_NAMES])
REASON_MIN_EFFECT = 0.03  # a rule moving the prior by less is not worth a phrase
# a specific rule's phrase absorbs the effect of the generic rules it implies
SUBSUMES = {"navy_white": ("colour_both_neutral",), "black_white": ("colour_both_neutral", "black_any"),
            "denim": ("colour_one_neutral", "colour_both_neutral"), "two_loud": ("two_patterns",)}


def prior_from_features(features: FloatArray) -> FloatArray:
    """Return the rule prior of pair features of any leading shape (..., N_FEATURES)."""
    return np.clip(PRIOR_BASE + features @ _PRIOR_VECTOR, 0.02, 0.98)


def prior_from_planes(planes: FloatArray) -> FloatArray:
    """Return the rule prior of feature planes (N_FEATURES, ...)."""
    return np.clip(PRIOR_BASE + np.einsum("f,f...->...", _PRIOR_VECTOR, planes), 0.02, 0.98)


def rule_prior(a: ItemFeatures, b: ItemFeatures) -> float:
    """Return how well a stylist's rules of thumb rate the pair, in [0, 1]."""
    return float(prior_from_features(pair_features(a, b)))


def prior_details(a: ItemFeatures, b: ItemFeatures,
                  features: FloatArray | None = None) -> tuple[float, list[tuple[str, float]]]:
    """Return the prior and each fired rule as (phrase, effect on the prior), strongest effect first.

    ``features`` may pass the pair's features when they are already computed.
    """
    features = pair_features(a, b) if features is None else features
    effects = {name: weight * float(features[FEATURE_INDEX[name]]) for name, weight in PRIOR_WEIGHTS.items()}
    for specific, generic in SUBSUMES.items():  # "navy and white" says more than "easy neutrals"
        if effects[specific] != 0:
            for name in generic:
                effects[specific] += effects[name]
                effects[name] = 0.0
    hits: list[tuple[str, float]] = []
    for name, effect in effects.items():
        phrase = _phrase(name, a, b) if abs(effect) >= REASON_MIN_EFFECT else None
        if phrase and all(phrase != p for p, _ in hits):
            hits.append((phrase, effect))
    hits.sort(key=lambda h: (-abs(h[1]), h[0]))
    return float(prior_from_features(features)), hits


def prior_with_reasons(a: ItemFeatures, b: ItemFeatures) -> tuple[float, list[str]]:
    """Return the prior and the phrases of the rules that fired, strongest first."""
    prior, hits = prior_details(a, b)
    return prior, [phrase for phrase, _ in hits]


def _phrase(rule: str, a: ItemFeatures, b: ItemFeatures) -> str | None:
    ca, cb = a.dominant, b.dominant
    dressier, plainer = (a, b) if a.formality_level >= b.formality_level else (b, a)
    warmer, cooler = (a, b) if a.warmth >= b.warmth else (b, a)
    if rule == "colour_one_neutral":
        neutral, colour = (ca, cb) if ca in NEUTRALS else (cb, ca)
        if neutral not in NEUTRALS or colour in NEUTRALS or a.is_denim or b.is_denim or colour == "multi":
            return None
        return f"{neutral} grounds the {colour}"
    phrases = {
        "navy_white": "navy and white are a safe pair",
        "black_white": "black and white are a classic pair",
        "black_any": "black goes with everything",
        "denim": "denim goes with anything",
        "colour_both_neutral": f"{ca} and {cb} are easy neutrals" if ca != cb else f"tonal {ca} looks sharp",
        "colour_same_hue": f"{ca} on {cb} makes a tonal look",
        "colour_analogous": f"{ca} and {cb} sit side by side on the colour wheel",
        "colour_complementary": f"{ca} and {cb} are complementary",
        "colour_clashing": f"{ca} and {cb} clash",
        "two_loud": "two loud patterns compete",
        "two_patterns": "two patterns compete",
        "formality_clash": f"{dressier.label} with {plainer.label} is a big formality gap",
        "season_disjoint": f"{a.label} and {b.label} belong to different seasons",
        "warmth_clash": f"{warmer.label} with {cooler.label} mixes hot and cold weather",
        "lightness_contrast": "light and dark contrast nicely",
    }
    return phrases.get(rule)
