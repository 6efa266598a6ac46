"""Method of simulated moments: fit the herding parameters to the S&P 500 moments.

Objective (Franke & Westerhoff's set-up, diagonal weights)::

    J(theta) = sum_i ((mean over paths of m_i(theta) - m_i(data)) / se_i)**2

* ``m_i`` are the 11 moments of :mod:`flowdesk.sim.moments`, each simulated
  path as long as the data (5,030 returns, 1999-2018) after the burn-in;
* ``se_i`` is the standard error of the data moment from a moving-block
  bootstrap of the data (blocks of 250 sessions), so ``J`` counts squared
  standard errors;
* every evaluation uses the same seed: common random numbers make ``J`` a
  smooth function of ``theta`` instead of a noisy one.

The search is coarse to fine: a random sample of the box :data:`BOX` with few
paths, then Nelder-Mead from the best few points with more paths, then a
final evaluation with many paths. Only the herding traders' parameters are
free; the mechanical agents keep their documented sizes, so the amplification
they cause is a consequence of the fit, not a target of it.

Moment coverage = share of the data moments inside the model's central 95%
band across simulated paths (each path the length of the data).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError, ModelError
from flowdesk.results import Result
from flowdesk.sim.moments import (
    MOMENT_LABELS,
    MOMENT_NAMES,
    coverage,
    data_returns,
    moment_panel,
    summarize,
)
from flowdesk.sim.optimize import nelder_mead
from flowdesk.sim.params import SimParams

__all__ = [
    "BOX",
    "DEFAULT_FREE",
    "CalibrationResult",
    "MomentTarget",
    "calibrate",
    "data_target",
    "moment_table",
    "objective",
    "simulate_moments",
]

DEFAULT_FREE: tuple[str, ...] = (
    "sigma_f", "sigma_c", "alpha_0", "alpha_n", "alpha_p", "alpha_r", "chi",
)
#: Search box of the coarse stage (Nelder-Mead may leave it).
BOX: dict[str, tuple[float, float]] = {
    "sigma_f": (0.2, 1.5),
    "sigma_c": (1.0, 5.0),
    "alpha_0": (-2.0, 0.5),
    "alpha_n": (0.5, 2.5),
    "alpha_p": (0.0, 40.0),
    "alpha_r": (0.0, 100.0),
    "chi": (-3.0, 3.0),
    "phi": (0.0, 1.0),
}


@dataclass(frozen=True)
class MomentTarget:
    """Data moments and their bootstrap standard errors.

    Attributes
    ----------
    data, se
        Indexed by :data:`~flowdesk.sim.moments.MOMENT_NAMES`.
    n_days
        Length of the data series (simulated paths use the same length).
    """

    data: pd.Series
    se: pd.Series
    n_days: int


def data_target(
    returns: pd.Series | np.ndarray | None = None, *, block: int = 250, n_boot: int = 400,
    seed: int = 0,
) -> MomentTarget:
    """Moments of the data with moving-block bootstrap standard errors.

    Parameters
    ----------
    returns
        Daily log returns (default: :func:`~flowdesk.sim.moments.data_returns`).
    block, n_boot, seed
        Block length (sessions), replicates and seed of the bootstrap.
    """
    r = np.asarray(data_returns() if returns is None else returns, dtype=np.float64)
    n = r.size
    if n < 4 * block:
        raise ModelError(f"calibration data: {n} returns, need at least {4 * block}")
    rng = np.random.default_rng(seed)
    k = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(n_boot, k))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)[:, :n]
    boot = moment_panel(r[idx.T])
    return MomentTarget(data=moment_panel(r).iloc[0].rename("data"),
                        se=boot.std(ddof=1).rename("se"), n_days=n)


def simulate_moments(p: SimParams, n_paths: int, n_days: int, entropy: int) -> pd.DataFrame:
    """Moment panel (one row per path) of ``n_paths`` simulated paths of ``n_days``."""
    from flowdesk.sim.engine import run_paths

    paths = run_paths(p, n_paths, n_days, entropy=entropy, record="returns")
    return moment_panel(paths.returns)


def objective(panel: pd.DataFrame, target: MomentTarget) -> float:
    """``J``: squared distances of the path-mean moments from the data, in standard errors."""
    mean = panel.mean()
    if not np.all(np.isfinite(mean.to_numpy())):
        return math.inf
    z = (mean - target.data) / target.se
    return float((z * z).sum())


def moment_table(
    p: SimParams,
    target: MomentTarget,
    *,
    n_paths: int,
    entropy: int,
    null_panel: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, float, float | None]:
    """Model vs data (vs null) table, and the model's (and null's) moment coverage.

    Returns
    -------
    tuple
        ``(table, model_coverage, null_coverage)``; the table has one row per
        moment and columns ``data, se, model, model_low, model_high`` (and
        ``null, null_low, null_high``).
    """
    model = summarize(simulate_moments(p, n_paths, target.n_days, entropy))
    table = pd.DataFrame({
        "label": [MOMENT_LABELS[m] for m in MOMENT_NAMES],
        "data": target.data, "se": target.se,
        "model": model["mean"], "model_low": model["low"], "model_high": model["high"],
    }, index=list(MOMENT_NAMES))
    null_cov = None
    if null_panel is not None:
        null = summarize(null_panel)
        table["null"] = null["mean"]
        table["null_low"] = null["low"]
        table["null_high"] = null["high"]
        null_cov = coverage(target.data, null)
    return table, coverage(target.data, model), null_cov


@dataclass(frozen=True, eq=False)
class CalibrationResult(Result):
    """Outcome of :func:`calibrate`.

    Attributes
    ----------
    params
        Calibrated parameters.
    free
        Names of the fitted parameters.
    objective
        ``J`` at ``params`` with ``final_paths`` paths.
    table
        Model vs data moments (:func:`moment_table`).
    coverage
        Share of data moments inside the model's 95% band.
    history
        Every evaluation: stage, paths, parameters, ``J``.
    entropy, date
        Seed and date of the run.
    """

    params: SimParams
    free: tuple[str, ...]
    objective: float
    table: pd.DataFrame
    coverage: float
    history: pd.DataFrame = field(repr=False)
    entropy: int = 0
    date: str = ""

    def values(self) -> dict[str, float]:
        """The fitted values by name."""
        return {k: float(getattr(self.params, k)) for k in self.free}

    def to_frame(self) -> pd.DataFrame:
        """The moment table."""
        return self.table

    def summary(self) -> str:
        """Fitted values, objective, coverage and the moment table."""
        vals = ", ".join(f"{k}={v:.4g}" for k, v in self.values().items())
        return (f"MSM calibration ({self.date}, seed {self.entropy}): {vals}\n"
                f"J = {self.objective:.2f} (squared bootstrap standard errors), moment "
                f"coverage {self.coverage:.0%}\n"
                + self.table.drop(columns="label").to_string(float_format=lambda v: f"{v:.4f}"))

    def _payload(self, **options: Any) -> dict[str, Any]:
        """Fitted values, ``J``, coverage, the moment table and the run's seed and date."""
        return {
            "values": self.values(),
            "free": list(self.free),
            "objective": self.objective,
            "coverage": self.coverage,
            "moments": {k: r.to_dict() for k, r in self.table.iterrows()},
            "evaluations": len(self.history),
            "seed": self.entropy,
            "date": self.date,
            "params": self.params.to_dict(),
        }


def _with(p: SimParams, free: Sequence[str], x: np.ndarray) -> SimParams:
    return p.replace(**{k: float(v) for k, v in zip(free, x, strict=True)})


def calibrate(
    start: SimParams | None = None,
    *,
    free: Sequence[str] = DEFAULT_FREE,
    target: MomentTarget | None = None,
    seed: int = 20250101,
    coarse_points: int = 64,
    coarse_paths: int = 48,
    fine_paths: int = 128,
    fine_starts: int = 3,
    fine_evals: int = 200,
    final_paths: int = 256,
    progress: Callable[[str, int, float], None] | None = None,
) -> CalibrationResult:
    """Fit the ``free`` parameters by the method of simulated moments (module docstring).

    Parameters
    ----------
    start
        Starting parameters (also the fixed ones); default :class:`SimParams()`.
    free
        Parameters to fit; each needs a :data:`BOX` entry.
    target
        Data moments and standard errors (default :func:`data_target`).
    seed
        Common random numbers of every evaluation.
    coarse_points, coarse_paths
        Random points of the box (plus the start) and paths per point.
    fine_paths, fine_starts, fine_evals
        Paths per evaluation, starting points and evaluation budget per start
        of the Nelder-Mead stage (in box-scaled coordinates).
    final_paths
        Paths of the final evaluation and the moment table.
    progress
        Called as ``progress(stage, evaluations, best_J)``.
    """
    p0 = start or SimParams()
    free = tuple(free)
    unknown = [k for k in free if k not in BOX]
    if unknown:
        raise ConfigError(f"calibrate: no search box for {unknown}")
    tgt = target or data_target()
    lo = np.array([BOX[k][0] for k in free])
    width = np.array([BOX[k][1] - BOX[k][0] for k in free])
    history: list[dict[str, object]] = []

    def evaluate(x: np.ndarray, n_paths: int, stage: str) -> float:
        try:
            p = _with(p0, free, x)
            j = objective(simulate_moments(p, n_paths, tgt.n_days, seed), tgt)
        except ModelError:
            j = math.inf
        history.append({"stage": stage, "paths": n_paths, **dict(zip(free, x, strict=True)),
                        "J": j})
        if progress is not None:
            progress(stage, len(history), min(float(h["J"]) for h in history))  # type: ignore[arg-type]
        return j

    rng = np.random.default_rng(seed)
    x0 = np.array([float(getattr(p0, k)) for k in free])
    points = np.vstack([x0, lo + width * rng.random((coarse_points, len(free)))])
    coarse = np.array([evaluate(x, coarse_paths, "coarse") for x in points])
    best = points[np.argsort(coarse)[:fine_starts]]
    results = []
    for x in best:
        res = nelder_mead(lambda u: evaluate(lo + width * u, fine_paths, "fine"),
                          (x - lo) / width, 0.08, max_evals=fine_evals, xtol=1e-3, ftol=1e-3)
        results.append(res)
    top = min(results, key=lambda r: r.fun)
    params = _with(p0, free, lo + width * top.x)
    j_final = objective(simulate_moments(params, final_paths, tgt.n_days, seed), tgt)
    table, cov, _ = moment_table(params, tgt, n_paths=final_paths, entropy=seed)
    return CalibrationResult(
        params=params, free=free, objective=j_final, table=table, coverage=cov,
        history=pd.DataFrame(history), entropy=seed, date=dt.date.today().isoformat(),
    )
