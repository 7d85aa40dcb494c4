"""Collage rendering speed and output size, against a naive grid of the untrimmed photos.

    python -m bench.collage_speed [--rounds 40]

For a 3-piece (top, bottom, shoes) and a 5-piece look (+ outerwear, hat) from ``samples/wardrobe``, in PNG
and JPEG, prints median and p95 milliseconds per collage and the size in KB of:

- ``collage``: ``render_collage`` as the bot calls it (segmentation included);
- ``collage+masks``: the same with each piece's mask precomputed (what caching masks at upload would save);
- ``naive grid``: the baseline, photos resized into a grid with the same title, no segmentation or shadows,
  saved with Pillow's defaults (RGB PNG; JPEG at the same quality).

Variants are interleaved round by round, so machine noise hits all alike. Run it on an idle core.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from engine.images.collage import BACKGROUND, JPEG_QUALITY, CollagePiece, render_collage
from engine.tagging.colors import extract_colors

WARDROBE = Path(__file__).resolve().parent.parent / "samples" / "wardrobe"
LOOKS = {
    "3-piece": {"top": "t-shirt-1.jpg", "bottom": "pants-2.jpg", "shoes": "shoes-2.jpg"},
    "5-piece": {"outer": "outwear-1.jpg", "top": "longsleeve-2.jpg", "bottom": "pants-1.jpg", "shoes": "shoes-1.jpg",
                "hat": "hat-2.jpg"},
}
TITLE = "Work · 14 °C, light rain"
SUBTITLE = "Warm layers in dark tones keep the drizzle off and still look sharp."
SIZE = (800, 1000)


def naive_grid(pieces: list[CollagePiece], fmt: str) -> bytes:
    """Baseline: each untrimmed photo fitted into a cell of a two-column grid under the title."""
    canvas = Image.new("RGB", SIZE, BACKGROUND)
    ImageDraw.Draw(canvas).text((SIZE[0] // 2, 40), TITLE, fill=(34, 34, 34), anchor="mt",
                                font=ImageFont.load_default(size=32))
    rows = (len(pieces) + 1) // 2
    cw, ch = (SIZE[0] - 60) // 2, (SIZE[1] - 140) // rows
    for k, piece in enumerate(pieces):
        photo = piece.image
        scale = min(cw / photo.width, ch / photo.height)
        photo = photo.resize((round(photo.width * scale), round(photo.height * scale)), Image.Resampling.BICUBIC)
        canvas.paste(photo, (20 + (k % 2) * (cw + 20), 120 + (k // 2) * ch))
    out = io.BytesIO()
    canvas.save(out, fmt, quality=JPEG_QUALITY)  # Pillow's defaults otherwise: RGB PNG at compress_level 6
    return out.getvalue()


def _pieces(files: dict[str, str], masks: bool) -> list[CollagePiece]:
    pieces = []
    for slot, name in files.items():
        with Image.open(WARDROBE / name) as im:
            image = im.convert("RGB")
        pieces.append(CollagePiece(slot, image, mask=extract_colors(image).mask if masks else None))
    return pieces


def main() -> None:
    """Time every (look, format, variant) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    cases: dict[tuple[str, str, str], Callable[[], bytes]] = {}
    for look, files in LOOKS.items():
        plain, masked = _pieces(files, masks=False), _pieces(files, masks=True)
        for fmt in ("PNG", "JPEG"):
            cases[(look, fmt, "collage")] = partial(render_collage, plain, title=TITLE, subtitle=SUBTITLE, fmt=fmt)
            cases[(look, fmt, "collage+masks")] = partial(render_collage, masked, title=TITLE, subtitle=SUBTITLE,
                                                          fmt=fmt)
            cases[(look, fmt, "naive grid")] = partial(naive_grid, plain, fmt)
    sizes = {key: len(run()) for key, run in cases.items()}  # also warms up
    times: dict[tuple[str, str, str], list[float]] = {key: [] for key in cases}
    for _ in range(args.rounds):
        for key, run in cases.items():
            start = time.perf_counter()
            run()
            times[key].append(1000 * (time.perf_counter() - start))
    print(f"{SIZE[0]}x{SIZE[1]}, {args.rounds} rounds (Pillow and these numpy steps run on one thread)")
    print(f"{'look':<9} {'fmt':<5} {'variant':<14} {'median ms':>9} {'p95 ms':>8} {'KB':>6}")
    for key, samples in times.items():
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(f"{key[0]:<9} {key[1]:<5} {key[2]:<14} {statistics.median(samples):9.1f} {p95:8.1f} "
              f"{sizes[key] / 1024:6.1f}")


if __name__ == "__main__":
    main()
