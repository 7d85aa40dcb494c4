"""Outfits from a data set in the Polyvore Outfits format, to train the compatibility model.

Layout (as published with "Learning Type-Aware Embeddings for Fashion Compatibility", Vasileva et al. 2018)::

    <folder>/polyvore_item_metadata.json   {item_id: {"semantic_category": "tops", "title": ..., ...}}
    <folder>/<split>.json                  [{"set_id": ..., "items": [{"item_id": ..., "index": 1}, ...]}]
    <folder>/images/<item_id>.jpg

The operator supplies the folder; nothing is downloaded. Items are tagged by our own tagger so their
features live in the same space as the users' garments; the data set's category wins over the model's.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from engine.errors import PolyvoreError
from engine.outfits.features import ItemFeatures, item_features
from engine.tagging.tagger import Tagger
from engine.types import Garment, PhotoInput, Rejected

SEMANTIC_CATEGORIES = {
    "tops": "top", "bottoms": "bottom", "all-body": "dress", "outerwear": "outerwear", "shoes": "shoes",
    "bags": "bag", "hats": "hat", "accessories": "accessory", "jewellery": "accessory",
    "sunglasses": "accessory", "scarves": "accessory",
}
MAX_ITEMS = 200_000  # refuse absurd inputs rather than exhausting memory
ADDED_AT = datetime(2018, 1, 1, tzinfo=UTC)  # the data set's items have no date of their own; features ignore it


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolyvoreError(f"{path} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PolyvoreError(f"{path} is not valid JSON ({exc})") from None


def load_polyvore(folder: Path, tagger: Tagger, *, split: str = "train",
                  limit: int | None = None) -> tuple[list[list[ItemFeatures]], list[str]]:
    """Return the outfits of one split as item features, and problems met (skipped items), blocking."""
    metadata = _read_json(folder / "polyvore_item_metadata.json")
    outfits = _read_json(folder / f"{split}.json")
    if not isinstance(metadata, dict) or not isinstance(outfits, list):
        raise PolyvoreError("expected an object of items and a list of outfits")
    problems: list[str] = []
    wanted: list[list[str]] = []
    for outfit in outfits[: limit or len(outfits)]:
        items = outfit.get("items") if isinstance(outfit, dict) else None
        if not isinstance(items, list):
            problems.append(f"outfit {str(outfit)[:40]}: no item list")
            continue
        wanted.append([str(i.get("item_id")) for i in items if isinstance(i, dict) and i.get("item_id")])
    ids = sorted({i for outfit in wanted for i in outfit})
    if len(ids) > MAX_ITEMS:
        raise PolyvoreError(f"{len(ids)} items is more than the {MAX_ITEMS} this loader accepts at once")
    features = _tag_items(folder, ids, metadata, tagger, problems)
    looks = [[features[i] for i in outfit if i in features] for outfit in wanted]
    return [look for look in looks if len(look) >= 2], problems


def _tag_items(folder: Path, ids: list[str], metadata: dict, tagger: Tagger,
               problems: list[str]) -> dict[str, ItemFeatures]:
    vocabulary = tagger.vocabulary
    out: dict[str, ItemFeatures] = {}
    for start in range(0, len(ids), 32):
        chunk = ids[start : start + 32]
        photos = []
        for item_id in chunk:
            path = folder / "images" / f"{Path(item_id).name}.jpg"
            try:
                photos.append(PhotoInput(path.read_bytes(), item_id))
            except OSError as exc:
                problems.append(f"item {item_id}: {exc.strerror or exc}")
        for photo, result in zip(photos, tagger.tag_photos(photos), strict=True):
            if isinstance(result, Rejected):
                problems.append(f"item {photo.name}: {result.reason}")
                continue
            tags = result.tags
            meta = metadata.get(photo.name) or {}
            category = SEMANTIC_CATEGORIES.get(str(meta.get("semantic_category", "")))
            if category and category != tags.category:
                tags = replace(tags, category=category, type=vocabulary.default_type(category).name)
            garment = Garment(id=f"pv:{photo.name}", user_id="polyvore", tags=tags, corrected=(), image_hash="",
                              thumb_hash="", in_laundry=False, created_at=ADDED_AT)
            out[photo.name] = item_features(garment, result.embedding, vocabulary)
    return out
