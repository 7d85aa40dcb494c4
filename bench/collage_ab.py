"""Collage speed of this checkout's layout against another version of ``engine/images/collage.py``, interleaved.

    git show a780845:engine/images/collage.py > /tmp/collage_before.py
    python -m bench.collage_ab /tmp/collage_before.py [--rounds 20]

Both render the 3- and 5-piece looks of ``bench.collage_speed`` in PNG and JPEG in one process, round by
round, so machine load hits both alike; prints the medians and their ratio (after / before).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from bench.collage_speed import LOOKS, SUBTITLE, TITLE, _pieces
from engine.images import collage as current


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("collage_before", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["collage_before"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    """Time both layouts on the same looks and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path, help="another version of engine/images/collage.py")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    before = _load(args.before)
    cases: dict[tuple[str, str, str], Callable[[], bytes]] = {}
    for look, files in LOOKS.items():
        plain = _pieces(files, masks=False)
        for fmt in ("PNG", "JPEG"):
            for name, module in (("before", before), ("after", current)):
                cases[(look, fmt, name)] = (lambda m=module, p=plain, f=fmt:
                                            m.render_collage(p, title=TITLE, subtitle=SUBTITLE, fmt=f))
    for run in cases.values():
        run()  # warm up
    times: dict[tuple[str, str, str], list[float]] = {key: [] for key in cases}
    for _ in range(args.rounds):
        for key, run in cases.items():
            start = time.perf_counter()
            run()
            times[key].append(1000 * (time.perf_counter() - start))
    for look in LOOKS:
        for fmt in ("PNG", "JPEG"):
            b, a = (statistics.median(times[(look, fmt, name)]) for name in ("before", "after"))
            print(f"{look:<8} {fmt:<5} before {b:7.1f} ms  after {a:7.1f} ms  after/before {a / b:.2f}")


if __name__ == "__main__":
    main()
