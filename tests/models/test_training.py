"""The training command end to end on a few photos: artefacts written, loadable by the product runtime."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models.runtime import StyleRuntime
from tests._support import REPO


@pytest.mark.slow
def test_train_style_smoke_writes_a_loadable_network(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "style_smoke"
    env = {**os.environ, "STYLIST_STYLE_CACHE": str(tmp_path / "acts"), "STYLIST_MODEL_CACHE_DIR": str(tmp_path / "c"),
           "STYLIST_SHARED_DATA": str(shared_data)}
    run = subprocess.run(
        [sys.executable, "-m", "models.train_style", "--smoke", "60", "--epochs", "1", "--hold-out-type", "other",
         "--out", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=900,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert {p.name for p in out.iterdir()} >= {"network.npz", "heads.npz", "config.json", "pattern.npz",
                                                "pattern.json", "MODEL_CARD.md"}
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert config["network"]["prototype_pull"] == 1.0
    assert config["training"]["held_out_type"] == "other"
    assert "other" not in config["network"]["type_labels"]
    assert "## Pattern head" in (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    # the product runtime loads what the command wrote, with its own pattern head
    runtime = StyleRuntime(out, cache_dir=tmp_path / "c", device="cpu")
    assert runtime.pattern_head is not None and runtime.pattern_head.info["network"] == runtime.tag
    emb = runtime.embed_images([Image.new("RGB", (120, 160), (40, 60, 90))])
    assert emb.shape == (1, 256)
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    labels, probs = runtime.predict(emb)["type"]
    assert "other" not in labels and probs.shape == (1, len(labels))
