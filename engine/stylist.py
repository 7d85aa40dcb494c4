"""The ``Stylist`` facade: the engine's one async entry point."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from functools import partial
from typing import Any

import numpy as np
from PIL import Image
from sqlalchemy import delete, update
from sqlmodel import col, select

from config.settings import Settings
from engine.batcher import BatchPlan, MicroBatcher
from engine.blobs import BlobStore
from engine.compat import ItemFeatures
from engine.db import Database, FeedbackRow, GarmentRow, LookRow, PushRow, UserRow, WearRow, utcnow
from engine.encoders.base import Encoder
from engine.errors import ImageRejected, InvalidTag, InvalidUser, ItemNotFound
from engine.garments import row_to_garment, validate_corrections
from engine.imaging import content_hash, encode_original, make_thumbnail
from engine.looks import FeedbackKind, Location, Look, OutfitRequest
from engine.outfits import OutfitService, Suggestions, TrainReport, today_in
from engine.profiles import Profile, ProfileService, find_places
from engine.pushes import PushLog
from engine.tagger import Tagged, Tagger, build_tagger
from engine.text_search import TagTextMatcher, TextHit, search_wardrobe
from engine.types import AddResult, Garment, Match, PhotoInput, Rejected
from engine.vectors import VectorIndex
from engine.weather import WeatherService, weather_service_from_settings

log = logging.getLogger(__name__)

_USER_ID = re.compile(r"^[A-Za-z0-9_.:@+\-]{1,128}$")
_ITEM_ID = re.compile(r"^[0-9a-f]{10}$")
# Photos are decoded and encoded this many at a time, bounding memory for large imports.
_BATCH = 32


@dataclass(frozen=True, slots=True)
class ForgetReport:
    """What ``forget_user`` deleted."""

    garments: int
    vectors: int
    blobs: int


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A decoded photo, ready to tag and store."""

    name: str
    original: bytes
    thumbnail: bytes
    image_hash: str
    image: Any
    lab: Any  # the working-size CIELAB image the blank check computed (tagging reuses it), or None


def _check_user(user_id: str) -> str:
    if not isinstance(user_id, str) or not _USER_ID.match(user_id):
        raise InvalidUser("a user id is 1-128 characters of letters, digits and _ . : @ + -")
    return user_id


def _vector(row: GarmentRow) -> np.ndarray:
    return np.frombuffer(row.embedding, dtype=np.float32)


class Stylist:
    """The personal stylist: a wardrobe per user, tagged and searchable. All methods are async."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        index: VectorIndex,
        blobs: BlobStore,
        tagger: Tagger,
        weather: WeatherService,
    ) -> None:
        self.settings = settings
        self.db = db
        self.index = index
        self.blobs = blobs
        self.tagger = tagger
        self.vocabulary = tagger.vocabulary
        self._to_garment = partial(row_to_garment, vocabulary=self.vocabulary)
        self.matcher: TagTextMatcher | None = None  # MiniLM, loaded on the first text search
        self._matcher_lock = asyncio.Lock()
        # Concurrent requests share encoder batches: a GPU is fed full ones, one at a time; on a CPU small batches
        # run side by side, one per core the encoder's threads leave free (bench/batcher_speed.py).
        plan = BatchPlan.for_device(getattr(tagger.encoder, "device", "cpu") == "cuda", settings.encoder_threads)
        self.tag_batcher: MicroBatcher[tuple[Image.Image, Any], Tagged] = MicroBatcher(
            tagger.tag_decoded,
            max_batch=plan.max_batch,
            max_wait_ms=plan.max_wait_ms,
            workers=plan.workers,
            name="tagger",
        )
        self.profiles = ProfileService(db)
        self.pushes = PushLog(db)
        self.outfits = OutfitService(
            db, blobs, self.vocabulary, weather, self._to_garment,
            model_path=settings.data_dir / "models" / "compat.npz", recent_days=settings.recent_days,
        )

    @classmethod
    async def open(
        cls, settings: Settings, *, encoder: Encoder | None = None, weather: WeatherService | None = None
    ) -> Stylist:
        """Open (creating if needed) the stores under ``settings`` and finish work left half-done."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        await db.migrate()
        index = await asyncio.to_thread(
            VectorIndex.open, "garments", path=settings.resolved_chroma_path, url=settings.chroma_url
        )
        tagger = await asyncio.to_thread(build_tagger, settings, encoder)
        weather = weather or weather_service_from_settings(settings)
        stylist = cls(settings, db, index, BlobStore(settings.blob_dir), tagger, weather)
        await asyncio.to_thread(stylist.outfits.load_model)
        await stylist._finish_half_done()
        return stylist

    async def close(self) -> None:
        """Release the encoder batcher, the weather client and the database connections."""
        await self.tag_batcher.close()
        await self.outfits.weather.close()
        await self.db.close()

    # ---- intake -------------------------------------------------------------------------------

    def _prepare(self, photo: PhotoInput) -> _Prepared:
        image, lab = self.tagger.decode_with_lab(photo)
        original = encode_original(image)
        return _Prepared(photo.name, original, make_thumbnail(image), content_hash(original), image, lab)

    def _prepare_all(self, photos: Sequence[PhotoInput]) -> tuple[list[_Prepared], list[Rejected]]:
        ready: list[_Prepared] = []
        rejected: list[Rejected] = []
        for photo in photos:
            try:
                ready.append(self._prepare(photo))
            except ImageRejected as exc:
                rejected.append(Rejected(photo.name, exc.reason))
        return ready, rejected

    async def tag_photos(self, photos: Sequence[PhotoInput]) -> list[Tagged | Rejected]:
        """Tag photos without storing anything; results keep the input order."""
        results: list[Tagged | Rejected] = []
        for start in range(0, len(photos), _BATCH):
            chunk = photos[start : start + _BATCH]
            results.extend(await asyncio.to_thread(self.tagger.tag_photos, list(chunk)))
        return results

    async def add_garments(self, user_id: str, photos: Sequence[PhotoInput]) -> AddResult:
        """Decode, tag and store photos as garments of ``user_id``.

        Good photos are added even when others in the same call are rejected. A photo this user
        already added is reported as a duplicate, not stored twice.
        """
        _check_user(user_id)
        added: list[Garment] = []
        duplicates: list[Garment] = []
        rejected: list[Rejected] = []
        await self._ensure_user(user_id)
        for start in range(0, len(photos), _BATCH):
            chunk = photos[start : start + _BATCH]
            ready, bad = await asyncio.to_thread(self._prepare_all, chunk)
            rejected.extend(bad)
            fresh, known = await self._split_known(user_id, ready)
            duplicates.extend(known)
            if fresh:
                added.extend(await self._store(user_id, fresh))
        return AddResult(tuple(added), tuple(duplicates), tuple(rejected))

    async def _ensure_user(self, user_id: str) -> None:
        async with self.db.session() as session:
            if await session.get(UserRow, user_id) is None:
                session.add(UserRow(id=user_id))
                try:
                    await session.commit()
                except Exception:  # a concurrent request created it first
                    await session.rollback()
                    if await session.get(UserRow, user_id) is None:
                        raise

    async def _split_known(
        self, user_id: str, ready: list[_Prepared]
    ) -> tuple[list[_Prepared], list[Garment]]:
        """Separate photos this user already has (by content hash) from new ones, deduplicating the batch."""
        hashes = {p.image_hash for p in ready}
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(GarmentRow).where(
                        GarmentRow.user_id == user_id, col(GarmentRow.image_hash).in_(hashes)
                    )
                )
            ).all()
        by_hash = {row.image_hash: row for row in rows}
        fresh: list[_Prepared] = []
        known: list[Garment] = []
        seen: set[str] = set()
        for prepared in ready:
            if prepared.image_hash in by_hash:
                known.append(self._to_garment(by_hash[prepared.image_hash]))
            elif prepared.image_hash not in seen:
                seen.add(prepared.image_hash)
                fresh.append(prepared)
        return fresh, known

    async def _store(self, user_id: str, fresh: list[_Prepared]) -> list[Garment]:
        """Write in the order blob, SQL row (hidden), vector, then mark the rows visible."""
        tagged = await asyncio.gather(*(self.tag_batcher.submit((p.image, p.lab)) for p in fresh))
        thumbs = await asyncio.to_thread(self._put_blobs, fresh)
        rows = [
            GarmentRow(
                id=secrets.token_hex(5),
                user_id=user_id,
                image_hash=prepared.image_hash,
                thumb_hash=thumb,
                source_name=prepared.name[:512],
                tags=item.tags.to_dict(),
                embedding=np.asarray(item.embedding, dtype=np.float32).tobytes(),
                encoder=self.tagger.encoder.name,
            )
            for prepared, item, thumb in zip(fresh, tagged, thumbs, strict=True)
        ]
        async with self.db.session() as session:
            session.add_all(rows)
            await session.commit()
        await self._index_rows(user_id, rows)
        return [self._to_garment(row) for row in rows]

    def _put_blobs(self, fresh: list[_Prepared]) -> list[str]:
        thumbs = []
        for prepared in fresh:
            self.blobs.put(prepared.original)
            thumbs.append(self.blobs.put(prepared.thumbnail))
        return thumbs

    async def _index_rows(self, user_id: str, rows: list[GarmentRow]) -> None:
        vectors = np.stack([_vector(row) for row in rows])
        await asyncio.to_thread(self.index.upsert, user_id, [row.id for row in rows], vectors)
        async with self.db.session() as session:
            await session.exec(
                update(GarmentRow)
                .where(col(GarmentRow.id).in_([row.id for row in rows]))
                .values(indexed=True)
            )
            await session.commit()
        for row in rows:
            row.indexed = True

    async def _finish_half_done(self) -> int:
        """Index rows a crash left between the SQL write and the vector write."""
        async with self.db.session() as session:
            rows = (await session.exec(select(GarmentRow).where(GarmentRow.indexed == False))).all()  # noqa: E712
        by_user: dict[str, list[GarmentRow]] = {}
        for row in rows:
            by_user.setdefault(row.user_id, []).append(row)
        for user_id, user_rows in by_user.items():
            log.info("finishing %d half-added garments of %s", len(user_rows), user_id)
            await self._index_rows(user_id, user_rows)
        return len(rows)

    # ---- reading ------------------------------------------------------------------------------

    async def wardrobe(self, user_id: str) -> list[Garment]:
        """Return every visible garment of a user, oldest first."""
        _check_user(user_id)
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(GarmentRow)
                    .where(GarmentRow.user_id == user_id, GarmentRow.indexed == True)  # noqa: E712
                    .order_by(col(GarmentRow.created_at), col(GarmentRow.id))
                )
            ).all()
        return [self._to_garment(row) for row in rows]

    async def garment(self, user_id: str, item_id: str) -> Garment:
        """Return one garment of this user, or raise ``ItemNotFound``."""
        return self._to_garment(await self._row(user_id, item_id))

    async def _row(self, user_id: str, item_id: str) -> GarmentRow:
        _check_user(user_id)
        if not isinstance(item_id, str) or not _ITEM_ID.match(item_id):
            raise ItemNotFound(str(item_id)[:40])
        async with self.db.session() as session:
            row = await session.get(GarmentRow, item_id)
        if row is None or row.user_id != user_id or not row.indexed:
            raise ItemNotFound(item_id)
        return row

    async def image(self, user_id: str, item_id: str, *, thumbnail: bool = True) -> bytes:
        """Return the stored JPEG of a garment (its thumbnail by default)."""
        row = await self._row(user_id, item_id)
        return await asyncio.to_thread(self.blobs.get, row.thumb_hash if thumbnail else row.image_hash)

    async def find_similar(
        self, user_id: str, query: PhotoInput | str, *, k: int = 5
    ) -> list[Match]:
        """Return the user's garments most similar to a photo or to one of their items (excluded)."""
        _check_user(user_id)
        k = max(1, min(int(k), 100))
        exclude: str | None = None
        if isinstance(query, str):
            row = await self._row(user_id, query)
            vector, exclude = _vector(row), row.id
        else:
            decoded = await asyncio.to_thread(self.tagger.decode_with_lab, query)
            vector = (await self.tag_batcher.submit(decoded)).embedding
        hits = await asyncio.to_thread(self.index.query, user_id, vector, k + (1 if exclude else 0))
        hits = [hit for hit in hits if hit.id != exclude][:k]
        if not hits:
            return []
        async with self.db.session() as session:
            rows = (
                await session.exec(
                    select(GarmentRow).where(
                        col(GarmentRow.id).in_([hit.id for hit in hits]),
                        GarmentRow.user_id == user_id,  # the index is never trusted with ownership
                        GarmentRow.indexed == True,  # noqa: E712
                    )
                )
            ).all()
        by_id = {row.id: row for row in rows}
        return [Match(self._to_garment(by_id[h.id]), h.similarity) for h in hits if h.id in by_id]

    async def search_text(self, user_id: str, query: str, *, k: int = 10) -> list[TextHit]:
        """Find garments by words ("something warm and navy"), best first."""
        _check_user(user_id)
        if not isinstance(query, str) or not query.strip():
            raise InvalidTag("say what to look for, e.g. 'navy jacket'")
        query = query[:300]
        async with self.db.session() as session:
            rows = (await session.exec(select(GarmentRow).where(
                GarmentRow.user_id == user_id, GarmentRow.indexed == True))).all()  # noqa: E712
        if not rows:
            return []
        encoder = self.tagger.encoder
        matcher = None if encoder.supports_text else await self._text_matcher()
        same_space = all(row.encoder == encoder.name for row in rows)
        vectors = np.stack([_vector(row) for row in rows]) if same_space else None
        garments = [self._to_garment(row) for row in rows]
        return await asyncio.to_thread(
            search_wardrobe, query, garments, vectors, encoder, matcher, limit=max(1, min(k, 100))
        )

    async def _text_matcher(self) -> TagTextMatcher:
        async with self._matcher_lock:
            if self.matcher is None:
                self.matcher = await asyncio.to_thread(TagTextMatcher.load, None, self.vocabulary)
            return self.matcher

    # ---- changing -----------------------------------------------------------------------------

    async def correct_tags(self, user_id: str, item_id: str, changes: dict[str, Any]) -> Garment:
        """Store the user's corrections of some tags; they win over the model from now on."""
        row = await self._row(user_id, item_id)
        cleaned = validate_corrections(changes, self.vocabulary)
        async with self.db.session() as session:
            fresh = await session.get(GarmentRow, row.id)
            assert fresh is not None
            fresh.corrections = {**fresh.corrections, **cleaned}
            fresh.updated_at = utcnow()
            session.add(fresh)
            await session.commit()
            await session.refresh(fresh)
        return self._to_garment(fresh)

    async def set_laundry(self, user_id: str, item_id: str, in_laundry: bool) -> Garment:
        """Mark a garment as in (or back from) the laundry."""
        row = await self._row(user_id, item_id)
        async with self.db.session() as session:
            await session.exec(
                update(GarmentRow)
                .where(col(GarmentRow.id) == row.id)
                .values(in_laundry=bool(in_laundry), updated_at=utcnow())
            )
            await session.commit()
        return await self.garment(user_id, item_id)

    async def remove_garment(self, user_id: str, item_id: str) -> Garment:
        """Delete one garment: its row, then its vector, then blobs nobody else uses."""
        row = await self._row(user_id, item_id)
        async with self.db.session() as session:
            await session.exec(delete(WearRow).where(col(WearRow.item_id) == row.id))
            await session.exec(delete(GarmentRow).where(col(GarmentRow.id) == row.id))
            await session.commit()
        await asyncio.to_thread(self.index.delete, [row.id])
        await self._delete_unreferenced({row.image_hash, row.thumb_hash})
        return self._to_garment(row)

    async def forget_user(self, user_id: str) -> ForgetReport:
        """Delete everything about a user: rows, vectors and blobs no other user references."""
        _check_user(user_id)
        async with self.db.session() as session:
            rows = (await session.exec(select(GarmentRow).where(GarmentRow.user_id == user_id))).all()
            for table in (FeedbackRow, WearRow, LookRow, PushRow):
                await session.exec(delete(table).where(col(table.user_id) == user_id))  # type: ignore[attr-defined]
            await session.exec(delete(GarmentRow).where(col(GarmentRow.user_id) == user_id))
            await session.exec(delete(UserRow).where(col(UserRow.id) == user_id))
            await session.commit()
        vectors = len(await asyncio.to_thread(self.index.ids, user_id))
        await asyncio.to_thread(self.index.delete_owner, user_id)
        hashes = {h for row in rows for h in (row.image_hash, row.thumb_hash)}
        blobs = await self._delete_unreferenced(hashes)
        return ForgetReport(garments=len(rows), vectors=vectors, blobs=blobs)

    async def _delete_unreferenced(self, hashes: set[str]) -> int:
        if not hashes:
            return 0
        async with self.db.session() as session:
            used_images = (
                await session.exec(select(GarmentRow.image_hash).where(col(GarmentRow.image_hash).in_(hashes)))
            ).all()
            used_thumbs = (
                await session.exec(select(GarmentRow.thumb_hash).where(col(GarmentRow.thumb_hash).in_(hashes)))
            ).all()
        orphans = hashes - set(used_images) - set(used_thumbs)
        return sum(await asyncio.to_thread(lambda: [self.blobs.delete(h) for h in sorted(orphans)]))

    async def reindex(self) -> int:
        """Rebuild the vector index from SQL: re-add every row's vector, drop vectors without a row."""
        async with self.db.session() as session:
            rows = (await session.exec(select(GarmentRow))).all()
        stale = [row for row in rows if row.encoder != self.tagger.encoder.name]
        if stale:
            await self._reembed(stale)
        by_user: dict[str, list[GarmentRow]] = {}
        for row in rows:
            by_user.setdefault(row.user_id, []).append(row)
        for user_id, user_rows in by_user.items():
            await self._index_rows(user_id, user_rows)
        orphans = await asyncio.to_thread(self.index.ids)
        orphans -= {row.id for row in rows}
        await asyncio.to_thread(self.index.delete, sorted(orphans))
        return len(rows)

    async def _reembed(self, rows: list[GarmentRow]) -> None:
        """Recompute embeddings from the stored originals (after an encoder change)."""
        for start in range(0, len(rows), _BATCH):
            chunk = rows[start : start + _BATCH]
            images = [
                self.tagger.decode(
                    PhotoInput(await asyncio.to_thread(self.blobs.get, row.image_hash), row.id), refuse_blank=False
                )
                for row in chunk
            ]
            vectors = await asyncio.to_thread(self.tagger.encoder.embed_images, images)
            async with self.db.session() as session:
                for row, vector in zip(chunk, vectors, strict=True):
                    row.embedding = np.asarray(vector, dtype=np.float32).tobytes()
                    row.encoder = self.tagger.encoder.name
                    session.add(row)
                await session.commit()

    # ---- outfits -------------------------------------------------------------------------------

    async def suggest_outfits(self, user_id: str, request: OutfitRequest, *, skip: int = 0) -> Suggestions:
        """Compose looks from the user's wardrobe for an occasion, the weather and an optional anchor item."""
        _check_user(user_id)
        return await self.outfits.suggest(user_id, request, skip=skip)

    async def daily_look(self, user_id: str, day: date | None = None, *, another: int = 0) -> Suggestions:
        """Return the look of the day (same inputs, same look); ``another`` = k gives the k-th next best."""
        _check_user(user_id)
        day = day or today_in(await self.outfits.location(user_id))
        return await self.outfits.daily_look(user_id, day, another=another)

    async def collage(self, look: Look, *, fmt: str = "PNG") -> bytes:
        """Render a look as a PNG or JPEG collage."""
        return await self.outfits.collage(look, fmt=fmt)

    async def feedback(self, user_id: str, look_id: str, kind: FeedbackKind | str, *, day: date | None = None,
                       items: Sequence[str] | None = None) -> None:
        """Record like / dislike / wore / not_today on a look shown to this user (or on two of its items)."""
        _check_user(user_id)
        await self.outfits.feedback(user_id, look_id, kind, day=day, items=items)

    async def record_look(self, user_id: str, item_ids: Sequence[str], kind: FeedbackKind | str = "wore", *,
                          day: date | None = None) -> str:
        """Log an outfit the user put together ("I wore these today") with feedback; return the look id."""
        _check_user(user_id)
        return await self.outfits.record_look(user_id, item_ids, kind, day=day)

    async def set_location(self, user_id: str, location: Location) -> None:
        """Set where a user is, for the weather of their looks."""
        _check_user(user_id)
        await self._ensure_user(user_id)
        await self.outfits.set_location(user_id, location)

    async def profile(self, user_id: str) -> Profile:
        """Return a user's settings: place, time zone and morning push (defaults for a new user)."""
        _check_user(user_id)
        return await self.profiles.get(user_id)

    async def update_profile(self, user_id: str, *, timezone: str | None = None, push_enabled: bool | None = None,
                             push_time: time | None = None, push_days: tuple[int, ...] | None = None) -> Profile:
        """Change some settings of a user (``InvalidSetting`` says what is wrong with a value)."""
        _check_user(user_id)
        await self._ensure_user(user_id)
        return await self.profiles.update(user_id, timezone=timezone, push_enabled=push_enabled,
                                          push_time=push_time, push_days=push_days)

    async def push_subscribers(self) -> list[Profile]:
        """Return the profiles of every user whose morning push is on."""
        return await self.pushes.subscribers()

    async def claim_push(self, user_id: str, day: date, *, status: str = "claimed", detail: str = "") -> bool:
        """Claim a user's morning push for their local date ``day``: True for exactly one caller, ever."""
        _check_user(user_id)
        return await self.pushes.claim(user_id, day, status, detail)

    async def finish_push(self, user_id: str, day: date, status: str, detail: str = "") -> None:
        """Record how a claimed push ended: sent, failed or gone (the user blocked the bot)."""
        await self.pushes.finish(user_id, day, status, detail)

    async def push_status(self, user_id: str, day: date) -> str | None:
        """Return how a user's push of ``day`` went (None when it was never claimed)."""
        return await self.pushes.status(user_id, day)

    async def find_places(self, name: str, *, limit: int = 5) -> list[Location]:
        """Return cities of that name with their time zones, most populous first (offline GeoNames data)."""
        return await asyncio.to_thread(find_places, name, limit)

    async def train_compat(self, *, outfits: Sequence[Sequence[ItemFeatures]] = (),
                           pool: Sequence[ItemFeatures] = ()) -> TrainReport:
        """Retrain the shared compatibility model from all feedback (plus optional outfits); used at once."""
        return await self.outfits.train_compat(outfits, pool)
