"""Photos laid out on the calling thread vs by a pool one chunk ahead of the network (``StyleRuntime``).

    python -m bench.prep_threads [--device cpu|cuda] [--threads 2] [--chunk 64] [--rounds 5] [--data DIR]

Decoded photos (clothing_small test, decode excluded) go through ``StyleRuntime.embed_images`` with
``prep_threads=1`` and ``prep_threads=--threads``, rounds interleaved; prints median images/s of each and the
ratio. On a CPU the network keeps one ONNX thread, so the ratio shows the overlap of layout and network that a GPU
deployment gets by default (there every core lays out and the network is ~10x faster than one thread's layout).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from models.runtime import StyleRuntime

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "clothing_small" / "test"


def main(argv: list[str] | None = None) -> None:
    """Measure and print both rates and their ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if args.threads < 2 or args.chunk < 1 or args.rounds < 1:
        parser.error("--threads is at least 2 (compared with 1); --chunk and --rounds at least 1")
    files = sorted(args.data.rglob("*.jpg")) or sorted((REPO / "samples" / "wardrobe").glob("*.jpg"))
    images = []
    for path in files:
        with Image.open(path) as img:
            images.append(img.convert("RGB"))
    rates: dict[int, list[float]] = {1: [], args.threads: []}
    with tempfile.TemporaryDirectory() as cache:
        runtimes = {
            n: StyleRuntime(cache_dir=Path(cache), device=args.device, chunk=args.chunk, prep_threads=n)
            for n in rates
        }
        for runtime in runtimes.values():
            runtime.embed_images(images[: args.chunk])  # warm-up
        for _ in range(args.rounds):
            for n, runtime in runtimes.items():
                start = time.perf_counter()
                runtime.embed_images(images)
                rates[n].append(len(images) / (time.perf_counter() - start))
    med = {n: statistics.median(r) for n, r in rates.items()}
    print(f"{len(images)} photos, {args.device}, chunks of {args.chunk}, median of {args.rounds} interleaved rounds")
    for n, rate in med.items():
        print(f"prep_threads={n}: {rate:.1f} img/s")
    print(f"pool / calling thread: {med[args.threads] / med[1]:.2f}x")


if __name__ == "__main__":
    main()
