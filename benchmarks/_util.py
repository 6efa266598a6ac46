"""Shared timing helpers: medians over repeats, printed as tables with ratios."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any


def median_time(func: Callable[[], Any], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``func()`` in seconds after ``warmup`` untimed calls."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_subprocess(argv: list[str], repeat: int = 5, env: dict[str, str] | None = None,
                      setup: Callable[[], None] | None = None) -> float:
    """Median wall time of running ``argv`` in a new process."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def python() -> str:
    return sys.executable


def report(title: str, rows: list[tuple[str, float, str]], baseline: str | None = None) -> None:
    """Print ``rows`` of (name, value, unit); ratios against the ``baseline`` row."""
    print(f"\n== {title}")
    base = next(((v, u) for n, v, u in rows if n == baseline), None)
    for name, value, unit in rows:
        same_unit = base is not None and base[1] == unit and base[0] > 0
        ratio = f"  x{value / base[0]:6.2f} vs {baseline}" if same_unit else ""
        print(f"  {name:44s} {value:10.4f} {unit}{ratio}")
