"""The conversation on the command line: ``stylist intent``, ``stylist chat`` in a terminal, ``stylist serve``."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests._support import REPO, SAMPLES


def test_intent_prints_intent_slots_and_confidence(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("that's navy, not black\n\nI live in Berlin\n"))
    code, lines, err = cli.json("intent", "what should I wear to a wedding?", "-")
    assert code == 0, err
    assert [line["text"] for line in lines] == ["what should I wear to a wedding?", "that's navy, not black",
                                                "I live in Berlin"]
    assert [line["intent"] for line in lines] == ["outfit", "correct_item", "settings"]
    assert lines[0]["slots"] == {"occasion": "wedding"}
    assert lines[1]["slots"]["old_colors"] == ["black"]
    assert all(0.0 <= line["confidence"] <= 1.0 for line in lines)


def test_chat_in_the_terminal_adds_photos_and_presses_numbered_buttons(cli, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    photos = " ".join(str(SAMPLES / name) for name in ("shirt-1.jpg", "pants-1.jpg", "shoes-1.jpg"))
    script = f"skip\n{photos}\nshow my wardrobe\n/quit\nnever read\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(script))
    pictures = tmp_path / "pictures"
    result = cli.run("chat", "--user", "me", "--pictures", str(pictures))
    assert result.code == 0, result.err
    written = sorted(pictures.iterdir())
    assert written and all(p.stat().st_size > 1000 for p in written)  # thumbnails / collages as files
    assert f"[picture] {written[0]}" in result.out
    assert "[1] " in result.out  # buttons became numbered choices
    # the terminal talks about the command line's own wardrobe of --user
    code, items, _ = cli.json("wardrobe", "--user", "me")
    assert code == 0 and len(items) == 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_the_web_chat_and_stops_cleanly_on_sigterm(cli, tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "STYLIST_WEB_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "--data-dir", str(cli.data), "serve"], cwd=REPO,
                            env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    try:
        deadline = time.monotonic() + 240
        seen = ""
        while "Stylist is running at" not in seen and time.monotonic() < deadline and proc.poll() is None:
            seen += proc.stderr.readline()
        assert f"Stylist is running at http://127.0.0.1:{port}" in seen, seen
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            assert page.status == 200 and "<html" in page.read().decode().lower()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_serve_refuses_another_address_without_a_token(cli) -> None:
    result = cli.process("serve", "--host", "0.0.0.0", env={"STYLIST_WEB_TOKEN": ""})
    assert result.code == 2
    assert "STYLIST_WEB_TOKEN" in result.err and "Traceback" not in result.err
