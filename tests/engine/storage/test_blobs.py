"""Content-addressed blob store: idempotent, atomic, and closed to hostile ids."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from engine.storage.blobs import BlobNotFound, BlobStore, validate_hash

PHOTO = b"\xff\xd8\xff\xe0 pretend this is a jpeg" * 10


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_put_returns_sha256_and_lays_out_the_path(store: BlobStore) -> None:
    blob_hash = store.put(PHOTO)
    assert blob_hash == hashlib.sha256(PHOTO).hexdigest()
    assert store.path(blob_hash) == store.root / blob_hash[:2] / blob_hash[2:4] / f"{blob_hash}.jpg"
    assert store.get(blob_hash) == PHOTO
    assert store.exists(blob_hash)


def test_same_bytes_are_stored_once(store: BlobStore) -> None:
    first = store.put(PHOTO)
    mtime = store.path(first).stat().st_mtime_ns
    assert store.put(PHOTO) == first
    assert store.put(PHOTO, suffix=".png") == first  # the suffix is a hint, the hash is the identity
    assert files_under(store.root) == [store.path(first)]
    assert store.path(first).stat().st_mtime_ns == mtime  # not rewritten


def test_different_bytes_get_different_blobs(store: BlobStore) -> None:
    hashes = {store.put(PHOTO), store.put(PHOTO + b"!"), store.put(b"", suffix="")}
    assert len(hashes) == 3
    assert sorted(store.iter_hashes()) == sorted(hashes)
    assert len(files_under(store.root)) == 3


def test_other_suffixes_are_found_by_hash_alone(store: BlobStore) -> None:
    blob_hash = store.put(b"png bytes", suffix=".png")
    assert store.path(blob_hash).name == f"{blob_hash}.png"
    assert store.get(blob_hash) == b"png bytes"


def test_missing_blob_is_a_clear_key_error(store: BlobStore) -> None:
    missing = "0" * 64
    assert not store.exists(missing)
    with pytest.raises(KeyError, match="no blob 0000"):
        store.get(missing)
    with pytest.raises(BlobNotFound):
        store.path(missing)


def test_delete(store: BlobStore) -> None:
    blob_hash = store.put(PHOTO)
    assert store.delete(blob_hash) is True
    assert not store.exists(blob_hash)
    assert store.delete(blob_hash) is False
    assert files_under(store.root) == []
    assert list(store.iter_hashes()) == []


@pytest.mark.parametrize(
    "hostile",
    [
        "../../etc/passwd",
        "../" * 21 + "x",
        "/etc/passwd",
        hashlib.sha256(PHOTO).hexdigest().upper(),
        "abcd",
        "",
        "a" * 63,
        "a" * 65,
        "a" * 64 + "\n",
        "g" * 64,
        "aa/bb/" + "a" * 58,
        "..\\..\\" + "a" * 58,
    ],
)
def test_hostile_ids_are_rejected_before_any_path_is_built(store: BlobStore, hostile: str) -> None:
    for call in (store.get, store.path, store.exists, store.delete, validate_hash):
        with pytest.raises(ValueError, match="not a blob hash"):
            call(hostile)


def test_non_string_ids_are_rejected(store: BlobStore) -> None:
    with pytest.raises(ValueError):
        store.get(b"a" * 64)  # type: ignore[arg-type]


@pytest.mark.parametrize("suffix", ["/../x", ".JPG", "jpg", ".a/b", ".toolongsuffix"])
def test_bad_suffixes_are_rejected(store: BlobStore, suffix: str) -> None:
    with pytest.raises(ValueError, match="suffix"):
        store.put(PHOTO, suffix=suffix)
    assert files_under(store.root) == []


def test_put_leaves_no_temporary_files(store: BlobStore) -> None:
    for i in range(5):
        store.put(PHOTO + bytes([i]))
    assert all(not p.name.startswith(".tmp-") for p in files_under(store.root))
    assert len(files_under(store.root)) == 5


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_write_leaves_nothing(store: BlobStore, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    def broken(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, broken)
    with pytest.raises(OSError, match="No space left"):
        store.put(PHOTO)
    monkeypatch.undo()
    assert files_under(store.root) == []
    assert not store.exists(hashlib.sha256(PHOTO).hexdigest())
    assert store.get(store.put(PHOTO)) == PHOTO  # and the next attempt works


def test_iter_hashes_skips_strays(store: BlobStore) -> None:
    blob_hash = store.put(PHOTO)
    folder = store.path(blob_hash).parent
    (folder / ".tmp-abandoned.part").write_bytes(b"half")
    (folder / "notes.txt").write_text("not a blob")
    (store.root / "README").write_text("not a folder of blobs")
    assert list(store.iter_hashes()) == [blob_hash]


def test_empty_store_iterates_nothing(tmp_path: Path) -> None:
    assert list(BlobStore(tmp_path / "never-created").iter_hashes()) == []
