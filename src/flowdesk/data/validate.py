"""Boundary validation of in-memory series.

One date/time policy for the whole package: daily data are indexed by tz-naive
session dates (midnight timestamps), sorted ascending and unique; values are
float64. Anything else raises :class:`~flowdesk.errors.DataError` naming the
series and the problem.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from flowdesk.errors import DataError

__all__ = ["validate_frame", "validate_series"]


def _check_index(index: pd.Index, name: str) -> pd.DatetimeIndex:
    if not isinstance(index, pd.DatetimeIndex):
        try:
            index = pd.DatetimeIndex(index)
        except (TypeError, ValueError) as exc:
            raise DataError(f"series {name}: index is not made of dates ({exc})") from exc
    if index.tz is not None:
        index = index.tz_convert(None)
    if len(index) and index.hasnans:
        raise DataError(f"series {name}: index has missing dates")
    if not index.is_monotonic_increasing:
        where = int(np.flatnonzero(np.diff(index.asi8) < 0)[0]) + 1
        raise DataError(
            f"series {name}: dates are not in ascending order "
            f"({index[where].date()} follows {index[where - 1].date()})"
        )
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise DataError(f"series {name}: duplicate date {dup.date()}")
    return index.normalize().as_unit("ns").rename("date")


def validate_series(
    series: pd.Series,
    name: str,
    *,
    positive: bool = False,
    require_values: bool = True,
) -> pd.Series:
    """Check a series against the package's data policy and return a clean copy.

    Parameters
    ----------
    series
        Values indexed by date.
    name
        Series id used in error messages.
    positive
        Require every non-missing value to be strictly positive (prices).
    require_values
        Raise if the series has no non-missing value at all.

    Returns
    -------
    pandas.Series
        float64 values, tz-naive sorted unique ``DatetimeIndex`` named ``date``,
        series named ``name``. Missing values stay NaN.

    Raises
    ------
    DataError
        Naming ``name`` and what is wrong.
    """
    if not isinstance(series, pd.Series):
        raise DataError(f"series {name}: expected a pandas Series, got {type(series).__name__}")
    index = _check_index(series.index, name)
    try:
        values = pd.to_numeric(series, errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise DataError(f"series {name}: values are not numeric ({exc})") from exc
    if np.isinf(values).any():
        bad = index[np.isinf(values)][0]
        raise DataError(f"series {name}: infinite value on {bad.date()}")
    finite = ~np.isnan(values)
    if require_values and not finite.any():
        raise DataError(f"series {name}: no observations")
    if positive and (values[finite] <= 0).any():
        where = np.flatnonzero(finite & (np.nan_to_num(values, nan=1.0) <= 0))[0]
        raise DataError(
            f"series {name}: non-positive value {values[where]:g} on {index[where].date()}"
            " (prices must be > 0)"
        )
    return pd.Series(values, index=index, name=name)


def validate_frame(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Check a table's date index (sorted, tz-naive); duplicates are allowed.

    Tables (calendars, per-company rows) may hold several rows per date.

    Raises
    ------
    DataError
        If the index is not made of sorted dates.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"table {name}: expected a pandas DataFrame, got {type(frame).__name__}")
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        raise DataError(f"table {name}: index is not made of dates")
    if index.tz is not None:
        raise DataError(f"table {name}: index must be tz-naive")
    if not index.is_monotonic_increasing:
        raise DataError(f"table {name}: dates are not in ascending order")
    return frame
