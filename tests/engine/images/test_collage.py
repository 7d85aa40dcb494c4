"""Look collages from real garment photos: valid images, small files, each piece in its place, no holes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from engine.images.collage import (
    BACKGROUND,
    MAX_BYTES,
    Box,
    CollagePiece,
    render_collage,
    render_collage_with_layout,
)
from engine.tagging.colors import extract_colors
from tests._support import SAMPLES

WARDROBE = SAMPLES
SIZE = (800, 1000)
FIVE = {"outer": "outwear-1.jpg", "top": "longsleeve-2.jpg", "bottom": "pants-1.jpg", "shoes": "shoes-1.jpg",
        "hat": "hat-2.jpg"}


def _photo(name: str) -> Image.Image:
    with Image.open(WARDROBE / name) as im:
        return im.convert("RGB")


def _look(files: dict[str, str]) -> list[CollagePiece]:
    return [CollagePiece(slot, _photo(name)) for slot, name in files.items()]


def _render(pieces: list[CollagePiece], **kw: object) -> tuple[Image.Image, dict[str, Box]]:
    data, boxes = render_collage_with_layout(pieces, title="Work · 14 °C, light rain", **kw)  # type: ignore[arg-type]
    return Image.open(io.BytesIO(data)).convert("RGB"), {p.slot: b for p, b in zip(pieces, boxes, strict=True)}


def _garment_share(image: Image.Image, box: Box) -> float:
    """Fraction of the box's pixels that are visibly not canvas background."""
    pixels = np.asarray(image.crop(box), dtype=np.int16)
    return float((np.abs(pixels - np.array(BACKGROUND)).max(axis=2) > 12).mean())


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_renders_a_small_valid_image_of_the_requested_size(fmt: str) -> None:
    data = render_collage(_look(FIVE), title="Work · 14 °C, light rain", subtitle="Layers for the drizzle.", fmt=fmt)
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == fmt
        assert image.size == SIZE
        image.load()
    assert len(data) < MAX_BYTES


def test_other_sizes_are_honoured() -> None:
    data = render_collage(_look(FIVE), title="Work", fmt="jpeg", size=(400, 500))
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (400, 500)


def test_every_piece_lands_in_its_slots_region() -> None:
    image, boxes = _render(_look(FIVE), subtitle="Warm layers in dark tones.")
    top, outer, bottom, shoes, hat = (boxes[s] for s in ("top", "outer", "bottom", "shoes", "hat"))
    assert outer[2] <= top[0], "outerwear sits left of the top"
    assert outer[1] < top[3] and top[1] < outer[3], "... beside it"
    assert bottom[1] >= top[3], "the bottom is below the top"
    assert shoes[1] >= top[3] and shoes[1] > SIZE[1] // 2, "shoes are in the lower half, below the top"
    assert hat[0] >= top[2], "the hat is in the side column"
    for slot, box in boxes.items():
        assert 0 <= box[0] < box[2] <= SIZE[0] and 0 <= box[1] < box[3] <= SIZE[1], slot
        assert _garment_share(image, box) > 0.4, f"{slot}: the box shows the garment, not background"
    placed = list(boxes.values())
    assert not any(_overlap(a, b) for i, a in enumerate(placed) for b in placed[i + 1 :])


def test_sizes_follow_the_slot_not_the_photo() -> None:
    _, boxes = _render(_look(FIVE))

    def area(box: Box) -> int:
        return (box[2] - box[0]) * (box[3] - box[1])

    assert area(boxes["shoes"]) < area(boxes["top"]) / 2
    assert area(boxes["hat"]) < area(boxes["outer"]) / 2


def test_a_dress_alone_fills_the_canvas() -> None:
    image, boxes = _render([CollagePiece("onepiece", _photo("dress-2.jpg"))])
    left, top, right, bottom = boxes["onepiece"]
    assert (bottom - top) > 0.7 * SIZE[1] or (right - left) > 0.85 * SIZE[0]
    assert abs(left - (SIZE[0] - right)) <= 2, "centred"
    assert _garment_share(image, boxes["onepiece"]) > 0.4


def test_missing_slots_leave_no_holes() -> None:
    pieces = _look({"top": "t-shirt-1.jpg", "bottom": "shorts-1.jpg", "shoes": "shoes-4.jpg"})
    _, boxes = _render(pieces)
    union = (min(b[0] for b in boxes.values()), min(b[1] for b in boxes.values()),
             max(b[2] for b in boxes.values()), max(b[3] for b in boxes.values()))
    assert abs(union[0] - (SIZE[0] - union[2])) <= 0.05 * SIZE[0], "the composition is centred"
    assert union[2] - union[0] > 0.8 * SIZE[0] or union[3] - union[1] > 0.7 * SIZE[1], "and fills the canvas"
    # no column is kept free for the absent outerwear or accessories
    covered = sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes.values())
    assert covered > 0.55 * (union[2] - union[0]) * (union[3] - union[1])


def test_a_dress_takes_the_place_of_top_and_bottom() -> None:
    _, boxes = _render(_look({"outer": "outwear-2.jpg", "onepiece": "dress-3.jpg", "shoes": "shoes-5.jpg"}))
    assert boxes["outer"][2] <= boxes["onepiece"][0]
    assert boxes["shoes"][1] > boxes["onepiece"][1]
    assert boxes["onepiece"][3] - boxes["onepiece"][1] > boxes["outer"][3] - boxes["outer"][1]


def test_long_texts_are_wrapped_and_ellipsized() -> None:
    title = "Date night · 9 °C, windy " + "and a title that goes on and on " * 40
    pieces = _look({"top": "shirt-2.jpg", "bottom": "skirt-2.jpg", "shoes": "shoes-2.jpg"})
    labelled = [CollagePiece(p.slot, p.image, label="A label far wider than its garment " * 5) for p in pieces]
    data, boxes = render_collage_with_layout(labelled, title=title, subtitle="Because " * 200)
    _, short_boxes = render_collage_with_layout(labelled, title="Date night", subtitle="Because")
    assert Image.open(io.BytesIO(data)).size == SIZE
    # at most two lines each: the garments move down by a few lines' height, not off the canvas
    assert min(b[1] for b in boxes) - min(b[1] for b in short_boxes) < 0.15 * SIZE[1]
    assert max(b[3] for b in boxes) <= SIZE[1]


def test_an_empty_look_is_refused_clearly() -> None:
    with pytest.raises(ValueError, match="at least one piece"):
        render_collage([], title="Nothing")
    with pytest.raises(ValueError, match="PNG"):
        render_collage(_look({"top": "t-shirt-2.jpg"}), title="Gif?", fmt="GIF")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_same_look_same_bytes(fmt: str) -> None:
    def render() -> bytes:
        return render_collage(_look(FIVE), title="Work", subtitle="Dark layers.", fmt=fmt)

    assert render() == render()


def test_a_precomputed_mask_gives_the_same_collage() -> None:
    pieces = _look({"top": "t-shirt-3.jpg", "bottom": "skirt-1.jpg"})
    masked = [CollagePiece(p.slot, p.image, mask=extract_colors(p.image).mask) for p in pieces]
    assert render_collage(masked, title="Work") == render_collage(pieces, title="Work")


def test_a_transparent_cutout_keeps_its_own_alpha() -> None:
    cutout = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    cutout.paste((200, 30, 30, 255), (70, 20, 130, 180))  # a 60 x 160 opaque garment
    _, boxes = _render([CollagePiece("bag", cutout)])
    left, top, right, bottom = boxes["bag"]
    assert (right - left) / (bottom - top) == pytest.approx(60 / 160, rel=0.1)


# --- what a chat shows first: a frame filled like a flat-lay, text readable at a phone's preview size ------------

THREE = {"top": "t-shirt-1.jpg", "bottom": "pants-2.jpg", "shoes": "shoes-2.jpg"}
PREVIEW_W = 360


def _ink(image: Image.Image) -> np.ndarray:
    """Return where the picture is visibly not background."""
    pixels = np.asarray(image, dtype=np.int16)
    return np.abs(pixels - np.array(BACKGROUND)).max(axis=2) > 12


def test_a_three_piece_look_fills_the_frame_like_a_flat_lay() -> None:
    pieces = [CollagePiece(s, _photo(n), label) for (s, n), label in zip(THREE.items(), ("T-shirt", "trousers",
                                                                                       "shoes"), strict=True)]
    image, boxes = _render(pieces, subtitle="Stripes and black, a calm pairing; dressed for 14 °C.")
    ink = _ink(image)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    assert (cols[-1] - cols[0]) >= 0.8 * SIZE[0], "no empty band at the sides"
    assert (rows[-1] - rows[0]) >= 0.8 * SIZE[1], "nor at the foot"
    garments = [b for s, b in boxes.items()]
    union_w = max(b[2] for b in garments) - min(b[0] for b in garments)
    assert union_w >= 0.8 * SIZE[0], "the garments themselves span the frame"
    thirds = [ink[SIZE[1] // 4 :, k * SIZE[0] // 3 : (k + 1) * SIZE[0] // 3].mean() for k in range(3)]
    assert min(thirds) > 0.1, f"every third of the body holds garment: {thirds}"
    assert boxes["top"][3] <= boxes["bottom"][3] and boxes["shoes"][1] > boxes["top"][1], "top above, shoes low"


def test_title_and_reason_are_readable_at_a_phones_preview_size() -> None:
    image, boxes = _render(_look(THREE), subtitle="Stripes and black, a calm pairing; dressed for 14 °C.")
    preview = image.resize((PREVIEW_W, round(PREVIEW_W * SIZE[1] / SIZE[0])), Image.Resampling.LANCZOS)
    ink = _ink(preview)
    first_garment = min(b[1] for b in boxes.values()) * PREVIEW_W // SIZE[0]
    text_rows = np.flatnonzero(ink[:first_garment].any(axis=1))
    assert text_rows.size and text_rows[0] < 0.06 * preview.height, "the title opens the picture"
    # runs of inked rows are text lines: the title's is at least 17 px tall at 360 px wide, the reason's 11 px
    runs = np.split(text_rows, np.flatnonzero(np.diff(text_rows) > 1) + 1)
    heights = [len(r) for r in runs]
    assert len(runs) >= 2 and heights[0] >= 17 and min(heights[1:]) >= 11, heights
