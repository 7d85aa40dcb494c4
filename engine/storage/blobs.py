"""Content-addressed blob store: image bytes kept under their sha256, written atomically.

Layout: ``root/ab/cd/<64 hex digits><suffix>``. A blob is identified by its hash alone; the suffix is a
hint for people and file viewers, so storing the same bytes twice (under any suffix) writes one file.
Every hash argument is validated as exactly 64 lowercase hex digits before it touches a path, so no id
that arrives from a chat button or a database row can point outside ``root``.

Synchronous on purpose: the engine calls it behind ``asyncio.to_thread``. Files are created with
mode 0600 (``tempfile.mkstemp``); they are private photos.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

_HASH = re.compile(r"[0-9a-f]{64}")
_SUFFIX = re.compile(r"(\.[a-z0-9]{1,8})?")
_TEMP_PREFIX = ".tmp-"


class BlobNotFound(KeyError):
    """No blob with that hash is stored."""

    def __str__(self) -> str:
        return f"no blob {self.args[0]}"


def validate_hash(blob_hash: str) -> str:
    """Return ``blob_hash`` if it is 64 lowercase hex digits; raise ValueError otherwise."""
    if not isinstance(blob_hash, str) or not _HASH.fullmatch(blob_hash):
        raise ValueError(f"not a blob hash (64 lowercase hex digits expected): {blob_hash!r:.80}")
    return blob_hash


def _validate_suffix(suffix: str) -> str:
    if not _SUFFIX.fullmatch(suffix):
        raise ValueError(f"blob suffix must be empty or like '.jpg': {suffix!r:.40}")
    return suffix


class BlobStore:
    """Image bytes on disk under their sha256; safe against partial writes and hostile ids."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _folder(self, blob_hash: str) -> Path:
        return self.root / blob_hash[:2] / blob_hash[2:4]

    def _find(self, blob_hash: str) -> Path | None:
        """Return the stored file of a validated hash, whatever its suffix, or None."""
        folder = self._folder(blob_hash)
        common = folder / f"{blob_hash}.jpg"
        if common.is_file():
            return common
        if not folder.is_dir():
            return None
        for entry in folder.iterdir():
            name = entry.name
            if name.startswith(blob_hash) and _SUFFIX.fullmatch(name[64:]) and entry.is_file():
                return entry
        return None

    def put(self, data: bytes, suffix: str = ".jpg") -> str:
        """Store ``data`` unless it is already stored, and return its sha256 hex digest."""
        _validate_suffix(suffix)
        blob_hash = hashlib.sha256(data).hexdigest()
        if self._find(blob_hash) is not None:
            return blob_hash
        folder = self._folder(blob_hash)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{blob_hash}{suffix}"
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=_TEMP_PREFIX, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.replace(tmp_name, final)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(folder)
        return blob_hash

    def get(self, blob_hash: str) -> bytes:
        """Return the stored bytes; raise BlobNotFound (a KeyError) if there are none."""
        return self.path(blob_hash).read_bytes()

    def path(self, blob_hash: str) -> Path:
        """Return the file a stored blob lives in; raise BlobNotFound (a KeyError) if there is none."""
        found = self._find(validate_hash(blob_hash))
        if found is None:
            raise BlobNotFound(blob_hash)
        return found

    def exists(self, blob_hash: str) -> bool:
        """Return whether a blob with this hash is stored."""
        return self._find(validate_hash(blob_hash)) is not None

    def delete(self, blob_hash: str) -> bool:
        """Remove a blob; return False if it was not stored. Empty folders are kept (puts may race)."""
        deleted = False
        # Loop: two racing puts of the same bytes with different suffixes can leave two files.
        while (found := self._find(validate_hash(blob_hash))) is not None:
            try:
                found.unlink()
            except FileNotFoundError:  # a concurrent delete won
                continue
            deleted = True
        return deleted

    def iter_hashes(self) -> Iterator[str]:
        """Yield the hash of every stored blob, in sorted order; temporary files are skipped."""
        if not self.root.is_dir():
            return
        for first in sorted(self.root.iterdir()):
            if not (len(first.name) == 2 and first.is_dir()):
                continue
            for second in sorted(first.iterdir()):
                if not (len(second.name) == 2 and second.is_dir()):
                    continue
                seen: set[str] = set()
                for entry in sorted(second.iterdir()):
                    blob_hash = entry.name[:64]
                    if (
                        _HASH.fullmatch(blob_hash)
                        and _SUFFIX.fullmatch(entry.name[64:])
                        and blob_hash.startswith(first.name + second.name)
                        and blob_hash not in seen
                    ):
                        seen.add(blob_hash)
                        yield blob_hash


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable; directories cannot be opened for fsync on Windows."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
