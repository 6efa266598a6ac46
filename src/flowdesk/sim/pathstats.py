"""Per-path outcome statistics: the quantities whose amplification the simulator reports.

For each path of daily log returns ``r`` (``(n_days, n_paths)``), with
``years = n_days / 252``:

``realized_vol``          ``std(r, ddof=1) * sqrt(252)`` (annualised, fraction)
``max_drawdown``          ``max_t (1 - P_t / max_{s<=t} P_s)``, the start included (fraction)
``down_days_per_year``    days with a simple return of -5% or worse, per year
``down_weeks_per_year``   non-overlapping 5-day blocks down 5% or more, per year
``tail_index``            Hill index of ``|r|`` from the largest 5% (lower = fatter)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from flowdesk.sim.moments import hill

__all__ = ["STAT_LABELS", "STAT_NAMES", "path_stats"]

STAT_NAMES: tuple[str, ...] = (
    "realized_vol", "max_drawdown", "down_days_per_year", "down_weeks_per_year", "tail_index",
)
STAT_LABELS: dict[str, str] = {
    "realized_vol": "realized vol (annualised)",
    "max_drawdown": "max drawdown",
    "down_days_per_year": "days down >= 5% per year",
    "down_weeks_per_year": "weeks down >= 5% per year",
    "tail_index": "tail index (Hill, 5%)",
}
_DOWN = math.log(0.95)
_WEEK = 5


def path_stats(returns: np.ndarray) -> pd.DataFrame:
    """One row per path, columns :data:`STAT_NAMES` (definitions in the module docstring)."""
    r = np.asarray(returns, dtype=np.float64)
    if r.ndim == 1:
        r = r[:, None]
    n_days, n = r.shape
    years = n_days / 252.0
    logp = np.vstack([np.zeros((1, n)), np.cumsum(r, axis=0)])
    drawdown = 1.0 - np.exp(logp - np.maximum.accumulate(logp, axis=0))
    weeks = n_days // _WEEK
    weekly = r[: weeks * _WEEK].reshape(weeks, _WEEK, n).sum(axis=1)
    tail = np.atleast_1d(hill(r)) if n_days >= 40 else np.full(n, np.nan)
    return pd.DataFrame({
        "realized_vol": r.std(axis=0, ddof=1) * math.sqrt(252.0),
        "max_drawdown": drawdown.max(axis=0),
        "down_days_per_year": (r <= _DOWN).sum(axis=0) / years,
        "down_weeks_per_year": (weekly <= _DOWN).sum(axis=0) / years,
        "tail_index": tail,
    }, columns=list(STAT_NAMES))
