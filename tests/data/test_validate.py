"""Boundary validation of in-memory series."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flowdesk.data.validate import validate_series
from flowdesk.errors import DataError


def _s(dates: list[str], values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.to_datetime(dates))


def test_clean_series_passes_and_is_normalised() -> None:
    raw = pd.Series(
        [1, 2], index=pd.DatetimeIndex(["2020-01-02 16:00", "2020-01-03 16:00"], tz="UTC")
    )
    out = validate_series(raw, "X")
    assert out.dtype == np.float64
    assert out.index.tz is None
    assert list(out.index.strftime("%Y-%m-%d %H:%M")) == ["2020-01-02 00:00", "2020-01-03 00:00"]
    assert out.name == "X" and out.index.name == "date"


@pytest.mark.parametrize(
    ("series", "fragment"),
    [
        (_s(["2020-01-03", "2020-01-02"], [1, 2]), "not in ascending order"),
        (_s(["2020-01-02", "2020-01-02"], [1, 2]), "duplicate date 2020-01-02"),
        (_s(["2020-01-02"], [np.inf]), "infinite value on 2020-01-02"),
        (_s(["2020-01-02"], [np.nan]), "no observations"),
        (pd.Series(["a"], index=pd.to_datetime(["2020-01-02"])), "not numeric"),
        (pd.Series([1.0], index=["not a date"]), "not made of dates"),
    ],
)
def test_bad_series_named_in_error(series: pd.Series, fragment: str) -> None:
    with pytest.raises(DataError) as info:
        validate_series(series, "MYSERIES")
    assert "MYSERIES" in str(info.value) and fragment in str(info.value)


def test_positive_constraint() -> None:
    with pytest.raises(DataError, match="non-positive value 0 on 2020-01-03"):
        validate_series(_s(["2020-01-02", "2020-01-03"], [5, 0]), "SP500", positive=True)
    assert validate_series(_s(["2020-01-02"], [-1]), "WTI").iloc[0] == -1
