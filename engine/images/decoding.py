"""Safe image intake: sniff, bound, decode and normalise untrusted photo bytes to RGB.

Everything a user sends passes through :func:`decode_image` before any other code sees it. The order of
checks matters: size in bytes, then the format from magic bytes (Pillow never sees a format we did not
choose), then the pixel count from the header (``Image.open`` is lazy), and only then the pixels.

What we store as the "original" is *not* the user's file but the normalised RGB image re-encoded as JPEG
(:func:`encode_original`): stored blobs are then always small, decodable by anything, free of EXIF
metadata such as GPS position, and free of whatever a hostile file carried besides its pixels. The
sha256 of the bytes the user sent is still kept (:attr:`DecodedPhoto.sha256`) to recognise a resend.

Nothing here writes anywhere; all of it is blocking and is meant to run behind ``asyncio.to_thread``.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from engine.errors import ImageRejected

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)

ACCEPTED = "JPEG, PNG, WEBP, GIF or BMP"
MIN_SIDE = 32
MIN_FILE_BYTES = 24  # smaller than the smallest valid GIF, PNG, BMP or JPEG
MAX_ASPECT = 20.0
ORIGINAL_MAX_SIDE = 2048
ORIGINAL_QUALITY = 90
THUMBNAIL_QUALITY = 85

# User-facing wording, kept together so the tone stays consistent.
MSG_EMPTY = "the file is empty"
MSG_DAMAGED = "the image is damaged or incomplete"
MSG_UNKNOWN = f"this file is not an image I can read: please send a photo as {ACCEPTED}"
MSG_HEIC = (
    "HEIC photos are not supported yet: please send it as JPEG "
    "(on iPhone: Settings > Camera > Formats > Most Compatible)"
)
MSG_AVIF = f"AVIF images are not supported yet: please send it as {ACCEPTED}"
MSG_MODE = f"this image uses a colour format I cannot read: please send it as {ACCEPTED}"

_OTHER_FORMATS = {  # what a rejected file looks like -> the phrase naming it
    "tiff": "a TIFF image (or a camera RAW file)",
    "pdf": "a PDF document",
    "svg": "an SVG drawing",
    "xml": "an XML document",
    "html": "a web page (HTML), maybe the link pointed to a page instead of the photo",
    "zip": "a ZIP archive (or an Office document)",
    "archive": "a compressed archive",
    "video": "a video",
    "audio": "an audio file",
    "psd": "a Photoshop file",
    "jxl": "a JPEG XL image",
    "jp2": "a JPEG 2000 image",
    "ico": "an icon file",
    "text": "a text file",
}

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}

# Pillow raises these for malformed input; anything else is a bug and must propagate.
_DECODE_ERRORS = (
    UnidentifiedImageError,
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
)


@dataclass(frozen=True, eq=False)
class DecodedPhoto:
    """A photo that passed intake: normalised RGB pixels plus facts about the bytes it came from."""

    image: Image.Image
    sha256: str
    name: str | None
    width: int
    height: int
    format: str


def content_hash(data: bytes) -> str:
    """Return the sha256 of ``data`` as 64 lowercase hex digits."""
    return hashlib.sha256(data).hexdigest()


def sniff_format(data: bytes) -> str | None:
    """Return the Pillow format name of an accepted image, or None when the bytes are something else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data.startswith(b"BM") and len(data) >= 26:
        return "BMP"
    return None


def _describe_other(data: bytes) -> str | None:
    """Return a key of ``_OTHER_FORMATS`` (or 'heic'/'avif') for bytes that are not an accepted image."""
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIF_BRANDS:
            return "heic"
        if brand in _AVIF_BRANDS:
            return "avif"
        return "video"  # mp4, mov, m4v, 3gp all use the ISO base media container
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    signatures = (
        (b"%PDF-", "pdf"),
        (b"PK\x03\x04", "zip"),
        (b"PK\x05\x06", "zip"),
        (b"\x1f\x8b", "archive"),
        (b"7z\xbc\xaf\x27\x1c", "archive"),
        (b"Rar!\x1a\x07", "archive"),
        (b"\x1a\x45\xdf\xa3", "video"),  # Matroska / WebM
        (b"OggS", "audio"),
        (b"ID3", "audio"),
        (b"8BPS", "psd"),
        (b"\xff\x0a", "jxl"),
        (b"\x00\x00\x00\x0cJXL ", "jxl"),
        (b"\x00\x00\x00\x0cjP  ", "jp2"),
        (b"\x00\x00\x01\x00", "ico"),
    )
    for magic, kind in signatures:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] in (b"AVI ", b"WAVE"):
        return "video" if data[8:12] == b"AVI " else "audio"
    return _describe_text(data[:2048])


def _describe_text(head: bytes) -> str | None:
    """Classify the start of a file that decodes as text: SVG, XML, HTML or plain text."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        # A multi-byte character may be cut at the end of the sample; retry without the last few bytes.
        try:
            text = head[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return None
    text = text.lstrip("\ufeff \t\r\n").lower()
    if not text:
        return None
    if "<svg" in text:
        return "svg"
    if text.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in text:
        return "html"
    if text.startswith("<?xml"):
        return "xml"
    printable = sum(ch.isprintable() or ch in "\t\r\n" for ch in text)
    return "text" if printable >= 0.95 * len(text) else None


def _rejection_for_unknown(data: bytes) -> str:
    """Return the message for bytes that are not an accepted image, naming what they look like."""
    kind = _describe_other(data)
    if kind == "heic":
        return MSG_HEIC
    if kind == "avif":
        return MSG_AVIF
    if kind is None:
        return MSG_UNKNOWN
    return f"this looks like {_OTHER_FORMATS[kind]}, not a photo: please send a photo as {ACCEPTED}"


def _size(n_bytes: int) -> str:
    """Format a byte count for a person: MB from 1 MB up, then KB, then bytes."""
    if n_bytes >= 1_048_576:
        return f"{n_bytes / 1_048_576:.3g} MB"
    if n_bytes >= 1024:
        return f"{n_bytes / 1024:.3g} KB"
    return f"{n_bytes} bytes"


def _check_geometry(width: int, height: int, max_pixels: int) -> None:
    """Reject images too large to decode safely, too small to read, or too elongated to be a garment."""
    if width * height > max_pixels:
        raise ImageRejected(
            f"the image is too large ({width}x{height} pixels; the limit is "
            f"{max_pixels / 1_000_000:g} megapixels)"
        )
    if min(width, height) < MIN_SIDE:
        raise ImageRejected(
            f"the image is too small to read ({width}x{height} pixels; "
            f"at least {MIN_SIDE} pixels a side are needed)"
        )
    if max(width, height) / min(width, height) > MAX_ASPECT:
        raise ImageRejected(
            f"the image is too long and narrow ({width}x{height} pixels): please send a photo of one garment"
        )


def decode_image(
    data: bytes, *, name: str | None = None, max_bytes: int, max_pixels: int, max_side: int | None = None
) -> Image.Image:
    """Decode untrusted bytes to an upright RGB image, or raise ImageRejected saying what is wrong.

    With ``max_side`` the result is shrunk to fit that square; JPEGs are then decoded at a reduced DCT
    scale, which makes a 12-50 MP phone photo several times cheaper in time and memory.
    """
    if not data:
        raise ImageRejected(MSG_EMPTY, source=name)
    if len(data) > max_bytes:
        raise ImageRejected(
            f"the file is too big ({_size(len(data))}; the limit is {_size(max_bytes)})", source=name
        )
    if len(data) < MIN_FILE_BYTES:
        raise ImageRejected(f"the file is too short to be an image ({len(data)} bytes)", source=name)
    fmt = sniff_format(data)
    if fmt is None:
        raise ImageRejected(_rejection_for_unknown(data), source=name)
    try:
        return _decode(data, fmt, max_pixels, max_side)
    except ImageRejected as exc:
        if name is None or exc.source is not None:
            raise
        raise ImageRejected(exc.reason, source=name) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # The warning arrives as an exception only where warnings are errors (e.g. pytest -W error).
        raise ImageRejected(
            f"the image is too large to open safely (the limit is {max_pixels / 1_000_000:g} megapixels)",
            source=name,
        ) from exc
    except _DECODE_ERRORS as exc:
        log.debug("rejected %s image %r: %r", fmt, name, exc)
        raise ImageRejected(MSG_DAMAGED, source=name) from exc


def _decode(data: bytes, fmt: str, max_pixels: int, max_side: int | None) -> Image.Image:
    """Open with only the sniffed plugin, bound the size from the header, then load the first frame."""
    # Pillow's own bomb check runs inside Image.open and warns above Image.MAX_IMAGE_PIXELS; capping our
    # limit there (locally, without touching the global) means every image it would warn about is one we
    # reject anyway, and changing warning filters here would race with other threads.
    pillow_limit = Image.MAX_IMAGE_PIXELS or math.inf
    limit = int(min(max_pixels, pillow_limit))
    with Image.open(io.BytesIO(data), formats=[fmt]) as im:
        _check_geometry(im.width, im.height, limit)
        im.seek(0)  # animated GIF / WEBP / APNG: the first frame
        if max_side is not None and fmt == "JPEG" and max(im.size) > max_side:
            scale = max_side / max(im.size)  # draft keeps both sides at least this big
            im.draft(im.mode, (math.ceil(im.width * scale), math.ceil(im.height * scale)))
        im.load()
        upright = _upright(im)
        rgb = to_rgb(upright)
        if rgb is im:  # detach from the file object that the context manager closes
            rgb = rgb.copy()
        if max_side is not None and max(rgb.size) > max_side:
            rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        return rgb


def _upright(im: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; a photo whose EXIF cannot be parsed is kept as it is."""
    try:
        return ImageOps.exif_transpose(im)
    except (SyntaxError, ValueError, OSError, struct.error, KeyError, TypeError) as exc:
        # Damaged metadata must not cost the user a readable photo; we never store EXIF anyway. Fuzzing
        # the EXIF block showed Pillow raising TypeError as well as the usual parse errors here.
        log.info("ignoring unreadable EXIF orientation: %r", exc)
        return im


def to_rgb(image: Image.Image) -> Image.Image:
    """Return ``image`` as 8-bit RGB: transparency on white, 16-bit and float data rescaled, not clipped."""
    mode = image.mode
    if mode == "RGB" and "transparency" not in image.info:
        return image
    try:
        if mode.startswith("I;16"):
            return _scaled_to_rgb(np.asarray(image, dtype=np.float64) / 257.0)
        if mode == "I":
            return _scaled_to_rgb(_int_to_8bit(np.asarray(image, dtype=np.float64)))
        if mode == "F":
            return _scaled_to_rgb(_float_to_8bit(np.asarray(image, dtype=np.float64)))
        if mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
            rgba = image.convert("RGBA")
            white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            return Image.alpha_composite(white, rgba).convert("RGB")
        return image.convert("RGB")  # L, 1, P, CMYK, YCbCr, ...
    except ValueError as exc:  # a mode Pillow cannot convert (e.g. LAB)
        raise ImageRejected(MSG_MODE) from exc


def _int_to_8bit(values: np.ndarray) -> np.ndarray:
    """Map 32-bit integer samples to 0..255: 8-bit data as is, 16-bit data scaled, anything else stretched."""
    low, high = float(values.min()), float(values.max())
    if low >= 0 and high <= 255:
        return values
    if low >= 0 and high <= 65535:
        return values / 257.0
    return (values - low) * (255.0 / max(high - low, 1.0))


def _float_to_8bit(values: np.ndarray) -> np.ndarray:
    """Map float samples to 0..255: 0..1 data scaled up, anything else clipped; NaN becomes black."""
    values = np.nan_to_num(values, nan=0.0, posinf=255.0, neginf=0.0)
    if values.min() >= 0 and values.max() <= 1.0:
        return values * 255.0
    return values


def _scaled_to_rgb(values: np.ndarray) -> Image.Image:
    """Round and clip 0..255 grey values to an 8-bit RGB image."""
    grey = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    return Image.fromarray(grey).convert("RGB")


def _encode_jpeg(image: Image.Image, max_side: int, quality: int) -> bytes:
    """Return ``image`` as JPEG bytes with its longest side at most ``max_side``; no metadata is written."""
    rgb = to_rgb(image)
    if max(rgb.size) > max_side:
        rgb = rgb.copy()
        rgb.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=quality, optimize=True)
    return out.getvalue()


def make_thumbnail(image: Image.Image, size: int = 256) -> bytes:
    """Return a JPEG thumbnail whose longest side is at most ``size`` pixels."""
    return _encode_jpeg(image, size, THUMBNAIL_QUALITY)


def encode_original(
    image: Image.Image, *, max_side: int = ORIGINAL_MAX_SIDE, quality: int = ORIGINAL_QUALITY
) -> bytes:
    """Return the bytes we store as a garment's original: normalised RGB, high-quality JPEG, no metadata."""
    return _encode_jpeg(image, max_side, quality)


def load_photo(
    data: bytes, name: str | None, settings: Settings, *, max_side: int | None = ORIGINAL_MAX_SIDE
) -> DecodedPhoto:
    """Decode an uploaded photo with the limits from ``settings`` and describe it.

    The image is shrunk to ``max_side`` (the size of the stored original) unless that is None;
    ``width`` and ``height`` describe the decoded image, ``sha256`` the bytes as received.
    """
    fmt = sniff_format(data) or "unknown"
    image = decode_image(
        data,
        name=name,
        max_bytes=settings.max_image_bytes,
        max_pixels=settings.max_image_pixels,
        max_side=max_side,
    )
    return DecodedPhoto(
        image=image,
        sha256=content_hash(data),
        name=name,
        width=image.width,
        height=image.height,
        format=fmt,
    )
