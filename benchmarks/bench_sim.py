"""Market simulator: kernel throughput, the per-agent-object baseline, memory, Dask scaling.

Everything is measured in the same run, medians over repeats:

1. Kernel throughput in path-days per second with every agent class on, 1 and
   2 numba threads, recording everything (prices, returns, 7 flows) or returns
   only; target 1e8 on 2 cores (DESIGN.md). Shocks are drawn before timing.
2. Baseline: the same model as plain per-agent Python objects stepping one at a
   time (:mod:`flowdesk.sim.reference`, the design of common ABM frameworks),
   timed on the same shocks after checking that both give the same prices
   (1e-10); target: kernel at least 100x faster.
3. Memory per path: the state the kernel carries, plus outputs and shocks per
   simulated day, and the traced peak of a returns-only run.
4. Sweep scaling: the same grid on a Dask ``LocalCluster`` with 1 and 2 worker
   processes (one numba thread each).

Run: python benchmarks/run.py sim
"""

from __future__ import annotations

import time
import tracemalloc

import numba
import numpy as np

from _util import median_time, report
from flowdesk.sim.engine import buyback_flows, run_kernel, run_paths
from flowdesk.sim.params import SimParams
from flowdesk.sim.reference import ReferenceMarket
from flowdesk.sim.seeds import standard_normals
from flowdesk.sim.state import KernelParams, initial_state, synthetic_history
from flowdesk.sim.sweep import SweepSpec, run_sweep

N_PATHS, N_DAYS = 8192, 1000
REF_PATHS, REF_DAYS = 4, 400
TARGET = 1e8


def _kernel_rate(p: SimParams, threads: int, record: str) -> float:
    kp = KernelParams.from_params(p)
    hist = synthetic_history(p)
    z = standard_normals(1, 0, N_PATHS, N_DAYS)
    bb = buyback_flows(p, N_DAYS)
    state0 = initial_state(p, hist, N_PATHS)
    numba.set_num_threads(threads)

    def once() -> None:
        run_kernel(kp, state0.copy(), z, None, bb, record=record)  # type: ignore[arg-type]

    seconds = median_time(once, repeat=5, warmup=1)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    return N_PATHS * N_DAYS / seconds


def _baseline_rate(p: SimParams) -> tuple[float, float]:
    """Median seconds per path-day of the reference, stepping only (its warm-up through
    the history is excluded), after checking it against the kernel."""
    hist = synthetic_history(p)
    z = standard_normals(2, 0, REF_PATHS, REF_DAYS)
    bb = buyback_flows(p, REF_DAYS)
    fast = run_paths(p, REF_PATHS, REF_DAYS, entropy=2, history=hist, burn_in=0, shocks=z)
    assert fast.prices is not None
    prices = np.empty((REF_DAYS, REF_PATHS))
    steps = []
    for j in range(REF_PATHS):
        market = ReferenceMarket(p, hist, bb)
        t0 = time.perf_counter()
        for t in range(REF_DAYS):
            prices[t, j] = market.step(float(z[t, 0, j]), float(z[t, 1, j]))[0]
        steps.append(time.perf_counter() - t0)
    np.testing.assert_allclose(prices, fast.prices, rtol=1e-10)
    per_day = float(np.median(steps)) / REF_DAYS
    return 1.0 / per_day, float(np.max(np.abs(prices / fast.prices - 1)))


def _memory(p: SimParams) -> tuple[float, float]:
    n = 4096
    state = initial_state(p, synthetic_history(p), n)
    per_path_state = state.nbytes() / n
    tracemalloc.start()
    run_paths(p, n, 252, entropy=3, record="returns")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return per_path_state, peak / n


def _sweep_scaling() -> list[tuple[str, float, str]]:
    try:
        from distributed import LocalCluster
    except ImportError:
        print("  (dask not installed: no sweep scaling)")
        return []
    spec = SweepSpec(grid={"cta": (0.0, 0.5, 1.0, 2.0), "dealer_gamma_bn": (-5.0, 5.0)},
                     paths=1024, years=4.0, seed=1)
    rows = []
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, silence_logs=40) as cluster:
            addr = cluster.scheduler_address
            run_sweep(SweepSpec(grid={"cta": (1.0,)}, paths=256, years=1.0), scheduler=addr)
            times = []
            for _ in range(3):
                t0 = time.perf_counter()
                res = run_sweep(spec, scheduler=addr)
                times.append(time.perf_counter() - t0)
            wall = float(np.median(times))
            rows.append((f"sweep on {workers} Dask worker(s)", wall, "s"))
            print(f"  {workers} worker(s): {res.path_days / wall / 1e6:6.2f} M path-days/s wall "
                  f"({len(spec.points())} points x {spec.paths} paths x {spec.n_days} days)")
    return rows


def main() -> None:
    p = SimParams()
    base_rate, err = _baseline_rate(p)
    print(f"kernel and per-agent reference agree: max relative price difference {err:.1e}")
    rows = [("per-agent Python objects (reference)", base_rate, "path-days/s")]
    for threads in (1, 2):
        for record in ("all", "returns"):
            rate = _kernel_rate(p, threads, record)
            rows.append((f"kernel, {threads} thread(s), record={record}", rate, "path-days/s"))
    report(f"Simulator throughput, all agents on ({N_PATHS:,} paths x {N_DAYS:,} days; "
           "medians)", rows, baseline="per-agent Python objects (reference)")
    best = max(r[1] for r in rows[1:])
    two = [r[1] for r in rows if r[0].startswith("kernel, 2")]
    print(f"  best 2-thread rate {max(two) / 1e6:.1f} M path-days/s = {max(two) / TARGET:.2f} of "
          f"the 1e8 target; best/baseline = x{best / base_rate:,.0f} (target x100)")

    state_b, peak_b = _memory(p)
    print("\n== Memory per path")
    print(f"  state carried by the kernel: {state_b / 1024:.2f} KiB per path")
    print("  per recorded day: 8 B (returns only) or 72 B (prices, returns, 7 flows), "
          "plus 16 B of shocks")
    print(f"  traced peak of a returns-only run (252 days + 256 burn-in): "
          f"{peak_b / 1024:.1f} KiB per path")

    rows = _sweep_scaling()
    if rows:
        report("Sweep scaling (Dask LocalCluster, one numba thread per worker; medians)", rows,
               baseline="sweep on 1 Dask worker(s)")
        print(f"  speed-up 1 -> 2 workers: x{rows[0][1] / rows[1][1]:.2f}")
