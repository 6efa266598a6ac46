"""The moment set: computed identically for the data, model paths and the GARCH null.

Each function takes daily log returns as a 1-D series or a ``(n_days, n_paths)``
panel (one value per column) and uses only NumPy:

=====================  ======================================================
``acf_r_1``            sample autocorrelation of ``r`` at lag 1
``mean_abs``           mean of ``|r|`` (log-return units; 0.008 = 0.8%)
``hill_5``             Hill tail index of ``|r|`` from the largest 5%
``acf_abs_k``          sample autocorrelation of ``|r|`` at k = 1, 5, 10, 25, 50, 100
``leverage``           Pearson correlation of ``r_t`` and ``|r_{t+1}|``
``excess_kurtosis``    ``m4 / m2**2 - 3`` (population moments)
=====================  ======================================================

The sample autocorrelation is the textbook (and ``statsmodels.acf``) estimator
``sum_t (x_t - xbar)(x_{t+k} - xbar) / sum_t (x_t - xbar)**2`` with the
full-sample mean and denominator. The Hill estimator uses the ``k = floor(0.05 n)``
largest ``|r|``: ``1 / mean(log(X_(i) / X_(k+1)), i = 1..k)``.

The data moments come from :func:`data_returns` (S&P 500 closes 1999-2018 from
the embedded snapshot), the only function here that loads anything.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from flowdesk.errors import DataError

__all__ = [
    "ABS_LAGS",
    "DATA_END",
    "DATA_START",
    "HILL_SHARE",
    "MOMENT_LABELS",
    "MOMENT_NAMES",
    "acf",
    "coverage",
    "data_returns",
    "excess_kurtosis",
    "hill",
    "hill_of_largest",
    "leverage",
    "mean_abs",
    "moment_panel",
    "moments",
    "summarize",
]

ABS_LAGS: tuple[int, ...] = (1, 5, 10, 25, 50, 100)
MOMENT_NAMES: tuple[str, ...] = (
    "acf_r_1", "mean_abs", "hill_5",
    *(f"acf_abs_{k}" for k in ABS_LAGS),
    "leverage", "excess_kurtosis",
)
MOMENT_LABELS: dict[str, str] = {
    "acf_r_1": "ACF(r, 1)",
    "mean_abs": "mean |r| (%)",
    "hill_5": "Hill tail index (5%)",
    **{f"acf_abs_{k}": f"ACF(|r|, {k})" for k in ABS_LAGS},
    "leverage": "corr(r_t, |r_t+1|)",
    "excess_kurtosis": "excess kurtosis",
}
DATA_START = "1999-01-01"
DATA_END = "2018-12-31"
#: Share of the largest ``|r|`` the Hill estimator uses.
HILL_SHARE = 0.05


def _panel(x: np.ndarray) -> np.ndarray:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] < 3:
        raise DataError(f"moments: expected a series or (days, paths) panel, got {arr.shape}")
    return arr


def _squeeze(values: np.ndarray, x: np.ndarray) -> np.ndarray | float:
    return float(values[0]) if np.ndim(x) == 1 else values


def acf(x: np.ndarray, lag: int) -> np.ndarray | float:
    """Sample autocorrelation at ``lag`` (full-sample mean and denominator)."""
    a = _panel(x)
    if not 1 <= lag < a.shape[0]:
        raise DataError(f"acf: lag {lag} out of range for {a.shape[0]} observations")
    d = a - a.mean(axis=0)
    num = np.einsum("ij,ij->j", d[:-lag], d[lag:])
    den = np.einsum("ij,ij->j", d, d)
    return _squeeze(num / den, x)


def mean_abs(x: np.ndarray) -> np.ndarray | float:
    """Mean absolute return."""
    return _squeeze(np.abs(_panel(x)).mean(axis=0), x)


def hill(x: np.ndarray, share: float = HILL_SHARE) -> np.ndarray | float:
    """Hill tail index of ``|x|`` from the largest ``floor(share * n)`` observations."""
    a = np.abs(_panel(x))
    n = a.shape[0]
    k = int(share * n)
    if k < 2:
        raise DataError(f"hill: {n} observations give fewer than 2 in the top {share:.0%}")
    return _squeeze(hill_of_largest(-np.sort(-a, axis=0)[: k + 1]), x)


def hill_of_largest(top: np.ndarray) -> np.ndarray:
    """Hill index per column from the ``k + 1`` largest ``|x|``, in descending order."""
    k = top.shape[0] - 1
    logs = np.log(top[:k] / top[k])
    return 1.0 / logs.mean(axis=0)


def leverage(x: np.ndarray) -> np.ndarray | float:
    """Pearson correlation of ``r_t`` with ``|r_{t+1}|``."""
    a = _panel(x)
    u = a[:-1] - a[:-1].mean(axis=0)
    v = np.abs(a[1:])
    v = v - v.mean(axis=0)
    num = np.einsum("ij,ij->j", u, v)
    den = np.sqrt(np.einsum("ij,ij->j", u, u) * np.einsum("ij,ij->j", v, v))
    return _squeeze(num / den, x)


def excess_kurtosis(x: np.ndarray) -> np.ndarray | float:
    """Population excess kurtosis ``m4 / m2**2 - 3``."""
    a = _panel(x)
    d = a - a.mean(axis=0)
    m2 = (d * d).mean(axis=0)
    m4 = (d**4).mean(axis=0)
    return _squeeze(m4 / (m2 * m2) - 3.0, x)


def moment_panel(returns: np.ndarray) -> pd.DataFrame:
    """Every moment of every column: one row per path, columns :data:`MOMENT_NAMES`."""
    a = _panel(returns)
    absr = np.abs(a)
    cols: dict[str, np.ndarray] = {
        "acf_r_1": np.atleast_1d(acf(a, 1)),
        "mean_abs": np.atleast_1d(mean_abs(a)),
        "hill_5": np.atleast_1d(hill(a)),
    }
    for k in ABS_LAGS:
        cols[f"acf_abs_{k}"] = np.atleast_1d(acf(absr, k))
    cols["leverage"] = np.atleast_1d(leverage(a))
    cols["excess_kurtosis"] = np.atleast_1d(excess_kurtosis(a))
    return pd.DataFrame(cols, columns=list(MOMENT_NAMES))


def moments(returns: np.ndarray) -> pd.Series:
    """The moments of one series (a 1-D array of daily log returns)."""
    arr = np.asarray(returns, dtype=np.float64)
    if arr.ndim != 1:
        raise DataError("moments: expected one series; use moment_panel for many paths")
    return moment_panel(arr).iloc[0].rename("value")


def summarize(panel: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean and central ``level`` band across paths of a :func:`moment_panel`."""
    lo, hi = (1.0 - level) / 2.0, 1.0 - (1.0 - level) / 2.0
    return pd.DataFrame({
        "mean": panel.mean(),
        "low": panel.quantile(lo),
        "high": panel.quantile(hi),
        "sd": panel.std(ddof=1),
    })


def data_returns(
    start: str = DATA_START, end: str = DATA_END, *, settings: object | None = None
) -> pd.Series:
    """Daily S&P 500 log returns between ``start`` and ``end`` (thin data loader).

    The first return is from the first close on or after ``start``; NaN closes
    are dropped before differencing.
    """
    from flowdesk.data import load

    closes = load("SP500", start=start, end=end, settings=settings)  # type: ignore[arg-type]
    if not isinstance(closes, pd.Series):
        raise DataError("SP500: expected a series of closes")
    closes = closes.dropna()
    if len(closes) < 300:
        raise DataError(f"SP500: only {len(closes)} closes between {start} and {end}")
    return np.log(closes).diff().dropna().rename("log_return")


def coverage(data: pd.Series, bands: pd.DataFrame, names: Sequence[str] = MOMENT_NAMES) -> float:
    """Share of data moments inside the model's ``[low, high]`` band."""
    inside = [(bands.at[n, "low"] <= data[n] <= bands.at[n, "high"]) for n in names]
    return float(np.mean(inside))
