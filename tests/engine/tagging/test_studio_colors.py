"""Colour on studio photos: garments cut out on white under bright, even light keep their names."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from bench.studio_renders import render, studio_light
from engine.tagging.colors import extract_colors, studio_background
from models.pixels import working_lab
from models.style_data import garment_mask_of


def labelled(shared_data: Path, split: str, colour: str) -> list[str]:
    """Return the paths of ``split`` photos labelled ``colour`` with certainty, in file order."""
    rows = csv.DictReader((shared_data / "clothing_small" / "colour_pattern_labels.csv").open(encoding="utf-8"))
    return [r["path"] for r in rows if r["path"].startswith(split) and r["colour"] == colour and r["sure"] == "yes"]


def open_photo(shared_data: Path, path: str) -> Image.Image:
    with Image.open(shared_data / "clothing_small" / path) as image:
        return image.convert("RGB")


def test_black_garments_lit_for_the_catalog_stay_black(shared_data):
    # the 17 surely black photos of the labelled test part, rendered as bright studio shots on white: the palette
    # (calibrated on home photos) named 8 of them black, the rest grey, before studio shots were recognised
    paths = labelled(shared_data, "test", "black")
    assert len(paths) == 17
    named = [extract_colors(render(open_photo(shared_data, p), p, "bright")).dominant for p in paths]
    assert named.count("black") >= 14, named
    before = [extract_colors(render(open_photo(shared_data, p), p, "bright"), studio=False).dominant for p in paths]
    assert named.count("black") - before.count("black") >= 5


def test_home_photos_are_never_taken_for_studio_shots(shared_data):
    # the whole labelled test part (floors, beds, hangers): the correction is for studio shots only
    rows = csv.DictReader((shared_data / "clothing_small" / "colour_pattern_labels.csv").open(encoding="utf-8"))
    paths = [r["path"] for r in rows if r["path"].startswith("test")]
    assert not [p for p in paths if studio_background(working_lab(open_photo(shared_data, p))) is not None]


def tee(colour: tuple[int, int, int], background: tuple[int, int, int]) -> Image.Image:
    """Draw a T-shirt shape in ``colour`` with soft folds on a plain ``background``."""
    w, h = 192, 256
    image = Image.new("RGB", (w, h), background)
    draw = ImageDraw.Draw(image)
    draw.rectangle([w * 0.28, h * 0.2, w * 0.72, h * 0.85], fill=colour)
    draw.polygon([(w * 0.28, h * 0.2), (w * 0.1, h * 0.38), (w * 0.28, h * 0.45)], fill=colour)
    draw.polygon([(w * 0.72, h * 0.2), (w * 0.9, h * 0.38), (w * 0.72, h * 0.45)], fill=colour)
    pixels = np.asarray(image).astype(np.float64)
    folds = 1.0 + 0.08 * np.sin(np.arange(w) / 9.0)[None, :, None]  # creases: the fabric is not flat colour
    garment = np.any(pixels != np.array(background), axis=2)[..., None]
    return Image.fromarray(np.where(garment, np.clip(pixels * folds, 0, 255), pixels).astype(np.uint8))


def test_a_black_tee_brightened_to_studio_levels_is_black_and_a_grey_one_grey():
    # sRGB 66 is black fabric under studio light (L* 28); on a home floor the palette would call it charcoal
    assert studio_background(working_lab(tee((66, 66, 68), (255, 255, 255)))) is not None
    assert extract_colors(tee((66, 66, 68), (255, 255, 255))).dominant == "black"
    assert extract_colors(tee((66, 66, 68), (255, 255, 255)), studio=False).dominant == "grey"
    assert extract_colors(tee((150, 150, 152), (255, 255, 255))).dominant == "grey"
    assert extract_colors(tee((30, 38, 70), (255, 255, 255))).dominant == "navy"


def test_a_real_black_photo_brightened_to_studio_levels_is_still_black(shared_data):
    path = labelled(shared_data, "test", "black")[0]
    photo = open_photo(shared_data, path)
    assert extract_colors(photo).dominant == "black"
    assert extract_colors(render(photo, path, "bright")).dominant == "black"
    assert extract_colors(render(photo, path, "white")).dominant == "black"


def with_small_print(image: Image.Image, share: float = 0.08) -> Image.Image:
    """Paste a small print (a white square with a red disc, ``share`` of the garment) on the garment's centre."""
    mask = garment_mask_of(image)
    ys, xs = np.nonzero(mask)
    sy, sx = image.height / mask.shape[0], image.width / mask.shape[1]
    cy, cx, side = ys.mean() * sy, xs.mean() * sx, float(np.sqrt(share * mask.sum() * sy * sx))
    out = image.copy()
    draw = ImageDraw.Draw(out)
    draw.rectangle([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2], fill=(235, 235, 230))
    draw.ellipse([cx - side / 4, cy - side / 4, cx + side / 4, cy + side / 4], fill=(200, 40, 40))
    return out


def test_a_navy_shirt_with_a_small_print_stays_navy_on_white(shared_data):
    for path in ("test/longsleeve/49431f72-6423-4fd9-953b-d55bf8f4830a.jpg",  # navy, solid, sure
                 "test/longsleeve/acf7a391-8450-453d-898b-2a4a9d2886f6.jpg"):
        printed = with_small_print(open_photo(shared_data, path))
        assert extract_colors(printed).dominant == "navy"
        for look in ("white", "bright"):
            assert extract_colors(render(printed, path, look)).dominant == "navy", (path, look)


def test_navy_under_studio_light_is_less_often_blue_or_grey(shared_data):
    paths = labelled(shared_data, "test", "navy")
    lit = [render(open_photo(shared_data, p), p, "bright") for p in paths]
    named = [extract_colors(image).dominant for image in lit]
    before = [extract_colors(image, studio=False).dominant for image in lit]
    assert named.count("navy") >= before.count("navy") + 2, (named, before)
    # and plain brighter light on a home photo (no white background) is left as it is
    photo = open_photo(shared_data, paths[0])
    assert extract_colors(studio_light(photo)).dominant == extract_colors(studio_light(photo), studio=False).dominant
