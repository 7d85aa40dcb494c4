"""What one Bot API request costs the event loop: python-telegram-bot's two request classes side by side.

    PYTHONPATH=. python -m bench.http_clients [--requests 1000] [--in-flight 50] [--rounds 3]

A loopback aiohttp server answers a form POST the way the Bot API does (a small JSON body). The same requests, at most
``--in-flight`` at once, go through PTB's default ``HTTPXRequest`` (httpx) and through ours
(``bot.telegram.request.AiohttpRequest``), interleaved, each round in both orders. Reported: the process CPU per
request (server included: the same for both, so the difference is the client's) and the wall time; medians over the
rounds. Everything runs on one event loop, as in ``stylist serve``, where these milliseconds are taken from every
turn in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable

from aiohttp import web
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot.telegram.request import AiohttpRequest
from tests._fake_server import serve_loopback


async def _serve() -> tuple[web.AppRunner, str]:
    """Start the loopback server; return it and its URL."""
    async def method(request: web.Request) -> web.Response:
        await request.post()
        return web.json_response({"ok": True, "result": {"message_id": 1, "chat": {"id": 1, "type": "private"}}})

    app = web.Application()
    app.router.add_post("/bot/sendMessage", method)
    runner, root = await serve_loopback(app)
    return runner, f"{root}/bot/sendMessage"


async def _measure(request: BaseRequest, url: str, count: int, in_flight: int) -> dict[str, float]:
    """Send ``count`` requests, ``in_flight`` at once; return CPU ms per request and wall seconds."""
    gate = asyncio.Semaphore(in_flight)

    async def one() -> None:
        async with gate:
            status, _ = await request.do_request(url, "POST", RequestData())
            assert status == 200

    await request.initialize()
    try:
        await one()  # connect first: the pool's start-up is not the figure
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one() for _ in range(count)))
        return {"cpu_ms_per_request": (time.process_time() - cpu) / count * 1000,
                "wall_s": time.perf_counter() - wall}
    finally:
        await request.shutdown()


async def run(count: int, in_flight: int, rounds: int) -> dict[str, object]:
    """Measure both classes over interleaved rounds; return the medians."""
    runner, url = await _serve()
    makers: dict[str, Callable[[], BaseRequest]] = {
        "httpx (PTB default)": lambda: HTTPXRequest(connection_pool_size=256),
        "aiohttp (ours)": lambda: AiohttpRequest(),
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in makers}
    try:
        for round_ in range(rounds):
            names = list(makers) if round_ % 2 == 0 else list(reversed(makers))
            for name in names:
                measured: Awaitable[dict[str, float]] = _measure(makers[name](), url, count, in_flight)
                runs[name].append(await measured)
    finally:
        await runner.cleanup()
    figures = {name: {key: round(statistics.median(r[key] for r in rs), 3) for key in rs[0]}
               for name, rs in runs.items()}
    httpx_cpu = figures["httpx (PTB default)"]["cpu_ms_per_request"]
    ours_cpu = figures["aiohttp (ours)"]["cpu_ms_per_request"]
    return {"requests": count, "in_flight": in_flight, "rounds": rounds, **figures,
            "cpu_ratio_httpx_to_ours": round(httpx_cpu / ours_cpu, 1)}


def main() -> None:
    """Parse arguments, run, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--in-flight", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if min(args.requests, args.in_flight, args.rounds) < 1:
        parser.error("--requests, --in-flight and --rounds must be at least 1")
    print(json.dumps(asyncio.run(run(args.requests, args.in_flight, args.rounds)), indent=2))


if __name__ == "__main__":
    main()
