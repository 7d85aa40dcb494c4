"""Safe image intake: every bad input becomes an ImageRejected naming the problem; good ones become RGB."""

from __future__ import annotations

import contextlib
import io
import random
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFile

from config.settings import Settings
from engine.errors import ImageRejected
from engine.images.decoding import (
    DecodedPhoto,
    content_hash,
    decode_image,
    encode_original,
    load_photo,
    make_thumbnail,
    sniff_format,
)
from tests._support import REPO

SAMPLES = REPO / "samples"
MB = 1024 * 1024


def decode(data: bytes, *, max_bytes: int = 20 * MB, max_pixels: int = 40_000_000) -> Image.Image:
    return decode_image(data, name="photo.jpg", max_bytes=max_bytes, max_pixels=max_pixels)


def encoded(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def handmade_png(width: int, height: int) -> bytes:
    """A valid-looking RGB PNG header claiming any size, with an almost empty IDAT: a tiny file."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def photo_like(size: tuple[int, int] = (96, 64)) -> Image.Image:
    """A small image with structure (a gradient) so that truncating its encoding damages real data."""
    x = np.linspace(0, 255, size[0], dtype=np.uint8)
    y = np.linspace(0, 255, size[1], dtype=np.uint8)
    rgb = np.stack(np.broadcast_arrays(x[None, :], y[:, None], (x[None, :] // 2 + y[:, None] // 2)), -1)
    return Image.fromarray(np.ascontiguousarray(rgb), "RGB")


def close(pixel: object, expected: tuple[int, ...], tolerance: int = 12) -> bool:
    assert isinstance(pixel, tuple)
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def rejection(data: bytes, **limits: int) -> str:
    with pytest.raises(ImageRejected) as info:
        decode(data, **limits)
    assert info.value.source == "photo.jpg"
    return info.value.reason


# --- bad input ---------------------------------------------------------------------------------------


def test_empty_file_is_rejected() -> None:
    assert rejection(b"") == "the file is empty"


def test_one_byte_is_rejected() -> None:
    assert "too short" in rejection(b"\xff")


def test_random_bytes_are_not_an_image() -> None:
    data = random.Random(7).randbytes(4096)
    assert sniff_format(data) is None
    reason = rejection(data)
    assert "not an image" in reason
    assert "JPEG, PNG" in reason


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"<!DOCTYPE html><html><head><title>404 Not Found</title></head></html>", "web page"),
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"),
        (b'<svg width="100" height="100"><circle r="40"/></svg>', "SVG"),
        (b"<?xml version='1.0'?><feed><entry/></feed>", "XML"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(40), "ZIP"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + bytes(40), "video"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01" + bytes(40), "video"),
        (b"my favourite jacket is the green one, please add it to my wardrobe\n", "text"),
    ],
)
def test_other_files_are_named_and_the_accepted_formats_listed(data: bytes, named: str) -> None:
    reason = rejection(data)
    assert named in reason
    assert "JPEG, PNG, WEBP, GIF or BMP" in reason


def test_tiff_is_rejected_by_name() -> None:
    data = encoded(photo_like(), "TIFF")
    assert Image.open(io.BytesIO(data)).format == "TIFF"  # Pillow itself could read it
    assert "TIFF" in rejection(data)


def test_heic_gets_instructions_for_iphone() -> None:
    data = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(100)
    reason = rejection(data)
    assert reason.startswith("HEIC photos are not supported yet")
    assert "Most Compatible" in reason


def test_avif_is_named() -> None:
    assert "AVIF" in rejection(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1" + bytes(100))


def test_truncated_jpeg_is_damaged() -> None:
    data = encoded(photo_like((256, 192)), "JPEG", quality=90)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    assert rejection(data[: len(data) // 2]) == "the image is damaged or incomplete"


def test_jpeg_header_only_is_damaged() -> None:
    data = encoded(photo_like(), "JPEG")
    assert rejection(data[:40]) == "the image is damaged or incomplete"


def test_png_with_bad_crc_is_damaged() -> None:
    data = bytearray(encoded(photo_like(), "PNG"))
    idat = data.index(b"IDAT")
    data[idat + 10] ^= 0xFF  # flip a byte of compressed pixel data; the chunk's CRC no longer matches
    assert rejection(bytes(data)) == "the image is damaged or incomplete"


def test_truncated_png_is_damaged() -> None:
    data = encoded(photo_like(), "PNG")
    assert rejection(data[: len(data) - 40]) == "the image is damaged or incomplete"


def test_png_claiming_50000_by_50000_is_refused_before_decoding() -> None:
    data = handmade_png(50_000, 50_000)
    assert len(data) < 200
    reason = rejection(data)
    assert "too large" in reason
    assert "megapixels" in reason


def test_pixel_limit_is_checked_from_the_header() -> None:
    data = handmade_png(8_000, 6_000)  # 48 MP: under Pillow's own limit, over ours
    reason = rejection(data)
    assert "too large" in reason
    assert "8000x6000" in reason
    assert "40 megapixels" in reason


def test_pixel_limit_comes_from_the_caller() -> None:
    data = encoded(photo_like((200, 100)), "PNG")
    assert "too large" in rejection(data, max_pixels=10_000)
    assert decode(data, max_pixels=20_000).size == (200, 100)


def test_pillow_bomb_warning_becomes_a_rejection() -> None:
    # 100 MP: over Pillow's warning threshold (~89 MP), under its hard error; a caller allowing that much
    # still gets a rejection, not a warning followed by a 300 MB allocation.
    with pytest.warns(Image.DecompressionBombWarning):
        reason = rejection(handmade_png(10_000, 10_000), max_pixels=200_000_000)
    assert "too large" in reason


def test_pillow_bomb_warning_as_error_is_still_a_rejection() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        assert "too large" in rejection(handmade_png(10_000, 10_000), max_pixels=200_000_000)


def test_global_pillow_settings_are_left_alone() -> None:
    before = Image.MAX_IMAGE_PIXELS
    for data in (handmade_png(50_000, 50_000), encoded(photo_like(), "PNG")):
        with contextlib.suppress(ImageRejected):
            decode(data, max_pixels=1_000_000_000)
    assert before == Image.MAX_IMAGE_PIXELS
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_too_many_bytes_names_the_limit() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    data = encoded(Image.fromarray(noise), "PNG")
    reason = rejection(data, max_bytes=1000)
    assert "too big" in reason
    assert "limit is 1000 bytes" in reason
    assert "limit is 20 MB" in rejection(b"\xff\xd8\xff" + bytes(21 * MB))


def test_tiny_image_is_too_small_to_read() -> None:
    reason = rejection(encoded(Image.new("RGB", (31, 200), "red"), "PNG"))
    assert "too small" in reason
    assert "31x200" in reason


def test_elongated_image_is_rejected() -> None:
    reason = rejection(encoded(Image.new("RGB", (700, 33), "red"), "PNG"))
    assert "long and narrow" in reason
    assert decode(encoded(Image.new("RGB", (640, 32), "red"), "PNG")).size == (640, 32)


def test_message_without_a_name_has_no_source() -> None:
    with pytest.raises(ImageRejected) as info:
        decode_image(b"", max_bytes=10, max_pixels=10)
    assert str(info.value) == "the file is empty"
    assert info.value.source is None


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP", "BMP"])
def test_mutated_files_raise_only_image_rejected(fmt: str) -> None:
    """Flip, cut and splice bytes of valid files: decoding either works or says ImageRejected."""
    rng = random.Random(fmt)
    base = encoded(photo_like((64, 48)), fmt)
    for _ in range(60):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            pos = rng.randrange(len(data))
            data[pos] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(8, len(data))]
        try:
            image = decode(bytes(data))
        except ImageRejected:
            continue
        assert image.mode == "RGB"


def test_real_photo_from_shared_data(shared_data: Path) -> None:
    photos = sorted((shared_data / "clothing_small" / "test").glob("*/*.jpg"))[:3]
    assert photos
    for path in photos:
        image = decode(path.read_bytes())
        assert image.mode == "RGB"
        assert min(image.size) >= 32


def test_sample_wardrobe_photos_decode() -> None:
    photos = sorted((SAMPLES / "wardrobe").glob("*.jpg"))
    assert len(photos) >= 30
    for path in photos:
        assert max(decode(path.read_bytes()).size) == 192


@pytest.mark.parametrize("name", ["empty.jpg", "not_an_image.jpg", "truncated.jpg", "bomb.png"])
def test_sample_bad_inputs_are_rejected(name: str) -> None:
    with pytest.raises(ImageRejected):
        decode((SAMPLES / "bad" / name).read_bytes())


# --- derived bytes -----------------------------------------------------------------------------------


def test_thumbnail_is_a_small_jpeg() -> None:
    thumb = make_thumbnail(photo_like((1000, 500)), size=256)
    with Image.open(io.BytesIO(thumb)) as image:
        assert image.format == "JPEG"
        assert image.size == (256, 128)


def test_original_is_capped_deterministic_and_free_of_exif() -> None:
    source = photo_like((3000, 1500))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"
    decoded = decode(encoded(source, "JPEG", exif=exif.tobytes()))
    stored = encode_original(decoded)
    assert stored == encode_original(decoded)  # same photo, same bytes, one blob
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert image.size == (2048, 1024)
        assert not image.getexif()
    small = decode(encode_original(photo_like((300, 200))))
    assert small.size == (300, 200)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_max_side_shrinks_while_decoding(fmt: str) -> None:
    image = photo_like((3000, 1200))
    image.paste((255, 0, 0), (0, 0, 300, 300))
    exif = Image.Exif()
    exif[0x0112] = 6
    params: dict[str, object] = {"exif": exif.tobytes()} if fmt == "JPEG" else {}
    shrunk = decode_image(
        encoded(image, fmt, **params), max_bytes=20 * MB, max_pixels=40_000_000, max_side=1000
    )
    if fmt == "JPEG":  # rotated upright, red corner at the top right
        assert shrunk.size == (400, 1000)
        assert close(shrunk.getpixel((390, 10)), (255, 0, 0), 40)
    else:
        assert shrunk.size == (1000, 400)
        assert close(shrunk.getpixel((10, 10)), (255, 0, 0), 40)


def test_content_hash_is_sha256_hex() -> None:
    assert content_hash(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_load_photo_describes_the_input() -> None:
    data = encoded(Image.new("RGB", (100, 50), "navy"), "PNG")
    settings = Settings(max_image_bytes=10 * MB, max_image_pixels=1_000_000)
    photo = load_photo(data, "navy.png", settings)
    assert isinstance(photo, DecodedPhoto)
    assert (photo.width, photo.height, photo.format, photo.name) == (100, 50, "PNG", "navy.png")
    assert photo.sha256 == content_hash(data)
    assert photo.image.mode == "RGB"
    with pytest.raises(ImageRejected, match="too large"):
        load_photo(data, "navy.png", Settings(max_image_pixels=1000))
    big = encoded(photo_like((3000, 1000)), "JPEG")
    assert load_photo(big, None, settings=Settings()).width == 2048
    assert load_photo(big, None, Settings(), max_side=None).width == 3000
