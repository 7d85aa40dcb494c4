"""The ``Stylist`` facade: the engine's one async entry point. It checks ids and delegates to the services."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from datetime import date, time
from pathlib import Path
from typing import Any

from config.settings import Settings
from engine.catalog.fetch import FetchPolicy
from engine.catalog.importer import Progress
from engine.catalog.index import ProductIndex
from engine.catalog.links import tracked
from engine.catalog.repository import ProductRepository
from engine.catalog.service import CatalogService
from engine.catalog.shopper import Shopper
from engine.catalog.types import (
    BuyVerdict,
    CatalogStats,
    Gap,
    ImportReport,
    Product,
    ProductFilter,
    ProductHit,
    results_problem,
)
from engine.clock import Clock, SystemClock
from engine.encoders.base import Encoder
from engine.encoders.sentences import SentenceEncoder
from engine.errors import InvalidFilter, InvalidTag, InvalidUser
from engine.looks import FeedbackKind, GoesWith, Location, Look, OutfitRequest, Suggestions, TrainReport
from engine.outfits.features import ItemFeatures
from engine.outfits.polyvore import load_polyvore
from engine.outfits.service import OutfitService
from engine.outfits.training import CompatTrainer
from engine.storage.blobs import BlobStore
from engine.storage.db import Database
from engine.storage.garments import GarmentRepository
from engine.storage.looks import LookRepository
from engine.storage.users import UserRepository
from engine.storage.vectors import VectorIndex
from engine.tagging.photo_tagger import PhotoTagger
from engine.tagging.tagger import Tagger, build_tagger
from engine.types import AddResult, ForgetReport, Garment, Match, PhotoInput, Rejected, Tagged, TextHit
from engine.users.places import find_places
from engine.users.profiles import Profile, ProfileService
from engine.users.pushes import PushLog
from engine.wardrobe.service import WardrobeService
from engine.weather.service import WeatherService, weather_service_from_settings

_USER_ID = re.compile(r"^[A-Za-z0-9_.:@+\-]{1,128}$")


def _shop(settings: Settings, db: Database, products: ProductIndex | None, blobs: BlobStore, tagger: Tagger,
          wardrobes: WardrobeService, outfits: OutfitService, clock: Clock) -> tuple[CatalogService, Shopper]:
    """Build the catalog (sharing the wardrobe's encoder batcher) and the shopper on top of it."""
    index = products or ProductIndex.open(path=settings.resolved_chroma_path, url=settings.chroma_url)
    policy = FetchPolicy(max_bytes=settings.catalog_max_image_bytes, timeout_s=settings.catalog_fetch_timeout_s,
                         retries=settings.catalog_fetch_retries, concurrency=settings.catalog_fetch_concurrency,
                         allow_private=settings.catalog_allow_private)
    catalog = CatalogService(ProductRepository(db), index, blobs, tagger, wardrobes.batcher, clock, policy,
                             demo=settings.catalog_demo)
    return catalog, Shopper(catalog, wardrobes, outfits, clock)


def _check_user(user_id: str) -> str:
    if not isinstance(user_id, str) or not _USER_ID.match(user_id):
        raise InvalidUser("a user id is 1-128 characters of letters, digits and _ . : @ + -")
    return user_id


class Stylist:
    """The personal stylist: a wardrobe per user, tagged, searchable and dressed every day. All methods are async."""

    def __init__(self, settings: Settings, db: Database, index: VectorIndex, blobs: BlobStore, tagger: Tagger,
                 weather: WeatherService, *, clock: Clock | None = None,
                 sentences: SentenceEncoder | None = None, products: ProductIndex | None = None) -> None:
        self.settings, self.db, self.index, self.blobs, self.tagger = settings, db, index, blobs, tagger
        self.clock = clock or SystemClock()
        self.vocabulary = tagger.vocabulary
        garments, users, looks = GarmentRepository(db, self.vocabulary), UserRepository(db), LookRepository(db)
        self.users = users
        self.profiles = ProfileService(db)
        self.pushes = PushLog(db)
        self.photo_tagger = PhotoTagger(tagger)
        self.wardrobes = WardrobeService(garments, users, index, blobs, tagger, self.clock,
                                         encoder_threads=settings.encoder_threads, sentences=sentences)
        model_path = settings.data_dir / "models" / "compat.npz"
        trainer = CompatTrainer(garments, looks, self.vocabulary, model_path=model_path)
        self.outfits = OutfitService(garments, users, looks, blobs, weather, trainer, self.clock,
                                     recent_days=settings.recent_days)
        self.catalog, self.shopper = _shop(settings, db, products, blobs, tagger, self.wardrobes, self.outfits,
                                           self.clock)

    @classmethod
    async def open(cls, settings: Settings, *, encoder: Encoder | None = None, weather: WeatherService | None = None,
                   clock: Clock | None = None, sentences: SentenceEncoder | None = None) -> Stylist:
        """Open (creating if needed) the stores under ``settings`` and finish work left half-done.

        ``encoder``, ``weather``, ``clock`` and ``sentences`` (the MiniLM shared with the dialog) default to the
        ones the settings name; pass them to share one per process or to test.
        """
        clock = clock or SystemClock()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        db = Database(settings.resolved_database_url)
        await db.migrate()
        index = await asyncio.to_thread(
            VectorIndex.open, "garments", path=settings.resolved_chroma_path, url=settings.chroma_url
        )
        products = await asyncio.to_thread(
            ProductIndex.open, path=settings.resolved_chroma_path, url=settings.chroma_url
        )
        tagger = await asyncio.to_thread(build_tagger, settings, encoder)
        weather = weather or weather_service_from_settings(settings, clock)
        stylist = cls(settings, db, index, BlobStore(settings.blob_dir), tagger, weather, clock=clock,
                      sentences=sentences, products=products)
        await asyncio.to_thread(stylist.outfits.trainer.load)
        await stylist.wardrobes.finish_half_done()
        return stylist

    @staticmethod
    async def open_tagger(settings: Settings, *, encoder: Encoder | None = None) -> PhotoTagger:
        """Return a tagger that stores nothing (no database, no index): for tagging photos on their own."""
        return await PhotoTagger.open(settings, encoder=encoder)

    async def close(self) -> None:
        """Release the encoder batcher, the weather client and the database connections."""
        await self.wardrobes.close()
        await self.outfits.weather.close()
        await self.db.close()

    # ---- the wardrobe -------------------------------------------------------------------------

    async def tag_photos(self, photos: Sequence[PhotoInput]) -> list[Tagged | Rejected]:
        """Tag photos without storing anything; results keep the input order."""
        return await self.photo_tagger.tag_photos(photos)

    async def add_garments(self, user_id: str, photos: Sequence[PhotoInput]) -> AddResult:
        """Decode, tag and store photos as garments of ``user_id``; a photo already added is a duplicate."""
        return await self.wardrobes.add(_check_user(user_id), photos)

    async def wardrobe(self, user_id: str) -> list[Garment]:
        """Return every visible garment of a user, oldest first."""
        return await self.wardrobes.garments_of(_check_user(user_id))

    async def garment(self, user_id: str, item_id: str) -> Garment:
        """Return one garment of this user, or raise ``ItemNotFound``."""
        return await self.wardrobes.garment(_check_user(user_id), item_id)

    async def image(self, user_id: str, item_id: str, *, thumbnail: bool = True) -> bytes:
        """Return the stored JPEG of a garment (its thumbnail by default)."""
        return await self.wardrobes.image(_check_user(user_id), item_id, thumbnail=thumbnail)

    async def find_similar(self, user_id: str, query: PhotoInput | str, *, k: int = 5) -> list[Match]:
        """Return the user's garments most similar to a photo or to one of their items (excluded)."""
        return await self.wardrobes.find_similar(_check_user(user_id), query, max(1, min(int(k), 100)))

    async def search_text(self, user_id: str, query: str, *, k: int = 10) -> list[TextHit]:
        """Find garments by words ("something warm and navy"), best first."""
        return await self.wardrobes.search_text(_check_user(user_id), query, max(1, min(int(k), 100)))

    async def correct_tags(self, user_id: str, item_id: str, changes: dict[str, Any]) -> Garment:
        """Store the user's corrections of some tags; they win over the model from now on."""
        return await self.wardrobes.correct_tags(_check_user(user_id), item_id, changes)

    async def set_laundry(self, user_id: str, item_id: str, in_laundry: bool) -> Garment:
        """Mark a garment as in (or back from) the laundry."""
        return await self.wardrobes.set_laundry(_check_user(user_id), item_id, in_laundry)

    async def remove_garment(self, user_id: str, item_id: str) -> Garment:
        """Delete one garment: its row, then its vector, then blobs nobody else uses."""
        return await self.wardrobes.remove(_check_user(user_id), item_id)

    async def forget_user(self, user_id: str) -> ForgetReport:
        """Delete everything about a user: rows, vectors and blobs no other user references."""
        return await self.wardrobes.forget(_check_user(user_id))

    async def reindex(self) -> int:
        """Rebuild the vector index from SQL: re-add every row's vector, drop vectors without a row."""
        return await self.wardrobes.reindex()

    # ---- the user -----------------------------------------------------------------------------

    async def set_location(self, user_id: str, location: Location) -> None:
        """Set where a user is, for the weather of their looks and their local date."""
        _check_user(user_id)
        if not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
            raise InvalidTag("latitude must be within ±90 and longitude within ±180")
        await self.users.ensure(user_id, self.clock.now())
        await self.users.set_location(user_id, location)

    async def profile(self, user_id: str) -> Profile:
        """Return a user's settings: place, time zone and morning push (defaults for a new user)."""
        return await self.profiles.get(_check_user(user_id))

    async def update_profile(self, user_id: str, *, timezone: str | None = None, push_enabled: bool | None = None,
                             push_time: time | None = None, push_days: tuple[int, ...] | None = None) -> Profile:
        """Change some settings of a user (``InvalidSetting`` says what is wrong with a value)."""
        await self.users.ensure(_check_user(user_id), self.clock.now())
        return await self.profiles.update(user_id, timezone=timezone, push_enabled=push_enabled,
                                          push_time=push_time, push_days=push_days)

    async def push_subscribers(self) -> list[Profile]:
        """Return the profiles of every user whose morning push is on."""
        return await self.pushes.subscribers()

    async def claim_push(self, user_id: str, day: date, *, status: str = "claimed", detail: str = "") -> bool:
        """Claim a user's morning push for their local date ``day``: True for exactly one caller, ever."""
        return await self.pushes.claim(_check_user(user_id), day, self.clock.now(), status, detail)

    async def finish_push(self, user_id: str, day: date, status: str, detail: str = "") -> None:
        """Record how a claimed push ended: sent, failed, skipped or gone (the user blocked the bot)."""
        await self.pushes.finish(user_id, day, self.clock.now(), status, detail)

    async def push_status(self, user_id: str, day: date) -> str | None:
        """Return how a user's push of ``day`` went (None when it was never claimed)."""
        return await self.pushes.status(user_id, day)

    async def find_places(self, name: str, *, limit: int = 5) -> list[Location]:
        """Return cities of that name with their time zones, most populous first (offline GeoNames data)."""
        return await asyncio.to_thread(find_places, name, limit)

    async def today(self, user_id: str) -> date:
        """Return the user's local date now (in their time zone, never the server's)."""
        return await self.outfits.today(_check_user(user_id))

    # ---- outfits ------------------------------------------------------------------------------

    async def suggest_outfits(self, user_id: str, request: OutfitRequest, *, skip: int = 0) -> Suggestions:
        """Compose looks for an occasion, the weather and an optional anchor item (for the user's today by default)."""
        return await self.outfits.suggest(_check_user(user_id), request, skip=skip)

    async def looks_with_photo(self, user_id: str, photo: PhotoInput, request: OutfitRequest | None = None, *,
                               n: int = 3) -> GoesWith:
        """Answer "what goes with this?" for a photo of something the user does not own: looks from their wardrobe
        around it, how many, and the owned items it would be worn with. Nothing of the photo is stored."""
        _check_user(user_id)
        original, tagged = await self.wardrobes.inspect(user_id, photo)
        return await self.outfits.goes_with(user_id, photo.name, original, tagged, request or OutfitRequest(), n=n)

    async def daily_look(self, user_id: str, day: date | None = None, *, another: int = 0) -> Suggestions:
        """Return the look of the day (same inputs, same look); ``another`` = k gives the k-th next best."""
        return await self.outfits.daily_look(_check_user(user_id), day, another=another)

    async def collage(self, look: Look, *, fmt: str = "PNG") -> bytes:
        """Render a look as a PNG or JPEG collage (a look around a photo draws the photo too)."""
        return await self.outfits.collage(look, fmt=fmt)

    async def feedback(self, user_id: str, look_id: str, kind: FeedbackKind | str, *, day: date | None = None,
                       items: Sequence[str] | None = None) -> None:
        """Record like / dislike / wore / not_today on a look shown to this user (or on two of its items)."""
        await self.outfits.feedback(_check_user(user_id), look_id, kind, day=day, items=items)

    async def record_look(self, user_id: str, item_ids: Sequence[str], kind: FeedbackKind | str = "wore", *,
                          day: date | None = None) -> str:
        """Log an outfit the user put together ("I wore these today") with feedback; return the look id."""
        return await self.outfits.record_look(_check_user(user_id), item_ids, kind, day=day)

    async def train_compat(self, *, outfits: Sequence[Sequence[ItemFeatures]] = (),
                           pool: Sequence[ItemFeatures] = ()) -> TrainReport:
        """Retrain the shared compatibility model from all feedback (plus optional outfits); used at once."""
        return await self.outfits.trainer.train(outfits, pool)

    async def polyvore_outfits(self, folder: Path, *, split: str = "train") -> tuple[list[list[ItemFeatures]],
                                                                                     list[str]]:
        """Read and tag a Polyvore Outfits folder for ``train_compat``: (outfits, problems met)."""
        return await asyncio.to_thread(load_polyvore, Path(folder), self.tagger, split=split)

    # ---- the shop's catalog -------------------------------------------------------------------

    async def import_catalog(self, feed: Path, *, prune: bool = False,
                             progress: Progress | None = None) -> ImportReport:
        """Import a shop's feed (CSV or JSON Lines): bad rows are reported with their line and skipped."""
        return await self.catalog.import_feed(Path(feed), prune=prune, progress=progress)

    async def catalog_ready(self) -> bool:
        """Whether there is a catalog to shop from (imports the demonstration catalog on first use if allowed)."""
        return await self.catalog.ready()

    async def shop_open(self) -> bool:
        """Whether shopping is available: products exist, or the demonstration catalog may be imported (cheap)."""
        return self.settings.catalog_demo or await self.catalog.has_products()

    async def catalog_stats(self) -> CatalogStats:
        """Return the catalog's size by category, brands and currencies."""
        return await self.catalog.stats()

    async def remove_products(self, ids: Sequence[str]) -> list[str]:
        """Remove products by id; return the ids that existed."""
        return await self.catalog.remove(ids)

    async def product(self, product_id: str) -> Product:
        """Return one product, or raise ``ItemNotFound``."""
        return await self.catalog.product(product_id)

    async def product_image(self, product_id: str, *, thumbnail: bool = True) -> bytes:
        """Return a product's stored JPEG (its thumbnail by default)."""
        return await self.catalog.image(product_id, thumbnail=thumbnail)

    def product_link(self, product: Product) -> str:
        """Return a product's link with the operator's tracking parameters."""
        return tracked(product.url, self.settings.shop_tracking)

    async def search_catalog(self, photos: Sequence[PhotoInput], *, k: int = 5,
                             where: ProductFilter | None = None) -> list[list[ProductHit]]:
        """Return the products most like each photo (filtered by category, type, brand, price), best first.

        ``k`` out of 1..``MAX_RESULTS`` raises ``InvalidFilter`` rather than quietly answering something else.
        """
        problem = results_problem(int(k))
        if problem is not None:
            raise InvalidFilter(problem)
        return await self.catalog.search(photos, k=int(k), where=where)

    async def products_like_item(self, user_id: str, item_id: str, *, k: int = 3,
                                 where: ProductFilter | None = None) -> list[ProductHit]:
        """Return the products most like one of the user's garments."""
        return await self.shopper.like_item(_check_user(user_id), item_id, k=max(1, min(int(k), 100)), where=where)

    async def complete_look(self, user_id: str, look: Look, *, n: int = 3) -> list[ProductHit]:
        """Return up to ``n`` products that complete or lift a look (never a near-duplicate of an owned item)."""
        return await self.shopper.complete(_check_user(user_id), look, n=max(1, min(int(n), 3)))

    async def shop_picks(self, user_id: str, *, category: str | None = None, type_name: str | None = None,
                         min_price: float | None = None, max_price: float | None = None,
                         n: int = 3) -> list[ProductHit]:
        """Return up to ``n`` products of a category or type (and price range) that go best with what the user owns.

        A senseless price range (negative, not a number, minimum above maximum) raises ``InvalidFilter``.
        """
        prices = ProductFilter(min_price=min_price, max_price=max_price)
        return await self.shopper.picks(_check_user(user_id), category=category, type_name=type_name,
                                        prices=prices, n=max(1, min(int(n), 3)))

    async def wardrobe_gaps(self, user_id: str) -> list[Gap]:
        """Return what the user's wardrobe lacks ("no formal shoes"), each with products that fill it."""
        return await self.shopper.gaps(_check_user(user_id))

    async def buy_or_not(self, user_id: str, query: PhotoInput | str,
                         request: OutfitRequest | None = None) -> tuple[GoesWith, BuyVerdict]:
        """Judge a possible purchase (a photo or a product id) against the user's wardrobe."""
        return await self.shopper.buy_or_not(_check_user(user_id), query, request)

    async def push_products(self, user_id: str, look: Look, day: date, *, n: int = 2) -> list[ProductHit]:
        """Return products for a morning push around ``look`` (never one pushed in the last week); remembered."""
        return await self.shopper.for_push(_check_user(user_id), look, day, n=max(0, min(int(n), 3)))
