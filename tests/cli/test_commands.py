"""The ``stylist`` command line: its JSON contract, folders, and bad input of every kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._support import REPO, SAMPLES, sample_names

BAD = REPO / "samples" / "bad"


def test_tag_json_contract(cli):
    names = sample_names("shoes")[:2] + sample_names("dress")[:1]
    code, lines, err = cli.json("tag", *[str(SAMPLES / n) for n in names])
    assert code == 0, err
    assert [Path(obj["path"]).name for obj in lines] == names
    for obj in lines:
        assert set(obj) == {"path", "category", "type", "colors", "pattern", "formality", "seasons", "confidence"}
        assert all(set(c) == {"name", "hex", "share"} for c in obj["colors"])
        assert set(obj["confidence"]) >= {"category", "type", "colors", "pattern", "formality", "seasons"}
    assert [obj["category"] for obj in lines[:2]] == ["shoes", "shoes"]


def test_tag_says_which_tags_it_is_unsure_of(cli):
    """The plain-text line names the (at most two) least certain tags under the ask line, as `add` does, and
    nothing when every tag is sure; dress-3's type (p 0.43) is among them."""
    from engine.types import CONFIRM_BELOW

    photos = [str(SAMPLES / n) for n in ("dress-3.jpg", "hat-1.jpg", "pants-3.jpg", "shirt-2.jpg")]
    plain = cli.run("tag", *photos)
    assert plain.code == 0
    lines = plain.out.splitlines()
    code, objs, _ = cli.json("tag", *photos)
    assert code == 0
    notes = 0
    for photo, line, obj in zip(photos, lines, objs, strict=True):
        unsure = sorted((c, name) for name, c in obj["confidence"].items() if c < CONFIRM_BELOW)[:2]
        assert line.startswith(photo + ":")
        if unsure:
            assert line.endswith(f"(not sure about {', '.join(name for _, name in unsure)})")
            notes += 1
        else:
            assert "not sure" not in line
    assert "type" in lines[0].rsplit("(not sure about ", 1)[1]
    assert 0 < notes < len(photos)  # both kinds of line are exercised


def test_tag_reports_each_bad_file_and_fails(cli, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("just some notes")
    good = SAMPLES / sample_names("hat")[0]
    code, lines, err = cli.json("tag", str(good), str(text), str(tmp_path / "missing.jpg"))
    assert code == 1
    by_name = {Path(obj["path"]).name: obj for obj in lines}
    assert by_name[good.name]["category"]
    assert "error" in by_name["notes.txt"] and "error" in by_name["missing.jpg"]
    assert "no such file" in by_name["missing.jpg"]["error"]
    assert "Traceback" not in err and len(err.strip().splitlines()) == 2


def test_add_a_folder_keeps_the_good_files_and_lists_the_bad(cli, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for name in sample_names("skirt"):
        (folder / name).write_bytes((SAMPLES / name).read_bytes())
    for bad in sorted(BAD.iterdir()):
        (folder / bad.name).write_bytes(bad.read_bytes())
    code, lines, err = cli.json("add", "--user", "alice", str(folder))
    assert code == 1 and "Traceback" not in err
    added = [obj for obj in lines if obj.get("status") == "added"]
    failed = [obj for obj in lines if "error" in obj]
    assert sorted(Path(obj["source"]).name for obj in added) == sample_names("skirt")
    assert sorted(Path(obj["path"]).name for obj in failed) == sorted(p.name for p in BAD.iterdir())
    code, lines, _ = cli.json("wardrobe", "--user", "alice")
    assert code == 0 and len(lines) == len(sample_names("skirt"))
    assert all({"id", "category", "type", "colors"} <= set(obj) for obj in lines)


def test_wardrobe_similar_remove_forget_round_trip(cli):
    photos = [str(SAMPLES / n) for n in sample_names("shoes") + sample_names("pants")]
    code, lines, err = cli.json("add", "--user", "bob", *photos)
    assert code == 0, err
    code, matches, _ = cli.json("similar", "--user", "bob", photos[0], "--k", "2")
    assert code == 0 and len(matches) == 2 and matches[0]["similarity"] >= matches[1]["similarity"]
    assert Path(matches[0]["source"]).name == Path(photos[0]).name  # the same photo is its own best match
    item = lines[-1]["id"]
    assert cli.json("remove", "--user", "bob", item)[0] == 0
    code, _, err = cli.json("remove", "--user", "bob", item)
    assert code == 1 and "no item" in err
    code, report, _ = cli.json("forget", "--user", "bob")
    assert code == 0 and report[0]["garments"] == len(photos) - 1
    assert cli.json("wardrobe", "--user", "bob")[1] == []


def test_correct_and_reindex(cli):
    cli.json("add", "--user", "carol", str(SAMPLES / sample_names("pants")[0]))
    item = cli.json("wardrobe", "--user", "carol")[1][0]["id"]
    code, lines, _ = cli.json("correct", "--user", "carol", item, "type=jeans", "colors=blue")
    assert code == 0 and lines[0]["type"] == "jeans" and lines[0]["colors"][0]["name"] == "blue"
    code, _, err = cli.json("correct", "--user", "carol", item, "type=spaceship")
    assert code == 1 and "type must be one of" in err
    code, _, err = cli.json("correct", "--user", "carol", item, "nonsense")
    assert code == 1 and "FIELD=VALUE" in err
    assert cli.json("reindex")[1] == [{"reindexed": 1}]


def test_bad_arguments_get_one_line(cli):
    code, _, err = cli.json("wardrobe", "--user", "../../etc")
    assert code == 1 and "user id" in err and "Traceback" not in err
    code, _, err = cli.json("similar", "--user", "dave", "/no/such/photo.jpg")
    assert code == 1 and "no such photo or item" in err


def test_invalid_setting_names_the_variable(cli, tmp_path):
    proc = cli.process("wardrobe", "--user", "a", env={"STYLIST_DEVICE": "tpu", "STYLIST_DATA_DIR": str(tmp_path)},
                       data_dir=False)
    assert proc.code == 2
    assert "STYLIST_DEVICE" in proc.err and "Traceback" not in proc.err


def test_the_real_command_prints_clean_json(cli):
    """As a subprocess: stdout holds only JSON lines (no library chatter), stderr one line per bad file."""
    good = SAMPLES / sample_names("outwear")[0]
    proc = cli.process("tag", "--json", str(good), str(BAD / "empty.jpg"))
    assert proc.code == 1
    objs = proc.lines
    assert {Path(o["path"]).name for o in objs} == {good.name, "empty.jpg"}
    assert proc.err.count("\n") == 1 and "empty" in proc.err and "Traceback" not in proc.err


@pytest.mark.parametrize("url", ["nonsense", "mysql://nobody@127.0.0.1/x", "postgresql+asyncpg://u@127.0.0.1:1/x"])
def test_an_unusable_database_is_one_clear_line(cli, monkeypatch, url):
    monkeypatch.setenv("STYLIST_DATABASE_URL", url)
    code, _, err = cli.json("wardrobe", "--user", "alice")
    assert code == 1 and "database" in err.lower() and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_demo_adds_the_sample_wardrobe_and_knows_it(cli):
    code, lines, err = cli.json("demo")
    assert code == 0, err
    assert len(lines) == len(sample_names())
    right = sum(obj["category"] == obj["expected_category"] for obj in lines)
    assert right >= len(lines) - 4  # the real tagger on the real sample photos (34 of 36 at the time of writing)


def test_search_refuses_an_empty_query_and_survives_a_hostile_one(cli):
    cli.json("add", "--user", "erin", str(SAMPLES / sample_names("hat")[0]))
    code, _, err = cli.json("search", "--user", "erin", "   ")
    assert code == 1 and "what to look for" in err
    code, hits, err = cli.json("search", "--user", "erin", "'; DROP TABLE garments; -- " * 50)
    assert code == 0, err
    assert cli.json("wardrobe", "--user", "erin")[1]  # nothing was harmed


def test_tag_json_names_an_unknown_thing_other_with_its_likely_kinds(cli, tmp_path):
    """A real photo of no garment (scikit-learn's temple) is `other`, with the kinds to ask about; the garment
    beside it keeps the contract's keys exactly."""
    from PIL import Image
    from sklearn.datasets import load_sample_images

    temple = tmp_path / "temple.jpg"
    Image.fromarray(load_sample_images().images[0]).save(temple, quality=90)
    shoe = SAMPLES / sample_names("shoes")[0]
    code, lines, err = cli.json("tag", str(temple), str(shoe))
    assert code == 0, err
    unknown, garment = lines
    assert (unknown["category"], unknown["type"]) == ("other", "other") and unknown["candidates"]
    assert set(garment) == {"path", "category", "type", "colors", "pattern", "formality", "seasons", "confidence"}
