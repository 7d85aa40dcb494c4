"""Images per second on a GPU: the embedded style network vs a ViT-B/32 CLIP image tower, both float16.

    python -m bench.gpu_speed [--device cuda] [--batches 64 256 512] [--seconds 5] [--images 512]

1. Network only: preprocessed batches already on the device, each model timed for ``--seconds`` per batch size
   after a warm-up (``torch.cuda.synchronize`` around the clock). This is the figure behind the issue's goal of at
   least 3,000 images/s for the embedded encoder. The CLIP tower has random weights (speed only), in the shape
   of ``clip-ViT-B-32`` / FashionCLIP: 12 layers, width 768, patch 32, 224 px.
2. End to end through the product's runtime (``models.runtime.StyleRuntime``): decode, numpy preprocessing on
   one CPU thread, network, heads, on the clothing_small test photos (repeated to ``--images``).

``--device cpu`` runs the same code with eager torch in float32 (a smoke check of the script, not a figure).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "clothing_small" / "test"


def _clip_tower() -> Any:
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    config = CLIPVisionConfig(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, num_attention_heads=12,
                              image_size=224, patch_size=32, projection_dim=512)
    return CLIPVisionModelWithProjection(config).eval()


def network_rate(model: Any, batch: int, device: str, seconds: float) -> float:
    """Return images/s of ``model`` on random [batch, 3, 224, 224] inputs already on ``device``."""
    import torch

    dtype = torch.float16 if device == "cuda" else torch.float32
    x = torch.randn(batch, 3, 224, 224, device=device, dtype=dtype)

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


def end_to_end_rate(device: str, folder: Path, images: int, chunk: int) -> tuple[float, float]:
    """Return (images/s, p50 ms of a one-photo call) of decode -> runtime -> heads on real photos."""
    from engine.imaging import decode_image
    from models.runtime import StyleRuntime

    files = sorted(folder.rglob("*.jpg")) or sorted((REPO / "samples" / "wardrobe").glob("*.jpg"))
    blobs = [p.read_bytes() for p in (files * (1 + images // len(files)))[:images]]
    with tempfile.TemporaryDirectory() as cache:
        runtime = StyleRuntime(cache_dir=Path(cache), device=device, chunk=chunk)

        def tag(batch: list[bytes]) -> None:
            decoded = [decode_image(b, max_bytes=1 << 26, max_pixels=1 << 26) for b in batch]
            runtime.predict(runtime.embed_images(decoded))

        tag(blobs[:8])
        start = time.perf_counter()
        for i in range(0, len(blobs), chunk):
            tag(blobs[i : i + chunk])
        rate = len(blobs) / (time.perf_counter() - start)
        latencies = []
        for blob in blobs[:24]:
            t = time.perf_counter()
            tag([blob])
            latencies.append(1000 * (time.perf_counter() - t))
    return rate, statistics.median(latencies)


def main(argv: list[str] | None = None) -> None:
    """Measure and print a Markdown table."""
    import torch

    from models.runtime import load_style_net

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--batches", type=int, nargs="+", default=[64, 256, 512])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--images", type=int, default=512)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device: run this on a GPU machine (or --device cpu for a smoke check)")
    torch.manual_seed(0)
    half = args.device == "cuda"
    models = {"embedded Lite0 style network": load_style_net(), "CLIP ViT-B/32 tower (random)": _clip_tower()}
    where = torch.cuda.get_device_name() if half else "cpu (smoke check)"
    print(f"device: {where}; dtype {'float16' if half else 'float32'}; torch {torch.__version__}\n")
    print("| model | " + " | ".join(f"batch {b} img/s" for b in args.batches) + " |")
    print("|---|" + "---|" * len(args.batches))
    rates = {}
    for name, model in models.items():
        model = model.to(args.device)
        model = model.half() if half else model
        rates[name] = [network_rate(model, b, args.device, args.seconds) for b in args.batches]
        print(f"| {name} | " + " | ".join(f"{r:,.0f}" for r in rates[name]) + " |", flush=True)
        model.to("cpu")
    embedded, clip = rates.values()
    ratios = ", ".join(f"{e / c:.1f}x" for e, c in zip(embedded, clip, strict=True))
    print(f"\nembedded / CLIP at each batch size: {ratios}")
    rate, p50 = end_to_end_rate(args.device, args.data, args.images, max(args.batches))
    print(f"end to end (decode on 1 CPU thread, runtime, heads), {args.images} photos: {rate:,.0f} img/s; "
          f"one-photo call p50 {p50:.1f} ms")


if __name__ == "__main__":
    main()
