"""Outfits for a user: gather the wardrobe and its history, compose, remember the looks, take feedback, draw them."""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
from PIL import Image

from config.vocabulary import Vocabulary
from engine.clock import Clock, today_in
from engine.errors import InvalidTag, ItemNotFound, NoLookPossible, NotInWardrobe, WardrobeEmpty
from engine.images.collage import CollagePiece, render_collage
from engine.images.decoding import content_hash
from engine.looks import FeedbackKind, GoesWith, Location, Look, OutfitRequest, Suggestions, Weather
from engine.outfits.composer import ComposeResult, compose, look_id
from engine.outfits.features import item_features
from engine.outfits.filters import Candidate
from engine.outfits.model import CompatScorer
from engine.outfits.preference import FeedbackEvent, Preference, build_preference
from engine.outfits.training import CompatTrainer
from engine.storage.blobs import BlobStore
from engine.storage.db import FeedbackRow
from engine.storage.garments import GarmentRepository, vector_of
from engine.storage.looks import LookRepository
from engine.storage.users import UserRepository
from engine.types import Garment, Tagged
from engine.weather.dressing import describe_weather
from engine.weather.service import WeatherService

COUNT_LIMIT = 12  # "what goes with this?" counts the distinct looks an item makes up to this many
NEW_ITEM_PREFIX = "new-"  # ids of an item the user does not own, and of the looks that hold one
COLLAGE_PIECE_PX = 512  # garments are cut out of the stored originals at this size: sharp, still fast
OWN_LOOK_REASON = "your own look"


@dataclass(frozen=True, slots=True)
class _UserData:
    location: Location | None
    garments: list[Garment]
    vectors: dict[str, np.ndarray]
    last_worn: dict[str, date]
    recent_looks: set[frozenset[str]]
    preference: Preference


class OutfitService:
    """Composes looks from a user's wardrobe and learns from what they say; the facade ``Stylist`` delegates."""

    def __init__(self, garments: GarmentRepository, users: UserRepository, looks: LookRepository, blobs: BlobStore,
                 weather: WeatherService, trainer: CompatTrainer, clock: Clock, *, recent_days: int) -> None:
        self.garments = garments
        self.users = users
        self.looks = looks
        self.blobs = blobs
        self.vocabulary: Vocabulary = garments.vocabulary
        self.weather = weather
        self.trainer = trainer
        self.clock = clock
        self.recent_days = recent_days

    @property
    def scorer(self) -> CompatScorer:
        """Return the compatibility scorer in use (the rule prior, blended with the trained model once there is one)."""
        return self.trainer.scorer

    async def today(self, user_id: str) -> date:
        """Return the user's local date now."""
        return today_in(await self.users.timezone(user_id), self.clock.now())

    # ---- composing ---------------------------------------------------------------------------

    async def _user_data(self, user_id: str, today: date) -> _UserData:
        since = today - timedelta(days=max(self.recent_days, 14))
        rows = await self.garments.visible(user_id)
        wears = await self.looks.wears(user_id, today)
        feedback = await self.looks.feedback(user_id)
        garments = [self.garments.to_garment(row) for row in rows]
        last_worn: dict[str, date] = {}
        worn_looks: dict[tuple[str, date], set[str]] = {}
        for wear in wears:
            if wear.item_id not in last_worn or wear.day > last_worn[wear.item_id]:
                last_worn[wear.item_id] = wear.day
            if wear.day >= since:
                worn_looks.setdefault((wear.look_id or "", wear.day), set()).add(wear.item_id)
        events = [FeedbackEvent(FeedbackKind(f.kind), tuple(f.item_ids), f.created_at) for f in feedback]
        return _UserData(
            location=await self.users.location(user_id),
            garments=garments,
            vectors={row.id: vector_of(row) for row in rows},
            last_worn=last_worn,
            recent_looks={frozenset(items) for items in worn_looks.values() if len(items) > 1},
            preference=build_preference(events, {g.id: g for g in garments}, self.clock.now()),
        )

    def _candidates(self, data: _UserData) -> list[Candidate]:
        return [
            Candidate(
                garment=g,
                features=item_features(g, data.vectors.get(g.id), self.vocabulary),
                last_worn=data.last_worn.get(g.id),
                preference=data.preference.score(g),
            )
            for g in data.garments
        ]

    async def _compose(self, user_id: str, request: OutfitRequest, *, skip: int, n: int,
                       extra: Candidate | None = None) -> tuple[ComposeResult, Weather]:
        """Compose looks from the wardrobe (plus ``extra``, an item not owned); raise when none is possible."""
        if request.occasion is not None and request.occasion not in self.vocabulary.occasions:
            raise InvalidTag(f"occasion must be one of: {', '.join(self.vocabulary.occasions)}")
        today = request.day or await self.today(user_id)
        data = await self._user_data(user_id, today)
        if not data.garments:
            raise WardrobeEmpty()
        if request.anchor_id is not None and request.anchor_id not in data.vectors and extra is None:
            raise ItemNotFound(request.anchor_id)
        weather = await self.weather.weather_for(data.location, today, request.weather)
        candidates = self._candidates(data) + ([extra] if extra is not None else [])
        result = await asyncio.to_thread(
            compose, candidates, request, weather, self.scorer, recent_days=self.recent_days,
            today=today, n=n, skip=max(0, skip),
            exclude_looks=data.preference.disliked_looks, recent_looks=data.recent_looks,
            pair_shifts=data.preference.pair_shifts(),
        )
        if not result.looks:
            raise NoLookPossible(result.missing)
        return result, weather

    async def suggest(self, user_id: str, request: OutfitRequest, *, skip: int = 0) -> Suggestions:
        """Compose ``request.n`` looks (after the first ``skip``) and remember them for feedback."""
        result, weather = await self._compose(user_id, request, skip=skip, n=max(1, min(request.n, 10)))
        now = self.clock.now()
        await self.looks.remember(user_id, [
            self.looks.look_row(user_id, look.id, [g.id for g in look.items], now, occasion=look.occasion,
                                reason=look.reason, score=look.score.total)
            for look in result.looks
        ])
        return Suggestions(result.looks, weather, result.missing)

    async def goes_with(self, user_id: str, name: str, original: bytes, tagged: Tagged, request: OutfitRequest, *,
                        n: int) -> GoesWith:
        """Compose looks around an item the user does not own (a photo: its JPEG and tags); store nothing."""
        image_hash = content_hash(original)
        item = Garment(id=f"{NEW_ITEM_PREFIX}{image_hash[:10]}", user_id=user_id, tags=tagged.tags, corrected=(),
                       image_hash=image_hash, thumb_hash="", in_laundry=False, created_at=self.clock.now(),
                       source_name=name[:512])
        extra = Candidate(garment=item, features=item_features(item, tagged.embedding, self.vocabulary))
        n = max(1, min(n, 10))
        result, weather = await self._compose(user_id, replace(request, anchor_id=item.id, n=n), skip=0,
                                              n=max(n, COUNT_LIMIT), extra=extra)
        looks = [replace(look, id=f"{NEW_ITEM_PREFIX}{look.id}", images=((item.id, original),))
                 for look in result.looks]
        counted = [look for look in looks if not look.fallback]
        uses = Counter(g.id for look in counted for g in look.items if g.id != item.id)
        owned = {g.id: g for look in counted for g in look.items}
        partners = [owned[i] for i, _ in sorted(uses.items(), key=lambda kv: (-kv[1], kv[0]))]
        return GoesWith(item, looks[:n], len(counted), partners, weather, result.missing)

    async def daily_look(self, user_id: str, day: date | None = None, *, another: int = 0) -> Suggestions:
        """Return the day's look (deterministic for the same inputs); ``another`` = k gives the k-th next best."""
        day = day or await self.today(user_id)
        return await self.suggest(user_id, OutfitRequest(day=day, n=1), skip=another)

    # ---- feedback ----------------------------------------------------------------------------

    async def feedback(self, user_id: str, look: str, kind: FeedbackKind | str, *, day: date | None = None,
                       items: Sequence[str] | None = None) -> None:
        """Store feedback on a look (or on a pair of its items); "wore" also fills the wear log."""
        try:
            kind = FeedbackKind(kind)
        except ValueError:
            raise InvalidTag(f"feedback must be one of: {', '.join(k.value for k in FeedbackKind)}") from None
        if isinstance(look, str) and look.startswith(NEW_ITEM_PREFIX):
            raise NotInWardrobe()
        item_ids = await self.looks.items_of(user_id, look) if isinstance(look, str) else None
        if item_ids is None:
            raise ItemNotFound(str(look)[:40])
        if items:
            if len(set(items)) < 2 or not set(items) <= set(item_ids):
                raise InvalidTag("pair feedback names two or more items of that look")
            item_ids = sorted(set(items))
        worn_on = (day or await self.today(user_id)) if kind is FeedbackKind.WORE else None
        row = FeedbackRow(user_id=user_id, look_id=look, kind=kind.value, item_ids=item_ids,
                          created_at=self.clock.now())
        await self.looks.add_feedback(row, worn_on)

    async def record_look(self, user_id: str, item_ids: Sequence[str], kind: FeedbackKind | str, *,
                          day: date | None = None) -> str:
        """Store an outfit the user put together themselves ("I wore these") with feedback; return its id."""
        ids = sorted(set(item_ids))
        if len(ids) < 2:
            raise InvalidTag("a look has at least two items")
        owned = await self.garments.by_ids(user_id, ids)
        for item_id in ids:
            if item_id not in owned:
                raise ItemNotFound(item_id)
        the_id = look_id(ids)
        await self.looks.add_own(self.looks.look_row(user_id, the_id, ids, self.clock.now(), reason=OWN_LOOK_REASON))
        await self.feedback(user_id, the_id, kind, day=day)
        return the_id

    # ---- the collage -------------------------------------------------------------------------

    async def collage(self, look: Look, *, fmt: str = "PNG", title: str | None = None) -> bytes:
        """Render a look as a picture: garments by slot, a title line and the reason."""
        pieces = await asyncio.to_thread(self._pieces, look)
        occasion = self.vocabulary.occasions[look.occasion].label if look.occasion else "Today"
        weather = f" · {describe_weather(look.weather)}" if look.weather else ""
        heading = title or f"{occasion[:1].upper()}{occasion[1:]}{weather}"
        return await asyncio.to_thread(render_collage, pieces, title=heading, subtitle=look.reason, fmt=fmt)

    def _pieces(self, look: Look) -> list[CollagePiece]:
        pieces = []
        unowned = dict(look.images)
        for garment, slot in zip(look.items, look.slots, strict=True):
            data = unowned.get(garment.id) or self.blobs.get(garment.image_hash)
            stored = Image.open(io.BytesIO(data))
            stored.draft("RGB", (COLLAGE_PIECE_PX, COLLAGE_PIECE_PX))  # decode JPEGs at reduced size: faster
            image = stored.convert("RGB")
            image.thumbnail((COLLAGE_PIECE_PX, COLLAGE_PIECE_PX))
            pieces.append(CollagePiece(slot=slot, image=image, label=garment.tags.type))
        return pieces
