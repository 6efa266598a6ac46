"""Per-path outcome statistics: the quantities whose amplification the simulator reports.

For each path of daily log returns ``r`` (``(n_days, n_paths)``), with
``years = n_days / 252``:

``realized_vol``          ``std(r, ddof=1) * sqrt(252)`` (annualised, fraction)
``max_drawdown``          ``max_t (1 - P_t / max_{s<=t} P_s)``, the start included (fraction)
``down_days_per_year``    days with a simple return of -5% or worse, per year
``down_weeks_per_year``   non-overlapping 5-day blocks down 5% or more, per year
``tail_index``            Hill index of ``|r|`` from the largest 5% (lower = fatter)

The tail index is :func:`flowdesk.sim.moments.hill`, bit for bit, from a compiled
partial sort (:func:`_largest_cols`): only the ``k + 1`` largest of each path are
ordered, where the NumPy version sorted every column (over half of ``simulate``'s
time at 8,000 paths x 20 years).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
import pandas as pd

from flowdesk.flows.kernels import input_panel, split_range
from flowdesk.sim.moments import HILL_SHARE, hill, hill_of_largest

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
_TILE = 32  # paths gathered into contiguous rows at a time (the panel is days x paths)
_SPAN = 4096  # paths one pass walks down the days (as flowdesk.flows.kernels)


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _largest_cols(lo: int, hi: int, r: np.ndarray,
                  top: np.ndarray) -> None:  # pragma: no cover - compiled; see _tail_index
    # The top.shape[0] largest |r| of columns lo..hi-1, in descending order, into top.
    n = r.shape[0]
    m = top.shape[0]
    buf = np.empty((_TILE, n))
    for c0 in range(lo, hi, _TILE):
        c1 = min(c0 + _TILE, hi)
        for t in range(n):
            for j in range(c0, c1):
                buf[j - c0, t] = -abs(r[t, j])
        for j in range(c0, c1):
            col = buf[j - c0]
            neg = np.sort(np.partition(col, m - 1)[:m]) if m < n else np.sort(col)
            for i in range(m):
                top[i, j] = -neg[i]


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _deepest_cols(lo: int, hi: int, r: np.ndarray,
                  out: np.ndarray) -> None:  # pragma: no cover - compiled; see path_stats
    # min_t (log P_t - max_{s<=t} log P_s) per column, log P_0 = 0, in one pass: the same
    # sequential sums, maxima and minima as np.cumsum / np.maximum.accumulate / min
    # (NaN propagates as there), without their three (n_days + 1) x n temporaries.
    n_t = r.shape[0]
    for b0 in range(lo, hi, _SPAN):
        b1 = min(b0 + _SPAN, hi)
        m = b1 - b0
        logp = np.zeros(m)
        high = np.zeros(m)
        deepest = np.zeros(m)
        for t in range(n_t):
            row = r[t, b0:b1]
            for j in range(m):
                lp = logp[j] + row[j]
                logp[j] = lp
                hj = high[j] if high[j] >= lp else lp
                high[j] = hj
                d = lp - hj
                if d < deepest[j] or d != d:
                    deepest[j] = d
        out[b0:b1] = deepest


def _tail_index(r: np.ndarray) -> np.ndarray:
    # moments.hill bit for bit: the same k + 1 largest values in the same order, and the
    # same NumPy arithmetic on them (hill_of_largest); only the selection is compiled.
    n_days, n = r.shape
    k = int(HILL_SHARE * n_days)
    if k < 2 or k + 1 > n_days:
        return np.atleast_1d(hill(r))  # hill's own error for too few days
    top = np.empty((k + 1, n))
    split_range(_largest_cols, n, _TILE, r.size, input_panel(r), top)
    return hill_of_largest(top)


def path_stats(returns: np.ndarray) -> pd.DataFrame:
    """One row per path, columns :data:`STAT_NAMES` (definitions in the module docstring)."""
    r = np.asarray(returns, dtype=np.float64)
    if r.ndim == 1:
        r = r[:, None]
    n_days, n = r.shape
    years = n_days / 252.0
    # max_t (1 - exp(d_t)) = 1 - exp(min_t d_t) with d = log P - running max of log P:
    # exp is monotone, so one exp per path instead of one per day.
    deepest = np.empty(n)
    split_range(_deepest_cols, n, 256, r.size, input_panel(r), deepest)
    max_drawdown = 1.0 - np.exp(deepest)
    weeks = n_days // _WEEK
    weekly = r[: weeks * _WEEK].reshape(weeks, _WEEK, n).sum(axis=1)
    tail = _tail_index(r) if n_days >= 40 else np.full(n, np.nan)
    return pd.DataFrame({
        "realized_vol": r.std(axis=0, ddof=1) * math.sqrt(252.0),
        "max_drawdown": max_drawdown,
        "down_days_per_year": (r <= _DOWN).sum(axis=0) / years,
        "down_weeks_per_year": (weekly <= _DOWN).sum(axis=0) / years,
        "tail_index": tail,
    }, columns=list(STAT_NAMES))
