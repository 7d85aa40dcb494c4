"""Formality from what the photo shows: the shipped probe, its combination with the type, and real photos."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from config.settings import Settings
from config.vocabulary import FORMALITIES, load_vocabulary
from engine.encoders.embedded import EmbeddedEncoder
from engine.tagging.formality import load_formality_kinds, shown_formality
from engine.tagging.tagger import Tagger, build_tagger
from engine.types import PhotoInput, Tagged
from models.artifacts import IMAGENET_DIR, STYLE_DIR
from models.formality_probe import FORMALITY_DIR, PROBE_CONFIG, PROBE_WEIGHTS, FormalityProbe
from models.runtime import RuntimeUnavailable, StyleRuntime
from tests._support import REPO, SAMPLES

CATALOG = REPO / "samples" / "catalog" / "images"


@pytest.fixture(scope="module")
def tagger(encoder: EmbeddedEncoder, encoder_settings: Settings) -> Tagger:
    """The product tagger (ImageNet branch and formality probe) over the session's encoder."""
    return build_tagger(encoder_settings, encoder)


def _tag(tagger: Tagger, *paths: Path) -> list[Tagged]:
    results = tagger.tag_photos([PhotoInput(p.read_bytes(), p.name) for p in paths])
    assert all(isinstance(r, Tagged) for r in results), results
    return results  # type: ignore[return-value]


def test_the_shipped_probe_loads_with_the_encoder_for_its_network(encoder: EmbeddedEncoder) -> None:
    probe = encoder.formality_probe
    assert isinstance(probe, FormalityProbe)
    assert set(probe.labels) == set(FORMALITIES)
    assert {"shirt", "pants", "shorts", "t-shirt", "shoes", "formal-shoes"} <= set(probe.types)
    assert not {"skirt", "dress", "coat", "hat"} & set(probe.types)  # never trained on: the type rule stays
    assert probe.info["network"] == encoder.runtime.tag and probe.dim == encoder.dim
    assert 0.0 < probe.minimums["sport"] < 1.0 and 0.0 < probe.minimums["formal"] < 1.0
    probs = probe.probs(np.zeros((2, probe.dim)), np.full((2, 1000), 1e-3))
    assert probs.shape == (2, 4) and np.allclose(probs.sum(1), 1.0, atol=1e-5)


def test_a_missing_probe_is_a_clear_error_naming_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=f"no formality probe in {tmp_path}.*models.train_formality"):
        FormalityProbe.load(tmp_path)
    with pytest.raises(RuntimeUnavailable, match="formality probe"):
        StyleRuntime(STYLE_DIR, cache_dir=tmp_path, device="cpu", branch=IMAGENET_DIR, formality=tmp_path)


def test_a_corrupt_or_inconsistent_probe_is_a_clear_error(tmp_path: Path) -> None:
    shutil.copytree(FORMALITY_DIR, tmp_path / "probe")
    folder = tmp_path / "probe"
    (folder / PROBE_WEIGHTS).write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match=f"unreadable formality probe in {folder}"):
        FormalityProbe.load(folder)
    shutil.copy(FORMALITY_DIR / PROBE_WEIGHTS, folder / PROBE_WEIGHTS)
    info = json.loads((folder / PROBE_CONFIG).read_text(encoding="utf-8"))
    (folder / PROBE_CONFIG).write_text(json.dumps({**info, "labels": ["formal", "casual"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="inconsistent shapes"):
        FormalityProbe.load(folder)


def test_the_probe_stands_within_the_type_and_a_data_row_names_the_kind_beyond_it() -> None:
    sure_casual = {"formal": 0.05, "smart-casual": 0.1, "casual": 0.8, "sport": 0.05}
    slipper = shown_formality("formal-shoes", sure_casual)  # an ImageNet "Loafer" the photo shows as casual
    assert (slipper.type, slipper.formality, slipper.switched) == ("shoes", "casual", True)
    shirt = shown_formality("shirt", {"formal": 0.2, "smart-casual": 0.1, "casual": 0.1, "sport": 0.6})
    assert (shirt.type, shirt.formality, shirt.switched) == ("shirt", "formal", False)  # no sporty shirt kind
    assert shown_formality("shoes", {"formal": 0.45, "smart-casual": 0.4, "casual": 0.1, "sport": 0.05},
                           {"formal": 0.5}).formality == "smart-casual"  # under its minimum formal is not claimed
    vocabulary = load_vocabulary()
    for (kind_of, formality), kind in load_formality_kinds().items():
        assert formality not in vocabulary.type_of(kind_of).formalities
        assert formality in vocabulary.type_of(kind).formalities


def test_running_shoes_are_sport_and_a_leather_loafer_is_not_casual(tagger: Tagger) -> None:
    running, loafer = _tag(tagger, SAMPLES / "shoes-2.jpg", CATALOG / "demo-shoes-3.jpg")
    assert running.tags.formality == "sport"
    assert loafer.tags.formality in ("formal", "smart-casual") and loafer.tags.type == "formal-shoes"


def test_slippers_flip_flops_and_kids_shoes_are_never_formal(tagger: Tagger) -> None:
    """The wardrobe-gaps answer once offered these as smart-casual shoes (issue 14)."""
    kids, flip_flops, slides = _tag(tagger, *(CATALOG / f"demo-shoes-{i}.jpg" for i in (1, 4, 5)))
    assert [r.tags.formality for r in (kids, flip_flops, slides)] == ["casual"] * 3


def test_sports_shorts_are_sport_and_a_printed_tee_is_casual(tagger: Tagger) -> None:
    sports, tee = _tag(tagger, SAMPLES / "shorts-3.jpg", SAMPLES / "t-shirt-2.jpg")
    assert (sports.tags.type, sports.tags.formality) == ("shorts", "sport")
    assert tee.tags.formality == "casual"


@pytest.mark.parametrize(("path", "formality"), [
    ("clothing_small/validation/shirt/4db14d3d-05ca-48b1-9257-204b447c27bb.jpg", "formal"),  # plain light dress shirt
    ("clothing_small/validation/pants/facb2d9e-2e26-48dc-aefc-da385357ad99.jpg", "formal"),  # tailored trousers
    ("clothing_small/validation/shoes/65368501-a7a8-4552-9035-7e812b9b4828.jpg", "formal"),  # black leather lace-ups
    ("clothing_small/validation/shorts/e55c3d9f-81f8-4e0c-9882-3a747ed4c676.jpg", "sport"),  # track shorts
])
def test_validation_photos_labelled_by_eye(tagger: Tagger, shared_data: Path, path: str, formality: str) -> None:
    (result,) = _tag(tagger, shared_data / path)
    assert result.tags.formality == formality
