"""Colour, pattern, formality and season tagging: real labelled photos plus synthetic sanity cases."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from config.vocabulary import COLOR_NAMES, FORMALITIES, PATTERNS, SEASONS
from engine.tagging.attributes import infer_formality, infer_pattern, infer_seasons
from engine.tagging.colors import extract_colors
from engine.types import Color
from models.pixels import working_rgb

BEIGE_FLOOR = (216, 200, 168)
DARK_FLOOR = (58, 42, 32)
NAVY = (31, 42, 72)
WHITE = (242, 242, 240)


RGB = tuple[int, int, int]


def _garment(size: tuple[int, int], background: RGB, colour: RGB) -> Image.Image:
    """Draw a T-shirt-like shape in ``colour`` on a slightly noisy ``background``, like a flat-lay photo."""
    w, h = size
    rng = np.random.default_rng(0)
    floor = np.clip(np.array(background) + rng.normal(0, 4, (h, w, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(floor)
    draw = ImageDraw.Draw(image)
    draw.rectangle([w * 0.28, h * 0.2, w * 0.72, h * 0.85], fill=colour)  # body
    draw.polygon([(w * 0.28, h * 0.2), (w * 0.1, h * 0.38), (w * 0.28, h * 0.45)], fill=colour)  # sleeves
    draw.polygon([(w * 0.72, h * 0.2), (w * 0.9, h * 0.38), (w * 0.72, h * 0.45)], fill=colour)
    return image


def _check_result_shape(colors: tuple[Color, ...]) -> None:
    assert 1 <= len(colors) <= 3
    assert all(c.name in COLOR_NAMES for c in colors)
    assert all(len(c.hex) == 7 and c.hex.startswith("#") for c in colors)
    assert sum(c.share for c in colors) == pytest.approx(1.0, abs=0.02)


# --- real photos --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data(shared_data: Path) -> Path:
    """The labelled photo folder of the shared data."""
    return shared_data / "clothing_small"


@pytest.fixture(scope="module")
def test_rows(data: Path) -> list[dict[str, str]]:
    with (data / "colour_pattern_labels.csv").open(encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["path"].startswith("test/")]


def test_dominant_colour_on_labelled_test_photos(data: Path, test_rows: list[dict[str, str]]) -> None:
    # Measured with the palette calibrated on the validation split only: 0.763 (58/76) on sure=yes rows,
    # 0.537 (86/160) on all 160 rows (before the vivid references: 0.750 / 0.544); always answering the
    # commonest name scores 0.22 / 0.19.
    right = right_sure = n_sure = 0
    for row in test_rows:
        with Image.open(data / row["path"]) as im:
            result = extract_colors(im.convert("RGB"))
        _check_result_shape(result.colors)
        assert 0.0 <= result.confidence <= 1.0
        hit = result.dominant == row["colour"]
        right += hit
        if row["sure"] == "yes":
            n_sure += 1
            right_sure += hit
    assert len(test_rows) == 160
    assert right_sure / n_sure >= 0.65
    assert right / len(test_rows) >= 0.46


def test_pattern_beats_always_solid_on_labelled_test_photos(data: Path, test_rows: list[dict[str, str]]) -> None:
    # Measured 0.738 (118/160); always answering "solid" scores 0.663 (106/160).
    right = 0
    for row in test_rows:
        with Image.open(data / row["path"]) as im:
            image = im.convert("RGB")
        pattern, confidence = infer_pattern(image, extract_colors(image).mask)
        assert pattern in PATTERNS
        assert 0.0 <= confidence <= 1.0
        right += pattern == row["pattern"]
    assert right / len(test_rows) >= 0.69


# Dark blues of the validation photos (by-eye labels, sure) either side of the palette's "dark blue" reference: the
# deep blue pair of pants was named navy before that reference (L17 b-17: darker than any other blue reference); the
# navy ones nearest to it (L21 b-11 to b-13) must stay navy.
DARK_BLUES = {
    "validation/pants/d0fcfc1e-b1ae-43c9-ac0b-c4f65467756e.jpg": "blue",
    "validation/longsleeve/2b12ad64-97e5-4500-ad2e-f74ea31eacbb.jpg": "navy",
    "validation/t-shirt/47533149-1373-4576-9d70-8b4bf33a687c.jpg": "navy",
    "validation/pants/cd23d1f5-2066-44e5-b2f2-77ab284320a5.jpg": "navy",
}


@pytest.mark.parametrize(("path", "expected"), sorted(DARK_BLUES.items()))
def test_deep_blue_is_blue_and_navy_stays_navy(data: Path, path: str, expected: str) -> None:
    with Image.open(data / path) as image:
        assert extract_colors(image.convert("RGB")).dominant == expected


# --- synthetic sanity --------------------------------------------------------------------------------------


def test_navy_garment_on_beige_floor() -> None:
    result = extract_colors(_garment((192, 256), BEIGE_FLOOR, NAVY))
    _check_result_shape(result.colors)
    assert result.dominant == "navy"
    assert result.colors[0].share >= 0.8
    assert result.confidence >= 0.4
    # the mask found the garment, not the floor: it covers the centre and leaves the corners out
    h, w = result.mask.shape
    assert result.mask[h // 2, w // 2]
    assert not result.mask[2, 2] and not result.mask[-3, -3]


# Vivid garment colours as a studio catalog photo shows them (CSS named colours; none is itself a palette
# reference), named as the fashion-product vocabulary (shared/data/colour_vocabulary.csv) maps them: teal and
# cyan are blue there. Before the palette's vivid references most of the blues, greens and browns read as purple,
# yellow and orange. Known misses, left out: pure sRGB blues (#0000ff, #000080: CIELAB puts their hue with violet)
# and the yellowish CSS olive (#808000).
VIVID = {
    "#1e90ff": "blue",  # dodgerblue
    "#4682b4": "blue",  # steelblue
    "#008b8b": "blue",  # darkcyan
    "#00ff00": "green",  # lime
    "#7fff00": "green",  # chartreuse
    "#228b22": "green",  # forestgreen
    "#006400": "green",  # darkgreen
    "#2e8b57": "green",  # seagreen
    "#a0522d": "brown",  # sienna
    "#a52a2a": "red",  # brown (CSS), a brick red
    "#800000": "red",  # maroon
    "#800080": "purple",  # purple
    "#4b0082": "purple",  # indigo
    "#9400d3": "purple",  # darkviolet
    "#663399": "purple",  # rebeccapurple
    "#da70d6": "purple",  # orchid
    "#ff8c00": "orange",  # darkorange
    "#ffd700": "yellow",  # gold
    "#ffc0cb": "pink",  # pink
    "#000000": "black",
    "#ffffff": "white",
    "#808080": "grey",
}


@pytest.mark.parametrize(("value", "expected"), sorted(VIVID.items()))
def test_vivid_catalog_colours_get_their_names(value: str, expected: str) -> None:
    from engine.tagging.colors import name_colors
    from models.pixels import hex_to_lab

    assert name_colors(hex_to_lab(value))[0] == [expected]


def test_vivid_garment_on_a_white_studio_background() -> None:
    """A royal-blue and a lime-green T-shirt shape on white, as a catalog shows them, are blue and green."""
    for colour, name in (((43, 80, 200), "blue"), ((60, 200, 60), "green")):
        result = extract_colors(_garment((300, 400), (252, 252, 252), colour))
        assert result.dominant == name


def test_white_shirt_on_dark_floor() -> None:
    result = extract_colors(_garment((192, 256), DARK_FLOOR, WHITE))
    assert result.dominant == "white"
    assert result.colors[0].share >= 0.8


def test_full_frame_garment_without_background() -> None:
    rng = np.random.default_rng(1)
    red = np.clip(np.array([178, 34, 44]) + rng.normal(0, 6, (240, 180, 3)), 0, 255).astype(np.uint8)
    result = extract_colors(Image.fromarray(red))
    assert result.dominant == "red"
    assert result.colors[0].share >= 0.9


def test_two_colour_stripes_are_striped() -> None:
    w, h = 192, 256
    image = Image.new("RGB", (w, h), BEIGE_FLOOR)
    draw = ImageDraw.Draw(image)
    for i, y in enumerate(range(int(h * 0.15), int(h * 0.88), 14)):
        draw.rectangle([w * 0.22, y, w * 0.78, y + 13], fill=NAVY if i % 2 else WHITE)
    result = extract_colors(image)
    assert {c.name for c in result.colors} >= {"navy", "white"}
    pattern, confidence = infer_pattern(image, result.mask)
    assert pattern == "striped"
    assert confidence > 0.4


def test_plain_garment_is_solid() -> None:
    image = _garment((192, 256), BEIGE_FLOOR, NAVY)
    pattern, confidence = infer_pattern(working_rgb(image), extract_colors(image).mask)
    assert pattern == "solid"
    assert 0.5 <= confidence <= 1.0


def test_rgba_and_greyscale_inputs() -> None:
    rgba = Image.new("RGBA", (160, 200), (0, 0, 0, 0))  # transparent cut-out background
    ImageDraw.Draw(rgba).rectangle([40, 40, 120, 170], fill=(*NAVY, 255))
    assert extract_colors(rgba).dominant == "navy"
    grey = _garment((192, 256), BEIGE_FLOOR, NAVY).convert("L")
    result = extract_colors(grey)
    _check_result_shape(result.colors)
    assert result.dominant in {"black", "grey", "white"}
    tiny = extract_colors(Image.new("P", (5, 3)))
    _check_result_shape(tiny.colors)


def test_extraction_is_deterministic() -> None:
    image = _garment((300, 400), DARK_FLOOR, (40, 110, 60))
    first, second = extract_colors(image), extract_colors(image)
    assert first.colors == second.colors
    assert np.array_equal(first.mask, second.mask)


# --- formality and seasons from the type table -------------------------------------------------------------


def test_seasons_follow_the_type_table() -> None:
    navy = (Color("navy", "#1f2a48", 1.0),)
    shorts, conf = infer_seasons("shorts", navy)
    assert shorts == ("summer",)
    coat, coat_conf = infer_seasons("coat", navy)
    assert "winter" in coat and "summer" not in coat
    assert 0.0 <= conf <= 1.0 and 0.0 <= coat_conf <= 1.0
    assert all(s in SEASONS for s in shorts + coat)


def test_seasons_lean_on_colour() -> None:
    light = (Color("yellow", "#ecd040", 1.0),)
    dark = (Color("black", "#1a1a1a", 1.0),)
    assert "winter" not in infer_seasons("skirt", light)[0]
    assert "summer" not in infer_seasons("hoodie", dark)[0]


def test_formality_from_type_nudged_by_colour_and_pattern() -> None:
    black = (Color("black", "#1a1a1a", 1.0),)
    red = (Color("red", "#b8202c", 1.0),)
    shirt, shirt_conf = infer_formality("shirt", black, "solid")
    assert shirt == "formal"
    assert infer_formality("t-shirt", red, "printed")[0] == "casual"
    assert infer_formality("shirt", red, "floral")[0] == "casual"
    unknown, unknown_conf = infer_formality("no-such-type", red, "solid")
    assert unknown in FORMALITIES
    assert all(0.0 <= c <= 1.0 for c in (shirt_conf, unknown_conf))


def test_mask_keeps_only_the_parts_connected_to_the_centre() -> None:
    """The garment mask's connectivity step keeps the 4-connected parts of the mask that touch the seed."""
    from models.pixels import _reconstruct

    mask = np.zeros((7, 7), dtype=bool)
    mask[1:4, 1:4] = True  # touches the seed
    mask[4, 4] = True  # only diagonal to it: another part
    mask[5:7, 0:2] = True  # far away
    seed = np.zeros_like(mask)
    seed[2, 2] = True
    kept = _reconstruct(seed, mask)
    assert kept.sum() == 9 and kept[1:4, 1:4].all() and not kept[4, 4] and not kept[5:, :2].any()
    assert not _reconstruct(np.zeros_like(mask), mask).any()  # no seed, nothing kept


def test_shared_working_image_gives_the_same_tags() -> None:
    """Colours and pattern measured on a working image computed once equal those computed from the photo."""
    from models.pixels import working_lab

    image = _garment((180, 240), BEIGE_FLOOR, NAVY)
    alone = extract_colors(image)
    shared = extract_colors(image, working_lab(image))
    assert alone.colors == shared.colors and np.array_equal(alone.mask, shared.mask)
    assert infer_pattern(image, alone.mask) == infer_pattern(image, shared.mask, lab=working_lab(image))
