"""Memory of a running ``stylist serve`` after start and after each 1,000 requests, against processes that only
opened the Stylist (and the conversation) in the same run.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python -m bench.serve_memory [--requests 1000] [--batches 2] [--browsers 8]

The server is the real command (``python -m bot.cli serve --port P``) on 127.0.0.1 with a fresh data folder and
live weather off; its resident memory is read from ``/proc/<pid>/status`` (VmRSS now, VmHWM the peak). Each
browser (its own cookie jar) takes the sample wardrobe at onboarding, then cycles through a mix of requests, all
browsers at once: outfit requests (collages), button presses (another one, like, wore it), wardrobe views (ten
thumbnails), help, item views, transcript reloads, image fetches, and now and then a new photo upload (a real photo
from ``../shared/data``, new to that browser). Baselines, each its own fresh process: ``stylist`` (``build_app``:
the Stylist only), ``stylist_tagged`` (the same after adding one photo: the encoder loaded) and ``chat``
(``build_chat``: plus MiniLM, the understanding and the state store).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import ClientSession

from bench._web import (
    SAMPLES,
    Browser,
    buttons,
    emit,
    free_port,
    load_average,
    log,
    pool_photos,
    rss_mb,
    server_env,
)

TEXTS = ("what should I wear for work? it's 20 degrees", "show my wardrobe", "help", "show me my shoes",
         "outfit for a date, it's 20 degrees out", "what do I have in navy?", "what should I wear this weekend? "
         "23 degrees")


async def _worker(kind: str) -> None:
    """Open the Stylist (``stylist``) or the whole conversation (``chat``), then report this process's memory."""
    import os

    from bot.process import set_process_defaults

    set_process_defaults()
    from bot.main import build_app, build_chat
    from config.settings import load_settings

    settings = load_settings()
    if kind == "chat":
        chat = await build_chat(settings)
        emit(rss_mb(os.getpid()))
        await chat.close()
        return
    app = await build_app(settings)
    if kind == "stylist_tagged":  # the encoder loads at the first photo
        from engine import PhotoInput

        photo = sorted(SAMPLES.glob("*.jpg"))[0]
        await app.stylist.add_garments("bench", [PhotoInput(photo.read_bytes(), photo.name)])
    emit(rss_mb(os.getpid()))
    await app.close()


def _baseline(kind: str, data: Path) -> dict[str, float]:
    env = server_env(data / kind, free_port())
    out = subprocess.run([sys.executable, "-m", "bench.serve_memory", "--worker", kind], env=env, check=True,
                         capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


class _Traffic:
    """Browsers cycling through the request mix; counts what was sent."""

    def __init__(self, url: str, browsers: int) -> None:
        self.browsers = [Browser(url) for _ in range(browsers)]
        self.sent: Counter[str] = Counter()
        self.failed = 0
        self.photos_used = 0
        self.step = [0] * browsers
        self.last: list[list[dict[str, Any]]] = [[] for _ in range(browsers)]

    async def onboard(self) -> None:
        """Open the page and take the sample wardrobe in every browser."""
        from dialog.messages import Action, ActionKind

        async def one(b: Browser) -> None:
            await b.open()
            await b.press(Action(ActionKind.ONBOARD, ("sample",)).encode(), "Try a sample wardrobe")
            await b.press(Action(ActionKind.ONBOARD, ("skip",)).encode(), "Skip")

        await asyncio.gather(*(one(b) for b in self.browsers))

    async def run(self, requests: int) -> None:
        """Send ``requests`` requests in all, shared out over the browsers, each browser one at a time."""
        share = [requests // len(self.browsers) + (i < requests % len(self.browsers))
                 for i in range(len(self.browsers))]
        await asyncio.gather(*(self._browse(i, n) for i, n in enumerate(share)))

    async def _browse(self, i: int, n: int) -> None:
        for _ in range(n):
            await self._one(i)

    async def _one(self, i: int) -> None:
        b, step = self.browsers[i], self.step[i]
        self.step[i] += 1
        found = buttons(self.last[i])
        pictures = [p["media"] for m in self.last[i] for p in m.get("pictures", []) if p.get("media")]
        if step % 25 == 24:
            kind, reply = "photo upload", b.say(photos=pool_photos(1, self._next_photo()))
        elif step % 10 == 3 and "Another one" in found:
            kind, reply = "button: another one", b.press(found["Another one"], "Another one")
        elif step % 10 == 5 and "👍 Like" in found:
            kind, reply = "button: like", b.press(found["👍 Like"], "👍 Like")
        elif step % 10 == 7 and "Wore it" in found:
            kind, reply = "button: wore it", b.press(found["Wore it"], "Wore it")
        elif step % 10 == 8:
            self.sent["GET history"] += 1
            await b.get("/api/history")
            return
        elif step % 10 == 9 and pictures:
            self.sent["GET image"] += 1
            await b.get(f"/media/{pictures[0]}")
            return
        else:
            text = TEXTS[step % len(TEXTS)]
            kind, reply = "text: " + text.split("?")[0][:24], b.say(text)
        body = await reply
        self.sent[kind] += 1
        messages = [m for m in body["messages"] if m["role"] == "bot"]
        if "status" in body or any(m.get("text", "").startswith("Sorry") for m in messages):
            self.failed += 1
            log(f"failed: {kind}: {[m.get('text') for m in messages]}")
        self.last[i] = messages

    def _next_photo(self) -> int:
        self.photos_used += 1
        return self.photos_used - 1

    async def close(self) -> None:
        """Close every browser."""
        for b in self.browsers:
            await b.close()


async def _wait_ready(url: str, proc: asyncio.subprocess.Process, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    async with ClientSession() as session:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise SystemExit(f"stylist serve exited with {proc.returncode}")
            with contextlib.suppress(OSError):
                async with session.get(url + "/") as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.5)
    raise SystemExit("stylist serve did not answer in time")


async def _serve_and_load(args: argparse.Namespace, data: Path) -> dict[str, Any]:
    port = free_port()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot.cli", "serve", "--port", str(port),
                                                env=server_env(data / "serve", port))
    url = f"http://127.0.0.1:{port}"
    result: dict[str, Any] = {}
    try:
        started = time.perf_counter()
        await _wait_ready(url, proc)
        result["start_s"] = round(time.perf_counter() - started, 1)
        await asyncio.sleep(2)
        result["after_start"] = rss_mb(proc.pid)
        traffic = _Traffic(url, args.browsers)
        try:
            await traffic.onboard()
            result["after_samples"] = rss_mb(proc.pid)
            for batch in range(args.batches):
                started = time.perf_counter()
                await traffic.run(args.requests)
                result[f"after_{(batch + 1) * args.requests}"] = {
                    **rss_mb(proc.pid), "seconds": round(time.perf_counter() - started)}
                log(f"batch {batch + 1}: {result[f'after_{(batch + 1) * args.requests}']}")
            result["mix"] = dict(traffic.sent)
            result["failed"] = traffic.failed
        finally:
            await traffic.close()
    finally:
        proc.terminate()  # SIGTERM: the server shuts down cleanly
        await asyncio.wait_for(proc.wait(), 60)
    return result


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="stylist-mem-") as tmp:
        data = Path(tmp)
        load_before = load_average()
        baselines = {kind: _baseline(kind, data) for kind in ("stylist", "stylist_tagged", "chat")}
        log(f"baselines: {baselines}")
        served = await _serve_and_load(args, data)
    return {"browsers": args.browsers, "load_before": load_before, "load_after": load_average(),
            "baseline_open_stylist": baselines["stylist"], "baseline_stylist_one_photo": baselines["stylist_tagged"],
            "baseline_build_chat": baselines["chat"], **served}


def main() -> None:
    """Run the benchmark (or, with ``--worker``, be one of its baseline processes)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per batch")
    parser.add_argument("--batches", type=int, default=2)
    parser.add_argument("--browsers", type=int, default=8)
    parser.add_argument("--worker", choices=("stylist", "stylist_tagged", "chat"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(_worker(args.worker))
        return
    print(json.dumps(asyncio.run(_main(args)), indent=1))


if __name__ == "__main__":
    main()
