"""Tagging throughput, latency and memory, end to end from file to JSON, and the command users run.

    python -m bench.tag_throughput [--images 640] [--rounds 3] [--threads 1] [--torch] [--clip] [--probe]

Variants, each (variant, round) in a fresh subprocess so peak memory is its own, interleaved round by round so
machine noise hits all alike; medians reported:

- ``tagger``: the tagger without the ImageNet branch (the previous product tagger), in process: read, safe
  decode and blank check, the encoder, heads, colours, pattern, formality, seasons, ``json.dumps``.
- ``tagger+imagenet``: the same with the ImageNet-1k branch (``models/weights/imagenet_v1``): the product today.
- ``command``: ``python -m bot.cli tag --json`` (the ``stylist tag`` command, product defaults) over the same
  photos, timed from outside; its throughput "once started" is ``(N - 64) / (T(N photos) - T(64 photos))``, so
  start-up (imports, loading the encoder) cancels out and is reported on its own.
- ``--probe``: ``tagger+imagenet`` without the formality probe (the product before it), for the probe's cost.
- ``--torch``: the ``tagger`` with the network run by eager torch; ``--clip``: over a random ViT-B/32 CLIP tower.

In-process variants report images/s in batches of 32 and p50/p95 of one photo per call; the command, one photo
time as 1000 / throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._measure import interleaved_rounds, time_tagging

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "clothing_small"
HEAD = 64  # photos of the short command run whose time is subtracted


def _photos(folder: Path, limit: int) -> list[Path]:
    files = sorted(folder.rglob("*.jpg"))
    if not files:
        sys.exit(f"no photos under {folder}")
    step = max(1, len(files) // limit)
    return files[::step][:limit]


def _command(paths: list[Path], cache: Path, threads: int) -> dict[str, float]:
    """Time ``stylist tag --json`` over all ``paths`` and over the first ``HEAD``; return its figures."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "STYLIST_DATA_DIR": str(cache / "data"),
           "STYLIST_MODEL_CACHE_DIR": str(cache), "STYLIST_ENCODER_THREADS": str(threads)}
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (HEAD, len(paths)):
            folder = Path(tmp) / str(n)
            folder.mkdir()
            for i, path in enumerate(paths[:n]):  # same files, same order as the in-process variants
                (folder / f"{i:05d}.jpg").symlink_to(path)
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "bot.cli", "tag", "--json", str(folder)], cwd=REPO, env=env,
                                 capture_output=True, text=True, check=False)
            seconds[n] = time.perf_counter() - start
            lines = out.stdout.splitlines()
            if len(lines) != n or out.returncode not in (0, 1):
                raise SystemExit(f"stylist tag printed {len(lines)} lines for {n} photos: {out.stderr[-400:]}")
    rate = (len(paths) - HEAD) / (seconds[len(paths)] - seconds[HEAD])
    return {"images": len(paths), "images_per_s": rate, "p50_ms": 1000 / rate, "p95_ms": 1000 / rate,
            "peak_rss_mb": 0.0, "startup_s": seconds[HEAD] - HEAD / rate}


def _worker(variant: str, folder: Path, limit: int, threads: int, cache: Path) -> dict[str, float]:
    """Run one measurement in this process and return its figures."""
    os.environ["OMP_NUM_THREADS"] = str(threads)
    paths = _photos(folder, limit)
    if variant == "command":
        return _command(paths, cache, threads)
    from config.settings import load_settings
    from engine.encoders.embedded import EmbeddedEncoder
    from engine.tagging.tagger import build_tagger
    from engine.types import PhotoInput

    settings = load_settings(data_dir=cache / "data", model_cache_dir=cache, encoder_threads=threads,
                             imagenet_branch=variant in ("tagger+imagenet", "no-probe"))
    if variant == "export":  # both ONNX exports, once, before any measured round
        EmbeddedEncoder(settings)
        EmbeddedEncoder(settings.model_copy(update={"imagenet_branch": True}))
        return {}
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
    if variant == "no-probe":
        tagger.formality_probe = None

    def tag_files(batch: list[Path]) -> list[str]:
        photos = [PhotoInput(p.read_bytes(), str(p)) for p in batch]
        return [
            json.dumps({"path": p.name, **r.tags.to_dict()})
            for p, r in zip(batch, tagger.tag_photos(photos), strict=True)
        ]

    return time_tagging(tag_files, paths, 32, 60)


LABELS = {"tagger": "tagger, no ImageNet branch (previous product), in process",
          "tagger+imagenet": "tagger + ImageNet branch (product), in process",
          "command": "`stylist tag --json` (product), once started",
          "no-probe": "tagger + ImageNet branch, no formality probe (product before it), in process",
          "torch": "tagger, network in eager torch (baseline)",
          "clip": "CLIP ViT-B/32 tower, eager torch (random weights)"}


def main() -> None:
    """Run the interleaved benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--images", type=int, default=640)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--torch", action="store_true", help="also run the tagger's network in eager torch")
    parser.add_argument("--clip", action="store_true", help="also run the tagger over a random ViT-B/32 CLIP tower")
    parser.add_argument("--probe", action="store_true", help="also run the product tagger without the formality probe")
    parser.add_argument("--worker", choices=[*LABELS, "export"], help=argparse.SUPPRESS)
    parser.add_argument("--cache", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker, args.data, args.images, args.threads, args.cache)))
        return
    worker_args = ["--data", str(args.data), "--images", str(args.images), "--threads", str(args.threads)]
    # the first worker exports the ONNX models once, so no measured round pays (or holds memory) for it
    warm_up = ["export", "--data", str(args.data), "--images", "4", "--threads", str(args.threads)]
    variants = ["tagger", "tagger+imagenet", "command", *(["no-probe"] if args.probe else []),
                *(["torch"] if args.torch else []),
                *(["clip"] if args.clip else [])]
    med = interleaved_rounds("bench.tag_throughput", variants, worker_args, args.rounds, warm_up=warm_up)
    print(f"\n{med['tagger']['images']:.0f} photos under {args.data.name}, {args.threads} thread(s), "
          f"median of {args.rounds} interleaved rounds\n")
    print("| path | images/s (batch 32) | p50 ms/photo | p95 ms/photo | peak RSS MB |")
    print("|---|---|---|---|---|")
    for v in variants:
        m = med[v]
        print(f"| {LABELS[v]} | {m['images_per_s']:.1f} | {m['p50_ms']:.1f} | {m['p95_ms']:.1f} | "
              f"{m['peak_rss_mb']:.0f} |")
    base, new, cmd = med["tagger"], med["tagger+imagenet"], med["command"]
    print(f"\nImageNet branch cost: throughput {100 * (1 - new['images_per_s'] / base['images_per_s']):.1f}% lower, "
          f"p50 latency {100 * (new['p50_ms'] / base['p50_ms'] - 1):.1f}% higher, p95 "
          f"{100 * (new['p95_ms'] / base['p95_ms'] - 1):.1f}% higher")
    if args.probe:
        old = med["no-probe"]
        print(f"formality probe cost: throughput {100 * (1 - new['images_per_s'] / old['images_per_s']):.1f}% lower, "
              f"p50 latency {100 * (new['p50_ms'] / old['p50_ms'] - 1):.1f}% higher")
    print(f"command / in-process tagger (same tagger): {cmd['images_per_s'] / new['images_per_s']:.2f}x; "
          f"command start-up {cmd['startup_s']:.1f} s")


if __name__ == "__main__":
    main()
