"""Tagging throughput, latency and memory, end to end from file to JSON: ONNX Runtime vs eager torch vs CLIP.

    python -m bench.tag_throughput [--images 372] [--rounds 3] [--threads 1] [--clip]

The whole tagger runs: read, safe decode and blank check, the encoder, heads, colours (garment mask, k-means,
naming), pattern, formality, seasons, ``json.dumps``. ``--clip`` adds the same tagger over a ViT-B/32 CLIP image
tower with random weights (``bench.clip_speed``'s; its pattern comes from zero-shot prompts, colours from the
same pixel pipeline), so the encoder's share of the whole is visible. Each (variant, round) runs in a fresh
subprocess so peak memory is its own; variants are interleaved round by round so machine noise hits all alike.
Reports medians and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bench._measure import interleaved_rounds, time_tagging

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "clothing_small" / "test"


def _photos(folder: Path, limit: int) -> list[Path]:
    files = sorted(folder.rglob("*.jpg"))
    if not files:
        sys.exit(f"no photos under {folder}")
    step = max(1, len(files) // limit)
    return files[::step][:limit]


def _worker(variant: str, folder: Path, limit: int, threads: int, cache: Path) -> dict[str, float]:
    """Run one measurement in this process and return its figures."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    from config.settings import load_settings
    from engine.encoders.embedded import EmbeddedEncoder
    from engine.tagging.tagger import build_tagger
    from engine.types import PhotoInput

    settings = load_settings(data_dir=cache / "data", model_cache_dir=cache, encoder_threads=threads)
    if variant == "clip":
        from bench.clip_speed import _random_clip

        encoder = _random_clip(threads)
    else:
        encoder = EmbeddedEncoder(settings)
    if variant == "torch":
        import torch

        from models.runtime import load_deployed_net

        torch.set_num_threads(threads)
        module = load_deployed_net()

        def eager(pixels):  # the same network and heads, run by eager torch on the CPU
            with torch.inference_mode():
                return module(torch.from_numpy(pixels))[0].numpy()

        encoder.runtime._embed = eager  # type: ignore[method-assign]
    tagger = build_tagger(settings, encoder)
    paths = _photos(folder, limit)

    def tag_files(batch: list[Path]) -> list[str]:
        photos = [PhotoInput(p.read_bytes(), str(p)) for p in batch]
        return [
            json.dumps({"path": p.name, **r.tags.to_dict()})
            for p, r in zip(batch, tagger.tag_photos(photos), strict=True)
        ]

    return time_tagging(tag_files, paths, 32, 60)


def main() -> None:
    """Run the interleaved benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--images", type=int, default=372)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--clip", action="store_true", help="also run the tagger over a random ViT-B/32 CLIP tower")
    parser.add_argument("--worker", choices=["onnx", "torch", "clip"], help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.data, args.images, args.threads, args.cache)))
        return
    worker_args = ["--data", str(args.data), "--images", str(args.images), "--threads", str(args.threads)]
    # the first worker exports the ONNX model once, so no measured round pays (or holds memory) for it
    warm_up = ["onnx", "--data", str(args.data), "--images", "4", "--threads", str(args.threads)]
    variants = ("onnx", "torch", "clip") if args.clip else ("onnx", "torch")
    med = interleaved_rounds("bench.tag_throughput", variants, worker_args, args.rounds, warm_up=warm_up)
    print(f"\n{med['onnx']['images']:.0f} photos of clothing_small/test, {args.threads} thread(s), "
          f"median of {args.rounds} interleaved rounds\n")
    print("| path | images/s (batch 32) | p50 ms/photo | p95 ms/photo | peak RSS MB |")
    print("|---|---|---|---|---|")
    labels = {"onnx": "ONNX Runtime (product)", "torch": "eager torch (baseline)",
              "clip": "CLIP ViT-B/32 tower, eager torch (random weights)"}
    for v in variants:
        m, label = med[v], labels[v]
        print(f"| {label} | {m['images_per_s']:.1f} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} | {m['peak_rss_mb']:.0f} |")
    print(f"\nthroughput ratio ONNX / torch: {med['onnx']['images_per_s'] / med['torch']['images_per_s']:.2f}x; "
          f"p50 latency ratio torch / ONNX: {med['torch']['p50_ms'] / med['onnx']['p50_ms']:.2f}x")
    if args.clip:
        print(f"whole tagger, embedded (ONNX) / CLIP: {med['onnx']['images_per_s'] / med['clip']['images_per_s']:.1f}x "
              f"throughput, {med['clip']['p50_ms'] / med['onnx']['p50_ms']:.1f}x p50 latency")


if __name__ == "__main__":
    main()
