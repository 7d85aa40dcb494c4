"""Flat-lay collage of a look: garments cut out of their photos and laid out by slot under a title.

Layout, in "units" (roughly centimetres of garment): each piece gets a target size from its slot
(``_SLOT_SIDE``: the side of a square of the same area, so a coat is bigger than a shoe whatever the photo's
framing), then pieces are stacked in columns: outerwear on the left beside the top; top, one-piece and bottom
in the middle; hat, bag and accessories on the right. Shoes go under the bottom, under the outerwear or at the
foot of the right column, whichever draws everything largest (then: leaves least empty space). One scale
(pixels per unit) fits the whole arrangement into the canvas, so sizes stay comparable and absent slots leave
no holes.

Pure Pillow + numpy, deterministic, blocking: call it behind ``asyncio.to_thread``.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from models.pixels import erode, garment_mask, rgb_to_lab, working_rgb

Box = tuple[int, int, int, int]  # left, top, right, bottom (exclusive), canvas pixels
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

_SLOT_SIDE = {"outer": 70.0, "top": 60.0, "onepiece": 78.0, "bottom": 60.0, "shoes": 34.0,
              "hat": 30.0, "bag": 36.0, "accessory": 24.0}  # a little larger than life for the small ones
_OTHER_SIDE = 24.0
_MAIN = ("top", "onepiece", "bottom")  # middle column, top to bottom
_SIDE = ("hat", "bag", "accessory")  # right column, top to bottom; unknown slots and repeats follow

BACKGROUND = (244, 242, 238)
TITLE_COLOR = (34, 34, 34)
SUBTITLE_COLOR = (96, 96, 96)
LABEL_COLOR = (92, 92, 92)
SHADOW_OPACITY = 0.22
MARGIN = 0.04  # of the canvas width
GAP = 0.03  # between pieces, of the canvas width
# text sizes, of the canvas width: at a chat's preview width (~360 px) they stay about 20, 12 and 10 px high
TITLE_SIZE, SUBTITLE_SIZE, LABEL_SIZE = 0.056, 0.034, 0.029
MAX_BYTES = 400_000
JPEG_QUALITY = 85
_FEATHER = [max(0, min(255, (v - 96) * 2)) for v in range(256)]  # alpha ramp moved inside the mask edge
_SHADOW = [round(v * SHADOW_OPACITY) for v in range(256)]
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


@dataclass(frozen=True, slots=True)
class CollagePiece:
    """One garment of a look: its outfit slot, photo, optional caption and optional precomputed mask.

    ``mask`` is a boolean array of any resolution covering the whole photo (``extract_colors(...).mask``
    fits); without one, an image with transparency uses its alpha, any other is segmented here.
    """

    slot: str
    image: Image.Image
    label: str | None = None
    mask: np.ndarray | None = None


def render_collage(pieces: list[CollagePiece], *, title: str, subtitle: str | None = None, fmt: str = "PNG",
                   size: tuple[int, int] = (800, 1000)) -> bytes:
    """Render a look as a flat-lay collage and return the encoded PNG or JPEG bytes."""
    return render_collage_with_layout(pieces, title=title, subtitle=subtitle, fmt=fmt, size=size)[0]


def render_collage_with_layout(pieces: list[CollagePiece], *, title: str, subtitle: str | None = None,
                               fmt: str = "PNG", size: tuple[int, int] = (800, 1000)) -> tuple[bytes, list[Box]]:
    """Render a look; return the encoded bytes and each piece's drawn garment box, in the order of ``pieces``."""
    if not pieces:
        raise ValueError("a collage needs at least one piece; got an empty list")
    if min(size) < 64:
        raise ValueError(f"a collage needs at least 64 x 64 pixels; got {size[0]} x {size[1]}")
    fmt = fmt.upper()
    if fmt not in ("PNG", "JPEG"):
        raise ValueError(f"unsupported collage format {fmt!r}: use 'PNG' or 'JPEG'")
    width, height = size
    canvas = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    margin = round(MARGIN * width)
    header_bottom = _draw_header(draw, title, subtitle, margin, width)
    cutouts = [_cut_out(p, max(size)) for p in pieces]
    label_font = _font(max(11, round(width * LABEL_SIZE)), bold=False)
    label_h = _line_height(label_font) + 4 if any(p.label for p in pieces) else 0
    body = (margin, min(header_bottom, height // 2), width - margin, height - margin)
    cells = _arrange([p.slot for p in pieces], [c.size for c in cutouts], body, round(GAP * width), label_h)
    boxes = []
    for piece, cutout, cell in zip(pieces, cutouts, cells, strict=True):
        boxes.append(_paste(canvas, cutout, cell))
        if piece.label:
            _draw_label(draw, piece.label, label_font, boxes[-1], cell)
    return _encode(canvas, fmt), boxes


# --- cut-outs ---------------------------------------------------------------------------------------------


def _cut_out(piece: CollagePiece, limit: int) -> Image.Image:
    """Return the garment as RGBA, trimmed to its mask, with a feathered edge, longest side at most ``limit``."""
    image = piece.image
    if max(image.size) > limit:  # a full-size original: no piece is drawn larger than the canvas
        image = image.copy()
        image.thumbnail((limit, limit), Image.Resampling.BICUBIC, reducing_gap=2.0)
    if piece.mask is not None or image.mode not in ("RGBA", "LA", "PA") or image.getchannel("A").getextrema()[0]:
        mask = piece.mask if piece.mask is not None else garment_mask(rgb_to_lab(working_rgb(image)))
        # one pixel in from the segmenter's edge: its boundary pixels are often half background
        alpha = Image.fromarray(erode(np.asarray(mask, dtype=bool)).astype(np.uint8) * 255)
    else:
        alpha = image.getchannel("A")
    rgb = image.convert("RGB")
    # Blur at the mask's resolution, then shift the ramp inwards, so the background's fringe is faded out.
    feather = alpha.filter(ImageFilter.BoxBlur(1)).resize(rgb.size, Image.Resampling.BILINEAR).point(_FEATHER)
    bbox = feather.getbbox() or (0, 0, *rgb.size)
    cut = rgb.crop(bbox)
    cut.putalpha(feather.crop(bbox))
    return cut


def _paste(canvas: Image.Image, cutout: Image.Image, cell: Box) -> Box:
    """Scale ``cutout`` to fit ``cell`` (keeping its aspect), centre it, draw its shadow; return the drawn box."""
    cw, ch = cell[2] - cell[0], cell[3] - cell[1]
    scale = min(cw / cutout.width, ch / cutout.height)
    w, h = max(1, round(cutout.width * scale)), max(1, round(cutout.height * scale))
    piece = cutout.resize((w, h), Image.Resampling.BICUBIC, reducing_gap=3.0)
    x, y = cell[0] + (cw - w) // 2, cell[1] + (ch - h) // 2
    alpha = piece.getchannel("A")
    offset, blur = max(2, w // 60), max(3, w // 40)
    shadow = alpha.point(_SHADOW).filter(ImageFilter.BoxBlur(blur))
    canvas.paste((70, 60, 50), (x + offset // 2, y + offset), shadow)
    canvas.paste(piece.convert("RGB"), (x, y), alpha)
    return (x, y, x + w, y + h)


# --- layout -----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Column:
    items: list[int]  # indices into the pieces
    align: str  # "top" (level with the main column), "centre", "bottom" or "spread" (first at top, last at foot)


def _units(slot: str, size: tuple[int, int]) -> tuple[float, float]:
    """Return a piece's width and height in units: its slot's area, its own aspect ratio."""
    side = _SLOT_SIDE.get(slot, _OTHER_SIDE)
    aspect = size[0] / size[1]
    return side * math.sqrt(aspect), side / math.sqrt(aspect)


def _columns(slots: list[str], shoes_at: str) -> list[_Column]:
    """Group pieces into left / main / side columns, with the shoes in the column ``shoes_at`` names."""
    seen: set[str] = set()
    left: list[int] = []
    main: list[int] = []
    side: list[int] = []
    shoes: list[int] = []
    for i, slot in sorted(enumerate(slots), key=lambda e: (_order(e[1]), e[0])):
        column = {"outer": left, "shoes": shoes}.get(slot, main if slot in _MAIN else side)
        (column if slot not in seen else side).append(i)
        seen.add(slot)
    if shoes_at == "left" and left and main:
        return [_Column(left + shoes, "spread"), _Column(main, "centre"), _Column(side, "spread")]
    if shoes_at == "stagger" and not left and len(main) == 2:
        # the classic flat-lay diagonal: the top high on the left with the shoes under it, the bottom lower right
        return [_Column(main[:1] + shoes, "spread"), _Column(main[1:], "bottom"), _Column(side, "spread")]
    if shoes_at == "side" and main:
        return [_Column(left, "top"), _Column(main, "centre"), _Column(side + shoes, "spread" if side else "bottom")]
    return [_Column(left, "top"), _Column(main + shoes, "centre"), _Column(side, "spread")]


def _order(slot: str) -> int:
    order = ("outer", *_MAIN, "shoes", *_SIDE)
    return order.index(slot) if slot in order else len(order)


def _fit(columns: list[_Column], units: list[tuple[float, float]], avail: tuple[int, int], gap: int,
         label_h: int) -> tuple[float, list[int], list[int]]:
    """Return the largest scale (pixels per unit) at which ``columns`` fit ``avail``, and their pixel sizes."""
    scale = (avail[0] - gap * (len(columns) - 1)) / sum(max(units[i][0] for i in c.items) for c in columns)
    for c in columns:
        fixed = len(c.items) * (label_h + gap) - gap
        scale = min(scale, (avail[1] - fixed) / sum(units[i][1] for i in c.items))
    scale = max(scale, 1e-3)  # a canvas too small for its texts still renders, if uselessly
    widths = [round(max(units[i][0] for i in c.items) * scale) for c in columns]
    heights = [sum(round(units[i][1] * scale) + label_h + gap for i in c.items) - gap for c in columns]
    return scale, widths, heights


def _arrange(slots: list[str], sizes: list[tuple[int, int]], body: Box, gap: int, label_h: int) -> list[Box]:
    """Return one cell per piece inside ``body``, choosing where the shoes go.

    The arrangement drawn largest wins; among those within 3% of it, the one leaving least empty space
    between its columns (shoes under a long coat rather than far below the trousers).
    """
    units = [_units(s, wh) for s, wh in zip(slots, sizes, strict=True)]
    avail_w, avail_h = body[2] - body[0], body[3] - body[1]
    options = []
    for shoes_at in ("main", "side", "left", "stagger"):
        columns = [c for c in _columns(slots, shoes_at) if c.items]
        scale, widths, heights = _fit(columns, units, (avail_w, avail_h), gap, label_h)
        empty = sum((max(heights) - h) * w for w, h in zip(widths, heights, strict=True)) / (sum(widths) * max(heights))
        options.append((scale, empty, columns, widths, heights))
    largest = max(o[0] for o in options)
    scale, _, columns, widths, heights = min((o for o in options if o[0] >= 0.97 * largest), key=lambda o: o[1])
    # fill the frame: leftover width goes between the columns, leftover height between a column's pieces
    # (each capped, so a sparse look stays a composition rather than scattered pieces)
    spare_w = avail_w - sum(widths) - gap * (len(columns) - 1)
    col_gap = gap + (min(spare_w // (len(columns) - 1), avail_w // 8) if len(columns) > 1 else 0)
    total_h = min(avail_h, max(heights) + avail_h // 6)
    x = body[0] + (avail_w - sum(widths) - col_gap * (len(columns) - 1)) // 2
    y0 = body[1] + (avail_h - total_h) // 2
    cells: list[Box] = [(0, 0, 0, 0)] * len(slots)
    for column, w, h in zip(columns, widths, heights, strict=True):
        n = len(column.items)
        spread = column.align in ("spread", "centre") and n > 1
        step = (total_h - h) // (n - 1) if spread else 0
        spare = total_h - h - step * (n - 1)
        y = {"top": y0, "centre": y0 + spare // 2, "bottom": y0 + spare}.get(column.align, y0)
        for i in column.items:
            ph = round(units[i][1] * scale)
            cells[i] = (x, y, x + w, y + ph)
            y += ph + label_h + gap + step
        x += w + col_gap
    return cells


# --- text -------------------------------------------------------------------------------------------------


def _font(px: int, *, bold: bool) -> Font:
    """Return DejaVu Sans at ``px`` when installed, else Pillow's bundled scalable font."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in _FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), px)
    return ImageFont.load_default(size=px)


def _line_height(font: Font) -> int:
    top, bottom = font.getbbox("Ág")[1::2]
    return int(bottom - top) + 2


def _wrap(text: str, font: Font, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels in at most ``max_lines`` lines; the last one ellipsized if cut."""
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and font.getlength(f"{line} {words[0]}") <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if lines and (words or font.getlength(lines[-1]) > width):
        lines[-1] = _ellipsize(" ".join([lines[-1], *words]), font, width)
    return lines


def _ellipsize(text: str, font: Font, width: int) -> str:
    if font.getlength(text) <= width:
        return text
    lo, hi = 0, len(text)  # longest prefix that fits with the ellipsis
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if font.getlength(text[:mid].rstrip() + "…") <= width else (lo, mid - 1)
    return text[:lo].rstrip() + "…"


def _draw_header(draw: ImageDraw.ImageDraw, title: str, subtitle: str | None, margin: int, width: int) -> int:
    """Draw the title and subtitle lines, centred; return the y where the body may start."""
    title_font = _font(max(14, round(width * TITLE_SIZE)), bold=True)
    sub_font = _font(max(12, round(width * SUBTITLE_SIZE)), bold=False)
    y = margin
    for text, font, color, max_lines in ((title, title_font, TITLE_COLOR, 2),
                                         (subtitle or "", sub_font, SUBTITLE_COLOR, 2)):
        step = _line_height(font) + 4
        for line in _wrap(text, font, width - 2 * margin, max_lines):
            draw.text((width // 2, y), line, font=font, fill=color, anchor="mt")
            y += step
        y += step // 3
    return y + margin // 2


def _draw_label(draw: ImageDraw.ImageDraw, label: str, font: Font, box: Box, cell: Box) -> None:
    text = _ellipsize(" ".join(label.split()), font, cell[2] - cell[0])
    draw.text(((box[0] + box[2]) // 2, cell[3] + 4), text, font=font, fill=LABEL_COLOR, anchor="mt")


# --- encoding ---------------------------------------------------------------------------------------------


def _encode(canvas: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        canvas.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        # 256 colours: flat-lays are mostly flat background, so this stays far under MAX_BYTES and is fast
        palette = canvas.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        palette.save(out, "PNG", compress_level=6)
    return out.getvalue()
