"""Every speed and memory target of issue 16 in one table: ours, baseline, ratio, target, met.

Run: python benchmarks/run.py --summary [--cold] [--skip web,kernels,...]

Each row is measured in this run, medians over repeats, next to the baseline or
floor it is judged against: absolute targets (seconds, MB) are printed with the
interpreter start or ``import pandas`` of the same run beside them, so a loaded
machine shows up as a slow baseline rather than as a regression. ``--cold``
adds the first report with empty numba and data caches (about a minute).
The test-suite target (8 min) is timed by ``.ci/run``, not here.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from _util import median_subprocess, median_time, python


@dataclass(frozen=True)
class Row:
    """One target: ``ours`` against ``target`` (a ratio when ``base`` is given)."""

    name: str
    ours: float
    unit: str
    target: float
    base: float | None = None
    base_name: str = ""

    @property
    def value(self) -> float:
        return self.ours / self.base if self.base else self.ours

    @property
    def met(self) -> bool:
        return self.value <= self.target


def _flowdesk() -> str:
    return shutil.which("flowdesk") or str(Path(python()).with_name("flowdesk"))


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) {five:.1f} (5 min) on {os.cpu_count()} cores"


def startup_rows() -> list[Row]:
    py = python()
    floor = median_subprocess([py, "-c", "pass"], 7)
    imp = median_subprocess([py, "-c", "import flowdesk"], 7)
    helps = median_subprocess([_flowdesk(), "--help"], 5)
    return [
        Row("import flowdesk", imp, "s", 0.05, None, f"python -c pass {floor:.3f} s"),
        Row("flowdesk --help", helps, "s", 0.3, None, f"python -c pass {floor:.3f} s"),
    ]


def _report_run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one report in a fresh process."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage (ru_maxrss in KB)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{argv}: exit {proc.returncode}: {err.read().decode()[-500:]}")
    return wall, usage.ru_maxrss / 1024


def report_rows(cold: bool) -> list[Row]:
    pandas_s = median_subprocess([python(), "-c", "import pandas"], 5)
    base = f"import pandas {pandas_s:.2f} s"
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.html"
        env = dict(os.environ) | {"FLOWDESK_CACHE_DIR": str(Path(tmp) / "cache")}
        argv = [_flowdesk(), "report", "--offline", "--out", str(out)]
        if cold:
            cold_env = env | {"NUMBA_CACHE_DIR": str(Path(tmp) / "numba")}
            wall, _ = _report_run(argv, cold_env)
            rows.append(Row("report, first run (empty numba + data cache)", wall, "s", 10.0,
                            None, base))
        _report_run(argv, env)  # fills the data cache (and numba's, if empty)
        runs = [_report_run(argv, env) for _ in range(3)]
        warm = float(np.median([w for w, _ in runs]))
        peak = max(p for _, p in runs)
    rows.append(Row("report, warm", warm, "s", 3.0, None, base))
    rows.append(Row("report, peak RSS", peak, "MB", 400.0, None, "-"))
    return rows


def kernel_rows() -> list[Row]:
    from flowdesk.flows import kernels as k

    rng = np.random.default_rng(0)
    x = rng.standard_normal((10_000, 5_000))
    x[rng.random(x.shape) < 0.01] = np.nan
    out = np.empty_like(x)
    alpha = k.span_to_alpha(32)
    cases = {
        "ewm mean span 32": lambda: k.ewm_mean_into(x, alpha, True, False, 0, out),
        "ewm var span 32": lambda: k.ewm_var_into(x, alpha, True, False, 0, False, out),
        "rolling sum 63": lambda: k.rolling_sum_into(x, 63, 63, out),
        "rolling var 63": lambda: k.rolling_var_into(x, 63, 63, 1, out),
        "pct_change 21": lambda: k.lagged_return_into(x, 21, False, out),
    }
    rows = []
    for name, run in cases.items():
        # the floor is re-measured next to each kernel: the machine's load drifts
        floor = median_time(lambda: np.copyto(out, x), repeat=5)
        rows.append(Row(f"kernel {name} (10,000 x 5,000)", median_time(run, repeat=5), "s", 1.5,
                        floor, "np.copyto"))
    return rows


def sim_rows() -> list[Row]:
    from flowdesk.sim.model import MarketSimulator

    MarketSimulator(seed=1).estimate(paths=256, years=1.0)  # compile / load kernels
    start = time.perf_counter()
    res = MarketSimulator(seed=1).estimate(paths=8000, years=20.0)
    wall = time.perf_counter() - start
    return [Row("simulate --paths 8000 --years 20 (end to end)", wall, "s", 2.0, res.seconds,
                "its kernel time")]


def web_rows() -> list[Row]:
    import httpx

    import bench_web as web
    from flowdesk.models import MODELS

    pages = [spec.page for spec in MODELS]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "empty.toml"
        config.write_text("", encoding="utf-8")
        env = dict(os.environ) | {"FLOWDESK_CACHE_DIR": str(Path(tmp) / "cache"),
                                  "FLOWDESK_CONFIG": str(config), "FLOWDESK_OFFLINE": "1"}
        port = web._free_port()
        argv = [python(), "-m", "uvicorn", "--factory", "flowdesk.web.app:create_app",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                "--no-access-log"]
        with web.server_process(argv, port, env) as (base, _):
            idle = asyncio.run(web._healthz_idle(base))
            with httpx.Client(base_url=base, timeout=300) as client:
                for page in pages:
                    start = time.perf_counter()
                    client.get(page)
                    rows.append(Row(f"dashboard first load {page}", time.perf_counter() - start,
                                    "s", 3.0, None, "-"))
                client.get("/api/flows")
            warm = asyncio.run(web._load(base, ["/api/flows"], {}))
    rows.append(Row("/api/flows p99, 50 concurrent, warm", warm["p99"], "ms", 50.0, None,
                    f"idle /healthz p99 {idle['p99']:.1f} ms"))
    return rows


SECTIONS = {"startup": startup_rows, "report": report_rows, "kernels": kernel_rows,
            "sim": sim_rows, "web": web_rows}


def _print(rows: list[Row]) -> None:
    print(f"\n== issue 16 targets ({_load()})")
    head = f"  {'target':50s} {'ours':>10s} {'baseline / floor':>30s} {'ratio':>7s} "
    print(head + f"{'target':>8s}  met")
    for r in rows:
        base = f"{r.base:.4f} {r.unit} {r.base_name}" if r.base else r.base_name
        ratio = f"x{r.value:.2f}" if r.base else ""
        target = f"x{r.target:g}" if r.base else f"{r.target:g} {r.unit}"
        print(f"  {r.name:50s} {r.ours:8.3f} {r.unit:2s}{base:>29s} {ratio:>7s} {target:>8s}"
              f"  {'yes' if r.met else 'NO'}")
    print("  test suite <= 8 min: timed by .ci/run on a clean clone (not here)")


def main(argv: list[str]) -> None:
    cold = "--cold" in argv
    skip: set[str] = set()
    for a in argv:
        if a.startswith("--skip="):
            skip |= set(a.removeprefix("--skip=").split(","))
    rows: list[Row] = []
    for name, section in SECTIONS.items():
        if name in skip:
            continue
        print(f"  measuring {name} ...", file=sys.stderr, flush=True)
        rows += section(cold) if name == "report" else section()  # type: ignore[operator]
    _print(rows)
