"""``stylist serve`` as its own process, for the tests of what it starts (Telegram, Slack): one way to start it,
stop it and read a refusal."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

from tests._support import REPO

# No web chat (its port could be taken), no live weather, no downloads.
QUIET = {"STYLIST_WEB_ENABLED": "false", "HF_HUB_OFFLINE": "1", "STYLIST_WEATHER_URL": ""}


async def _spawn(data_dir: Path, env: dict[str, str], stderr: IO[Any] | int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "--data-dir", str(data_dir),
                                                "serve", cwd=REPO, env=env, stderr=stderr)


@asynccontextmanager
async def serving(tmp_path: Path, model_cache: Path, **env: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run ``stylist serve`` on ``tmp_path / "d"`` with ``env`` added (quiet, the session's model cache); kill it
    on the way out if it is still running. Its stderr goes to ``tmp_path / "serve.log"``."""
    full = {**os.environ, **QUIET, "STYLIST_MODEL_CACHE_DIR": str(model_cache), **env}
    with (tmp_path / "serve.log").open("wb") as log:  # a file, not a pipe: nothing reads it while the model loads
        proc = await _spawn(tmp_path / "d", full, log)
        try:
            yield proc
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def stop(proc: asyncio.subprocess.Process) -> None:
    """Stop the server as a service manager does (SIGTERM); it must exit cleanly within a minute."""
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), 60) == 0


async def refusal(tmp_path: Path, env: dict[str, str]) -> str:
    """Run ``stylist serve`` with exactly ``env``; assert that it refuses to start and return what it said."""
    proc = await _spawn(tmp_path / "d", env, asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode != 0
    return err.decode()
