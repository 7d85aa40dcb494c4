"""The outfit commands of ``stylist``, and training from a Polyvore Outfits folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from tests._support import SAMPLES, sample_names


@pytest.fixture
def stylist_cli(cli):
    """The ``cli`` fixture's JSON runner, with the sample wardrobe already added for alice."""
    cli.json("add", "--user", "alice", str(SAMPLES))
    return cli.json


def test_outfit_json_contract_and_collages(stylist_cli, tmp_path):
    code, looks, err = stylist_cli("outfit", "--user", "alice", "--temp", "12", "--rain", "--n", "2",
                                   "--out", str(tmp_path / "looks"), "--date", "2026-11-27")
    assert code == 0, err
    assert len(looks) == 2
    for look in looks:
        assert {"id", "items", "score", "reason", "collage"} <= set(look)
        assert all({"id", "category", "type", "colors"} <= set(item) for item in look["items"])
        assert Image.open(look["collage"]).size == (800, 1000)
        assert look["weather"]["source"] == "manual" and look["weather"]["temp_c"] == 12


def test_today_feedback_and_another(stylist_cli):
    code, first, _ = stylist_cli("today", "--user", "alice", "--date", "2026-11-27")
    assert code == 0 and len(first) == 1 and first[0]["weather"]["source"] == "seasonal"
    assert stylist_cli("today", "--user", "alice", "--date", "2026-11-27")[1][0]["id"] == first[0]["id"]
    other = stylist_cli("today", "--user", "alice", "--date", "2026-11-27", "--another", "1")[1][0]
    assert other["id"] != first[0]["id"]
    code, said, _ = stylist_cli("feedback", "--user", "alice", first[0]["id"], "wore", "--date", "2026-11-27")
    assert code == 0 and said == [{"look": first[0]["id"], "feedback": "wore"}]
    code, _, err = stylist_cli("feedback", "--user", "alice", "ffffffffffff", "like")
    assert code == 1 and "no item" in err


def test_outfit_errors_are_one_line(stylist_cli, cli):
    code, _, err = stylist_cli("outfit", "--user", "alice", "--occasion", "moon-landing", "--temp", "15")
    assert code == 1 and "occasion" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    # no sporty clothes: not an error any more, the closest looks with what would lift them (no dead ends)
    code, looks, err = stylist_cli("outfit", "--user", "alice", "--occasion", "gym", "--temp", "15")
    assert code == 0 and looks and all(look["fallback"] and look["missing"] for look in looks) and not err
    text = cli.run("outfit", "--user", "alice", "--occasion", "gym", "--temp", "15")
    assert text.code == 0 and "closest I can do for the gym: " in text.out and "would lift this" in text.out
    code, _, err = stylist_cli("outfit", "--user", "nobody")
    assert code == 1 and "empty" in err
    code, _, err = stylist_cli("location", "--user", "alice", "52.5", "13.4", "--tz", "Mars/Olympus")
    assert code == 1 and "time zone" in err
    code, _, err = stylist_cli("location", "--user", "alice", "123", "13.4")
    assert code == 1 and "latitude" in err
    assert stylist_cli("location", "--user", "alice", "52.52", "13.4", "--tz", "Europe/Berlin")[0] == 0


def _polyvore(folder: Path) -> Path:
    """Write a tiny data set in the Polyvore Outfits format from the sample photos."""
    (folder / "images").mkdir(parents=True)
    meta, outfits = {}, []
    semantic = {"t-shirt": "tops", "shirt": "tops", "pants": "bottoms", "shorts": "bottoms", "shoes": "shoes",
                "dress": "all-body", "outwear": "outerwear", "hat": "hats", "skirt": "bottoms",
                "longsleeve": "tops"}
    for name in sample_names():
        item_id = name.removesuffix(".jpg").replace("-", "")
        (folder / "images" / f"{item_id}.jpg").write_bytes((SAMPLES / name).read_bytes())
        meta[item_id] = {"semantic_category": semantic[name.rsplit("-", 1)[0]], "title": name}
    tops = [i for i in meta if meta[i]["semantic_category"] == "tops"]
    bottoms = [i for i in meta if meta[i]["semantic_category"] == "bottoms"]
    shoes = [i for i in meta if meta[i]["semantic_category"] == "shoes"]
    for k in range(6):
        items = [tops[k % len(tops)], bottoms[k % len(bottoms)], shoes[k % len(shoes)]]
        outfits.append({"set_id": str(k), "items": [{"item_id": i, "index": n + 1} for n, i in enumerate(items)]})
    outfits.append({"set_id": "broken", "items": [{"item_id": "missing1", "index": 1}, {"item_id": tops[0]}]})
    (folder / "polyvore_item_metadata.json").write_text(json.dumps(meta))
    (folder / "train.json").write_text(json.dumps(outfits))
    return folder


def test_train_compat_from_a_polyvore_folder(stylist_cli, tmp_path):
    folder = _polyvore(tmp_path / "polyvore")
    code, report, err = stylist_cli("train-compat", "--polyvore", str(folder))
    assert code == 0, err
    assert report[0]["outfits"] == 6 and report[0]["positives"] == 18 and report[0]["negatives"] > 0
    assert report[0]["skipped"] == 1 and "missing1" in err
    assert Path(report[0]["model"]).exists()
    # A broken folder is one clear line, not a traceback.
    (folder / "train.json").write_text("{not json")
    code, _, err = stylist_cli("train-compat", "--polyvore", str(folder))
    assert code == 1 and "not valid JSON" in err and "Traceback" not in err


def test_train_compat_without_feedback_says_so(stylist_cli):
    code, _, err = stylist_cli("train-compat")
    assert code == 1 and "nothing to learn from" in err
