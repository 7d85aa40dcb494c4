"""Tagging cost of the embedded encoder vs a CLIP ViT-B/32-sized vision tower, end to end on the CPU.

    python -m bench.clip_speed [--images 64] [--rounds 3] [--threads 1]

Both variants run the same harness: photo bytes -> safe decode -> ``embed_images`` -> ``tag_heads``. The
CLIP variant is a ``CLIPVisionModel`` with RANDOM weights in the ViT-B/32 shape (12 layers, width 768,
patch 32, 224 px) plus a 512-d projection and zero-shot heads over the full vocabulary: what
``clip:clip-ViT-B-32`` or FashionCLIP costs, with no download. Eager torch, ``--threads`` threads; the
embedded encoder uses ONNX Runtime with the same thread count. Each (variant, round) is a fresh
subprocess so peak RSS is its own; variants are interleaved round by round; figures are medians.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from bench._measure import interleaved_rounds, time_tagging

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "clothing_small" / "test"
BATCH = 32
LATENCY_PHOTOS = 24


def _photos(folder: Path, limit: int) -> list[Path]:
    files = sorted(folder.rglob("*.jpg")) or sorted((REPO / "samples" / "wardrobe").glob("*.jpg"))
    step = max(1, len(files) // limit)
    return (files[::step] * (1 + limit // max(1, len(files))))[:limit]


def _random_clip(threads: int) -> Any:
    """Return an Encoder running a randomly initialised ViT-B/32 CLIP image tower with zero-shot heads."""
    import numpy as np
    import torch
    from transformers import CLIPImageProcessorPil, CLIPVisionConfig, CLIPVisionModelWithProjection

    from config.vocabulary import CATEGORIES, COLOR_NAMES, PATTERNS, load_vocabulary
    from engine.encoders.base import Encoder, HeadOutput, l2_normalise
    from engine.encoders.clip import DEFAULT_LOGIT_SCALE, _softmax

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    config = CLIPVisionConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                              image_size=224, patch_size=32, projection_dim=512)
    model = CLIPVisionModelWithProjection(config).eval()
    processor = CLIPImageProcessorPil()  # CLIP's own: shortest side 224 bicubic, centre crop, CLIP mean/std
    rng = np.random.default_rng(0)
    label_sets = {"category": CATEGORIES, "type": tuple(load_vocabulary().types), "color": COLOR_NAMES,
                  "pattern": PATTERNS}
    prompts = {head: (labels, l2_normalise(rng.normal(size=(len(labels), 512)).astype(np.float32)))
               for head, labels in label_sets.items()}

    class RandomClip(Encoder):
        name = "clip:random-vit-b-32"
        dim = 512

        def embed_images(self, images: list[Any]) -> np.ndarray:
            pixels = processor(images=images, return_tensors="pt")["pixel_values"]
            with torch.inference_mode():
                out = model(pixel_values=pixels).image_embeds
            return l2_normalise(out.numpy())

        def tag_heads(self, embeddings: np.ndarray) -> dict[str, HeadOutput]:
            return {head: HeadOutput(labels, _softmax(DEFAULT_LOGIT_SCALE * (embeddings @ text.T)))
                    for head, (labels, text) in prompts.items()}

    return RandomClip()


def _use_float_input_graph(runtime: Any, cache: Path, threads: int) -> None:
    """Make ``runtime`` run the previous release's graph: float32 NCHW input normalised by numpy beforehand."""
    import onnxruntime as ort

    path = cache / "float-input.onnx"
    if not path.exists():  # once, in the first round (torch is not imported in later rounds)
        import torch

        from models.runtime import load_style_net

        with torch.no_grad():
            torch.onnx.export(load_style_net(runtime.folder), (torch.zeros(1, 3, 224, 224),), str(path),
                              input_names=["pixels"], output_names=["embedding", "category", "type"],
                              dynamic_axes={"pixels": {0: "batch"}, "embedding": {0: "batch"}}, opset_version=17,
                              dynamo=False)
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed(photos: Any) -> Any:
        return session.run(["embedding"], {"pixels": runtime.preprocessing.normalise(photos)})[0]

    runtime._embed = embed


def _worker(variant: str, folder: Path, limit: int, threads: int, cache: Path) -> dict[str, float]:
    """Run one measurement in this process and return its figures."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    from bench.batcher_speed import load_embedded
    from engine.images.decoding import decode_image

    start = time.perf_counter()
    encoder = load_embedded(cache, threads) if variant.startswith("embedded") else _random_clip(threads)
    if variant == "embedded-float-input":  # the previous release: numpy normalises, the graph reads float32
        _use_float_input_graph(encoder.runtime, cache, threads)
    load_seconds = time.perf_counter() - start
    paths = _photos(folder, limit)
    blobs = [p.read_bytes() for p in paths]

    def tag(batch: list[bytes]) -> list[str]:
        images = [decode_image(b, max_bytes=1 << 26, max_pixels=1 << 26) for b in batch]
        heads = encoder.tag_heads(encoder.embed_images(images))
        return [heads["type"].top(row)[0] for row in range(len(images))]

    return {**time_tagging(tag, blobs, BATCH, LATENCY_PHOTOS), "load_s": load_seconds}


def main() -> None:
    """Run the interleaved benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker", choices=["embedded", "embedded-float-input", "clip"], help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.data, args.images, args.threads, args.cache)))
        return
    worker_args = ["--data", str(args.data), "--images", str(args.images), "--threads", str(args.threads)]
    # the first worker exports the ONNX model once, so no measured round pays (or holds memory) for it
    warm_up = ["embedded", "--data", str(args.data), "--images", "4", "--threads", str(args.threads)]
    med = interleaved_rounds("bench.clip_speed", ("embedded", "embedded-float-input", "clip"), worker_args, args.rounds,
                             warm_up=warm_up)
    print(f"\n{med['embedded']['images']:.0f} photos of {args.data.name}, decode -> embed -> heads, batches of "
          f"{BATCH}, {args.threads} thread(s), CPU, median of {args.rounds} interleaved rounds\n")
    print("| variant | images/s | p50 ms/photo | p95 ms/photo | load s | peak RSS MB |")
    print("|---|---|---|---|---|---|")
    for v, label in (("embedded", "embedded Lite0, ONNX Runtime (default: 4 photos per network call)"),
                     ("embedded-float-input",
                      "embedded Lite0, ONNX Runtime, numpy normalisation, float input (previous release)"),
                     ("clip", "CLIP ViT-B/32 vision tower, eager torch (random weights)")):
        m = med[v]
        print(f"| {label} | {m['images_per_s']:.1f} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} | {m['load_s']:.1f} "
              f"| {m['peak_rss_mb']:.0f} |")
    ratio = med["embedded"]["images_per_s"] / med["clip"]["images_per_s"]
    print(f"\nthroughput ratio embedded / CLIP: {ratio:.1f}x (goal: at least 8x); "
          f"p50 latency ratio CLIP / embedded: {med['clip']['p50_ms'] / med['embedded']['p50_ms']:.1f}x; "
          f"uint8 vs float input: {med['embedded']['images_per_s'] / med['embedded-float-input']['images_per_s']:.2f}x")


if __name__ == "__main__":
    main()
