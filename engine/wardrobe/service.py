"""A user's wardrobe: add, read, find (by photo or by words), correct, launder, remove and forget garments."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.clock import Clock
from engine.encoders.batcher import BatchPlan, MicroBatcher
from engine.encoders.sentences import SentenceEncoder
from engine.errors import InvalidTag
from engine.images.decoding import encode_original
from engine.storage.blobs import BlobStore
from engine.storage.garments import GarmentRepository, vector_of
from engine.storage.users import UserRepository
from engine.storage.vectors import VectorIndex
from engine.tagging.corrections import validate_corrections
from engine.tagging.tagger import Tagger
from engine.types import AddResult, ForgetReport, Garment, Match, PhotoInput, Tagged, TextHit
from engine.wardrobe import maintenance
from engine.wardrobe.intake import Intake, TagBatcher, with_examples
from engine.wardrobe.text_search import TagTextMatcher, search_wardrobe


class WardrobeService:
    """Garments per user; the facade ``Stylist`` checks ids and delegates here."""

    def __init__(self, garments: GarmentRepository, users: UserRepository, index: VectorIndex, blobs: BlobStore,
                 tagger: Tagger, clock: Clock, *, encoder_threads: int = 1,
                 sentences: SentenceEncoder | None = None) -> None:
        self.garments = garments
        self.users = users
        self.index = index
        self.blobs = blobs
        self.tagger = tagger
        self.clock = clock
        # Concurrent requests share encoder batches: a GPU is fed full ones, one at a time; on a CPU small batches
        # run side by side, one per core the encoder's threads leave free (bench/batcher_speed.py).
        plan = BatchPlan.for_device(getattr(tagger.encoder, "device", "cpu") == "cuda", encoder_threads)
        self.batcher: TagBatcher = MicroBatcher(tagger.tag_decoded, max_batch=plan.max_batch,
                                                max_wait_ms=plan.max_wait_ms, workers=plan.workers, name="tagger")
        self.intake = Intake(garments, index, blobs, tagger, self.batcher, clock)
        self._sentences = sentences
        self._matcher: TagTextMatcher | None = None  # MiniLM, loaded on the first text search that needs it
        self._matcher_lock = asyncio.Lock()

    async def close(self) -> None:
        """Stop the encoder batcher (callers still waiting get an error)."""
        await self.batcher.close()

    async def add(self, user_id: str, photos: Sequence[PhotoInput]) -> AddResult:
        """Add photos to a user's wardrobe (see ``engine.wardrobe.intake``)."""
        await self.users.ensure(user_id, self.clock.now())
        return await self.intake.add(user_id, photos)

    async def inspect(self, user_id: str, photo: PhotoInput) -> tuple[bytes, Tagged]:
        """Decode, tag and embed a photo without storing anything: (the JPEG we would store, its tags, with what
        the user's corrections teach)."""
        image, lab = await asyncio.to_thread(self.tagger.decode_with_lab, photo)
        original = await asyncio.to_thread(encode_original, image)
        tagged = await self.batcher.submit((image, lab))
        return original, (await with_examples(self.garments, self.tagger, user_id, [tagged]))[0]

    async def garments_of(self, user_id: str) -> list[Garment]:
        """Return every visible garment of a user, oldest first."""
        return [self.garments.to_garment(row) for row in await self.garments.visible(user_id)]

    async def garment(self, user_id: str, item_id: str) -> Garment:
        """Return one garment of this user, or raise ``ItemNotFound``."""
        return self.garments.to_garment(await self.garments.one(user_id, item_id))

    async def image(self, user_id: str, item_id: str, *, thumbnail: bool = True) -> bytes:
        """Return the stored JPEG of a garment (its thumbnail by default)."""
        row = await self.garments.one(user_id, item_id)
        return await asyncio.to_thread(self.blobs.get, row.thumb_hash if thumbnail else row.image_hash)

    async def find_similar(self, user_id: str, query: PhotoInput | str, k: int) -> list[Match]:
        """Return the user's garments most similar to a photo or to one of their items (excluded)."""
        exclude: str | None = None
        if isinstance(query, str):
            row = await self.garments.one(user_id, query)
            vector, exclude = vector_of(row), row.id
        else:
            decoded = await asyncio.to_thread(self.tagger.decode_with_lab, query)
            vector = (await self.batcher.submit(decoded)).embedding
        hits = await asyncio.to_thread(self.index.query, user_id, vector, k + (1 if exclude else 0))
        hits = [hit for hit in hits if hit.id != exclude][:k]
        by_id = await self.garments.by_ids(user_id, [hit.id for hit in hits])
        return [Match(self.garments.to_garment(by_id[h.id]), h.similarity) for h in hits if h.id in by_id]

    async def search_text(self, user_id: str, query: str, k: int) -> list[TextHit]:
        """Find garments by words ("something warm and navy"), best first."""
        if not isinstance(query, str) or not query.strip():
            raise InvalidTag("say what to look for, e.g. 'navy jacket'")
        rows = await self.garments.visible(user_id)
        if not rows:
            return []
        encoder = self.tagger.encoder
        matcher = None if encoder.supports_text else await self._text_matcher()
        same_space = all(row.encoder == encoder.name for row in rows)
        vectors = np.stack([vector_of(row) for row in rows]) if same_space else None
        garments = [self.garments.to_garment(row) for row in rows]
        return await asyncio.to_thread(search_wardrobe, query[:300], garments, vectors, encoder, matcher, limit=k)

    async def _text_matcher(self) -> TagTextMatcher:
        async with self._matcher_lock:
            if self._matcher is None:
                if self._sentences is None:
                    self._sentences = await asyncio.to_thread(SentenceEncoder.load)
                self._matcher = TagTextMatcher(self._sentences, self.garments.vocabulary)
            return self._matcher

    async def correct_tags(self, user_id: str, item_id: str, changes: dict[str, Any]) -> Garment:
        """Store the user's corrections of some tags; they win over the model from now on."""
        row = await self.garments.one(user_id, item_id)
        cleaned = validate_corrections(changes, self.garments.vocabulary)
        return self.garments.to_garment(await self.garments.correct(row.id, cleaned, self.clock.now()))

    async def set_laundry(self, user_id: str, item_id: str, in_laundry: bool) -> Garment:
        """Mark a garment as in (or back from) the laundry."""
        row = await self.garments.one(user_id, item_id)
        await self.garments.set_laundry(row.id, bool(in_laundry), self.clock.now())
        return await self.garment(user_id, item_id)

    async def remove(self, user_id: str, item_id: str) -> Garment:
        """Delete one garment: its row, then its vector, then blobs nobody else uses."""
        row = await self.garments.one(user_id, item_id)
        await self.garments.delete(row.id)
        await asyncio.to_thread(self.index.delete, [row.id])
        await maintenance.delete_unreferenced(self.garments, self.blobs, {row.image_hash, row.thumb_hash})
        return self.garments.to_garment(row)

    async def forget(self, user_id: str) -> ForgetReport:
        """Delete everything about a user: rows, vectors and blobs no other user references."""
        rows = await self.users.forget(user_id)
        vectors = len(await asyncio.to_thread(self.index.ids, user_id))
        await asyncio.to_thread(self.index.delete_owner, user_id)
        hashes = {h for row in rows for h in (row.image_hash, row.thumb_hash)}
        blobs = await maintenance.delete_unreferenced(self.garments, self.blobs, hashes)
        return ForgetReport(garments=len(rows), vectors=vectors, blobs=blobs)

    async def reindex(self) -> int:
        """Rebuild the vector index from SQL (re-embedding rows of another encoder); return the rows indexed."""
        return await maintenance.reindex(self.garments, self.index, self.tagger, self.blobs)

    async def finish_half_done(self) -> int:
        """Index rows a crash left half-written; return how many."""
        return await maintenance.finish_half_done(self.garments, self.index)
