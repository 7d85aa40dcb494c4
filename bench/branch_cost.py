"""The ImageNet branch's cost in the network alone: ms per photo through ONNX Runtime with and without it.

    python -m bench.branch_cost [--images 128] [--rounds 7] [--threads 1]

Both sessions live in one process and run the same laid-out photos (clothing_small test, 4 per call as the
product does on a CPU), alternating round by round; medians. The whole tagger's figures (decode, colours,
pattern...) are ``bench.tag_throughput``'s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from models.artifacts import IMAGENET_DIR
from models.runtime import CPU_CHUNK, StyleRuntime
from models.style_data import load_samples, open_rgb

REPO = Path(__file__).resolve().parent.parent


def main() -> None:
    """Print ms per photo of both networks and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--images", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    photos = [open_rgb(s.path) for s in load_samples(args.data) if s.split == "test"][: args.images]
    with tempfile.TemporaryDirectory() as cache:
        runtimes = {name: StyleRuntime(cache_dir=Path(cache), device="cpu", threads=args.threads, branch=branch)
                    for name, branch in (("style network", None), ("style network + ImageNet branch", IMAGENET_DIR))}
        pixels = next(iter(runtimes.values())).preprocessing.photos(photos)
        times: dict[str, list[float]] = {name: [] for name in runtimes}
        for _ in range(args.rounds):
            for name, runtime in runtimes.items():
                start = time.perf_counter()
                for i in range(0, len(pixels), CPU_CHUNK):
                    runtime._run(pixels[i : i + CPU_CHUNK])
                times[name].append(1000 * (time.perf_counter() - start) / len(pixels))
    print(f"| network ({len(photos)} photos, {args.threads} thread(s), {CPU_CHUNK} per call) | ms/photo, median of "
          f"{args.rounds} |\n|---|---|")
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, ms in medians.items():
        print(f"| {name} | {ms:.2f} |")
    base, both = medians.values()
    print(f"\nbranch cost in the network: +{100 * (both / base - 1):.0f}% time per photo")


if __name__ == "__main__":
    main()
