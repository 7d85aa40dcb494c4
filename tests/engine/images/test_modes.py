"""Decoding: every common colour mode, bit depth, transparency and animation becomes the RGB photo we expect."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from engine.images.decoding import to_rgb
from tests.engine.images.test_decoding import close, decode, encoded

# --- good input --------------------------------------------------------------------------------------


def test_exif_orientation_6_is_applied() -> None:
    image = Image.new("RGB", (120, 60), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 20, 20))  # red patch in the stored top-left corner
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    upright = decode(encoded(image, "JPEG", quality=95, exif=exif.tobytes()))
    assert upright.size == (60, 120)
    assert close(upright.getpixel((55, 5)), (255, 0, 0), 40)  # the red corner is now top-right
    assert close(upright.getpixel((5, 5)), (0, 0, 255), 40)


def test_transparent_rgba_is_composited_on_white() -> None:
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 32, 64))
    rgb = decode(encoded(image, "PNG"))
    assert rgb.mode == "RGB"
    assert rgb.getpixel((48, 10)) == (255, 255, 255)
    assert rgb.getpixel((10, 10)) == (200, 0, 0)


def test_half_transparent_la_is_blended_with_white() -> None:
    image = Image.new("LA", (64, 64), (0, 128))
    assert close(decode(encoded(image, "PNG")).getpixel((0, 0)), (127, 127, 127), 2)


def test_palette_with_transparency_is_white_not_black() -> None:
    image = Image.new("P", (64, 64), 0)
    image.putpalette([0, 0, 0, 0, 128, 0] + [0] * 762)
    image.paste(1, (0, 0, 32, 64))
    rgb = decode(encoded(image, "PNG", transparency=0))
    assert rgb.getpixel((50, 10)) == (255, 255, 255)
    assert rgb.getpixel((10, 10)) == (0, 128, 0)


def test_cmyk_jpeg_becomes_rgb() -> None:
    image = Image.new("CMYK", (64, 64), (0, 255, 255, 0))  # pure red in CMYK
    data = encoded(image, "JPEG", quality=95)
    assert Image.open(io.BytesIO(data)).mode == "CMYK"
    assert close(decode(data).getpixel((32, 32)), (255, 0, 0), 20)


def test_sixteen_bit_mid_grey_stays_mid_grey() -> None:
    image = Image.new("I;16", (64, 64), 32768)
    data = encoded(image, "PNG")
    assert Image.open(io.BytesIO(data)).mode.startswith("I")
    assert close(decode(data).getpixel((0, 0)), (128, 128, 128), 1)


def test_sixteen_bit_extremes_map_to_black_and_white() -> None:
    array = np.zeros((64, 64), dtype=np.uint16)
    array[:, 32:] = 65535
    rgb = decode(encoded(Image.fromarray(array), "PNG"))
    assert rgb.getpixel((0, 0)) == (0, 0, 0)
    assert rgb.getpixel((63, 0)) == (255, 255, 255)


def test_int_and_float_modes_are_rescaled() -> None:
    assert to_rgb(Image.new("I", (40, 40), 32768)).getpixel((0, 0)) == (128, 128, 128)
    assert to_rgb(Image.new("I", (40, 40), 100)).getpixel((0, 0)) == (100, 100, 100)
    assert to_rgb(Image.new("F", (40, 40), 0.5)).getpixel((0, 0)) == (128, 128, 128)
    assert to_rgb(Image.new("F", (40, 40), 200.0)).getpixel((0, 0)) == (200, 200, 200)


def test_grey_and_bilevel_become_rgb() -> None:
    assert decode(encoded(Image.new("L", (64, 64), 90), "PNG")).getpixel((0, 0)) == (90, 90, 90)
    bilevel = Image.new("1", (64, 64), 0)
    bilevel.paste(1, (32, 0, 64, 64))
    rgb = decode(encoded(bilevel, "PNG"))
    assert rgb.getpixel((0, 0)) == (0, 0, 0)
    assert rgb.getpixel((63, 0)) == (255, 255, 255)


@pytest.mark.parametrize(("fmt", "params"), [("GIF", {}), ("WEBP", {"lossless": True}), ("PNG", {})])
def test_animation_gives_its_first_frame(fmt: str, params: dict[str, object]) -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    data = encoded(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0, **params)
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 3
    assert close(decode(data).getpixel((32, 32)), (255, 0, 0), 4)


@pytest.mark.parametrize(("fmt", "params"), [("WEBP", {"quality": 95}), ("BMP", {}), ("JPEG", {})])
def test_common_formats_decode(fmt: str, params: dict[str, object]) -> None:
    source = Image.new("RGB", (80, 60), (30, 120, 200))
    rgb = decode(encoded(source, fmt, **params))
    assert rgb.mode == "RGB"
    assert rgb.size == (80, 60)
    assert close(rgb.getpixel((40, 30)), (30, 120, 200), 6)
