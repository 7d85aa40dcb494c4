"""The web chat benchmarks' shared harness: a server's environment, browsers with their own cookies, percentiles.

Every server runs on 127.0.0.1 with a fresh data folder, live weather off (nothing leaves the machine) and a
model cache kept under ``build/bench_cache`` between runs (the ONNX export and the MiniLM example embeddings are
start-up work, not what is measured).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiohttp import ClientResponse, ClientSession, ClientTimeout, CookieJar, FormData

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / "build" / "bench_cache"
SAMPLES = REPO / "samples" / "wardrobe"
PHOTO_POOL = Path("/work/shared/data/clothing_small")  # real CC0 photos, the sample wardrobe's left out


def server_env(data_dir: Path, port: int) -> dict[str, str]:
    """Return the environment of a benchmarked server: its own data, loopback, no live weather, warnings only."""
    CACHE.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO), "STYLIST_DATA_DIR": str(data_dir),
            "STYLIST_MODEL_CACHE_DIR": str(CACHE), "STYLIST_WEATHER_URL": "", "STYLIST_WEB_HOST": "127.0.0.1",
            "STYLIST_WEB_PORT": str(port), "STYLIST_LOG_LEVEL": "WARNING"}


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pool_photos(n: int, skip: int = 0) -> list[tuple[str, bytes]]:
    """Return ``n`` distinct real garment photos (clothing_small validation, then test) as (name, bytes)."""
    samples = {row.split(",")[-1].strip() for row in (SAMPLES / "labels.csv").read_text().splitlines()[1:]}
    paths = [p for split in ("validation", "test") for p in sorted((PHOTO_POOL / split).rglob("*.jpg"))
             if str(p.relative_to(PHOTO_POOL)) not in samples]  # a sample photo would be a duplicate, not new
    chosen = paths[skip : skip + n]
    if len(chosen) < n:
        raise SystemExit(f"only {len(chosen)} photos under {PHOTO_POOL} from {skip}; {n} needed")
    return [(p.name, p.read_bytes()) for p in chosen]


def percentiles(latencies_ms: Sequence[float]) -> dict[str, float]:
    """Return the count, p50 and p95 (nearest rank) of latencies."""
    ordered = sorted(latencies_ms)
    return {"n": len(ordered), "p50_ms": statistics.median(ordered),
            "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]}


def load_average() -> tuple[float, float, float]:
    """Return the machine's 1, 5 and 15 minute load averages."""
    return os.getloadavg()


def rss_mb(pid: int) -> dict[str, float]:
    """Return a process's resident memory now (VmRSS) and at its peak (VmHWM), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return {"rss_mb": round(fields["VmRSS"], 1), "peak_mb": round(fields["VmHWM"], 1)}


def emit(obj: dict[str, Any]) -> None:
    """Print one JSON line to stdout (the workers' way of answering)."""
    print(json.dumps(obj), flush=True)


class Browser:
    """One browser identity: its own cookie jar, talking to the web chat over real HTTP as the page does."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.session = ClientSession(cookie_jar=CookieJar(unsafe=True), timeout=ClientTimeout(total=600))

    async def open(self) -> None:
        """Load the page (which gives the browser its signed cookie)."""
        async with self.session.get(self.base + "/") as response:
            response.raise_for_status()
            await response.read()

    @property
    def browser_id(self) -> str:
        """Return the browser id its cookie carries (the engine's user is ``web:<id>``)."""
        value = next(c.value for c in self.session.cookie_jar if c.key == "stylist_id")
        return value.partition(".")[0]

    async def say(self, text: str = "", photos: Sequence[tuple[str, bytes]] = ()) -> dict[str, Any]:
        """Send a message as the page's form does; return the JSON answer (failing on an HTTP error)."""
        form = FormData(default_to_multipart=True)
        form.add_field("text", text)
        for name, data in photos:
            form.add_field("photos", data, filename=name, content_type="image/jpeg")
        async with self.session.post(self.base + "/api/message", data=form) as response:
            return await _answer(response)

    async def press(self, payload: str, label: str = "") -> dict[str, Any]:
        """Press a button (post its encoded action); return the JSON answer."""
        data = json.dumps({"action": payload, "label": label})
        async with self.session.post(self.base + "/api/message", data=data,
                                     headers={"Content-Type": "application/json"}) as response:
            return await _answer(response)

    async def get(self, path: str) -> int:
        """Fetch a page path (history, an image); return the number of bytes read."""
        async with self.session.get(self.base + path) as response:
            response.raise_for_status()
            return len(await response.read())

    async def close(self) -> None:
        """Close the browser's connections."""
        await self.session.close()


async def _answer(response: ClientResponse) -> dict[str, Any]:
    """Return the JSON of a 200 answer; any other answer as a bot message saying what came back."""
    if response.status == 200:
        return dict(await response.json())
    text = (await response.text())[:200]
    return {"messages": [{"role": "bot", "text": f"HTTP {response.status}: {text}"}], "status": response.status}


def buttons(messages: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Return every button of messages (their own and their pictures') as label -> payload, last one winning."""
    found: dict[str, str] = {}
    for m in messages:
        rows = list(m.get("buttons", []))
        for picture in m.get("pictures", []):
            rows += picture.get("buttons", [])
        found.update({b["label"]: b["payload"] for row in rows for b in row})
    return found


def log(text: str) -> None:
    """Print progress to stderr."""
    print(text, file=sys.stderr, flush=True)
