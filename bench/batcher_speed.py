"""Micro-batching throughput: 32 concurrent callers each embedding one photo, batched vs one by one.

    python -m bench.batcher_speed [--callers 32] [--rounds 7] [--max-wait-ms 5] [--threads 1]

Variants, interleaved round by round in one process with the embedded encoder (ONNX Runtime on CPU):
- ``batched``: every caller awaits ``EncoderBatcher.embed`` at once, batched as the product batches on this
  device (``BatchPlan.for_device``: on a CPU batches of 8, one worker per free core);
- ``batched_one_worker``: the same, one batch of up to 32 at a time (the previous release);
- ``sequential``: the same calls awaited one after another, each a batch of 1 behind ``asyncio.to_thread``;
- ``concurrent``: the same calls all at once, each its own ``asyncio.to_thread`` batch of 1 (no batcher);
- ``one_call``: all photos in one ``embed_images`` call, the batcher's ideal (its overhead = batched - this).
Photos are decoded once beforehand: this measures the encoder path only. Reports medians over rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples" / "wardrobe"


def load_embedded(data_dir: Path, threads: int) -> Any:
    """Return the embedded encoder; with placeholder random heads if the trained heads are not committed yet.

    Head weights do not change the cost (two small matrix products), so timings stay representative.
    """
    from config.settings import load_settings
    from engine.encoders import load_encoder
    from engine.errors import EncoderUnavailable

    settings = load_settings(data_dir=data_dir, encoder_threads=threads)
    try:
        return load_encoder(settings)
    except (FileNotFoundError, EncoderUnavailable) as exc:
        import numpy as np

        from config.vocabulary import CATEGORIES, load_vocabulary
        from engine.encoders.embedded import EmbeddedEncoder
        from models.heads import LinearHead, TaggerHeads
        from models.preprocess import Preprocessing

        print(f"note: committed heads unavailable ({exc}); using placeholder random heads", file=sys.stderr)
        rng = np.random.default_rng(0)
        heads = {
            name: LinearHead(labels, rng.normal(size=(256, len(labels))).astype(np.float32),
                             np.zeros(len(labels), dtype=np.float32))
            for name, labels in (("category", CATEGORIES), ("type", tuple(load_vocabulary().types)))
        }
        folder = data_dir / "placeholder-heads"
        TaggerHeads(heads=heads, preprocessing=Preprocessing(), config={}).save(folder)  # type: ignore[arg-type]
        return EmbeddedEncoder(settings, heads_dir=folder)


def _images(count: int) -> list[Any]:
    from engine.images.decoding import decode_image

    files = sorted(SAMPLES.glob("*.jpg"))
    return [
        decode_image(files[i % len(files)].read_bytes(), name=files[i % len(files)].name,
                     max_bytes=1 << 26, max_pixels=1 << 26)
        for i in range(count)
    ]


async def _rounds(
    encoder: Any, callers: int, rounds: int, max_wait_ms: float, threads: int
) -> dict[str, list[float]]:
    from engine.encoders.batcher import BatchPlan, EncoderBatcher

    images = _images(callers)
    plan = BatchPlan.for_device(getattr(encoder, "device", "cpu") == "cuda", threads)
    batcher = EncoderBatcher(encoder, max_batch=plan.max_batch, max_wait_ms=plan.max_wait_ms, workers=plan.workers)
    single = EncoderBatcher(encoder, max_batch=callers, max_wait_ms=max_wait_ms)
    latencies: list[float] = []

    async def timed(image: Any) -> None:
        start = time.perf_counter()
        await batcher.embed(image)
        latencies.append(time.perf_counter() - start)

    async def batched() -> None:
        await asyncio.gather(*(timed(image) for image in images))

    async def batched_one_worker() -> None:
        await asyncio.gather(*(single.embed(image) for image in images))

    async def sequential() -> None:
        for image in images:
            await asyncio.to_thread(encoder.embed_images, [image])

    async def concurrent() -> None:
        await asyncio.gather(*(asyncio.to_thread(encoder.embed_images, [image]) for image in images))

    async def one_call() -> None:
        await asyncio.to_thread(encoder.embed_images, images)

    variants = {"batched": batched, "batched_one_worker": batched_one_worker, "sequential": sequential,
                "concurrent": concurrent, "one_call": one_call}
    for run in variants.values():  # warm-up: first-call allocations, thread start
        await run()
    latencies.clear()
    batches_before = batcher.batches
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, run in variants.items():
            start = time.perf_counter()
            await run()
            seconds[name].append(time.perf_counter() - start)
    seconds["batches_per_round"] = [(batcher.batches - batches_before) / rounds]
    seconds["latency"] = latencies
    seconds["plan"] = [plan.max_batch, plan.max_wait_ms, plan.workers]
    await batcher.close()
    await single.close()
    return seconds


def main() -> None:
    """Run the interleaved benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--callers", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--max-wait-ms", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        encoder = load_embedded(Path(tmp), args.threads)
        seconds = asyncio.run(_rounds(encoder, args.callers, args.rounds, args.max_wait_ms, args.threads))
    n = args.callers
    names = ("batched", "batched_one_worker", "sequential", "concurrent", "one_call")
    med = {name: statistics.median(seconds[name]) for name in names}
    max_batch, wait, workers = seconds["plan"]
    lat = sorted(seconds["latency"])
    print(f"\n{n} callers x 1 photo (samples/wardrobe), embedded encoder on {getattr(encoder, 'device', '?')}, "
          f"{args.threads} thread(s), max_wait {args.max_wait_ms} ms, median of {args.rounds} interleaved rounds; "
          f"{seconds['batches_per_round'][0]:.1f} batches per batched round (plan: batches of {max_batch:.0f}, "
          f"wait {wait} ms, {workers:.0f} workers)\n")
    print("| variant | wall ms for all callers | images/s |")
    print("|---|---|---|")
    for name, label in (("batched", "MicroBatcher (product plan)"),
                        ("batched_one_worker", "MicroBatcher, one batch of up to 32 at a time (previous release)"),
                        ("sequential", "one by one, batch of 1"),
                        ("concurrent", "all at once, to_thread each, batch of 1"),
                        ("one_call", "one embed_images call of all photos (no batcher)")):
        print(f"| {label} | {med[name] * 1000:.1f} | {n / med[name]:.1f} |")
    print(f"\nbatched caller latency: p50 {statistics.median(lat) * 1000:.1f} ms, "
          f"p95 {lat[int(0.95 * (len(lat) - 1))] * 1000:.1f} ms")
    print(f"throughput ratio batched / sequential: {med['sequential'] / med['batched']:.2f}x; "
          f"batched / concurrent-unbatched: {med['concurrent'] / med['batched']:.2f}x; "
          f"batched / previous release: {med['batched_one_worker'] / med['batched']:.2f}x")


if __name__ == "__main__":
    main()
