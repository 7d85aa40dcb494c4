"""Per-image cost of the style network on the CPU by batch size: what ``models.runtime.CPU_CHUNK`` is set from.

    python -m bench.chunk_size [--images 128] [--rounds 5] [--threads 1 2]

Preprocessed test photos are fed to the ONNX session in batches of 1, 2, 4, 8 and 32 (rounds interleaved; medians
of ``--rounds``), for each thread count. Preprocessing and decoding are excluded: this isolates the network.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from config.settings import load_settings
from models.runtime import StyleRuntime
from models.style_data import load_samples, missing_data, open_rgb

SIZES = (1, 2, 4, 8, 32)


def main(argv: list[str] | None = None) -> None:
    """Measure and print one Markdown row per thread count."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--images", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    if problem := missing_data(args.data):
        parser.error(problem)
    photos = [open_rgb(s.path) for s in load_samples(args.data) if s.split == "test"][: args.images]
    print("| threads | " + " | ".join(f"batch {n} ms/img" for n in SIZES) + " |")
    print("|---|" + "---|" * len(SIZES))
    for threads in args.threads:
        runtime = StyleRuntime(cache_dir=load_settings().cache_dir, threads=threads, device="cpu")
        pixels = runtime.preprocessing.photos(photos)
        times: dict[int, list[float]] = {n: [] for n in SIZES}
        for _ in range(args.rounds):
            for n in SIZES:
                start = time.perf_counter()
                for i in range(0, len(pixels), n):
                    runtime._embed(pixels[i : i + n])
                times[n].append(1000 * (time.perf_counter() - start) / len(pixels))
        print(f"| {threads} | " + " | ".join(f"{statistics.median(times[n]):.2f}" for n in SIZES) + " |", flush=True)


if __name__ == "__main__":
    main()
