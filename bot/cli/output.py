"""How the command line talks back: results on stdout (text or JSON lines), problems on stderr, exit codes."""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class Output:
    """Writes results as JSON lines or as readable text, and problems as one line on stderr."""

    def __init__(self, as_json: bool, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.as_json = as_json
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def item(self, obj: dict[str, Any], text: str) -> None:
        """Emit one result."""
        self.out.write((json.dumps(obj, ensure_ascii=False) if self.as_json else text) + "\n")
        self.out.flush()

    def problem(self, message: str) -> None:
        """Emit one problem line on stderr."""
        self.err.write(f"stylist: {message}\n")
        self.err.flush()

    def skipped(self, bad: list[tuple[str, str]]) -> None:
        """Report inputs that were not used, as (path, reason): a result line each and a problem line each."""
        for name, reason in bad:
            self.item({"path": name, "error": reason}, f"skipped {name}: {reason}")
            self.problem(f"{name}: {reason}")


def describe(tags: dict[str, Any]) -> str:
    """Return a short human description of tags, e.g. 'navy/white striped shirt (smart-casual)'."""
    colours = "/".join(c["name"] for c in tags["colors"]) or "?"
    pattern = "" if tags["pattern"] == "solid" else f" {tags['pattern']}"
    return f"{colours}{pattern} {tags['type']} ({tags['category']}, {tags['formality']})"


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal and for many files."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done, self.stream = total, 0, stream or sys.stderr
        self.enabled = total >= 8 and self.stream.isatty()

    def advance(self, n: int) -> None:
        """Record ``n`` more files done."""
        self.done += n
        if self.enabled:
            width = 30
            filled = width * self.done // max(self.total, 1)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}")
            if self.done >= self.total:
                self.stream.write("\n")
            self.stream.flush()
