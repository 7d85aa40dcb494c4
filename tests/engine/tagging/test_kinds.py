"""Combining the garment heads with the ImageNet branch: the class map, the rule, and real photos through it."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from config.settings import Settings
from config.vocabulary import CONFIRM_BELOW, load_vocabulary
from engine.encoders.embedded import EmbeddedEncoder
from engine.tagging.kinds import GARMENT, Decision, Rule, decide, load_kind_map
from engine.tagging.tagger import Tagger, build_tagger
from engine.types import PhotoInput, Tagged
from tests._support import REPO, SAMPLES

ISSUE_KINDS = ("handbag", "backpack", "wallet", "tote", "belt", "watch", "sunglasses", "tie", "scarf", "socks",
               "jewellery", "gloves", "cap")


def _probs(**classes: float) -> np.ndarray:
    """ImageNet probabilities with the named class indices (``c414=0.9``) and the rest spread evenly."""
    probs = np.zeros(1000, dtype=np.float32)
    for name, p in classes.items():
        probs[int(name[1:])] = p
    rest = 1.0 - probs.sum()
    probs[probs == 0] = rest / (probs == 0).sum()
    return probs


def _decide(garment: Decision, probs: np.ndarray, rule: Rule | None = None) -> Decision:
    kinds = load_kind_map()
    return decide(garment, {garment.type: garment.type_conf}, kinds.mass(probs[None])[0], probs, rule or Rule())


SURE_SHOE = Decision("shoes", 0.93, "shoes", 0.9)


def test_the_class_map_names_known_types_with_a_reason() -> None:
    rows = list(csv.DictReader((REPO / "config" / "data" / "imagenet_types.csv").open(encoding="utf-8")))
    types = load_vocabulary().types
    assert all(r["reason"].strip() for r in rows)
    assert {r["type"] for r in rows} - {GARMENT} <= set(types)
    assert set(ISSUE_KINDS) <= {r["type"] for r in rows}  # every kind the issue lists is reachable
    assert {types[k].category for k in ("handbag", "backpack", "tote")} == {"bag"}
    assert {types[k].category for k in ("belt", "watch", "sunglasses", "tie", "scarf", "socks")} == {"accessory"}


@pytest.mark.parametrize(("cls", "kind", "category"), [
    ("c414", "backpack", "bag"), ("c636", "handbag", "bag"), ("c893", "wallet", "accessory"),
    ("c837", "sunglasses", "accessory"), ("c464", "belt", "accessory"), ("c906", "tie", "accessory"),
    ("c531", "watch", "accessory"), ("c806", "socks", "accessory")])
def test_a_sure_imagenet_bag_or_accessory_beats_a_confident_garment_head(cls: str, kind: str, category: str) -> None:
    """The garment heads never saw a bag and call a backpack "shoes" at 0.93: the branch's 0.9 wins."""
    found = _decide(SURE_SHOE, _probs(**{cls: 0.9}))
    assert (found.category, found.type) == (category, kind) and found.category_conf >= 0.9


def test_a_faint_accessory_signal_leaves_the_garment_alone() -> None:
    found = _decide(Decision("top", 0.95, "t-shirt", 0.9), _probs(c728=0.3, c610=0.5))
    assert (found.category, found.type) == ("top", "t-shirt")


@pytest.mark.parametrize(("cls", "kind", "formality"), [
    ("c630", "formal-shoes", "formal"), ("c770", "sports-shoes", "sport"), ("c774", "sandals", None)])
def test_the_shoe_kind_the_photo_shows_names_the_type_and_formality(cls: str, kind: str, formality: str) -> None:
    found = _decide(SURE_SHOE, _probs(**{cls: 0.8}))
    assert (found.category, found.type, found.formality) == ("shoes", kind, formality)


def test_a_kind_never_crosses_categories() -> None:
    """A Loafer class on a photo the heads call trousers does not make trousers shoes."""
    found = _decide(Decision("bottom", 0.9, "pants", 0.9), _probs(c630=0.6))
    assert (found.category, found.type) == ("bottom", "pants")


def test_what_neither_side_recognises_is_other_with_the_likely_kinds() -> None:
    found = _decide(Decision("top", 0.35, "t-shirt", 0.3), _probs(c500=0.4))  # a cliff dwelling, unmapped
    assert (found.category, found.type) == ("other", "other")
    assert found.candidates and found.candidates[0] == "t-shirt"
    sure = _decide(Decision("top", 0.95, "t-shirt", 0.9), _probs(c500=0.4))  # the heads are sure: a t-shirt ...
    assert sure.category == "top" and sure.category_conf < CONFIRM_BELOW  # ... that the photo barely shows: asked
    shown = _decide(Decision("top", 0.95, "t-shirt", 0.9), _probs(c610=0.5))  # ImageNet sees a T-shirt too
    assert (shown.category, shown.category_conf) == ("top", 0.95)


def test_the_committed_rule_is_the_calibrated_one() -> None:
    assert Rule.load() == Rule()  # the defaults are what bench.kind_rule chose; see models/weights/imagenet_v1


# --- real photos through the product tagger ---------------------------------------------------------------


@pytest.fixture(scope="module")
def tagger(encoder: EmbeddedEncoder, encoder_settings: Settings) -> Tagger:
    """The product tagger (ImageNet branch on, the committed rule)."""
    return build_tagger(encoder_settings, encoder)


def _jpeg(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def non_garments() -> list[PhotoInput]:
    """Real photos of things that are not garments (the two scikit-learn sample photos) and drawn shapes."""
    from sklearn.datasets import load_sample_images

    photos = [PhotoInput(_jpeg(Image.fromarray(a)), f"sample-{i}.jpg")
              for i, a in enumerate(load_sample_images().images)]
    rng = np.random.default_rng(5)
    for i in range(4):
        image = Image.new("RGB", (224, 224), tuple(int(v) for v in rng.integers(0, 256, 3)))
        draw = ImageDraw.Draw(image)
        for _ in range(6):
            x, y = (int(v) for v in rng.integers(0, 180, 2))
            draw.ellipse((x, y, x + 40, y + 60), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
        photos.append(PhotoInput(_jpeg(image), f"shapes-{i}.jpg"))
    return photos


def test_no_sample_garment_is_called_other_or_an_accessory(tagger: Tagger) -> None:
    paths = sorted(SAMPLES.glob("*.jpg"))
    results = tagger.tag_photos([PhotoInput(p.read_bytes(), p.name) for p in paths])
    categories = [r.tags.category for r in results if isinstance(r, Tagged)]
    assert len(categories) == 36 and not set(categories) & {"other", "bag", "accessory"}


def test_non_garments_are_never_a_confident_garment(tagger: Tagger) -> None:
    results = tagger.tag_photos(non_garments())
    tags = [r.tags for r in results if isinstance(r, Tagged)]
    assert len(tags) == 6
    assert all(t.category == "other" or t.confidence["category"] < 0.6 for t in tags), \
        [(t.category, t.confidence["category"]) for t in tags]
    others = [t for t in tags if t.category == "other"]
    assert len(others) >= 3 and all(t.candidates for t in others)  # the rest: a category asked about
    assert all(t.to_dict()["candidates"] == list(t.candidates) for t in others)
