"""Joint image-text encoders loaded by sentence-transformers (FashionCLIP, clip-ViT-B-32...).

Tags come from zero-shot prompt ensembles: each tag value is described by several templates whose
normalised text embeddings are averaged once at load; an image's probabilities are a softmax over
its cosine to every value, scaled by the model's logit scale. Models are never downloaded here: the
id must be a local folder or already be in the Hugging Face cache.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from config.settings import Settings
from config.vocabulary import CATEGORIES, COLOR_NAMES, PATTERNS, Vocabulary, load_vocabulary
from engine.encoders.base import Encoder, HeadOutput, l2_normalise
from engine.errors import EncoderUnavailable
from models.runtime import resolve_device

log = logging.getLogger(__name__)

CHUNK = 32
DEFAULT_LOGIT_SCALE = 100.0

GARMENT_TEMPLATES = (
    "a photo of a {}.",
    "a product photo of a {}.",
    "a {} lying on the floor.",
    "a flat lay of a {}.",
    "a close-up photo of a {}.",
    "a photo of a person wearing a {}.",
)
COLOR_TEMPLATES = (
    "a photo of a {} garment.",
    "a product photo of {} clothing.",
    "a {} piece of clothing lying on the floor.",
    "a flat lay of {} clothes.",
)
PATTERN_TEMPLATES = (
    "a photo of a {} garment.",
    "a product photo of clothing with a {} pattern.",
    "a flat lay of {} clothes.",
    "fabric with a {} pattern.",
)
# Words a caption would use, where the vocabulary name is not one (e.g. "multi", "checked").
COLOR_WORDS = {"multi": "multicoloured", "metallic": "shiny metallic", "grey": "grey", "navy": "navy blue"}
PATTERN_WORDS = {
    "solid": "plain solid-colour",
    "striped": "striped",
    "checked": "checked plaid",
    "floral": "floral",
    "dotted": "polka dot",
    "printed": "graphic print",
}
# A category is described by its own phrase plus the labels of all its types.
CATEGORY_WORDS = {
    "top": "top",
    "bottom": "pair of trousers",
    "dress": "dress",
    "outerwear": "jacket or coat",
    "shoes": "pair of shoes",
    "hat": "hat",
    "bag": "bag",
    "accessory": "fashion accessory",
    "innerwear": "underwear",
    "other": "household object",
}

PREDOWNLOAD_HINT = (
    "models are never downloaded at run time. On a machine with network access run\n"
    "  HF_HUB_OFFLINE=0 python -c \"from sentence_transformers import SentenceTransformer; "
    "SentenceTransformer('{model}').save('/path/to/{folder}')\"\n"
    "(or copy its folder from ~/.cache/huggingface/hub), copy that folder here and set "
    "STYLIST_ENCODER=clip:/path/to/{folder}"
)


def resolve_model_path(model: str, *, hub_cache: Path | None = None) -> str:
    """Return a local folder with ``model`` (a folder or an already cached hub id), or raise ``EncoderUnavailable``.

    ``hub_cache`` overrides the Hugging Face hub cache folder (default: ``HF_HUB_CACHE`` / ``HF_HOME``).
    """
    path = Path(model).expanduser()
    if path.is_dir():
        return str(path)
    hint = PREDOWNLOAD_HINT.format(model=model, folder=model.replace("/", "--"))
    if path.exists() or model.startswith((".", "/", "~")):
        raise EncoderUnavailable(f"encoder 'clip:{model}': {path} is not a model folder; {hint}")
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    candidates = [model] if "/" in model else [model, f"sentence-transformers/{model}"]
    for repo_id in candidates:
        try:
            return str(snapshot_download(repo_id=repo_id, local_files_only=True, cache_dir=hub_cache))
        except (LocalEntryNotFoundError, ValueError):  # ValueError: not a valid repo id
            continue
    raise EncoderUnavailable(f"encoder 'clip:{model}' is not a local folder nor in the Hugging Face cache; {hint}")


class ClipEncoder(Encoder):
    """A sentence-transformers image-text model: image and text embeddings in one space, zero-shot tags."""

    def __init__(self, settings: Settings, model: str, *, chunk: int = CHUNK) -> None:
        self.name = f"clip:{model}"
        self.chunk = chunk
        self.device = resolve_device(settings.device)
        self.model = self._load(settings, model)
        self.dim = int(self.model.get_embedding_dimension() or self.embed_texts(["a shirt"]).shape[1])
        self.logit_scale = self._logit_scale()
        self.prompts = self._build_prompts(load_vocabulary())

    def _load(self, settings: Settings, model: str) -> Any:
        folder = resolve_model_path(model)
        import torch
        from sentence_transformers import SentenceTransformer

        if self.device == "cuda" and not torch.cuda.is_available():
            raise EncoderUnavailable("STYLIST_DEVICE=cuda but torch sees no CUDA device")
        if self.device == "cpu":
            torch.set_num_threads(settings.encoder_threads)
        try:
            loaded = SentenceTransformer(folder, device=self.device, local_files_only=True)
        except (OSError, ValueError, KeyError) as exc:  # missing files, unknown architecture, bad config
            raise EncoderUnavailable(f"encoder 'clip:{model}': cannot load {folder}: {exc}") from exc
        if not (loaded.supports("image") and loaded.supports("text")):
            raise EncoderUnavailable(
                f"encoder 'clip:{model}' is not an image-text model (it supports {loaded.modalities})"
            )
        if self.device == "cuda":
            loaded.half()
        loaded.eval()
        return loaded

    def _logit_scale(self) -> float:
        """Return the temperature CLIP was trained with (exp of its learnt log scale), else 100."""
        inner = getattr(self.model[0], "model", None)
        raw = getattr(inner, "logit_scale", None)
        if raw is None:
            return DEFAULT_LOGIT_SCALE
        return float(np.exp(float(raw.detach().float().cpu().item())))

    def _build_prompts(self, vocabulary: Vocabulary) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
        """Embed every prompt ensemble once: head name -> (labels, float32 [labels, dim] unit rows)."""
        by_category: dict[str, list[str]] = {c: [CATEGORY_WORDS[c]] for c in CATEGORIES}
        for garment_type in vocabulary.types.values():
            by_category[garment_type.category].append(garment_type.label.lower())
        phrases: dict[str, tuple[tuple[str, ...], list[list[str]]]] = {
            "category": (CATEGORIES, [_fill(GARMENT_TEMPLATES, by_category[c]) for c in CATEGORIES]),
            "type": (
                tuple(vocabulary.types),
                [_fill(GARMENT_TEMPLATES, [t.label.lower()]) for t in vocabulary.types.values()],
            ),
            "color": (COLOR_NAMES, [_fill(COLOR_TEMPLATES, [COLOR_WORDS.get(c, c)]) for c in COLOR_NAMES]),
            "pattern": (PATTERNS, [_fill(PATTERN_TEMPLATES, [PATTERN_WORDS[p]]) for p in PATTERNS]),
        }
        # categories reuse their types' prompts: embed each distinct text once
        unique = list(dict.fromkeys(text for _, groups in phrases.values() for group in groups for text in group))
        vectors = dict(zip(unique, self.embed_texts(unique), strict=True))
        return {
            head: (labels, l2_normalise(np.stack([np.mean([vectors[t] for t in group], axis=0) for group in groups])))
            for head, (labels, groups) in phrases.items()
        }

    def _encode(self, inputs: list[Any]) -> np.ndarray:
        out = self.model.encode(
            inputs,
            batch_size=self.chunk,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return l2_normalise(np.asarray(out, dtype=np.float32).reshape(len(inputs), -1))

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        """Return float32 [N, dim] L2-normalised image embeddings."""
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([im if im.mode == "RGB" else im.convert("RGB") for im in images])

    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """Return float32 [N, dim] L2-normalised text embeddings in the image space."""
        if not texts:
            return np.zeros((0, getattr(self, "dim", 0)), dtype=np.float32)
        return self._encode(list(texts))

    @property
    def supports_text(self) -> bool:
        """CLIP models embed texts in the image space."""
        return True

    def tag_heads(self, embeddings: np.ndarray) -> dict[str, HeadOutput]:
        """Return zero-shot ``category``, ``type``, ``color`` and ``pattern`` probabilities."""
        x = l2_normalise(np.asarray(embeddings, dtype=np.float32).reshape(-1, self.dim))
        return {
            head: HeadOutput(labels, _softmax(self.logit_scale * (x @ text.T)))
            for head, (labels, text) in self.prompts.items()
        }


def _fill(templates: tuple[str, ...], phrases: list[str]) -> list[str]:
    return [template.format(phrase) for phrase in phrases for template in templates]


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
