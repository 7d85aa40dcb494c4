"""The learned compatibility model, its blend with the rule prior, and training pairs from whole outfits.

``CompatModel`` is an L2-regularised logistic regression over the standardised pair features, fitted by Newton's
method (deterministic). ``CompatScorer`` blends it with the prior: ``w * model + (1 - w) * prior`` with
``w = n / (n + MODEL_HALF_WEIGHT_PAIRS)`` capped at ``MODEL_MAX_WEIGHT``, where ``n`` is the model's number of
training pairs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

from engine.outfits.features import (
    FEATURE_INDEX,
    N_FEATURES,
    PAIR_FEATURE_NAMES,
    FloatArray,
    ItemFeatures,
    ItemPack,
    PoolPairs,
    pair_feature_planes,
    pair_feature_rows,
    pair_features,
)
from engine.outfits.prior import prior_from_features, prior_from_planes

MODEL_HALF_WEIGHT_PAIRS = 2000  # with this many training pairs the model gets half of the blend...
MODEL_MAX_WEIGHT = 0.8  # ...and never more than this: the prior keeps vetoing obvious clashes
MODEL_VERSION = 1


def _sigmoid(z: FloatArray) -> FloatArray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def roc_auc(scores: FloatArray, labels: FloatArray) -> float:
    """Return the ROC AUC of scores against 0/1 labels (ties count half)."""
    scores, labels = np.asarray(scores, dtype=float), np.asarray(labels) > 0.5
    n_pos, n_neg = int(labels.sum()), int((~labels).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    # average ranks over ties
    _, first, counts = np.unique(sorted_scores, return_index=True, return_counts=True)
    avg = first + (counts - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(avg, counts)
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


@dataclass
class CompatModel:
    """L2-regularised logistic regression over standardised pair features (Newton's method, deterministic)."""

    l2: float = 1.0
    coef: FloatArray = field(default_factory=lambda: np.zeros(N_FEATURES))
    intercept: float = 0.0
    mean: FloatArray = field(default_factory=lambda: np.zeros(N_FEATURES))
    scale: FloatArray = field(default_factory=lambda: np.ones(N_FEATURES))
    n_train: int = 0
    n_positive: int = 0
    metrics: dict[str, float] = field(default_factory=dict)

    def fit(self, pairs_a: Sequence[ItemFeatures], pairs_b: Sequence[ItemFeatures],
            labels: Sequence[float] | FloatArray, *, max_iter: int = 50) -> CompatModel:
        """Fit on pairs (pairs_a[i], pairs_b[i]) with 0/1 labels; return self."""
        return self.fit_features(pair_feature_rows(pairs_a, pairs_b), np.asarray(labels, dtype=float),
                                 max_iter=max_iter)

    def fit_features(self, x: FloatArray, y: FloatArray, *, max_iter: int = 50) -> CompatModel:
        """Fit on precomputed pair features (N, N_FEATURES) and 0/1 labels; return self."""
        if x.ndim != 2 or x.shape[1] != N_FEATURES or len(x) != len(y) or len(y) == 0:
            raise ValueError(f"expected ({len(y)}, {N_FEATURES}) features for {len(y)} labels, got {x.shape}")
        self.mean = x.mean(0)
        std = x.std(0)
        self.scale = np.where(std > 1e-9, std, 1.0)
        z = np.hstack([(x - self.mean) / self.scale, np.ones((len(x), 1))])
        penalty = np.full(N_FEATURES + 1, self.l2)
        penalty[-1] = 0.0  # never shrink the intercept
        theta = np.zeros(N_FEATURES + 1)
        for _ in range(max_iter):
            p = _sigmoid(z @ theta)
            grad = z.T @ (p - y) + penalty * theta
            hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(N_FEATURES + 1)
            step = np.linalg.solve(hess, grad)
            theta -= step
            if float(np.abs(step).max()) < 1e-8:
                break
        self.coef, self.intercept = theta[:-1], float(theta[-1])
        p = np.clip(self.score_features(x), 1e-12, 1 - 1e-12)
        self.n_train, self.n_positive = len(y), int((y > 0.5).sum())
        self.metrics = {"train_log_loss": float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
                        "train_auc": roc_auc(p, y)}
        return self

    def score_features(self, features: FloatArray) -> FloatArray:
        """Return the probability that each pair goes together, for features of shape (..., N_FEATURES)."""
        return _sigmoid(((features - self.mean) / self.scale) @ self.coef + self.intercept)

    def score_planes(self, planes: FloatArray) -> FloatArray:
        """Return probabilities for feature planes (N_FEATURES, ...): the standardisation folded into the weights."""
        weights = self.coef / self.scale
        return _sigmoid(np.einsum("f,f...->...", weights, planes) + (self.intercept - float(weights @ self.mean)))

    def score(self, a: ItemFeatures, b: ItemFeatures) -> float:
        """Return the probability that two garments go together."""
        return float(self.score_features(pair_features(a, b)))

    def save(self, path: str | Path) -> None:
        """Write the weights to ``path`` (npz) and the config (JSON) beside it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            np.savez(fh, coef=self.coef, intercept=np.array([self.intercept]), mean=self.mean, scale=self.scale)
        config = {"version": MODEL_VERSION, "feature_names": list(PAIR_FEATURE_NAMES), "l2": self.l2,
                  "n_train": self.n_train, "n_positive": self.n_positive, "metrics": self.metrics}
        path.with_suffix(".json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> CompatModel:
        """Read a model written by ``save``; refuse one made for other features."""
        path = Path(path)
        config = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if config.get("version") != MODEL_VERSION or tuple(config.get("feature_names", ())) != PAIR_FEATURE_NAMES:
            raise ValueError(f"{path}: compatibility model of another version or feature layout")
        with np.load(path) as data:
            return cls(l2=float(config["l2"]), coef=data["coef"], intercept=float(data["intercept"][0]),
                       mean=data["mean"], scale=data["scale"], n_train=int(config["n_train"]),
                       n_positive=int(config["n_positive"]), metrics=dict(config.get("metrics", {})))


class CompatScorer:
    """Blend the rule prior with a learned model, trusting the model more as its training set grows."""

    def __init__(self, model: CompatModel | None = None) -> None:
        self.model = model

    @property
    def model_weight(self) -> float:
        """Return the model's share of the blend: n / (n + MODEL_HALF_WEIGHT_PAIRS), at most MODEL_MAX_WEIGHT."""
        if self.model is None or self.model.n_train == 0:
            return 0.0
        n = self.model.n_train
        return min(MODEL_MAX_WEIGHT, n / (n + MODEL_HALF_WEIGHT_PAIRS))

    def score_features(self, features: FloatArray) -> FloatArray:
        """Return blended compatibility for pair features of shape (..., N_FEATURES)."""
        prior = prior_from_features(features)
        w = self.model_weight
        if self.model is None or w == 0.0:
            return prior
        return w * self.model.score_features(features) + (1.0 - w) * prior

    @property
    def uses_style(self) -> bool:
        """Whether scores depend on the style vectors (only a model can use them; the prior does not)."""
        style = [FEATURE_INDEX["style_cosine"], FEATURE_INDEX["has_style"]]
        return self.model_weight > 0 and bool(np.any(self.model.coef[style] != 0))  # type: ignore[union-attr]

    def score_planes(self, planes: FloatArray) -> FloatArray:
        """Return blended compatibility for feature planes (N_FEATURES, ...)."""
        prior = prior_from_planes(planes)
        w = self.model_weight
        if self.model is None or w == 0.0:
            return prior
        return w * self.model.score_planes(planes) + (1.0 - w) * prior

    def score_matrix(self, pa: ItemPack, pb: ItemPack) -> FloatArray:
        """Return the (Na, Nb) compatibility of every pair of two packed pools."""
        return self.score_planes(pair_feature_planes(pa, pb, style=self.uses_style))

    def score_block(self, pool: PoolPairs, a: slice, b: slice) -> FloatArray:
        """Return the (na, nb) compatibility of two parts of one pool."""
        return self.score_planes(pool.planes(a, b, style=self.uses_style))

    def score(self, a: ItemFeatures, b: ItemFeatures) -> float:
        """Return the blended compatibility of two garments in [0, 1]."""
        return float(self.score_features(pair_features(a, b)))


def _content_order(item: ItemFeatures) -> tuple:
    """Sort key of a swap-pool item by what it is, not by its (random) id: the same feedback on the same clothes
    then draws the same swaps, and trains the same model, in every database."""
    return (item.slot, item.type, item.colors, item.shares, item.lab, item.pattern, item.formality, item.id)


def outfit_pairs_from_looks(
    looks: Sequence[Sequence[ItemFeatures]],
    disliked: Sequence[Sequence[ItemFeatures]] = (),
    *,
    pool: Sequence[ItemFeatures] = (),
    swaps_per_look: int = 2,
    seed: int = 0,
) -> tuple[list[ItemFeatures], list[ItemFeatures], FloatArray]:
    """Turn whole outfits into pair examples: (items a, items b, 0/1 labels).

    Positives are all pairs inside liked or worn ``looks``. Negatives are all pairs inside ``disliked`` looks,
    plus type-preserving swaps: one item of a liked look replaced by another ``pool`` item of the same slot,
    paired with the rest of the look (``swaps_per_look`` per look, seeded RNG, the pool in content order).
    """
    rng = random.Random(seed)
    by_slot: dict[str, list[ItemFeatures]] = {}
    for item in sorted(pool, key=_content_order):
        by_slot.setdefault(item.slot, []).append(item)
    items_a: list[ItemFeatures] = []
    items_b: list[ItemFeatures] = []
    labels: list[float] = []

    def add(a: ItemFeatures, b: ItemFeatures, label: float) -> None:
        items_a.append(a)
        items_b.append(b)
        labels.append(label)

    for look in looks:
        for a, b in combinations(look, 2):
            add(a, b, 1.0)
    for look in disliked:
        for a, b in combinations(look, 2):
            add(a, b, 0.0)
    for look in looks:
        for _ in range(swaps_per_look if len(look) > 1 else 0):
            out = rng.randrange(len(look))
            ids = {it.id for it in look}
            options = [it for it in by_slot.get(look[out].slot, []) if it.id not in ids]
            if not options:
                continue
            swap = rng.choice(options)
            for k, other in enumerate(look):
                if k != out:
                    add(swap, other, 0.0)
    return items_a, items_b, np.array(labels)
