"""Learning which garments go together: the shared compatibility model, trained from everyone's feedback."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from config.vocabulary import Vocabulary
from engine.errors import StylistError
from engine.looks import FeedbackKind, TrainReport
from engine.outfits.features import ItemFeatures, item_features
from engine.outfits.model import CompatModel, CompatScorer, outfit_pairs_from_looks
from engine.storage.garments import GarmentRepository, vector_of
from engine.storage.looks import LookRepository

TRAINING_KINDS = (FeedbackKind.LIKE.value, FeedbackKind.WORE.value, FeedbackKind.DISLIKE.value)


class CompatTrainer:
    """Holds the compatibility scorer in use and retrains its model from stored feedback (used at once)."""

    def __init__(self, garments: GarmentRepository, looks: LookRepository, vocabulary: Vocabulary, *,
                 model_path: Path) -> None:
        self.garments = garments
        self.looks = looks
        self.vocabulary = vocabulary
        self.model_path = model_path
        self.scorer = CompatScorer(None)

    def load(self) -> None:
        """Use the trained compatibility model if one was saved (blocking)."""
        if self.model_path.exists():
            self.scorer = CompatScorer(CompatModel.load(self.model_path))

    async def training_looks(self) -> tuple[list[list[ItemFeatures]], list[list[ItemFeatures]],
                                            list[ItemFeatures]]:
        """Return (liked or worn outfits, disliked outfits, swap pool) from every user's feedback."""
        feedback = await self.looks.feedback_of_kinds(TRAINING_KINDS)
        rows = await self.garments.every({f.user_id for f in feedback})
        features = {row.id: item_features(self.garments.to_garment(row), vector_of(row), self.vocabulary)
                    for row in rows}
        good: list[list[ItemFeatures]] = []
        bad: list[list[ItemFeatures]] = []
        seen: set[tuple[str, frozenset[str]]] = set()
        for f in sorted(feedback, key=lambda f: (f.user_id, f.id or 0)):
            items = [features[i] for i in f.item_ids if i in features]
            key = (f.kind, frozenset(f.item_ids))
            if len(items) < 2 or key in seen:
                continue
            seen.add(key)
            (bad if f.kind == FeedbackKind.DISLIKE.value else good).append(items)
        return good, bad, list(features.values())

    async def train(self, extra: Sequence[Sequence[ItemFeatures]] = (), extra_pool: Sequence[ItemFeatures] = (), *,
                    seed: int = 0) -> TrainReport:
        """Train the shared compatibility model from stored feedback (+ optional outfits); use it at once."""
        good, bad, pool = await self.training_looks()
        looks = [*good, *map(list, extra)]
        if not looks and not bad:
            raise StylistError("nothing to learn from yet: like, dislike or wear some looks first")
        a, b, labels = outfit_pairs_from_looks(looks, bad, pool=[*pool, *extra_pool], seed=seed)
        if len(set(labels.tolist())) < 2:
            raise StylistError("need both good and bad examples to learn from; dislike a look or add outfits")
        model = await asyncio.to_thread(lambda: CompatModel().fit(a, b, labels))
        self.model_path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(model.save, self.model_path)
        self.scorer = CompatScorer(model)
        positives = int(labels.sum())
        auc = model.metrics.get("train_auc")
        return TrainReport(positives, len(labels) - positives, len(looks) + len(bad), self.model_path, auc)
