"""What the encoder benchmarks report for one measured process: throughput, latency percentiles, peak memory."""

from __future__ import annotations

import resource
import statistics


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
