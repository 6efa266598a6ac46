"""Run every benchmark module (on demand; never part of the test suite).

Usage: python benchmarks/run.py [name ...]   e.g. `startup kernels`
       python benchmarks/run.py --summary [--cold] [--skip=web,kernels]
           one table of every issue-16 target: ours, baseline/floor, ratio, target, met
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> None:
    sys.path.insert(0, str(HERE))
    if "--summary" in names:
        importlib.import_module("summary").main([n for n in names if n != "--summary"])
        return
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    for name in names or available:
        if name not in available:
            raise SystemExit(f"unknown benchmark {name!r}; choose from {', '.join(available)}")
        importlib.import_module(f"bench_{name}").main()


if __name__ == "__main__":
    main(sys.argv[1:])
