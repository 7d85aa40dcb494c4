"""Images per second on a GPU: the embedded style network vs a ViT-B/32 CLIP image tower, both float16.

    python -m bench.gpu_speed [--device cuda] [--batches 64 256 1024] [--seconds 3] [--images 1024]

1. Network only: batches already on the device, each model timed for ``--seconds`` per batch size after a
   warm-up (``torch.cuda.synchronize`` around the clock). This is the figure behind the issue's goal of at least
   3,000 images/s for the embedded encoder. Rows: the bare network on normalised float16 input, the network as
   deployed (``models.style_net.PixelInput``: uint8 photos in, normalised inside, what ``StyleRuntime`` runs on
   CUDA), the same in channels-last memory format, and the CLIP tower with random weights (speed only) in the
   shape of ``clip-ViT-B-32`` / FashionCLIP: 12 layers, width 768, patch 32, 224 px.
2. End to end through the product's runtime (``models.runtime.StyleRuntime``): decode (one CPU thread, then a
   pool of ``--decode-threads``), numpy preprocessing, network, heads, on the clothing_small test photos
   (repeated to ``--images``).
3. Agreement: the CUDA float16 path against the CPU ONNX Runtime float32 export on the same test photos
   (cosine of the embeddings, agreement of the top type, type accuracy of each against the folder labels).

``--device cpu`` runs the same code with eager torch in float32 (a smoke check of the script, not a figure).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "clothing_small" / "test"


def _clip_tower() -> Any:
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    config = CLIPVisionConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                              image_size=224, patch_size=32, projection_dim=512)
    return CLIPVisionModelWithProjection(config).eval()


def network_rate(model: Any, make_input: Callable[[int], Any], batch: int, device: str, seconds: float) -> float:
    """Return images/s of ``model`` on ``make_input(batch)`` (already on ``device``)."""
    import torch

    x = make_input(batch)

    def sync() -> None:
        if device == "cuda":
            torch.cuda.synchronize()

    with torch.inference_mode():
        for _ in range(3):
            model(x)
        sync()
        start, done = time.perf_counter(), 0
        while time.perf_counter() - start < seconds or done == 0:
            model(x)
            done += batch
            if done % (batch * 8) == 0:
                sync()
        sync()
        return done / (time.perf_counter() - start)


def _photos(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.jpg")) or sorted((REPO / "samples" / "wardrobe").glob("*.jpg"))


def _decode(blob: bytes) -> Any:
    from engine.images.decoding import decode_image

    return decode_image(blob, max_bytes=1 << 26, max_pixels=1 << 26)


def end_to_end_rate(runtime: Any, files: list[Path], images: int, threads: int) -> tuple[float, float]:
    """Return (images/s, p50 ms of a one-photo call) of decode -> runtime -> heads on real photos."""
    blobs = [p.read_bytes() for p in (files * (1 + images // len(files)))[:images]]
    with ThreadPoolExecutor(threads) as pool:

        def tag(batch: list[bytes]) -> None:
            decoded = list(pool.map(_decode, batch)) if threads > 1 else [_decode(b) for b in batch]
            runtime.predict(runtime.embed_images(decoded))

        tag(blobs[:8])
        start = time.perf_counter()
        for i in range(0, len(blobs), runtime.chunk):
            tag(blobs[i : i + runtime.chunk])
        rate = len(blobs) / (time.perf_counter() - start)
        latencies = []
        for blob in blobs[:24]:
            t = time.perf_counter()
            tag([blob])
            latencies.append(1000 * (time.perf_counter() - t))
    return rate, statistics.median(latencies)


def _types(files: list[Path]) -> dict[Path, str]:
    """Return the labelled fine type of each photo from the ``labels.csv`` above its split folder."""
    import csv

    from models.style_data import TYPE_MERGES

    out: dict[Path, str] = {}
    for table in {p.parent.parent.parent / "labels.csv" for p in files}:
        if table.exists():
            with table.open(encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    out[table.parent / row["path"]] = TYPE_MERGES.get(row["type"], row["type"])
    return out


def agreement(device_runtime: Any, cpu_runtime: Any, files: list[Path]) -> str:
    """Return a line comparing ``device_runtime`` with the CPU ONNX export on ``files`` (labels: ``labels.csv``)."""
    images = [_decode(p.read_bytes()) for p in files]
    a, b = device_runtime.embed_images(images), cpu_runtime.embed_images(images)
    cosine = np.sum(a * b, axis=1)
    labels, probs_a = device_runtime.predict(a)["type"]
    _, probs_b = cpu_runtime.predict(b)["type"]
    top_a, top_b = probs_a.argmax(1), probs_b.argmax(1)
    types = _types(files)
    truth = np.array([labels.index(types[p]) if types.get(p) in labels else -1 for p in files])
    return (f"{len(files)} photos: embedding cosine mean {cosine.mean():.5f}, min {cosine.min():.5f}; top type "
            f"agrees on {np.mean(top_a == top_b):.3f}; type accuracy {np.mean(top_a == truth):.3f} here vs "
            f"{np.mean(top_b == truth):.3f} on the CPU export")


def main(argv: list[str] | None = None) -> None:
    """Measure and print a Markdown table and three lines."""
    import torch

    from models.runtime import StyleRuntime, load_deployed_net, load_style_net

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--images", type=int, default=1024)
    parser.add_argument("--decode-threads", type=int, default=8)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: run this on a GPU machine (or --device cpu for a smoke check)")
    torch.manual_seed(0)
    device, half = args.device, args.device == "cuda"
    dtype = torch.float16 if half else torch.float32

    def normalised(batch: int) -> Any:
        return torch.randn(batch, 3, 224, 224, device=device, dtype=dtype)

    def channels_last(batch: int) -> Any:
        return normalised(batch).contiguous(memory_format=torch.channels_last)

    def photos(batch: int) -> Any:
        return torch.randint(0, 256, (batch, 224, 224, 3), device=device, dtype=torch.uint8)

    rows: list[tuple[str, Callable[[], Any], Callable[[int], Any], bool]] = [
        ("embedded network, float input", load_style_net, normalised, False),
        ("embedded network, float input, channels-last", load_style_net, channels_last, True),
        ("embedded network as deployed (uint8 in)", load_deployed_net, photos, False),
        ("CLIP ViT-B/32 tower (random), float input", _clip_tower, normalised, False),
    ]
    where = torch.cuda.get_device_name() if half else "cpu (smoke check)"
    print(f"device: {where}; dtype {dtype}; torch {torch.__version__}\n")
    print("| model | " + " | ".join(f"batch {b} img/s" for b in args.batches) + " |")
    print("|---|" + "---|" * len(args.batches))
    rates = {}
    for name, load, make_input, to_channels_last in rows:
        model = load().to(device)
        model = model.half() if half else model
        if to_channels_last:
            model = model.to(memory_format=torch.channels_last)
        rates[name] = [network_rate(model, make_input, b, device, args.seconds) for b in args.batches]
        print(f"| {name} | " + " | ".join(f"{r:,.0f}" for r in rates[name]) + " |", flush=True)
        del model
    clip = rates[rows[-1][0]]
    for name, *_ in rows[:-1]:
        ratios = ", ".join(f"{e / c:.1f}x" for e, c in zip(rates[name], clip, strict=True))
        print(f"\n{name} / CLIP at each batch size: {ratios}", end="")
    print()
    files = _photos(args.data)
    with tempfile.TemporaryDirectory() as cache:
        runtime = StyleRuntime(cache_dir=Path(cache), device=device, chunk=max(args.batches))
        for threads in sorted({1, args.decode_threads}):
            rate, p50 = end_to_end_rate(runtime, files, args.images, threads)
            print(f"end to end (decode on {threads} CPU thread{'s' * (threads > 1)}, runtime, heads), {args.images} "
                  f"photos in chunks of {runtime.chunk}: {rate:,.0f} img/s; one-photo call p50 {p50:.1f} ms",
                  flush=True)
        cpu = StyleRuntime(cache_dir=Path(cache), device="cpu", threads=4)
        print(f"{device} {'float16' if half else 'float32'} vs CPU ONNX export, {agreement(runtime, cpu, files)}")


if __name__ == "__main__":
    main()
