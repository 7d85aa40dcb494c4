"""A 1,000-product feed with 5% bad rows, its images served by a local aiohttp shop on 127.0.0.1.

    python -m bench.catalog_feed [--products 1000] [--data ../shared/data/clothing_small]

950 good rows point at real photos (clothing_small ``train``) on the local server; the 50 bad ones are, 10 each:
a 404, a slow server (5 s, over the 2 s timeout), a huge image (Content-Length over the cap), a duplicate id and
a price that is not a number. The import is run twice: the first fetches and tags everything, the second (same
feed) must skip every unchanged product. Reports times, rates and the problems by kind.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import tempfile
from collections import Counter
from pathlib import Path

from aiohttp import web

from config.settings import Settings
from engine import Stylist
from tests._fake_server import serve_loopback

REPO = Path(__file__).resolve().parent.parent
DEFAULT = REPO.parent / "shared" / "data" / "clothing_small"
KINDS = ("404", "slow", "huge", "duplicate", "price")


async def _server(photos: list[Path]) -> tuple[web.AppRunner, str]:
    async def photo(request: web.Request) -> web.StreamResponse:
        index = int(request.match_info["n"])
        return web.Response(body=photos[index % len(photos)].read_bytes(), content_type="image/jpeg")

    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(5)
        return web.Response(body=photos[0].read_bytes(), content_type="image/jpeg")

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Length": str(200 * 2**20), "Content-Type": "image/jpeg"})
        await response.prepare(request)
        await response.write(b"\xff\xd8")
        return response

    app = web.Application()
    app.router.add_get("/p/{n}.jpg", photo)
    app.router.add_get("/slow.jpg", slow)
    app.router.add_get("/huge.jpg", huge)
    return await serve_loopback(app)


def _feed(folder: Path, base: str, n: int) -> Path:
    path = folder / "feed.csv"
    bad = {i: KINDS[k % len(KINDS)] for k, i in enumerate(range(10, n, 20))}  # every 20th row: 5%
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "image", "url", "price", "currency", "brand"])
        for i in range(n):
            kind = bad.get(i)
            image = {"404": f"{base}/missing/{i}.jpg", "slow": f"{base}/slow.jpg",
                     "huge": f"{base}/huge.jpg"}.get(kind or "", f"{base}/p/{i}.jpg")
            pid = "p0" if kind == "duplicate" else f"p{i}"
            price = "ask us" if kind == "price" else f"{10 + i % 90}.99"
            writer.writerow([pid, f"Product {i}", image, f"https://shop.example/p{i}", price, "EUR", f"b{i % 7}"])
    return path


def _kind(reason: str) -> str:
    for word, kind in (("404", "404"), ("timed out", "slow"), ("too big", "huge"), ("duplicate", "duplicate"),
                       ("price", "price")):
        if word in reason:
            return kind
    return reason[:40]


async def _run(n: int, data: Path, folder: Path) -> dict[str, object]:
    photos = sorted((data / "train").rglob("*.jpg"))
    runner, base = await _server(photos)
    settings = Settings(_env_file=None, data_dir=folder / "stylist", device="cpu", weather_url="",
                        catalog_demo=False, catalog_allow_private=True, catalog_fetch_timeout_s=2.0,
                        catalog_fetch_retries=1)  # type: ignore[call-arg]
    stylist = await Stylist.open(settings)
    try:
        feed = _feed(folder, base, n)
        first = await stylist.import_catalog(feed)
        second = await stylist.import_catalog(feed)
        return {"rows": first.rows, "added": first.added, "skipped": len(first.problems),
                "problems": dict(Counter(_kind(p.reason) for p in first.problems)),
                "first_s": round(first.seconds, 1), "products_per_s": round(first.added / first.seconds, 1),
                "second_unchanged": second.unchanged, "second_added": second.added,
                "second_s": round(second.seconds, 1)}
    finally:
        await stylist.close()
        await runner.cleanup()


def main() -> None:
    """Run the import twice and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--data", type=Path, default=DEFAULT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(asyncio.run(_run(args.products, args.data, Path(tmp)))))


if __name__ == "__main__":
    main()
