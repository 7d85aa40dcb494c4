"""Reply latency through the web chat against the bare engine calls, in the same run, with concurrent users.

    PYTHONPATH=. HF_HUB_OFFLINE=1 python -m bench.web_latency [--users 20] [--rounds 3] [--per-user 3]

A server process is started the way ``stylist serve`` starts (``build_chat`` then ``start_web`` on 127.0.0.1,
fresh data folder, live weather off). Each of ``--users`` browsers (its own cookie jar) takes the sample
wardrobe at onboarding. Then, round after round, the same server process answers:

- text, engine: ``suggest_outfits`` + ``collage(look, "JPEG")`` for the request the dialog builds from each text
  (understood once, untimed), ``--users`` concurrent callers, ``--per-user`` calls each, one after the other;
- text, web: the same texts posted by the browsers (understanding, state, collage, transcript, JSON);
- photo, engine: ``add_garments(user, [one photo])``; photo, web: the same kind of upload through the page's form.
  Every photo is new to its user (distinct real photos from ``../shared/data``; never a duplicate).

Engine and web phases alternate order round by round, so machine noise hits both. Prints one JSON summary:
pooled p50/p95 per phase, the overhead ratios (web / engine - 1) and the per-round p50 ratios, the load average.
``--profile FILE`` also writes a cProfile of the server's event loop thread during the measured phases.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench._web import (
    Browser,
    emit,
    free_port,
    load_average,
    log,
    percentiles,
    pool_photos,
    server_env,
)

TEXTS = (  # a mild temperature said, so the sample wardrobe can dress every one (no coat, no formal shoes)
    "what should I wear for work? it's {t} degrees",
    "give me an outfit for the office, about {t} degrees today",
    "I have a job interview, what should I wear? it's {t} degrees",
    "outfit for a date, it's {t} degrees out",
    "what do I wear to a party? {t} degrees",
    "what should I wear this weekend? {t} degrees",
)
TEMPS = 120  # 18.0 ... 29.9 °C: with the six texts, 720 different messages before one repeats


def text_for(k: int) -> tuple[int, float]:
    """Return the k-th message of a run as (text template, temperature); no two of the first 720 are alike.

    Every message is new, so the understanding embeds it (the sentence model remembers texts it has seen).
    """
    return k % len(TEXTS), 18.0 + (k // len(TEXTS)) % TEMPS / 10


def message(k: int) -> str:
    """Return the k-th message's words."""
    template, temp = text_for(k)
    return TEXTS[template].format(t=f"{temp:.1f}")


# ---- the server process ------------------------------------------------------------------------------------


async def _serve() -> None:
    """Start the web chat as ``stylist serve`` does, then answer engine-phase commands read from stdin."""
    from bot.main import build_chat
    from bot.process import configure_logging, set_process_defaults

    set_process_defaults()
    from bot.web import start_web
    from config.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level)
    _time_stages()
    started = time.perf_counter()
    chat = await build_chat(settings)
    server = await start_web(chat.conversation, settings)
    emit({"ready": server.url, "start_s": round(time.perf_counter() - started, 1)})
    engine = _EnginePhases(chat)
    try:
        while line := await asyncio.to_thread(sys.stdin.readline):
            command = json.loads(line)
            if command["cmd"] == "quit":
                break
            emit(await engine.run(command))
    finally:
        await server.close()
        await chat.close()


STAGES: dict[str, list[float]] = {}  # stage -> [calls, total wall ms] since the last "stages" command


def _timed_stage(name: str, fn: Any) -> Any:
    """Wrap an async function so each call's wall time is added to ``STAGES[name]``."""
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            entry = STAGES.setdefault(name, [0, 0.0])
            entry[0] += 1
            entry[1] += (time.perf_counter() - start) * 1000
    return wrapper


def _time_stages() -> None:
    """Time where a web turn's wall time goes (instrumentation of this benchmark's server only)."""
    import bot.web.server as server
    from bot.web.transcript import Transcript
    from dialog.conversation import Conversation
    from dialog.state import SqlStateStore
    from engine import Stylist

    server.post_message = _timed_stage("web: whole request", server.post_message)
    server.read_message = _timed_stage("web: read upload", server.read_message)
    server.user_body = _timed_stage("web: store user's photos", server.user_body)
    server.reply_body = _timed_stage("web: store reply pictures", server.reply_body)
    for cls, names in ((Transcript, ("append",)), (Conversation, ("handle", "_understand")),
                       (SqlStateStore, ("get", "set")),
                       (Stylist, ("today", "suggest_outfits", "collage", "add_garments", "image"))):
        for name in names:
            setattr(cls, name, _timed_stage(f"{cls.__name__}.{name}", getattr(cls, name)))


class _EnginePhases:
    """The bare engine calls, run in the server's own process on its own Stylist."""

    def __init__(self, chat: Any) -> None:
        self.chat = chat
        self.stylist = chat.app.stylist
        self.requests: dict[int, Any] = {}  # text template -> the engine request the dialog builds
        self.profile: cProfile.Profile | None = None

    async def run(self, command: dict[str, Any]) -> dict[str, Any]:
        """Run one command: prepare the requests, time an engine phase, or switch profiling."""
        cmd = command["cmd"]
        if cmd == "prepare":
            return await self._prepare(command["users"][0])
        if cmd == "profile":
            return self._profile(command.get("file"))
        if cmd == "stages":
            stages = {k: [int(n), round(ms / max(n, 1), 1)] for k, (n, ms) in sorted(STAGES.items())}
            STAGES.clear()
            return {"stages": stages}
        users, per_user = command["users"], command["per_user"]
        if cmd == "engine_text":
            first = command["first"]
            calls = [[self._text(u, first + i * per_user + j) for j in range(per_user)] for i, u in enumerate(users)]
        else:
            photos = pool_photos(len(users) * per_user, command["skip"])
            calls = [[self._photo(u, photos[i * per_user + j]) for j in range(per_user)] for i, u in enumerate(users)]
        return {"latencies_ms": await _concurrently(calls)}

    async def _prepare(self, user: str) -> dict[str, Any]:
        from dialog.understanding import Intent
        from engine import OutfitRequest, Weather

        today = await self.stylist.today(user)
        understander = self.chat.conversation.ctx.understander
        seen = {}
        for template, text in enumerate(TEXTS):
            for temp in (18.0, 18.0 + (TEMPS - 1) / 10):  # the coolest and the warmest said
                words = text.format(t=f"{temp:.1f}")
                got = await asyncio.to_thread(understander.understand, words, has_photos=False, today=today)
                seen[words] = [got.intent.value, got.slots.to_dict()]
                slots = got.slots
                if got.intent is not Intent.OUTFIT or slots.item is not None or slots.rain or slots.temp_c != temp:
                    raise SystemExit(f"{words!r} is not an outfit request at {temp} °C: {seen[words]}")
                # As dialog.outfits builds it: the weather said, no anchor, one look, the user's today.
                weather = Weather(temp_c=temp, precip_mm=0.0, condition="clear", source="manual")
                self.requests[template] = OutfitRequest(occasion=slots.occasion, weather=weather,
                                                        n=max(1, min(slots.count or 1, 3)), day=slots.day or today)
                await self.stylist.suggest_outfits(user, self.requests[template])  # raises if no look is possible
        return {"understood": seen}

    def _profile(self, file: str | None) -> dict[str, Any]:
        if file is None:
            self.profile = cProfile.Profile()
            self.profile.enable()
        elif self.profile is not None:
            self.profile.disable()
            self.profile.dump_stats(file)
        return {"profile": file}

    async def _text(self, user: str, k: int) -> float:
        from engine import Weather

        template, temp = text_for(k)
        weather = Weather(temp_c=temp, precip_mm=0.0, condition="clear", source="manual")
        request = replace(self.requests[template], weather=weather)
        start = time.perf_counter()
        suggestions = await self.stylist.suggest_outfits(user, request)
        for look in suggestions.looks[:3]:
            await self.stylist.collage(look, fmt="JPEG")
        return (time.perf_counter() - start) * 1000

    async def _photo(self, user: str, photo: tuple[str, bytes]) -> float:
        from engine import PhotoInput

        start = time.perf_counter()
        result = await self.stylist.add_garments(user, [PhotoInput(photo[1], photo[0])])
        if len(result.added) != 1:
            raise SystemExit(f"{photo[0]} was not added for {user}: {result}")
        return (time.perf_counter() - start) * 1000


async def _concurrently(calls: list[list[Any]]) -> list[float]:
    """Run each user's calls one after the other, all users at once; return every call's latency."""
    async def one_user(mine: list[Any]) -> list[float]:
        return [await call for call in mine]

    per_user = await asyncio.gather(*(one_user(mine) for mine in calls))
    return [ms for mine in per_user for ms in mine]


# ---- the client (the browsers) -----------------------------------------------------------------------------


class _Run:
    """The client side: the server process, its browsers, and the phases' latencies."""

    def __init__(self, proc: asyncio.subprocess.Process, browsers: list[Browser], args: argparse.Namespace) -> None:
        self.proc = proc
        self.browsers = browsers
        self.args = args
        self.users = [f"web:{b.browser_id}" for b in browsers]
        self.photos_used = 0
        self.texts_used = {"engine": 0, "web": 0}
        self.stages: dict[str, list[dict[str, list[float]]]] = {}  # phase -> per round: stage -> [calls, mean ms]

    async def tell(self, command: dict[str, Any]) -> None:
        """Send the server one command."""
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(command) + "\n").encode())
        await self.proc.stdin.drain()

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        """Send the server one command and read its one-line answer."""
        assert self.proc.stdout is not None
        await self.tell(command)
        return dict(json.loads(await self.proc.stdout.readline()))

    def _photos(self) -> tuple[int, list[tuple[str, bytes]]]:
        skip = self.photos_used
        self.photos_used += len(self.browsers) * self.args.per_user
        return skip, pool_photos(len(self.browsers) * self.args.per_user, skip)

    async def phase(self, kind: str, side: str) -> list[float]:
        """Time one phase: ``kind`` text or photo, ``side`` engine or web."""
        await self.ask({"cmd": "stages"})  # start counting afresh
        latencies = await self._phase(kind, side)
        self.stages.setdefault(f"{kind}_{side}", []).append((await self.ask({"cmd": "stages"}))["stages"])
        return latencies

    async def _phase(self, kind: str, side: str) -> list[float]:
        n = self.args.per_user
        if side == "engine":
            command: dict[str, Any] = {"cmd": f"engine_{kind}", "users": self.users, "per_user": n}
            if kind == "photo":
                command["skip"], _ = self._photos()
            else:
                command["first"] = self.texts_used["engine"]
                self.texts_used["engine"] += len(self.browsers) * n
            return list((await self.ask(command))["latencies_ms"])
        if kind == "text":
            first = self.texts_used["web"]
            calls = [[_timed(b.say(message(first + i * n + j)), "look") for j in range(n)]
                     for i, b in enumerate(self.browsers)]
            self.texts_used["web"] += len(self.browsers) * n
        else:
            _, photos = self._photos()
            calls = [[_timed(b.say(photos=[photos[i * n + j]]), "added") for j in range(n)]
                     for i, b in enumerate(self.browsers)]
        return await _concurrently(calls)


async def _timed(reply: Any, kind: str) -> float:
    start = time.perf_counter()
    body = await reply
    elapsed = (time.perf_counter() - start) * 1000
    replies = [m for m in body["messages"] if m["role"] == "bot"]
    looked = any(m.get("kind") == "look" for m in replies)
    added = any(m.get("text", "").startswith("Added") and m.get("pictures") for m in replies)
    if not (looked if kind == "look" else added):
        log(f"FAILED ({elapsed:.0f} ms): expected a {kind} reply, got {[m.get('text') for m in replies]}")
        return -elapsed  # counted as a failure, not as a latency
    return elapsed


async def _onboard(browser: Browser) -> None:
    """Open the page, take the sample wardrobe, skip the rest of onboarding (all through the page's buttons)."""
    from dialog.messages import Action, ActionKind

    await browser.open()
    await browser.press(Action(ActionKind.ONBOARD, ("sample",)).encode(), "Try a sample wardrobe")
    await browser.press(Action(ActionKind.ONBOARD, ("skip",)).encode(), "Skip")


async def _measure(run: _Run, rounds: int) -> dict[str, list[list[float]]]:
    phases: dict[str, list[list[float]]] = {f"{k}_{s}": [] for k in ("text", "photo") for s in ("engine", "web")}
    for rnd in range(rounds):
        for kind in ("text", "photo"):
            sides = ("engine", "web") if rnd % 2 == 0 else ("web", "engine")
            for side in sides:
                started = time.perf_counter()
                latencies = await run.phase(kind, side)
                phases[f"{kind}_{side}_wall_s"] = [[*sum(phases.get(f"{kind}_{side}_wall_s", []), []),
                                                    time.perf_counter() - started]]
                failed = sum(ms < 0 for ms in latencies)
                latencies = [ms for ms in latencies if ms >= 0]
                phases[f"{kind}_{side}"].append(latencies)
                phases[f"{kind}_{side}_failed"] = [[*sum(phases.get(f"{kind}_{side}_failed", []), []), failed]]
                log(f"round {rnd + 1} {kind} {side}: {percentiles(latencies)}")
    return phases


def _summary(phases: dict[str, list[list[float]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind in ("text", "photo"):
        engine = percentiles([ms for rnd in phases[f"{kind}_engine"] for ms in rnd])
        web = percentiles([ms for rnd in phases[f"{kind}_web"] for ms in rnd])
        per_round = [percentiles(w)["p50_ms"] / percentiles(e)["p50_ms"] - 1
                     for e, w in zip(phases[f"{kind}_engine"], phases[f"{kind}_web"], strict=True)]
        out[kind] = {"engine": engine, "web": web, "web_failed": sum(phases.get(f"{kind}_web_failed", [[0]])[0]),
                     "overhead_p50": round(web["p50_ms"] / engine["p50_ms"] - 1, 3),
                     "overhead_p95": round(web["p95_ms"] / engine["p95_ms"] - 1, 3),
                     "overhead_p50_per_round": [round(r, 3) for r in per_round],
                     "overhead_p50_median_of_rounds": round(statistics.median(per_round), 3),
                     # at saturation the phase's wall time measures the CPU a request costs: the least noisy ratio
                     "overhead_wall": round(sum(phases[f"{kind}_web_wall_s"][0])
                                            / sum(phases[f"{kind}_engine_wall_s"][0]) - 1, 3)}
    return out


async def _client(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="stylist-bench-") as data:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.web_latency", "--server", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, env=server_env(Path(data), free_port()))
        assert proc.stdout is not None
        ready = json.loads(await proc.stdout.readline())
        log(f"server ready at {ready['ready']} after {ready['start_s']} s")
        browsers = [Browser(ready["ready"]) for _ in range(args.users)]
        try:
            started = time.perf_counter()
            await asyncio.gather(*(_onboard(b) for b in browsers))
            log(f"{args.users} browsers took the sample wardrobe in {time.perf_counter() - started:.0f} s")
            run = _Run(proc, browsers, args)
            understood = await run.ask({"cmd": "prepare", "users": run.users})
            load_before = load_average()
            if args.profile:
                await run.ask({"cmd": "profile"})
            phases = await _measure(run, args.rounds)
            if args.profile:
                await run.ask({"cmd": "profile", "file": args.profile})
            result = {"users": args.users, "rounds": args.rounds, "per_user": args.per_user,
                      "load_before": load_before, "load_after": load_average(), **understood, **_summary(phases),
                      "stages_mean_ms": run.stages}
            await run.tell({"cmd": "quit"})
        finally:
            for b in browsers:
                await b.close()
            if proc.returncode is None:
                proc.terminate()
            await proc.wait()
    return result


def main() -> None:
    """Run the benchmark (or, with ``--server``, be its server process)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent browsers (and engine callers)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-user", type=int, default=3, help="requests per user per phase, one after the other")
    parser.add_argument("--profile", help="write a cProfile of the server's event loop during the phases here")
    parser.add_argument("--server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.server:
        asyncio.run(_serve())
        return
    print(json.dumps(asyncio.run(_client(args)), indent=1))


if __name__ == "__main__":
    main()
