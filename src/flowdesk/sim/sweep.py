"""Parameter sweeps: a grid from TOML, run locally or on a Dask cluster.

Grid file (``flowdesk simulate sweep --grid FILE.toml``)::

    [simulation]            # all optional
    paths = 512             # paths per grid point
    years = 5
    seed = 7
    block_paths = 256       # paths per task (a multiple of 256)

    [grid]                  # cartesian product, in file order
    cta = [0.0, 1.0, 2.0]               # an agent class name -> its flow scale
    volcontrol_aum_bn = [300.0, 600.0]  # any numeric SimParams field

A task is one grid point and one block of paths. Tasks carry the seed (an
integer) and the global index of their first path, never a generator: path ``i``
has the same shocks at every grid point (common random numbers) and in every
backend, so local processes, a Dask cluster and an in-process run return the
same numbers. Workers run numba with one thread (``NUMBA_NUM_THREADS=1`` for
local processes, ``numba.set_num_threads(1)`` in each task) and send back
per-path summaries, not paths.

Backends: ``scheduler=None`` - a ``ProcessPoolExecutor`` (spawned processes);
``"inprocess"`` - sequentially in this process; ``"tcp://host:8786"`` - an
existing Dask scheduler (``pip install flowdesk[dask]``).
"""

from __future__ import annotations

import itertools
import math
import os
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError
from flowdesk.results import Result

if TYPE_CHECKING:
    from flowdesk.sim.params import SimParams

__all__ = ["SweepResult", "SweepSpec", "SweepTask", "check_sweep_budget", "run_sweep", "run_task"]

Progress = Callable[[int, int], None]
_BLOCK = 256  # flowdesk.sim.seeds.BLOCK; not imported so workers stay numba-free until set up
_Z95 = 1.959963984540054
_SIM_KEYS = {"paths", "years", "seed", "block_paths"}


@dataclass(frozen=True)
class SweepTask:
    """One grid point x one block of paths (only integers and parameters travel)."""

    point: int
    params: SimParams
    first_path: int
    n_paths: int
    n_days: int
    entropy: int
    threads: int | None = 1


@dataclass(frozen=True)
class SweepSpec:
    """A sweep: grid, paths, horizon, seed, task size and base parameters."""

    grid: Mapping[str, tuple[float, ...]]
    paths: int = 256
    years: float = 5.0
    seed: int = 0
    block_paths: int = _BLOCK
    base: SimParams | None = None

    def __post_init__(self) -> None:
        if not self.grid:
            raise ConfigError("sweep: the [grid] table is empty")
        for key, values in self.grid.items():
            if not isinstance(values, tuple) or not values:
                raise ConfigError(f"sweep grid {key!r}: give a non-empty list of numbers")
        if self.paths < 2 or not (self.years > 0) or self.seed < 0:
            raise ConfigError("sweep: need paths >= 2, years > 0 and seed >= 0")
        if self.block_paths < 1 or self.block_paths % _BLOCK:
            raise ConfigError(f"sweep: block_paths must be a positive multiple of {_BLOCK}")
        self.point_params()  # validates the names and values

    @classmethod
    def from_toml(cls, path: str | Path, base: SimParams | None = None) -> SweepSpec:
        """Read a grid file (format in the module docstring)."""
        try:
            with open(path, "rb") as fh:
                doc = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(f"sweep grid {path}: {exc.strerror or exc}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"sweep grid {path}: is not UTF-8 text (binary file?)") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"sweep grid {path}: invalid TOML ({exc})") from None
        sim = doc.get("simulation", {})
        unknown = set(sim) - _SIM_KEYS
        if unknown or set(doc) - {"simulation", "grid"}:
            raise ConfigError(f"sweep grid {path}: unknown keys "
                              f"{sorted(unknown | (set(doc) - {'simulation', 'grid'}))}")
        grid: dict[str, tuple[float, ...]] = {}
        for key, values in doc.get("grid", {}).items():
            vals = values if isinstance(values, list) else [values]
            if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in vals):
                raise ConfigError(f"sweep grid {key!r}: values must be numbers")
            grid[key] = tuple(float(v) for v in vals)
        try:
            return cls(grid=grid, paths=int(sim.get("paths", 256)),
                       years=float(sim.get("years", 5.0)), seed=int(sim.get("seed", 0)),
                       block_paths=int(sim.get("block_paths", _BLOCK)), base=base)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"sweep grid {path}: {exc}") from None

    @property
    def n_days(self) -> int:
        """Sessions per path."""
        return max(round(252 * self.years), 10)

    def points(self) -> list[dict[str, float]]:
        """The grid points (cartesian product, first key slowest)."""
        keys = list(self.grid)
        return [dict(zip(keys, combo, strict=True))
                for combo in itertools.product(*self.grid.values())]

    def point_params(self) -> list[SimParams]:
        """Parameters of every grid point."""
        from flowdesk.sim.params import SimParams

        base = self.base or SimParams()
        out = []
        for point in self.points():
            changes: dict[str, Any] = {}
            for k, v in point.items():
                current = getattr(base, k, None)
                changes[k] = int(v) if isinstance(current, int) and not isinstance(
                    current, bool) else v
            out.append(base.replace(**changes))
        return out

    def tasks(self, threads: int | None = 1) -> list[SweepTask]:
        """Every (grid point, path block) task."""
        return [SweepTask(i, p, lo, min(self.block_paths, self.paths - lo), self.n_days,
                          self.seed, threads)
                for i, p in enumerate(self.point_params())
                for lo in range(0, self.paths, self.block_paths)]


def _init_worker() -> None:
    # Runs in a fresh (spawned) process before numba is imported there.
    os.environ["NUMBA_NUM_THREADS"] = "1"


def run_task(task: SweepTask) -> dict[str, Any]:
    """Simulate one task and return per-path summaries (never the paths)."""
    import numba

    from flowdesk.sim.engine import run_paths
    from flowdesk.sim.moments import moment_panel
    from flowdesk.sim.pathstats import path_stats

    previous = numba.get_num_threads()
    if task.threads is not None:
        numba.set_num_threads(min(task.threads, numba.config.NUMBA_NUM_THREADS))
    try:
        arr = run_paths(task.params, task.n_paths, task.n_days, entropy=task.entropy,
                        first_path=task.first_path, record="returns")
    finally:
        numba.set_num_threads(previous)
    stats = path_stats(arr.returns)
    if task.n_days > 200:
        mom = moment_panel(arr.returns)
        stats = pd.concat([stats, mom[["mean_abs", "acf_abs_1", "acf_abs_100",
                                       "excess_kurtosis"]]], axis=1)
    return {"point": task.point, "first_path": task.first_path,
            "columns": list(stats.columns), "values": stats.to_numpy(),
            "path_days": arr.path_days, "seconds": arr.seconds}


@dataclass(frozen=True, eq=False)
class SweepResult(Result):
    """Summaries of a sweep.

    Attributes
    ----------
    table
        One row per grid point: the grid values, then the mean and 95% interval
        (normal, over paths) of each per-path statistic.
    per_path
        Every path's statistics with its grid point and global path index.
    backend
        ``"processes"``, ``"inprocess"`` or the Dask scheduler address.
    wall_seconds, path_days, kernel_seconds
        Wall time of the sweep, simulated path-days, summed kernel time.
    """

    table: pd.DataFrame
    per_path: pd.DataFrame = field(repr=False)
    backend: str = ""
    wall_seconds: float = 0.0
    path_days: int = 0
    kernel_seconds: float = 0.0

    def to_frame(self) -> pd.DataFrame:
        """The per-point table."""
        return self.table

    def _payload(self, **options: Any) -> dict[str, Any]:
        """The per-point table and timing."""
        return {"backend": self.backend, "wall_seconds": self.wall_seconds,
                "path_days": self.path_days,
                "path_days_per_s": self.path_days / self.wall_seconds
                if self.wall_seconds > 0 else None,
                "points": self.table.to_dict(orient="records")}

    def summary(self) -> str:
        """Throughput and, per grid point, each statistic as ``mean [ci_low, ci_high]``."""
        rate = self.path_days / self.wall_seconds if self.wall_seconds > 0 else math.nan
        stats = [c for c in self.table.columns if f"{c}_ci_low" in self.table.columns]
        grid = [c for c in self.table.columns
                if c not in stats and not c.endswith(("_ci_low", "_ci_high"))]
        view = self.table[grid].copy()
        for c in stats:
            view[c] = [f"{m:.4f} [{lo:.4f}, {hi:.4f}]" for m, lo, hi in
                       zip(self.table[c], self.table[f"{c}_ci_low"], self.table[f"{c}_ci_high"],
                           strict=True)]
        # Grid points as columns, statistics as rows: stays narrow however many stats.
        body = (view.set_index(grid) if grid else view).T.to_string()
        return (f"Sweep on {self.backend}: {len(self.table)} grid points, "
                f"{self.path_days:,} path-days in {self.wall_seconds:.2f} s "
                f"({rate:,.0f} path-days/s wall); mean [95% CI over paths]\n{body}")



def _aggregate(spec: SweepSpec, results: Sequence[dict[str, Any]]) -> tuple[pd.DataFrame,
                                                                             pd.DataFrame]:
    ordered = sorted(results, key=lambda r: (r["point"], r["first_path"]))
    frames = []
    for r in ordered:
        f = pd.DataFrame(r["values"], columns=r["columns"])
        f.insert(0, "path", np.arange(r["first_path"], r["first_path"] + len(f)))
        f.insert(0, "point", r["point"])
        frames.append(f)
    per_path = pd.concat(frames, ignore_index=True)
    points = spec.points()
    rows = []
    for i, point in enumerate(points):
        sub = per_path[per_path["point"] == i].drop(columns=["point", "path"])
        row: dict[str, float] = dict(point)
        for col in sub.columns:
            x = sub[col].to_numpy(dtype=np.float64)
            x = x[np.isfinite(x)]
            mean = float(x.mean()) if x.size else math.nan
            se = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else math.nan
            row[col] = mean
            row[f"{col}_ci_low"] = mean - _Z95 * se
            row[f"{col}_ci_high"] = mean + _Z95 * se
        rows.append(row)
    return pd.DataFrame(rows), per_path


def run_sweep(
    spec: SweepSpec | str | Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    timeout: float | None = None,
) -> SweepResult:
    """Run every task of a sweep and aggregate the summaries.

    Parameters
    ----------
    spec
        A :class:`SweepSpec` or the path of a grid TOML file.
    scheduler
        ``None`` (local processes), ``"inprocess"`` or a Dask scheduler address
        such as ``"tcp://host:8786"``.
    workers
        Local processes (default: CPU count); ignored otherwise.
    progress
        Called as ``progress(done, total)`` after each finished task.
    timeout
        Seconds to wait for all tasks of a process or Dask run (``None``: no limit);
        exceeding it raises ``TimeoutError``.
    """
    if workers is not None and (isinstance(workers, bool) or int(workers) < 1):
        raise ConfigError(f"workers: need at least 1 process, got {workers}")
    sp = spec if isinstance(spec, SweepSpec) else SweepSpec.from_toml(spec)
    check_sweep_budget(sp, workers if scheduler is None else 1)
    start = time.perf_counter()
    if scheduler == "inprocess":
        tasks = sp.tasks(threads=None)
        results = []
        for k, task in enumerate(tasks, 1):
            results.append(run_task(task))
            if progress:
                progress(k, len(tasks))
        backend = "inprocess"
    elif scheduler is None:
        results = _run_processes(sp.tasks(), workers, progress, timeout)
        backend = "processes"
    else:
        results = _run_dask(sp.tasks(), str(scheduler), progress, timeout)
        backend = str(scheduler)
    wall = time.perf_counter() - start
    table, per_path = _aggregate(sp, results)
    return SweepResult(table=table, per_path=per_path, backend=backend, wall_seconds=wall,
                       path_days=sum(int(r["path_days"]) for r in results),
                       kernel_seconds=sum(float(r["seconds"]) for r in results))


def check_sweep_budget(sp: SweepSpec, workers: int | None) -> None:
    """Refuse a sweep above the memory or path-day limits before any task starts.

    Parameters
    ----------
    sp
        The sweep.
    workers
        Processes running blocks at once (default: the CPU count).

    Raises
    ------
    ConfigError
        Above ``sim_max_memory_gb`` or ``sim_max_path_days`` (:mod:`flowdesk.sim.budget`).
    """
    from flowdesk.sim.budget import check_budget

    # Each grid point is one run; local processes hold their blocks at the same time.
    concurrent = sp.block_paths * (workers or os.cpu_count() or 1)
    check_budget(sp.paths, sp.years, runs=len(sp.points()), burn_in=(sp.base or _base()).burn_in,
                 chunk=concurrent, names=("sweep paths", "years"))


def _base() -> SimParams:
    from flowdesk.sim.params import SimParams

    return SimParams()


def _run_processes(tasks: list[SweepTask], workers: int | None, progress: Progress | None,
                   timeout: float | None) -> list[dict[str, Any]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    n = workers or os.cpu_count() or 1
    # Spawn, not fork: a forked child would inherit numba's thread pool state.
    ctx = multiprocessing.get_context("spawn")
    results = []
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_init_worker) as ex:
        futures = [ex.submit(run_task, t) for t in tasks]
        for k, fut in enumerate(as_completed(futures, timeout=timeout), 1):
            results.append(fut.result())
            if progress:
                progress(k, len(tasks))
    return results


def _run_dask(tasks: list[SweepTask], address: str, progress: Progress | None,
              timeout: float | None) -> list[dict[str, Any]]:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - depends on the environment
        raise ConfigError("a Dask scheduler needs the [dask] extra: pip install "
                          "'flowdesk[dask]'") from None
    connect = 10.0 if timeout is None else min(10.0, timeout)
    try:
        client = Client(address, timeout=connect)
    except (OSError, TimeoutError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        futures = client.map(run_task, tasks, key=[f"flowdesk-sim-{t.point}-{t.first_path}"
                                                   for t in tasks])
        results = []
        for k, fut in enumerate(as_completed(futures, timeout=timeout), 1):
            results.append(fut.result())
            if progress:
                progress(k, len(tasks))
        return results
    finally:
        client.close()
