"""Users' corrections as training photos for ``python -m models.train_style --with-corrections`` (loading only)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PIL import Image

from models.correction_data import SPLIT, corrected_samples
from models.train_style import CATEGORIES, TRAIN_SPLITS, _parse_args
from tests._support import sample_names, sample_photo


async def test_corrected_garments_of_every_user_become_training_samples(stylist, stylist_settings, shared_data):
    names = sample_names("shirt")[:2]
    ann = (await stylist.add_garments("ann", [sample_photo(names[0])])).added[0]
    bob = (await stylist.add_garments("bob", [sample_photo(names[1])])).added[0]
    await stylist.add_garments("bob", [sample_photo(sample_names("pants")[0])])  # not corrected: not a sample
    await stylist.correct_tags("ann", ann.id, {"type": "polo"})
    await stylist.correct_tags("bob", bob.id, {"type": "blazer"})
    await stylist.correct_tags("bob", bob.id, {"pattern": "checked"})  # later corrections keep the type

    url = stylist_settings.resolved_database_url
    # the training command runs outside any event loop: so does its loader here
    samples, skipped = await asyncio.to_thread(corrected_samples, url, stylist_settings.blob_dir, CATEGORIES)
    assert skipped == 0
    assert sorted((s.category, s.type) for s in samples) == [("outerwear", "blazer"), ("top", "polo")]
    assert all(s.split == SPLIT and SPLIT in TRAIN_SPLITS for s in samples)
    for sample in samples:  # the stored original, readable as the training loader opens photos
        with Image.open(sample.path) as image:
            assert image.convert("RGB").size[0] > 0

    args = await asyncio.to_thread(_parse_args, ["--data", str(shared_data), "--with-corrections", url,
                                                 "--blobs", str(stylist_settings.blob_dir)])
    assert sum(s.split == SPLIT for s in args.samples) == 2
    assert sum(s.split == "train" for s in args.samples) > 3000  # the shared photos are still all there


async def test_a_missing_photo_is_skipped_not_trained_on(stylist, stylist_settings, tmp_path: Path):
    garment = (await stylist.add_garments("ann", [sample_photo(sample_names("shirt")[0])])).added[0]
    await stylist.correct_tags("ann", garment.id, {"type": "polo"})
    samples, skipped = await asyncio.to_thread(
        corrected_samples, stylist_settings.resolved_database_url, tmp_path / "empty", CATEGORIES)
    assert samples == [] and skipped == 1
