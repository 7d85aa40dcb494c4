"""Colour and pattern accuracy of ``engine.tagging.colors`` and ``.attributes`` on the by-eye labelled photos.

    python -m bench.color_accuracy [--data ../shared/data] [--split validation|test]
    python -m bench.color_accuracy --named
    python -m bench.color_accuracy --split test --studio bright   # studio renderings (bench/studio_renders.py)

``--named`` instead names 33 CSS named colours (vivid, as a studio catalog photo shows a garment) and counts
those named as the fashion-product vocabulary maps them (teal and cyan are blue there): a check of the palette on
colours the home photos of the labelled splits hardly contain.

Reads ``clothing_small/colour_pattern_labels.csv`` (the whole validation split and the first 160 test
photos) and prints dominant-colour top-1 (all rows and the ``sure`` rows), second-colour recall, pattern
accuracy (the tagger's learned head, which needs the style embedding, and the texture rules alone), the colour
confusion table and the time per photo (decode and embedding excluded). Calibration uses the validation rows
only; the test rows are the honest figure. The learned pattern head was *trained* on the validation rows, so its
validation figure is a training accuracy; see ``pattern.json`` for its cross-validated one.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections import Counter
from pathlib import Path

from PIL import Image

from bench.studio_renders import LOOKS, render
from config.vocabulary import COLOR_NAMES, PATTERNS
from engine.encoders.base import Encoder
from engine.tagging.attributes import infer_pattern
from engine.tagging.colors import extract_colors
from models.pixels import working_rgb

REPO = Path(__file__).resolve().parent.parent
STUDIO = True  # --no-studio-exposure: colours as named before studio shots were taken back to home exposure


def _pct(right: int, n: int) -> str:
    return f"{right / n:.3f} ({right}/{n})" if n else "n/a"


def evaluate(root: Path, split: str, look: str = "") -> None:
    """Run colour and pattern extraction over the labelled rows of ``split`` and print the figures.

    ``look``: a studio rendering of every photo (``bench.studio_renders.LOOKS``) instead of the photo itself.
    """
    rows = [
        r
        for r in csv.DictReader((root / "colour_pattern_labels.csv").open(encoding="utf-8"))
        if r["path"].startswith(split + "/")
    ]
    confusion: Counter[tuple[str, str]] = Counter()
    patterns: Counter[tuple[str, str]] = Counter()
    rules_right = 0
    encoder = _encoder()
    right = right_sure = n_sure = c2_right = c2_n = seconds = 0.0
    for r in rows:
        with Image.open(root / r["path"]) as im:
            image = im.convert("RGB")
        if look:
            image = render(image, r["path"], look)
        embedding = encoder.embed_images([image])[0]
        start = time.perf_counter()
        result = extract_colors(image, studio=STUDIO)
        pattern, _ = infer_pattern(working_rgb(image), result.mask, embedding, encoder.pattern_head)
        seconds += time.perf_counter() - start
        rules_right += infer_pattern(working_rgb(image), result.mask)[0] == r["pattern"]
        got = result.colors[0].name
        confusion[(r["colour"], got)] += 1
        patterns[(r["pattern"], pattern)] += 1
        right += got == r["colour"]
        if r["sure"] == "yes":
            n_sure += 1
            right_sure += got == r["colour"]
        if r["colour2"]:
            c2_n += 1
            c2_right += r["colour2"] in {c.name for c in result.colors}
    n = len(rows)
    ms = 1000 * seconds / max(n, 1)
    shown = f" as studio renderings ({look})" if look else ""
    print(f"clothing_small/{split}{shown}: {n} labelled photos, {ms:.1f} ms/photo (one core, decode excluded)")
    print(f"dominant colour top-1, all rows : {_pct(int(right), n)}")
    print(f"dominant colour top-1, sure=yes : {_pct(int(right_sure), int(n_sure))}")
    print(f"second colour recall (colour2)  : {_pct(int(c2_right), int(c2_n))}")
    pattern_right = sum(v for (a, b), v in patterns.items() if a == b)
    trained = " (the learned head's training data)" if split == "validation" else ""
    print(f"pattern accuracy, tagger        : {_pct(pattern_right, n)}{trained}")
    print(f"pattern accuracy, texture rules : {_pct(int(rules_right), n)}")
    solid = sum(1 for r in rows if r["pattern"] == "solid")
    print(f"pattern, always 'solid'         : {_pct(solid, n)}")
    _table("colour confusion (rows: label, columns: predicted)", confusion, COLOR_NAMES)
    _table("pattern confusion (rows: label, columns: predicted)", patterns, PATTERNS)


# CSS named colours and the common name the fashion-product vocabulary gives such a garment colour.
NAMED = {
    "blue": ("#0000ff", "blue"), "mediumblue": ("#0000cd", "blue"), "royalblue": ("#4169e1", "blue"),
    "dodgerblue": ("#1e90ff", "blue"), "steelblue": ("#4682b4", "blue"), "navy": ("#000080", "navy"),
    "midnightblue": ("#191970", "navy"), "darkblue": ("#00008b", "navy"), "teal": ("#008080", "blue"),
    "darkcyan": ("#008b8b", "blue"), "lime": ("#00ff00", "green"), "limegreen": ("#32cd32", "green"),
    "forestgreen": ("#228b22", "green"), "darkgreen": ("#006400", "green"), "seagreen": ("#2e8b57", "green"),
    "olive": ("#808000", "green"), "olivedrab": ("#6b8e23", "green"), "chartreuse": ("#7fff00", "green"),
    "lawngreen": ("#7cfc00", "green"), "saddlebrown": ("#8b4513", "brown"), "sienna": ("#a0522d", "brown"),
    "chocolate": ("#d2691e", "brown"), "brown": ("#a52a2a", "red"), "maroon": ("#800000", "red"),
    "purple": ("#800080", "purple"), "indigo": ("#4b0082", "purple"), "darkviolet": ("#9400d3", "purple"),
    "rebeccapurple": ("#663399", "purple"), "orchid": ("#da70d6", "purple"), "blueviolet": ("#8a2be2", "purple"),
    "slateblue": ("#6a5acd", "purple"), "darkslateblue": ("#483d8b", "purple"), "mediumpurple": ("#9370db", "purple"),
}


def named_colours() -> None:
    """Print how the palette names each of ``NAMED`` and the count named as expected."""
    from engine.tagging.colors import name_colors
    from models.pixels import hex_to_lab

    wrong = []
    for css, (value, expected) in NAMED.items():
        got = name_colors(hex_to_lab(value))[0][0]
        if got != expected:
            wrong.append(f"{css} {value} -> {got} (expected {expected})")
    print(f"CSS named colours named as the fashion-product vocabulary would: {len(NAMED) - len(wrong)}/{len(NAMED)}")
    for line in wrong:
        print(f"  {line}")


def _encoder() -> Encoder:
    from config.settings import load_settings
    from engine.encoders import load_encoder

    return load_encoder(load_settings(encoder_threads=1))


def _table(title: str, counts: Counter[tuple[str, str]], names: tuple[str, ...]) -> None:
    used = [n for n in names if any(n in key for key in counts)]
    width = max(len(n) for n in used) + 1
    print(f"\n{title}")
    print(" " * width + "".join(f"{n[:5]:>6}" for n in used) + "   recall")
    for a in used:
        total = sum(counts[(a, b)] for b in used)
        if not total:
            continue
        cells = "".join(f"{counts[(a, b)] or '.':>6}" for b in used)
        print(f"{a:<{width}}{cells}   {counts[(a, a)] / total:.2f}")


def main() -> None:
    """Parse the command line and print the figures for one split."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--split", default="validation", choices=["validation", "test"])
    parser.add_argument("--named", action="store_true", help="name the CSS colour table instead")
    parser.add_argument("--no-studio-exposure", action="store_true",
                        help="name studio shots' colours as measured (the figures before the studio correction)")
    parser.add_argument("--studio", default="", choices=["", *LOOKS],
                        help="measure on studio renderings of the photos (bench/studio_renders.py)")
    args = parser.parse_args()
    global STUDIO
    STUDIO = not args.no_studio_exposure
    if args.named:
        named_colours()
        return
    evaluate(args.data / "clothing_small", args.split, args.studio)


if __name__ == "__main__":
    main()
