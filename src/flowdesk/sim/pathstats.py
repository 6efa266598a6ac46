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


@nb.njit(cache=True, nogil=True, inline="always")
def _sift_down(heap: np.ndarray, i: int, size: int) -> None:
    # Restore the min-heap below position i (children 2i+1, 2i+2).
    while True:
        low = i
        for child in (2 * i + 1, 2 * i + 2):
            if child < size and heap[child] < heap[low]:
                low = child
        if low == i:
            return
        heap[i], heap[low] = heap[low], heap[i]
        i = low


@nb.njit(cache=True, nogil=True, error_model="numpy")
def _largest_one(a: np.ndarray, heap: np.ndarray, top: np.ndarray,
                 j: int) -> None:  # pragma: no cover - compiled; see _largest_cols
    # The heap.size largest of a (NaN skipped) into column j of top, largest first.
    m = heap.size
    size = 0
    for v in a:
        if v != v:
            continue
        if size < m:  # sift the new value up
            i = size
            heap[i] = v
            size += 1
            while i > 0 and heap[(i - 1) // 2] > heap[i]:
                parent = (i - 1) // 2
                heap[i], heap[parent] = heap[parent], heap[i]
                i = parent
        elif v > heap[0]:
            heap[0] = v
            _sift_down(heap, 0, size)
    for i in range(size, m):
        top[i, j] = np.nan
    for end in range(size - 1, -1, -1):  # pop the smallest into the last free row
        top[end, j] = heap[0]
        heap[0] = heap[end]
        _sift_down(heap, 0, end)



@nb.njit(cache=True, nogil=True, error_model="numpy")
def _largest_cols(lo: int, hi: int, r: np.ndarray,
                  top: np.ndarray) -> None:  # pragma: no cover - compiled; see _tail_index
    # The m = top.shape[0] largest |r| of columns lo..hi-1, in descending order, into top;
    # NaN never ranks (as at the end of np.sort) and fills the rows it leaves empty.
    # A min-heap of the m largest so far, then heapsort: hand-written because numba's
    # np.partition / np.sort added seconds of compile time to the first report.
    n = r.shape[0]
    m = top.shape[0]
    heap = np.empty(m)
    buf = np.empty((_TILE, n))
    for c0 in range(lo, hi, _TILE):
        c1 = min(c0 + _TILE, hi)
        for t in range(n):  # gather a tile of paths into rows: row-wise reads of r
            for j in range(c0, c1):
                buf[j - c0, t] = abs(r[t, j])
        for j in range(c0, c1):
            _largest_one(buf[j - c0], heap, top, j)


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
        for j in range(m):
            out[b0 + j] = deepest[j]


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
