"""Search by picture on real photos, and import throughput against the encoder's own.

    python -m bench.catalog_retrieval [--data ../shared/data/clothing_small]

The 372 ``test`` photos of clothing_small are imported as a catalog (a CSV feed of local paths, no category or
type given, so the stylist tags them itself); the 341 ``validation`` photos are the queries. Precision@5: the
share of the 5 products found whose labelled type (and coarse category) is the query's. Throughput: the import
(read, decode, tag, thumbnails, blobs, SQL, vectors) against the same tagger over the same files with nothing
stored (read, decode, embed, tags: ``Tagger.tag_photos`` in batches of 32) and against the bare encoder
(``embed_images`` on decoded images).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from config.settings import Settings
from engine import PhotoInput, Stylist

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO.parent / "shared" / "data" / "clothing_small"


def _labels(data: Path, split: str) -> list[dict[str, str]]:
    with (data / "labels.csv").open(encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["split"] == split]


def _feed(folder: Path, data: Path, rows: list[dict[str, str]]) -> Path:
    path = folder / "feed.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "image", "url", "price", "currency", "brand"])
        for i, r in enumerate(rows):
            writer.writerow([f"t{i}", r["label"], data / r["path"], f"https://shop.example/t{i}", "10", "EUR", ""])
    return path


async def _measure(data: Path, folder: Path) -> dict[str, object]:
    settings = Settings(_env_file=None, data_dir=folder / "stylist", device="cpu", weather_url="",
                        catalog_demo=False)  # type: ignore[call-arg]
    stylist = await Stylist.open(settings)
    try:
        catalog, queries = _labels(data, "test"), _labels(data, "validation")
        photos = [PhotoInput((data / r["path"]).read_bytes(), r["path"]) for r in catalog]
        stylist.tagger.tag_photos(photos[:8])  # warm-up
        start = time.perf_counter()
        for s in range(0, len(photos), 32):
            stylist.tagger.tag_photos(photos[s : s + 32])
        tagger_rate = len(photos) / (time.perf_counter() - start)
        images = [Image.open(data / r["path"]).convert("RGB") for r in catalog]
        start = time.perf_counter()
        for s in range(0, len(images), 32):
            stylist.tagger.encoder.embed_images(images[s : s + 32])
        encoder_rate = len(images) / (time.perf_counter() - start)
        report = await stylist.import_catalog(_feed(folder, data, catalog))
        import_rate = report.added / report.seconds
        truth = {f"t{i}": (r["type"], r["category"]) for i, r in enumerate(catalog)}
        results = await stylist.search_catalog(
            [PhotoInput((data / r["path"]).read_bytes(), r["path"]) for r in queries], k=5)
        same_type = [np.mean([truth[h.product.id][0] == q["type"] for h in hits]) for q, hits in zip(
            queries, results, strict=True)]
        same_cat = [np.mean([truth[h.product.id][1] == q["category"] for h in hits]) for q, hits in zip(
            queries, results, strict=True)]
        return {"catalog": report.added, "queries": len(queries), "problems": len(report.problems),
                "precision_at_5_type": round(float(np.mean(same_type)), 3),
                "precision_at_5_category": round(float(np.mean(same_cat)), 3),
                "import_per_s": round(import_rate, 1), "tagger_per_s": round(tagger_rate, 1),
                "encoder_per_s": round(encoder_rate, 1),
                "import_vs_tagger": round(import_rate / tagger_rate, 2),
                "import_vs_encoder": round(import_rate / encoder_rate, 2)}
    finally:
        await stylist.close()


def main() -> None:
    """Run the measurement and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(asyncio.run(_measure(args.data, Path(tmp)))))


if __name__ == "__main__":
    main()
