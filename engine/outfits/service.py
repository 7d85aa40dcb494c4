"""Outfits for a user: gather the wardrobe and its history, compose, remember, learn from feedback."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from config.vocabulary import Vocabulary
from engine.blobs import BlobStore
from engine.collage import CollagePiece, render_collage
from engine.compat import CompatModel, CompatScorer, ItemFeatures, item_features, outfit_pairs_from_looks
from engine.composer import Candidate, compose, look_id
from engine.db import Database, FeedbackRow, GarmentRow, LookRow, UserRow, WearRow, utcnow
from engine.errors import InvalidTag, ItemNotFound, StylistError, WardrobeEmpty
from engine.looks import FeedbackKind, Location, Look, OutfitRequest, Weather
from engine.preference import FeedbackEvent, Preference, build_preference
from engine.types import Garment
from engine.weather import WeatherService, describe_weather

log = logging.getLogger(__name__)

COLLAGE_PIECE_PX = 512  # garments are cut out of the stored originals at this size: sharp, still fast


class NoLookPossible(StylistError):
    """The wardrobe cannot make a look for this request; ``missing`` names what would help."""

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing = list(missing)
        what = ", ".join(self.missing) if self.missing else "more clothes"
        super().__init__(f"I can't put a look together yet: add {what}")


@dataclass(frozen=True, slots=True)
class Suggestions:
    """Looks for a request, best first, with the weather used and what the wardrobe lacks."""

    looks: list[Look]
    weather: Weather
    missing: list[str]


@dataclass(frozen=True, slots=True)
class TrainReport:
    """What ``train_compat`` learned from."""

    positives: int
    negatives: int
    outfits: int
    path: Path | None
    train_auc: float | None


@dataclass(frozen=True, slots=True)
class _UserData:
    location: Location | None
    garments: list[Garment]
    vectors: dict[str, np.ndarray]
    last_worn: dict[str, date]
    recent_looks: set[frozenset[str]]
    preference: Preference


class OutfitService:
    """Composes looks from a user's wardrobe; the facade ``Stylist`` delegates to it."""

    def __init__(self, db: Database, blobs: BlobStore, vocabulary: Vocabulary, weather: WeatherService,
                 to_garment: Callable[[GarmentRow], Garment], *, model_path: Path, recent_days: int) -> None:
        self.db = db
        self.blobs = blobs
        self.vocabulary = vocabulary
        self.weather = weather
        self.to_garment = to_garment
        self.model_path = model_path
        self.recent_days = recent_days
        self.scorer = CompatScorer(None)

    def load_model(self) -> None:
        """Use the trained compatibility model if one was saved (blocking)."""
        if self.model_path.exists():
            self.scorer = CompatScorer(CompatModel.load(self.model_path))

    # ---- location and weather ----------------------------------------------------------------

    async def set_location(self, user_id: str, location: Location) -> None:
        """Remember where a user is, for their weather."""
        if not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
            raise InvalidTag("latitude must be within ±90 and longitude within ±180")
        async with self.db.session() as session:
            user = await session.get(UserRow, user_id) or UserRow(id=user_id)
            user.latitude, user.longitude = location.latitude, location.longitude
            user.timezone, user.place = location.timezone, location.name
            session.add(user)
            await session.commit()

    async def location(self, user_id: str) -> Location | None:
        """Return a user's location, if they set one."""
        async with self.db.session() as session:
            return _location_of(await session.get(UserRow, user_id))

    # ---- composing ---------------------------------------------------------------------------

    async def _user_data(self, user_id: str, today: date) -> _UserData:
        since = today - timedelta(days=max(self.recent_days, 14))
        async with self.db.session() as session:
            rows = (await session.exec(select(GarmentRow).where(
                GarmentRow.user_id == user_id, GarmentRow.indexed == True))).all()  # noqa: E712
            wears = (await session.exec(select(WearRow).where(
                WearRow.user_id == user_id, col(WearRow.day) <= today))).all()
            feedback = (await session.exec(select(FeedbackRow).where(FeedbackRow.user_id == user_id))).all()
            user = await session.get(UserRow, user_id)
        garments = [self.to_garment(row) for row in rows]
        last_worn: dict[str, date] = {}
        worn_looks: dict[tuple[str, date], set[str]] = {}
        for wear in wears:
            if wear.item_id not in last_worn or wear.day > last_worn[wear.item_id]:
                last_worn[wear.item_id] = wear.day
            if wear.day >= since:
                worn_looks.setdefault((wear.look_id or "", wear.day), set()).add(wear.item_id)
        events = [FeedbackEvent(FeedbackKind(f.kind), tuple(f.item_ids), f.created_at) for f in feedback]
        preference = build_preference(events, {g.id: g for g in garments}, utcnow())
        return _UserData(
            location=_location_of(user),
            garments=garments,
            vectors={row.id: np.frombuffer(row.embedding, dtype=np.float32) for row in rows},
            last_worn=last_worn,
            recent_looks={frozenset(items) for items in worn_looks.values() if len(items) > 1},
            preference=preference,
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

    async def suggest(self, user_id: str, request: OutfitRequest, *, skip: int = 0) -> Suggestions:
        """Compose ``request.n`` looks (after the first ``skip``) and remember them for feedback."""
        today = request.day or date.today()
        if request.occasion is not None and request.occasion not in self.vocabulary.occasions:
            raise InvalidTag(f"occasion must be one of: {', '.join(self.vocabulary.occasions)}")
        data = await self._user_data(user_id, today)
        if not data.garments:
            raise WardrobeEmpty()
        if request.anchor_id is not None and request.anchor_id not in data.vectors:
            raise ItemNotFound(request.anchor_id)
        weather = await self.weather.weather_for(data.location, today, request.weather)
        candidates = self._candidates(data)
        result = await asyncio.to_thread(
            compose, candidates, request, weather, self.scorer, recent_days=self.recent_days, today=today,
            n=max(1, min(request.n, 10)), skip=max(0, skip), exclude_looks=data.preference.disliked_looks,
            recent_looks=data.recent_looks, pair_shifts=data.preference.pair_shifts(),
        )
        if not result.looks:
            raise NoLookPossible(result.missing)
        await self._remember(user_id, result.looks)
        return Suggestions(result.looks, weather, result.missing)

    async def _remember(self, user_id: str, looks: Sequence[Look]) -> None:
        async with self.db.session() as session:
            known = set((await session.exec(select(LookRow.id).where(
                LookRow.user_id == user_id, col(LookRow.id).in_([look.id for look in looks])))).all())
            fresh = [look for look in looks if look.id not in known]
            if not fresh:
                return
            session.add_all(LookRow(user_id=user_id, id=look.id, item_ids=[g.id for g in look.items],
                                    occasion=look.occasion, reason=look.reason, score=look.score.total)
                            for look in fresh)
            try:
                await session.commit()
            except IntegrityError:  # the same look remembered by a concurrent request: nothing to add
                await session.rollback()

    async def daily_look(self, user_id: str, day: date, *, another: int = 0) -> Suggestions:
        """Return the day's look (deterministic for the same inputs); ``another`` = k gives the k-th next best."""
        return await self.suggest(user_id, OutfitRequest(day=day, n=1), skip=another)

    # ---- feedback ----------------------------------------------------------------------------

    async def feedback(self, user_id: str, look: str, kind: FeedbackKind | str, *, day: date | None = None,
                       items: Sequence[str] | None = None) -> None:
        """Store feedback on a look (or on a pair of its items); "wore" also fills the wear log."""
        try:
            kind = FeedbackKind(kind)
        except ValueError:
            raise InvalidTag(f"feedback must be one of: {', '.join(k.value for k in FeedbackKind)}") from None
        async with self.db.session() as session:
            row = await session.get(LookRow, (user_id, look)) if isinstance(look, str) else None
            if row is None:
                raise ItemNotFound(str(look)[:40])
            item_ids = list(row.item_ids)
            if items:
                if len(set(items)) < 2 or not set(items) <= set(item_ids):
                    raise InvalidTag("pair feedback names two or more items of that look")
                item_ids = sorted(set(items))
            session.add(FeedbackRow(user_id=user_id, look_id=look, kind=kind.value, item_ids=item_ids))
            if kind is FeedbackKind.WORE:
                worn_on = day or date.today()
                existing = set((await session.exec(select(WearRow.item_id).where(
                    WearRow.user_id == user_id, WearRow.day == worn_on))).all())
                for item_id in item_ids:
                    if item_id not in existing:
                        session.add(WearRow(user_id=user_id, item_id=item_id, day=worn_on, look_id=look))
            await session.commit()

    async def record_look(self, user_id: str, item_ids: Sequence[str], kind: FeedbackKind | str, *,
                          day: date | None = None) -> str:
        """Store an outfit the user put together themselves ("I wore these") with feedback; return its id."""
        ids = sorted(set(item_ids))
        if len(ids) < 2:
            raise InvalidTag("a look has at least two items")
        async with self.db.session() as session:
            owned = set((await session.exec(select(GarmentRow.id).where(
                GarmentRow.user_id == user_id, col(GarmentRow.id).in_(ids)))).all())
            for item_id in ids:
                if item_id not in owned:
                    raise ItemNotFound(item_id)
            the_id = look_id(ids)
            if await session.get(LookRow, (user_id, the_id)) is None:
                session.add(LookRow(user_id=user_id, id=the_id, item_ids=ids, reason="your own look"))
                await session.commit()
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
        for garment, slot in zip(look.items, look.slots, strict=True):
            stored = Image.open(io.BytesIO(self.blobs.get(garment.image_hash)))
            stored.draft("RGB", (COLLAGE_PIECE_PX, COLLAGE_PIECE_PX))  # decode JPEGs at reduced size: faster
            image = stored.convert("RGB")
            image.thumbnail((COLLAGE_PIECE_PX, COLLAGE_PIECE_PX))
            pieces.append(CollagePiece(slot=slot, image=image, label=garment.tags.type))
        return pieces

    # ---- learning the matching ---------------------------------------------------------------

    async def training_looks(self) -> tuple[list[list[ItemFeatures]], list[list[ItemFeatures]],
                                            list[ItemFeatures]]:
        """Return (liked or worn outfits, disliked outfits, swap pool) from every user's feedback."""
        async with self.db.session() as session:
            feedback = (await session.exec(select(FeedbackRow).where(
                col(FeedbackRow.kind).in_([FeedbackKind.LIKE.value, FeedbackKind.WORE.value,
                                           FeedbackKind.DISLIKE.value])))).all()
            users = {f.user_id for f in feedback}
            rows = (await session.exec(select(GarmentRow).where(col(GarmentRow.user_id).in_(users)))).all()
        features = {
            row.id: item_features(self.to_garment(row), np.frombuffer(row.embedding, dtype=np.float32),
                                  self.vocabulary)
            for row in rows
        }
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

    async def train_compat(self, extra: Sequence[Sequence[ItemFeatures]] = (),
                           extra_pool: Sequence[ItemFeatures] = (), *, seed: int = 0) -> TrainReport:
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

    async def count_feedback(self, user_id: str) -> int:
        """Return how much feedback a user has given."""
        async with self.db.session() as session:
            return int((await session.exec(select(func.count()).select_from(FeedbackRow).where(
                FeedbackRow.user_id == user_id))).one())


def _location_of(user: UserRow | None) -> Location | None:
    if user is None or user.latitude is None or user.longitude is None:
        return None
    return Location(user.latitude, user.longitude, user.timezone, user.place)


def with_weather(request: OutfitRequest, *, temp_c: float | None, rain: bool) -> OutfitRequest:
    """Return the request with a manual weather override built from command-line style options."""
    if temp_c is None and not rain:
        return request
    weather = Weather(temp_c=15.0 if temp_c is None else temp_c, precip_mm=3.0 if rain else 0.0,
                      condition="rain" if rain else "clear", source="manual")
    return replace(request, weather=weather)


def today_in(location: Location | None, now: datetime | None = None) -> date:
    """Return the local date of a user (their timezone, else UTC)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    now = now or utcnow()
    try:
        tz = ZoneInfo(location.timezone) if location else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return now.astimezone(tz).date()
