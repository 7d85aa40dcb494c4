"""The committed style network, ready for inference: ONNX Runtime on CPU, torch float16 on CUDA.

``StyleRuntime`` loads a weights folder (``models/weights/style_v1``: network, heads, pattern head, config) and
turns RGB images into the 256-d L2-normalised style embedding and tag probabilities. CPU runs the network exported
once to ONNX (cached under ``cache_dir`` by a name keyed by the weights, config and export code) with ONNX
Runtime; that steady state imports no torch. CUDA runs the torch module in float16.

The engine's ``embedded`` encoder adapts this to its ``Encoder`` interface; the training and evaluation commands
use it directly, so they measure exactly what the product computes.
"""

from __future__ import annotations

import logging
import os
import sys
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from PIL import Image

from models.artifacts import EMBEDDING_NAME, IMAGENET_NAME, INPUT_NAME, STYLE_DIR, model_tag, onnx_file
from models.formality_probe import FORMALITY_DIR, FormalityProbe
from models.heads import TaggerHeads, softmax
from models.pattern_head import PatternHead

log = logging.getLogger(__name__)

#: Images per network call. ONNX Runtime on this class of CPU gets slower per image in bigger batches (cache
#: pressure): 6.2 ms at 1, 6.5 at 4, 7.9 at 32 with one thread; 3.2-3.5 ms at 1-4, 4.0 at 32 with two
#: (``python -m bench.chunk_size``). A GPU wants big batches.
CPU_CHUNK = 4
GPU_CHUNK = 64


class RuntimeUnavailable(Exception):
    """The network cannot run here (no CUDA where asked for, an unreadable export...); the message says why."""


def resolve_device(setting: str) -> str:
    """Return "cuda" or "cpu" for a device setting ("auto", "cpu" or "cuda").

    "auto" only imports torch to ask about CUDA when an NVIDIA device node exists (or torch is already
    loaded), so a CPU-only process on Linux never pays for importing torch.
    """
    if setting != "auto":
        return setting
    if sys.platform.startswith("linux") and not os.path.exists("/dev/nvidiactl") and "torch" not in sys.modules:
        return "cpu"
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


T = TypeVar("T")
# What reading a damaged, truncated or foreign artefact raises (np.load, json, zip, load_state_dict).
_DAMAGED = (OSError, ValueError, KeyError, RuntimeError, zipfile.BadZipFile)


def _read(what: str, folder: Path, load: Callable[[], T]) -> T:
    """Run ``load``; a missing or damaged artefact becomes a RuntimeUnavailable that says which one and where."""
    try:
        return load()
    except _DAMAGED as exc:
        raise RuntimeUnavailable(f"cannot read the {what} in {folder} (missing, damaged or not a style network): "
                                 f"{exc}") from exc


def load_style_net(folder: Path = STYLE_DIR) -> Any:
    """Return the committed style network as a float32 torch module in eval mode (imports torch)."""
    from models.style_net import StyleNet, StyleNetConfig

    config = TaggerHeads.load(folder).config
    return StyleNet.load(folder, StyleNetConfig.from_dict(config["network"]))


def load_deployed_net(folder: Path = STYLE_DIR, branch: Path | None = None) -> Any:
    """Return the committed network behind its deployed input (uint8 photos from ``Preprocessing.photos``),
    with the ImageNet branch in ``branch`` (``models.imagenet_branch``) when given."""
    from models.style_net import PixelInput

    net = load_style_net(folder)
    imagenet = None
    if branch is not None:
        from models.imagenet_branch import ImageNetBranch

        imagenet = ImageNetBranch.load(branch)
        if imagenet.start != net.config.train_from_block:
            raise ValueError(f"the ImageNet branch in {branch} starts at block {imagenet.start}, but the style "
                             f"network shares only blocks before {net.config.train_from_block}")
    return PixelInput(net, TaggerHeads.load(folder).preprocessing, imagenet).eval()


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Return rows scaled to unit length (zero rows stay zero)."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


class StyleRuntime:
    """One weights folder loaded for inference: embeddings, tag probabilities and the pattern head."""

    def __init__(
        self,
        folder: Path = STYLE_DIR,
        *,
        cache_dir: Path,
        device: str = "auto",
        threads: int = 1,
        chunk: int | None = None,
        prep_threads: int | None = None,
        branch: Path | None = None,
        formality: Path | None = FORMALITY_DIR,
    ) -> None:
        self.folder = folder
        #: The ImageNet branch's weights folder, or None (then :meth:`look` returns no ImageNet probabilities).
        self.branch = branch
        self.heads = _read("tag heads", folder, lambda: TaggerHeads.load(folder))
        self.preprocessing = self.heads.preprocessing
        self.dim = self.heads.dim
        #: Names the embedding space: changes with the weights or the network config.
        self.tag = model_tag(folder)
        try:
            pattern = PatternHead.load(folder)
        except ValueError as exc:  # optional: the tagger falls back to texture rules
            log.warning("%s; not using it", exc)
            pattern = None
        if pattern is not None and (pattern.info.get("network") != self.tag or pattern.features != self.dim + 6):
            log.warning("pattern head in %s was trained for another network; not using it", folder)
            pattern = None
        #: The learned pattern head of this embedding space (``models.train_pattern``), or None.
        self.pattern_head = pattern
        #: The formality probe on [embedding, ImageNet mass] (``models.train_formality``), or None without a branch.
        self.formality_probe = self._formality_probe(formality) if branch is not None and formality else None
        rule = self.heads.config.get("low_confidence", {})
        #: Below this top type probability the type is a guess (chosen on validation) ...
        self.low_confidence_threshold = float(rule.get("threshold", 0.0))
        #: ... and such validation photos were right this often.
        self.low_confidence_accuracy = float(rule.get("validation_accuracy_flagged", 1.0))
        self.device = resolve_device(device)
        self.chunk = chunk or (GPU_CHUNK if self.device == "cuda" else CPU_CHUNK)
        #: Threads laying out photos for the network. On a GPU the network is no longer the bottleneck (an H200
        #: runs it at ~20k img/s while one CPU thread prepares ~2k), so every core prepares the next photos
        #: while the GPU runs; on a CPU the cores are the network's, so one.
        self.prep_threads = max(1, prep_threads or ((os.cpu_count() or 1) if self.device == "cuda" else 1))
        self._prep_pool = (
            ThreadPoolExecutor(self.prep_threads, thread_name_prefix="stylist-prep") if self.prep_threads > 1 else None
        )
        self.onnx_path: Path | None = None
        self.exported_now = False
        self._session: Any = None
        self._module: Any = None
        if self.device == "cuda":
            self._load_torch()
        else:
            self._load_onnx(cache_dir, threads)

    def _formality_probe(self, folder: Path) -> FormalityProbe | None:
        """Read the formality probe (a missing or damaged one is an error); None when made for other weights."""
        probe = _read("formality probe", folder, lambda: FormalityProbe.load(folder))
        if probe.info.get("network") != self.tag or probe.dim != self.dim:
            log.warning("formality probe in %s was trained for another network; not using it", folder)
            return None
        return probe

    def _load_onnx(self, cache_dir: Path, threads: int) -> None:
        import onnxruntime as ort

        path = onnx_file(cache_dir, self.folder, self.branch)
        if not path.exists():
            from models.style_net import export_onnx  # the only step on CPU that needs torch

            log.info("exporting the style network to %s (once)", path)
            export_onnx(_read("style network", self.folder, lambda: load_deployed_net(self.folder, self.branch)),
                        path)
            self.exported_now = True
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own untyped errors for a corrupt file
            raise RuntimeUnavailable(f"cannot load the exported encoder {path}: {exc}") from exc
        self.onnx_path = path

    def _load_torch(self) -> None:
        import torch

        if not torch.cuda.is_available():
            raise RuntimeUnavailable("the device is set to cuda but torch sees no CUDA device (use cpu or auto)")
        net = _read("style network", self.folder, lambda: load_deployed_net(self.folder, self.branch))
        self._module = net.to("cuda").half()

    def _run(self, photos: np.ndarray) -> list[np.ndarray]:
        """Return the embeddings (and ImageNet logits, with a branch) of uint8 photos ``[N, size, size, 3]``."""
        if self._session is not None:
            names = [EMBEDDING_NAME, *([IMAGENET_NAME] if self.branch is not None else [])]
            return [np.asarray(o, dtype=np.float32) for o in self._session.run(names, {INPUT_NAME: photos})]
        import torch

        with torch.inference_mode():
            out = self._module(torch.from_numpy(photos).to("cuda", non_blocking=True))
        wanted = [out[0], *([out[3]] if self.branch is not None else [])]
        return [o.float().cpu().numpy() for o in wanted]

    def _embed(self, photos: np.ndarray) -> np.ndarray:
        """Return the network's embeddings of uint8 photos ``[N, size, size, 3]`` (``Preprocessing.photos``)."""
        return self._run(photos)[0]

    def embed_images(self, images: list[Image.Image]) -> np.ndarray:
        """Return float32 [N, dim] L2-normalised style embeddings, computed in chunks of ``self.chunk``."""
        return self.look(images)[0]

    def look(self, images: list[Image.Image]) -> tuple[np.ndarray, np.ndarray | None]:
        """Return the style embeddings and, with a branch, the ImageNet class probabilities [N, 1000] of
        ``images`` from one network pass (chunks of ``self.chunk``)."""
        out = np.zeros((len(images), self.dim), dtype=np.float32)
        imagenet = np.zeros((len(images), 1000), dtype=np.float32) if self.branch is not None else None
        for start, photos in zip(range(0, len(images), self.chunk), self._laid_out(images), strict=True):
            if imagenet is None:
                out[start : start + len(photos)] = self._embed(photos)
                continue
            out[start : start + len(photos)], imagenet[start : start + len(photos)] = self._run(photos)
        return l2_normalise(out), (softmax(imagenet) if imagenet is not None else None)

    def _laid_out(self, images: list[Image.Image]) -> Iterator[np.ndarray]:
        """Yield the uint8 network input of each chunk of ``images``.

        With ``prep_threads`` > 1 a thread pool lays the photos out (Pillow's resize and numpy's copies release the
        GIL) one chunk ahead of the network, so at most two chunks are in memory; the result is the same to the bit.
        """
        chunks = [images[i : i + self.chunk] for i in range(0, len(images), self.chunk)]
        pool = self._prep_pool
        if pool is None or len(images) < 2:
            yield from (self.preprocessing.photos(chunk) for chunk in chunks)
            return
        ahead = [pool.submit(self.preprocessing.photo, im) for im in chunks[0]]
        for nxt in [*chunks[1:], []]:
            photos = np.stack([f.result() for f in ahead])
            ahead = [pool.submit(self.preprocessing.photo, im) for im in nxt]
            yield photos

    def predict(self, embeddings: np.ndarray) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
        """Return calibrated ``{head: (labels, probs)}`` for ``category`` and ``type`` of embeddings."""
        return self.heads.predict(np.asarray(embeddings, dtype=np.float32).reshape(-1, self.dim))
