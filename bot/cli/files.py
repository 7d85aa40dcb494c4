"""Files on the command line: walking folders, reading photos with a size cap, writing collages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from engine import PhotoInput

_HIDDEN_PREFIXES = (".", "_")


def iter_files(paths: list[Path]) -> Iterator[tuple[Path, str | None]]:
    """Yield each file under the given paths with an error for paths that cannot be read."""
    for path in paths:
        if path.is_dir():
            found = False
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(_HIDDEN_PREFIXES))
                for name in sorted(files):
                    if not name.startswith(_HIDDEN_PREFIXES):
                        found = True
                        yield Path(root) / name, None
            if not found:
                yield path, "the folder has no files"
        elif path.is_file():
            yield path, None
        elif path.exists():
            yield path, "not a regular file"
        else:
            yield path, "no such file or folder"


def collect(paths: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Split the files under ``paths`` into readable ones and (path, reason) for the rest."""
    good: list[Path] = []
    bad: list[tuple[str, str]] = []
    for path, error in iter_files(paths):
        if error is None:
            good.append(path)
        else:
            bad.append((str(path), error))
    return good, bad


def read_photo(path: Path, max_bytes: int) -> PhotoInput:
    """Read at most ``max_bytes + 1`` bytes, so a huge file is rejected without loading it whole."""
    with path.open("rb") as fh:
        return PhotoInput(fh.read(max_bytes + 1), str(path))


def read_photos(paths: list[Path], max_bytes: int) -> tuple[list[PhotoInput], list[tuple[str, str]]]:
    """Read several photos (blocking); files that cannot be read come back as (path, reason)."""
    photos: list[PhotoInput] = []
    bad: list[tuple[str, str]] = []
    for path in paths:
        try:
            photos.append(read_photo(path, max_bytes))
        except OSError as exc:
            bad.append((str(path), f"cannot read the file ({exc.strerror or exc})"))
    return photos, bad


def photo_or_item(arg: str, max_bytes: int) -> PhotoInput | str | None:
    """Return the photo a path names, the item id, or None when it looks like a path that is not a file."""
    path = Path(arg)
    if path.is_file():
        return read_photo(path, max_bytes)
    if path.exists() or "/" in arg or "." in arg:
        return None
    return arg


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
