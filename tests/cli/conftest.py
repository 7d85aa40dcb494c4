"""The one fixture for the command line: ``cli`` runs ``stylist`` on a fresh data folder, in this process or as one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.cli import main
from tests._support import REPO


@dataclass(frozen=True)
class Result:
    """What one command did: its exit status, stdout and stderr."""

    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[dict[str, Any]]:
        """Return stdout as JSON lines."""
        return [json.loads(line) for line in self.out.splitlines()]


class CommandLine:
    """Runs ``stylist`` commands against one data folder, with live weather turned off."""

    def __init__(self, data: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.data = data
        self._capsys = capsys

    def run(self, *argv: str) -> Result:
        """Run ``stylist --data-dir DATA ARGV...`` in this process, as the console script does."""
        self._capsys.readouterr()  # start from clean buffers
        code = main(["--data-dir", str(self.data), *argv])
        out, err = self._capsys.readouterr()
        return Result(code, out, err)

    def refused(self, *argv: str) -> Result:
        """Run a command line argparse refuses (it exits); return its status and what it printed."""
        self._capsys.readouterr()
        with pytest.raises(SystemExit) as stop:
            main(["--data-dir", str(self.data), *argv])
        out, err = self._capsys.readouterr()
        return Result(int(stop.value.code or 0), out, err)

    def json(self, command: str, *args: str) -> tuple[int, list[dict[str, Any]], str]:
        """Run ``command --json ARGS...``; return (status, JSON lines, stderr)."""
        result = self.run(command, "--json", *args)
        return result.code, result.lines, result.err

    def process(self, *argv: str, env: dict[str, str] | None = None, data_dir: bool = True) -> Result:
        """Run ``python -m bot.cli [--data-dir DATA] ARGV...`` as its own process (what a terminal sees)."""
        prefix = ["--data-dir", str(self.data)] if data_dir else []
        proc = subprocess.run([sys.executable, "-m", "bot.cli", *prefix, *argv], cwd=REPO,
                              env={**os.environ, **(env or {})}, capture_output=True, text=True,
                              timeout=300)
        return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        model_cache: Path) -> CommandLine:
    """A ``stylist`` command line on a fresh data folder, sharing the session's model cache, weather offline."""
    monkeypatch.setenv("STYLIST_MODEL_CACHE_DIR", str(model_cache))
    monkeypatch.setenv("STYLIST_WEATHER_URL", "")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return CommandLine(tmp_path / "data", capsys)
