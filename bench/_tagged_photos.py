"""The product tagger's output (tags + style embedding) for the labelled photos, computed once and cached.

The correction replay and its calibration run the learning rule many times over the same photos; tagging them is
the slow part, so the real ``Tagger`` runs once per photo set and the result is kept under ``build/replay/`` (keyed
by the encoder's name, which changes with the weights, and the colour palette).
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "build" / "replay"


@dataclass(frozen=True, slots=True)
class LabelledPhoto:
    """One photo with its labels, the tagger's tags (JSON form) and its style embedding."""

    path: str
    sender: str
    type: str
    category: str
    colour: str  # by-eye dominant colour label, "" where the photo has none
    pattern: str  # by-eye pattern label, "" where the photo has none
    tags: dict[str, Any]
    embedding: np.ndarray


def labelled_rows(data: Path, part: str) -> list[dict[str, str]]:
    """Return the label rows of ``part``: a clothing_small split name or ``extra`` (clothing_extra)."""
    folder = data / ("clothing_extra" if part == "extra" else "clothing_small")
    rows = list(csv.DictReader((folder / "labels.csv").open(encoding="utf-8")))
    if part != "extra":
        rows = [r for r in rows if r["split"] == part]
    colours_csv = folder / "colour_pattern_labels.csv"
    colours = {}
    if colours_csv.is_file():
        colours = {r["path"]: r for r in csv.DictReader(colours_csv.open(encoding="utf-8"))}
    for r in rows:
        r["_file"] = str(folder / r["path"])
        r["_colour"] = colours.get(r["path"], {}).get("colour", "")
        r["_pattern"] = colours.get(r["path"], {}).get("pattern", "")
    return rows


def tagged_photos(data: Path, part: str, look: str = "") -> list[LabelledPhoto]:
    """Return every photo of ``part`` tagged by the product tagger (cached per encoder); ``look``: tag its studio
    rendering instead (``bench.studio_renders``)."""
    from config.settings import load_settings
    from engine.tagging.tagger import build_tagger

    rows = labelled_rows(data, part)
    tagger = build_tagger(load_settings(encoder_threads=1))
    palette = hashlib.sha256((REPO / "config" / "data" / "palette.csv").read_bytes()).hexdigest()  # colour names
    what = [tagger.encoder.name, palette, part, look, [r["path"] for r in rows]]
    key = hashlib.sha256(json.dumps(what).encode()).hexdigest()
    path = CACHE / f"{part}{'-' + look if look else ''}-{key[:12]}"
    if not (path.with_suffix(".npy").is_file() and path.with_suffix(".json").is_file()):
        tags, vectors = [], []
        for start in range(0, len(rows), 32):
            images = [_open(r["_file"], r["path"], look) for r in rows[start : start + 32]]
            for item in tagger.tag(images):
                tags.append(item.tags.to_dict())
                vectors.append(item.embedding)
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path.with_suffix(".npy"), np.stack(vectors).astype(np.float32))
        path.with_suffix(".json").write_text(json.dumps(tags))
    vectors_all = np.load(path.with_suffix(".npy"))
    tags_all = json.loads(path.with_suffix(".json").read_text())
    return [
        LabelledPhoto(r["path"], r["sender_id"], r["type"], r["category"], r["_colour"], r["_pattern"], t, v)
        for r, t, v in zip(rows, tags_all, vectors_all, strict=True)
    ]


def _open(path: str, key: str, look: str) -> Image.Image:
    from bench.studio_renders import render

    with Image.open(path) as image:
        rgb = image.convert("RGB")
    return render(rgb, key, look) if look else rgb
