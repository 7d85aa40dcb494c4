"""The embedded encoder: ONNX vs torch parity, embedding contract, ONNX caching and tagging accuracy."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from config.settings import Settings
from engine.encoders import load_encoder
from engine.encoders.embedded import EmbeddedEncoder
from engine.errors import EncoderUnavailable
from models.artifacts import NETWORK_FILE, STYLE_DIR
from models.heads import DEFAULT_DIR, WEIGHTS_FILE, TaggerHeads
from models.preprocess import Preprocessing
from tests._support import REPO, SAMPLES

EMBED_DIM = 256


def _rows(shared_data: Path, split: str) -> list[dict[str, str]]:
    with (shared_data / "clothing_small" / "labels.csv").open(encoding="utf-8") as fh:
        return [row for row in csv.DictReader(fh) if row["split"] == split]


def _open(shared_data: Path, rows: list[dict[str, str]]) -> list[Image.Image]:
    images = []
    for row in rows:
        with Image.open(shared_data / "clothing_small" / row["path"]) as img:
            images.append(img.convert("RGB"))
    return images


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    """One bundled sample photo of each of the 10 classes, in label order (dress, hat, longsleeve, outwear, ...)."""
    first: dict[str, Path] = {}
    for path in sorted(SAMPLES.glob("*.jpg")):
        first.setdefault(path.stem.rsplit("-", 1)[0], path)
    assert len(first) == 10
    images = []
    for label in sorted(first):
        with Image.open(first[label]) as img:
            images.append(img.convert("RGB"))
    return images


def test_onnx_matches_eager_torch(encoder: EmbeddedEncoder, photos: list[Image.Image]) -> None:
    """The ONNX export (uint8 photos in; embedding and both heads' logits out) reproduces the trained torch
    module run on the numpy-normalised input it was trained with."""
    import onnxruntime as ort
    import torch

    from engine.encoders.embedded import load_style_net

    with torch.inference_mode():
        expected = [t.numpy() for t in load_style_net()(torch.from_numpy(encoder.preprocessing.batch(photos)))]
    assert encoder.onnx_path is not None
    raw = encoder.preprocessing.photos(photos)
    assert raw.dtype == np.uint8 and raw.shape == (len(photos), 224, 224, 3)
    got = ort.InferenceSession(str(encoder.onnx_path), providers=["CPUExecutionProvider"]).run(None, {"pixels": raw})
    got = got[:3]  # the fourth output is the ImageNet branch's (tests/engine/encoders/test_imagenet_branch.py)
    assert [g.shape for g in got] == [e.shape for e in expected]
    for g, e in zip(got, expected, strict=True):
        assert np.abs(g - e).max() < 1e-4
    assert np.abs(encoder.embed_images(photos) - expected[0]).max() < 1e-4


def test_embeddings_are_unit_norm_float32(encoder: EmbeddedEncoder, photos: list[Image.Image]) -> None:
    emb = encoder.embed_images(photos)
    assert emb.shape == (len(photos), EMBED_DIM) and emb.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    assert encoder.embed_images([]).shape == (0, EMBED_DIM)


def test_embedding_does_not_depend_on_batch(encoder: EmbeddedEncoder, photos: list[Image.Image]) -> None:
    alone = encoder.embed_images([photos[3]])
    in_batch = encoder.embed_images(photos)[3:4]
    np.testing.assert_allclose(alone, in_batch, atol=1e-5)


def test_chunked_batches_match_one_batch(encoder_settings: Settings, photos: list[Image.Image]) -> None:
    small_chunks = EmbeddedEncoder(encoder_settings, chunk=3)
    big = EmbeddedEncoder(encoder_settings, chunk=64)
    np.testing.assert_allclose(small_chunks.embed_images(photos), big.embed_images(photos), atol=1e-5)


def test_threaded_layout_matches_one_thread(encoder_settings: Settings) -> None:
    """The GPU default (photos laid out by a thread pool one chunk ahead of the network) gives the same
    embeddings, in the same order, as laying them out on the calling thread; run here on the CPU path."""
    from models.runtime import StyleRuntime

    images = []
    for path in sorted(SAMPLES.glob("*.jpg"))[:11]:
        with Image.open(path) as img:
            images.append(img.convert("RGB"))
    one = StyleRuntime(cache_dir=encoder_settings.cache_dir, device="cpu", chunk=4)
    pooled = StyleRuntime(cache_dir=encoder_settings.cache_dir, device="cpu", chunk=4, prep_threads=3)
    assert one.prep_threads == 1 and pooled.prep_threads == 3
    expected = one.embed_images(images)
    assert len(images) == 11 and np.array_equal(pooled.embed_images(images), expected)
    assert np.array_equal(pooled.embed_images(images[5:6]), expected[5:6])
    assert pooled.embed_images([]).shape == (0, EMBED_DIM)


def test_tag_heads_give_calibrated_distributions(encoder: EmbeddedEncoder, photos: list[Image.Image]) -> None:
    tags = encoder.tag_heads(encoder.embed_images(photos))
    assert set(tags) == {"category", "type"}
    for head in tags.values():
        assert head.probs.shape == (len(photos), len(head.labels)) and head.probs.dtype == np.float32
        np.testing.assert_allclose(head.probs.sum(axis=1), 1.0, atol=1e-5)
    # photos are one per class in label order: dress, hat, longsleeve, outwear, pants, shirt, shoes, ...
    assert tags["category"].top(6)[0] == "shoes"
    # the low-confidence rule (fitted on validation) sits between chance and certainty
    assert 1 / len(tags["type"].labels) < encoder.low_confidence_threshold < 1


@pytest.fixture(scope="module")
def split_embeddings(encoder: EmbeddedEncoder, shared_data: Path) -> dict[str, tuple[list[dict[str, str]], np.ndarray]]:
    """Embeddings of the whole validation and test splits, through the product path."""
    return {split: (rows, encoder.embed_images(_open(shared_data, rows)))
            for split in ("validation", "test") for rows in [_rows(shared_data, split)]}


@pytest.mark.slow
def test_category_accuracy_on_clothing_small_test(encoder: EmbeddedEncoder, split_embeddings) -> None:
    rows, emb = split_embeddings["test"]
    tags = encoder.tag_heads(emb)
    category = np.mean([tags["category"].top(i)[0] == row["category"] for i, row in enumerate(rows)])
    fine = np.mean([tags["type"].top(i)[0] == row["type"] for i, row in enumerate(rows)])
    assert len(rows) == 372
    assert category >= 0.95, f"category accuracy {category:.3f}"
    assert fine >= 0.90, f"type accuracy {fine:.3f}"


@pytest.mark.slow
def test_nearest_neighbours_share_the_type(split_embeddings) -> None:
    # The retrieval measure: validation photos as queries, the test split as gallery, same-type
    # precision@5 (measured 0.911 with the prototype pull; 0.890 without it).
    from models.calibration import precision_at_k
    from models.style_data import TYPE_MERGES

    (q_rows, queries), (g_rows, gallery) = split_embeddings["validation"], split_embeddings["test"]
    same_type = precision_at_k(queries, [TYPE_MERGES.get(r["type"], r["type"]) for r in q_rows],
                               gallery, [TYPE_MERGES.get(r["type"], r["type"]) for r in g_rows])
    assert same_type >= 0.90, f"same-type precision@5 {same_type:.3f}"


def test_onnx_export_is_cached_and_reused(encoder: EmbeddedEncoder, encoder_settings: Settings) -> None:
    assert encoder.exported_now and encoder.onnx_path is not None
    before = encoder.onnx_path.stat().st_mtime_ns
    again = EmbeddedEncoder(encoder_settings)
    assert not again.exported_now and again.onnx_path == encoder.onnx_path
    assert encoder.onnx_path.stat().st_mtime_ns == before
    # no temp files left beside it (the folder is the shared model cache: the sentence cache may be there too)
    # one export of the product's graph (the style network alone, which evaluation commands run, may sit beside it)
    assert [p.name for p in encoder.onnx_path.parent.iterdir() if p.name.startswith("style_v1+")] == [
        encoder.onnx_path.name]
    assert not [p.name for p in encoder.onnx_path.parent.iterdir() if ".tmp" in p.name or p.name.endswith("~")]


def test_corrupt_cached_onnx_is_a_clear_error(encoder: EmbeddedEncoder, settings: Callable[..., Settings]) -> None:
    s = settings()
    assert encoder.onnx_path is not None
    target = s.cache_dir / encoder.onnx_path.name
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not an onnx file")
    with pytest.raises(EncoderUnavailable, match="cannot load"):
        EmbeddedEncoder(s)


@pytest.mark.parametrize("damaged", [NETWORK_FILE, WEIGHTS_FILE, "config.json"])
def test_damaged_network_folder_is_a_clear_error(
    damaged: str, tmp_path: Path, settings: Callable[..., Settings]
) -> None:
    """A truncated weights or config file says which artefact and where, instead of a zip or JSON traceback."""
    import shutil

    folder = tmp_path / "style_copy"
    shutil.copytree(STYLE_DIR, folder)
    (folder / damaged).write_bytes((STYLE_DIR / damaged).read_bytes()[:1000])
    with pytest.raises(EncoderUnavailable, match=f"cannot read the .* in {folder}"):
        EmbeddedEncoder(settings(), heads_dir=folder)


def test_open_clip_is_unavailable_with_a_clear_message(settings: Callable[..., Settings]) -> None:
    with pytest.raises(EncoderUnavailable, match="later version"):
        load_encoder(settings(encoder="open_clip:hf-hub:Marqo/marqo-fashionSigLIP"))


def test_default_settings_load_the_embedded_encoder(encoder_settings: Settings) -> None:
    loaded = load_encoder(encoder_settings)
    assert isinstance(loaded, EmbeddedEncoder) and loaded.dim == EMBED_DIM
    assert loaded.name.startswith("embedded:style_v1@")  # changes with the weights: `stylist reindex` re-embeds


@pytest.mark.parametrize("geometry", ["squash", "letterbox", "crop"])
@pytest.mark.parametrize("mode,size", [("RGB", (192, 256)), ("RGBA", (300, 40)), ("L", (1, 1)), ("P", (256, 192))])
def test_preprocessing_shapes(geometry: str, mode: str, size: tuple[int, int]) -> None:
    out = Preprocessing(geometry=geometry)(Image.new(mode, size))  # type: ignore[arg-type]
    assert out.shape == (3, 224, 224) and out.dtype == np.float32 and np.isfinite(out).all()


def test_committed_heads_round_trip_byte_identical(tmp_path: Path) -> None:
    heads = TaggerHeads.load(DEFAULT_DIR)
    heads.save(tmp_path)
    assert (tmp_path / WEIGHTS_FILE).read_bytes() == (DEFAULT_DIR / WEIGHTS_FILE).read_bytes()
    assert heads.dim == EMBED_DIM and set(heads.heads) == {"category", "type"}


def test_committed_network_round_trips_byte_identical_and_is_small(tmp_path: Path) -> None:
    from engine.encoders.embedded import load_style_net

    load_style_net().save(tmp_path / NETWORK_FILE)
    assert (tmp_path / NETWORK_FILE).read_bytes() == (STYLE_DIR / NETWORK_FILE).read_bytes()
    assert (STYLE_DIR / NETWORK_FILE).stat().st_size <= 25 * 2**20


def test_onnx_steady_state_does_not_import_torch(encoder: EmbeddedEncoder, encoder_settings: Settings) -> None:
    code = (
        "import sys\n"
        "from PIL import Image\n"
        "from config.settings import Settings\n"
        "from engine.encoders.embedded import EmbeddedEncoder\n"
        f"enc = EmbeddedEncoder(Settings(_env_file=None, data_dir={str(encoder_settings.data_dir)!r}, device='cpu'))\n"
        "assert enc.embed_images([Image.new('RGB', (64, 80))]).shape == (1, 256)\n"
        "assert not enc.exported_now\n"
        "print('torch' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"


def test_deployed_network_in_half_precision_matches_float(encoder: EmbeddedEncoder, photos: list[Image.Image]) -> None:
    """The GPU path's module (uint8 photos in, normalised inside, cast to float16) agrees with the float32 export.

    Run here on the CPU in float16, so the dtype handling of the CUDA path is exercised without a GPU.
    """
    import torch

    from models.runtime import load_deployed_net

    raw = torch.from_numpy(encoder.preprocessing.photos(photos[:4]))
    with torch.inference_mode():
        half = load_deployed_net().half()(raw)[0].float().numpy()
    assert half.shape == (4, EMBED_DIM)
    cosine = (half * encoder.embed_images(photos[:4])).sum(1) / np.linalg.norm(half, axis=1)
    assert cosine.min() > 0.999
