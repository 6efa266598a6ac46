"""Shared pieces of the flow models: AUM bands, percentiles, input checks.

Conventions used by every flow model:

* positions and exposures are fractions of the actors' AUM (1.0 = fully
  invested, signed for long/short books);
* dollar figures are USD bn and always come as a :class:`Band` (low/base/high)
  because industry AUM is uncertain;
* percentiles are 0-100 and point-in-time: a value at ``t`` is ranked only
  against values up to and including ``t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np
import pandas as pd

from flowdesk.errors import DataError, ModelError
from flowdesk.flows.kernels import input_panel

__all__ = [
    "AumBand",
    "Band",
    "check_prices",
    "ci_verdict",
    "expanding_percentile",
    "percentile_of_last",
]


@dataclass(frozen=True)
class Band:
    """A dollar figure with its AUM uncertainty band, in USD bn."""

    low: float
    base: float
    high: float

    def __add__(self, other: Band) -> Band:
        return Band(self.low + other.low, self.base + other.base, self.high + other.high)

    def ordered(self) -> Band:
        """The same band with ``low <= high`` (a negative flow scales the other way)."""
        lo, hi = sorted((self.low, self.high))
        return Band(lo, self.base, hi)

    def to_dict(self, digits: int = 3) -> dict[str, float | None]:
        """``{"low", "base", "high"}`` rounded; NaN becomes ``None``."""
        return {k: _round(getattr(self, k), digits) for k in ("low", "base", "high")}


@dataclass(frozen=True)
class AumBand:
    """Assets under management of one class of actors, low/base/high, in USD bn."""

    low_bn: float
    base_bn: float
    high_bn: float

    def __post_init__(self) -> None:
        values = (self.low_bn, self.base_bn, self.high_bn)
        if not all(np.isfinite(v) and v > 0 for v in values):
            raise ModelError(f"AUM band must be positive and finite, got {values}")
        if not self.low_bn <= self.base_bn <= self.high_bn:
            raise ModelError(f"AUM band must satisfy low <= base <= high, got {values}")

    def dollars(self, fraction: float) -> Band:
        """A fraction of AUM (a position, a change in position) as a USD bn band."""
        return Band(fraction * self.low_bn, fraction * self.base_bn, fraction * self.high_bn)

    def dollars_frame(self, fractions: pd.Series) -> pd.DataFrame:
        """A series of AUM fractions as a ``low``/``base``/``high`` USD bn frame."""
        return pd.DataFrame(
            {
                "low": fractions * self.low_bn,
                "base": fractions * self.base_bn,
                "high": fractions * self.high_bn,
            }
        )

    def to_dict(self) -> dict[str, float]:
        """``{"low", "base", "high"}`` in USD bn."""
        return {"low": self.low_bn, "base": self.base_bn, "high": self.high_bn}


def _round(value: float, digits: int) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), digits)


def percentile_of_last(history: pd.Series | np.ndarray) -> float:
    """Percentile (0-100) of the last non-missing value among all non-missing values.

    Ties count half (the mid-rank convention), so a constant history gives 50.
    Returns NaN when there is nothing to rank.
    """
    values = np.asarray(history, dtype=float)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return float("nan")
    last = values[-1]
    below = np.count_nonzero(values < last)
    equal = np.count_nonzero(values == last)
    return 100.0 * (below + 0.5 * equal) / values.size


@nb.njit(cache=True)
def _expanding_percentile(values: np.ndarray, min_periods: int, out: np.ndarray) -> None:
    n = values.size
    seen = 0
    for t in range(n):
        v = values[t]
        if v != v:
            out[t] = np.nan
            continue
        seen += 1
        below = 0
        equal = 0
        for s in range(t + 1):
            w = values[s]
            if w < v:
                below += 1
            elif w == v:
                equal += 1
        out[t] = 100.0 * (below + 0.5 * equal) / seen if seen >= min_periods else np.nan


def expanding_percentile(series: pd.Series, min_periods: int = 252) -> pd.Series:
    """Percentile of each value against its own past (inclusive), point in time.

    Equals ``percentile_of_last(series.iloc[: t + 1])`` at every ``t`` (a test
    checks this against the slow loop); NaN until ``min_periods`` observations.
    """
    # One compiled specialisation whether pandas hands out a read-only array or not.
    values = input_panel(series.to_numpy(dtype=float))
    out = np.empty(values.shape)
    _expanding_percentile(values, int(min_periods), out)
    return pd.Series(out, index=series.index, name=series.name)


def check_prices(
    prices: pd.Series | pd.DataFrame,
    *,
    name: str = "prices",
    min_rows: int = 2,
    positive: bool = True,
) -> pd.DataFrame:
    """Validate a price panel (dates x assets) before a model uses it.

    Parameters
    ----------
    prices
        Prices indexed by session date; a Series is treated as one asset.
    name
        Name used in error messages.
    min_rows
        Minimum number of dated rows.
    positive
        Require strictly positive prices (returns are ratios). Set to false for
        models that work on price differences (crude oil went negative in 2020).

    Returns
    -------
    pandas.DataFrame
        float64 copy of the panel.

    Raises
    ------
    DataError
        Non-date or unsorted index, non-numeric values, too few rows, an asset
        with no data, or a non-positive price (with the asset and date).
    """
    frame = prices.to_frame() if isinstance(prices, pd.Series) else prices
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{name}: expected a pandas Series or DataFrame")
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise DataError(f"{name}: index must be dates")
    if not frame.index.is_monotonic_increasing or not frame.index.is_unique:
        raise DataError(f"{name}: dates must be sorted and unique")
    try:
        frame = frame.astype("float64")
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name}: values are not numeric ({exc})") from None
    if len(frame) < min_rows:
        raise DataError(f"{name}: {len(frame)} rows, need at least {min_rows}")
    for column in frame.columns:
        col = frame[column]
        if col.notna().sum() == 0:
            raise DataError(f"{name}: asset {column} has no observations")
        if positive:
            bad = col[col <= 0]
            if len(bad):
                raise DataError(
                    f"{name}: asset {column} has a non-positive price {bad.iloc[0]:g} on "
                    f"{bad.index[0]:%Y-%m-%d}"
                )
        if np.isinf(col.to_numpy()).any():
            raise DataError(f"{name}: asset {column} has an infinite value")
    return frame


def ci_verdict(low: float, high: float, reference: float, *, above: str, below: str,
               across: str) -> str:
    """The sentence for where a 95% interval ``[low, high]`` lies against ``reference``.

    Parameters
    ----------
    low, high
        Interval bounds (a bootstrap percentile interval).
    reference
        The value of no effect (0 for a difference, 1 for a ratio).
    above, below, across
        The verdicts when the interval lies wholly above or below ``reference``,
        or contains it (NaN bounds count as containing it).
    """
    if low > reference:
        return above
    if high < reference:
        return below
    return across
