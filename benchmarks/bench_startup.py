"""Import time, `flowdesk report` wall time (cold and warm), snapshot size.

Baselines measured in the same run: a bare Python start and `import pandas`.
Run: python benchmarks/bench_startup.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
from importlib import resources
from pathlib import Path

from _util import median_subprocess, python, report


def main() -> None:
    py = python()
    env = dict(os.environ)
    rows = [
        ("python -c pass (interpreter floor)", median_subprocess([py, "-c", "pass"], 7), "s"),
        ("import pandas (baseline)", median_subprocess([py, "-c", "import pandas"], 7), "s"),
        ("import flowdesk", median_subprocess([py, "-c", "import flowdesk"], 7), "s"),
        ("import flowdesk.data", median_subprocess([py, "-c", "import flowdesk.data"], 7), "s"),
    ]
    report("startup", rows, baseline="import pandas (baseline)")

    flowdesk = shutil.which("flowdesk") or str(Path(py).with_name("flowdesk"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.html"
        cache = Path(tmp) / "cache"
        env_r = env | {"FLOWDESK_CACHE_DIR": str(cache)}
        argv = [flowdesk, "report", "--offline", "--out", str(out)]

        def wipe() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        numba_dir = Path(tmp) / "numba"

        def wipe_all() -> None:
            wipe()
            shutil.rmtree(numba_dir, ignore_errors=True)

        # First run after install: no data cache and no compiled numba kernels yet.
        first = median_subprocess(argv, 2, env=env_r | {"NUMBA_CACHE_DIR": str(numba_dir)},
                                  setup=wipe_all)
        cold = median_subprocess(argv, 3, env=env_r, setup=wipe)
        warm = median_subprocess(argv, 5, env=env_r)
        size_html = out.stat().st_size / 1e6
    report("flowdesk report --offline (embedded data)", [
        ("import pandas (baseline)", rows[1][1], "s"),
        ("report, first run: no numba cache, no data cache", first, "s"),
        ("report, empty cache dir (cold)", cold, "s"),
        ("report, second run (warm)", warm, "s"),
        ("HTML size", size_html, "MB"),
    ], baseline="import pandas (baseline)")

    snap = resources.files("flowdesk.data.snapshot")
    files = [p for p in snap.iterdir() if p.name != "__pycache__"]
    total = sum(len(p.read_bytes()) for p in files if p.is_file())
    parquet = sum(len(p.read_bytes()) for p in files if p.name.endswith(".parquet"))
    report("embedded snapshot", [
        ("all files", total / 1e6, "MB"),
        ("parquet", parquet / 1e6, "MB"),
        ("target", 8.0, "MB"),
    ], baseline="target")


if __name__ == "__main__":
    main()
