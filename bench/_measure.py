"""The encoder benchmarks' shared harness: one measured process's figures (throughput, latency percentiles, peak
memory), the timing loop that produces them, and interleaved rounds of fresh worker processes."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence, Sized
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def summary(images: int, batch_seconds: float, latencies_ms: list[float]) -> dict[str, float]:
    """Return images/s of the batched pass, p50/p95 of the single-photo latencies and this process's peak RSS."""
    ordered = sorted(latencies_ms)
    return {
        "images": images,
        "images_per_s": images / batch_seconds,
        "p50_ms": statistics.median(ordered),
        "p95_ms": ordered[int(0.95 * (len(ordered) - 1))],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def time_tagging(tag: Callable[[list[T]], Sized], items: list[T], batch: int, latency_items: int) -> dict[str, float]:
    """Time ``tag`` over ``items`` in batches (after a warm-up), then one item per call; return ``summary``."""
    tag(items[:4])  # warm-up: first-call allocations, not steady state
    start = time.perf_counter()
    done = sum(len(tag(items[i : i + batch])) for i in range(0, len(items), batch))
    batch_seconds = time.perf_counter() - start
    assert done == len(items)
    latencies = []
    for item in items[:latency_items]:
        t = time.perf_counter()
        tag([item])
        latencies.append((time.perf_counter() - t) * 1000)
    return summary(len(items), batch_seconds, latencies)


def interleaved_rounds(module: str, variants: Sequence[str], args: Sequence[str], rounds: int, *,
                       warm_up: Sequence[str] = ()) -> dict[str, dict[str, float]]:
    """Run ``python -m module --worker V *args --cache TMP`` per variant per round; return each variant's medians.

    Every (variant, round) is a fresh process, so peak memory is its own; variants alternate round by round, so
    machine noise hits all alike. ``warm_up`` is run once first (e.g. a one-time export nobody should pay for).
    """
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    results: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    with tempfile.TemporaryDirectory() as tmp:

        def run(variant: str, extra: Sequence[str]) -> dict[str, float]:
            cmd = [sys.executable, "-m", module, "--worker", variant, *extra, "--cache", tmp]
            out = subprocess.run(cmd, cwd=REPO, env=env, check=True, capture_output=True, text=True).stdout
            return dict(json.loads(out.strip().splitlines()[-1]))

        if warm_up:
            run(warm_up[0], warm_up[1:])
        for rnd in range(rounds):
            for variant in variants:
                results[variant].append(run(variant, args))
                print(f"round {rnd + 1} {variant}: {results[variant][-1]}", file=sys.stderr)
    return {v: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for v, rs in results.items()}
