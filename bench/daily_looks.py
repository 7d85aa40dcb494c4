"""Daily looks for many users through the real facade (SQL read, weather, compose, remember).

    python -m bench.daily_looks [--users 1000] [--items 100] [--concurrency 4]

Users and garments are written straight into a fresh SQLite database (synthetic but plausible tags from
``bench.compose_speed.synthetic_wardrobe``; random unit style vectors of the encoder's size), marked indexed.
Then every user's daily look is asked for, first one user after another, then with ``--concurrency`` users
in flight (the baseline and the variant, same run, same data). The compose-only cost of the same users
(candidates already in memory) is reported beside it, to show what the facade adds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

from bench.compose_speed import synthetic_wardrobe
from config.settings import load_settings
from engine.looks import OutfitRequest
from engine.outfits.composer import compose
from engine.outfits.model import CompatScorer
from engine.storage.db import GarmentRow, UserRow
from engine.stylist import Stylist
from engine.weather.service import seasonal_default

DAY = date(2026, 11, 27)


async def _fill(stylist: Stylist, users: int, items: int, dim: int) -> list[str]:
    rng = np.random.default_rng(0)
    now = stylist.clock.now()
    ids = []
    for u in range(users):
        user_id = f"user{u:05d}"
        ids.append(user_id)
        rows = []
        for c in synthetic_wardrobe(items, seed=u):
            vector = rng.normal(size=dim).astype(np.float32)
            vector /= np.linalg.norm(vector)
            fake_hash = f"{u:032x}{len(rows):032x}"  # unique per garment; no image is ever read
            rows.append(GarmentRow(id=f"{u:05d}{c.garment.id[-5:]}", user_id=user_id, image_hash=fake_hash,
                                   thumb_hash=fake_hash, tags=c.garment.tags.to_dict(), embedding=vector.tobytes(),
                                   encoder=stylist.tagger.encoder.name, indexed=True,
                                   in_laundry=c.garment.in_laundry, created_at=now, updated_at=now))
        async with stylist.db.session() as session:
            session.add(UserRow(id=user_id, created_at=now))
            await session.commit()
            session.add_all(rows)
            await session.commit()
    return ids


async def _timed(coro_factory, user_ids, concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    gate = asyncio.Semaphore(concurrency)

    async def one(user_id: str) -> None:
        async with gate:
            start = time.perf_counter()
            await coro_factory(user_id)
            latencies.append((time.perf_counter() - start) * 1000)

    start = time.perf_counter()
    await asyncio.gather(*(one(u) for u in user_ids))
    return time.perf_counter() - start, latencies


def _row(label: str, total: float, lat: list[float], users: int) -> str:
    lat = sorted(lat)
    return (f"| {label} | {total:.1f} | {1000 * total / users:.1f} | {statistics.median(lat):.1f} | "
            f"{lat[int(0.95 * (len(lat) - 1))]:.1f} |")


async def run(users: int, items: int, concurrency: int) -> None:
    """Fill, then time daily looks sequentially and concurrently, and compose alone."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(data_dir=Path(tmp), weather_url="")
        stylist = await Stylist.open(settings)
        try:
            start = time.perf_counter()
            user_ids = await _fill(stylist, users, items, stylist.tagger.encoder.dim)
            print(f"filled {users} users x {items} items in {time.perf_counter() - start:.0f} s "
                  f"(load average {os.getloadavg()[0]:.2f})\n")
            seq_total, seq = await _timed(lambda u: stylist.daily_look(u, DAY), user_ids, 1)
            con_total, con = await _timed(lambda u: stylist.daily_look(u, DAY, another=1), user_ids, concurrency)
            scorer, weather = CompatScorer(), seasonal_default(None, DAY)
            comp: list[float] = []
            start = time.perf_counter()
            for u in range(users):
                cands = synthetic_wardrobe(items, seed=u)
                t = time.perf_counter()
                compose(cands, OutfitRequest(n=1), weather, scorer, today=DAY, n=1)
                comp.append((time.perf_counter() - t) * 1000)
            comp_total = sum(comp) / 1000
        finally:
            await stylist.close()
    print("| path | total s | ms per user | p50 ms | p95 ms |\n|---|---|---|---|---|")
    print(_row("facade, one user after another (baseline)", seq_total, seq, users))
    print(_row(f"facade, {concurrency} users in flight", con_total, con, users))
    print(_row("compose alone (candidates in memory)", comp_total, comp, users))
    print(f"\nconcurrent / sequential throughput: {seq_total / con_total:.2f}x; "
          f"facade overhead over compose: {seq_total / comp_total:.2f}x")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    asyncio.run(run(args.users, args.items, args.concurrency))


if __name__ == "__main__":
    main()
