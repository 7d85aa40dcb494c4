"""Shopping for one user: products like their photo or item, that complete a look, fill gaps, or are worth buying.

Joins the catalog with the user's wardrobe and the outfit composer; the facade ``Stylist`` delegates here.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from engine.catalog.repository import product_vector, to_product
from engine.catalog.service import CatalogService
from engine.catalog.suggest import PER_REPLY, Pool, best_fits, build_pool, complete_look, twins, wardrobe_gaps
from engine.catalog.types import BuyVerdict, Gap, ProductFilter, ProductHit
from engine.clock import Clock
from engine.errors import ItemNotFound
from engine.looks import GoesWith, Look, OutfitRequest
from engine.outfits.features import ItemFeatures, item_features
from engine.outfits.service import OutfitService
from engine.storage.garments import vector_of
from engine.types import Garment, PhotoInput, Tagged
from engine.wardrobe.service import WardrobeService

PUSH_REPEAT_DAYS = 7  # a product shown in a morning push is not pushed again within a week
BUY_LOOKS = 3  # "buy it": it makes at least this many looks with at least two owned pieces


class Shopper:
    """Shopping suggestions that fit what a user owns."""

    def __init__(self, catalog: CatalogService, wardrobes: WardrobeService, outfits: OutfitService,
                 clock: Clock) -> None:
        self.catalog, self.wardrobes, self.outfits, self.clock = catalog, wardrobes, outfits, clock
        self.vocabulary = outfits.vocabulary
        self._pool: tuple[int, Pool] | None = None  # (catalog size, pool): rebuilt when the catalog changes

    async def pool(self) -> Pool:
        """Return the catalog's products with features (cached until the number of products changes)."""
        count = await self.catalog.products.count()
        if self._pool is None or self._pool[0] != count:
            items = await self.catalog.all_products()
            self._pool = (count, await asyncio.to_thread(build_pool, items, self.vocabulary))
        return self._pool[1]

    async def owned(self, user_id: str) -> list[ItemFeatures]:
        """Return the features of every garment the user owns."""
        rows = await self.wardrobes.garments.visible(user_id)
        garments = self.wardrobes.garments
        return [item_features(garments.to_garment(r), vector_of(r), self.vocabulary) for r in rows]

    async def like_item(self, user_id: str, item_id: str, *, k: int = PER_REPLY,
                        where: ProductFilter | None = None) -> list[ProductHit]:
        """Return the products most like one of the user's garments."""
        rows = await self.wardrobes.garments.by_ids(user_id, [item_id])
        if item_id not in rows:
            raise ItemNotFound(item_id)
        return (await self.catalog.search_vectors(vector_of(rows[item_id])[None, :], k, where))[0]

    async def complete(self, user_id: str, look: Look, *, n: int = PER_REPLY,
                       exclude: set[str] | None = None) -> list[ProductHit]:
        """Return the products that would complete or lift a look, never a near-duplicate of an owned item."""
        if not await self.catalog.ready():
            return []
        pool, owned = await self.pool(), await self.owned(user_id)
        by_id = {f.id: f for f in owned}
        items = [by_id[g.id] for g in look.items if g.id in by_id]
        occasion = self.vocabulary.occasions.get(look.occasion or "")
        formalities = occasion.formalities if occasion else ()
        return await asyncio.to_thread(complete_look, pool, items, owned, self.outfits.scorer, self.vocabulary,
                                       formalities=formalities, exclude=exclude, n=n)

    async def picks(self, user_id: str, *, category: str | None = None, type_name: str | None = None,
                    prices: ProductFilter | None = None, n: int = PER_REPLY) -> list[ProductHit]:
        """Return the products of a category or type (within ``prices``) that go best with the user's wardrobe."""
        if not await self.catalog.ready():
            return []
        pool, owned = await self.pool(), await self.owned(user_id)
        return await asyncio.to_thread(best_fits, pool, owned, self.outfits.scorer, category=category,
                                       type_name=type_name, prices=prices, n=n)

    async def gaps(self, user_id: str) -> list[Gap]:
        """Return what the wardrobe lacks, each gap with products that fill it."""
        await self.catalog.ready()
        pool = await self.pool() if await self.catalog.has_products() else build_pool([], self.vocabulary)
        return await asyncio.to_thread(wardrobe_gaps, pool, await self.owned(user_id), self.outfits.scorer,
                                       self.vocabulary)

    async def for_push(self, user_id: str, look: Look, day: date, *, n: int = 2) -> list[ProductHit]:
        """Return products for a morning push (none pushed to this user in the last week), and remember them."""
        if not await self.catalog.has_products():
            return []  # the push never imports the demo catalog: only a catalog already there is offered
        repo = self.catalog.products
        shown = await repo.shown_since(user_id, day - timedelta(days=PUSH_REPEAT_DAYS - 1))
        hits = await self.complete(user_id, look, n=n, exclude=shown)
        await repo.record_shown(user_id, [h.product.id for h in hits], day)
        return hits

    async def buy_or_not(self, user_id: str, query: PhotoInput | str,
                         request: OutfitRequest | None = None) -> tuple[GoesWith, BuyVerdict]:
        """Judge a possible purchase (a photo, or a product id): the looks it makes with the wardrobe, a verdict."""
        if isinstance(query, str):
            await self.catalog.ready()
            rows = await self.catalog.products.by_ids([query])
            if query not in rows:
                raise ItemNotFound(query)
            row = rows[query]
            original = await asyncio.to_thread(self.catalog.blobs.get, row.image_hash)
            tagged, name = Tagged(to_product(row).tags, product_vector(row)), row.title
        else:
            original, tagged = await self.wardrobes.inspect(user_id, query)
            name = query.name
        goes = await self.outfits.goes_with(user_id, name, original, tagged, request or OutfitRequest(), n=3)
        twin_ids = set(twins(item_features(goes.item, tagged.embedding, self.vocabulary), await self.owned(user_id)))
        similar = [g for g in await self.wardrobes.garments_of(user_id) if g.id in twin_ids]
        return goes, _verdict(goes, tuple(similar))


def _verdict(goes: GoesWith, twins: tuple[Garment, ...]) -> BuyVerdict:
    partners = tuple(goes.partners)
    if twins:
        return BuyVerdict(goes.count, partners, "skip", "you already own something very like it", twins)
    if goes.count >= BUY_LOOKS and len(partners) >= 2:
        return BuyVerdict(goes.count, partners, "buy", f"it makes {goes.count} looks with {len(partners)} of "
                          "your pieces")
    if goes.count:
        return BuyVerdict(goes.count, partners, "maybe", f"it makes only {goes.count} "
                          f"look{'s' if goes.count > 1 else ''} with what you own")
    if goes.missing:
        return BuyVerdict(0, partners, "skip", f"no complete look with it yet: add {', '.join(goes.missing)} first")
    return BuyVerdict(0, partners, "skip", "nothing you own goes with it yet")
