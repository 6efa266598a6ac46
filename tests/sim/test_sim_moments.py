"""The moment functions: hand calculations on tiny series, independent implementations on
random data, the Hill estimator on Pareto samples, and the S&P 500 reference values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from flowdesk.errors import DataError
from flowdesk.sim.moments import (
    MOMENT_NAMES,
    acf,
    data_returns,
    excess_kurtosis,
    hill,
    leverage,
    mean_abs,
    moment_panel,
    moments,
)


def test_acf_by_hand() -> None:
    # mean 2.5, deviations -1.5 -0.5 0.5 1.5: lag 1 -> (0.75 - 0.25 + 0.75) / 5 = 0.25
    assert acf(np.array([1.0, 2.0, 3.0, 4.0]), 1) == pytest.approx(0.25, abs=1e-15)
    # lag 2 -> ((-1.5)(0.5) + (-0.5)(1.5)) / 5 = -0.3
    assert acf(np.array([1.0, 2.0, 3.0, 4.0]), 2) == pytest.approx(-0.3, abs=1e-15)


def test_acf_against_numpy_correlate() -> None:
    x = np.random.default_rng(0).standard_t(4, size=(3000, 3))
    for j in range(3):
        d = x[:, j] - x[:, j].mean()
        full = np.correlate(d, d, mode="full")[d.size - 1 :]
        for lag in (1, 5, 100):
            assert acf(x, lag)[j] == pytest.approx(full[lag] / full[0], rel=1e-10)  # type: ignore[index]


def test_mean_abs_leverage_kurtosis_by_hand() -> None:
    x = np.array([0.01, -0.02, 0.03, -0.04])
    assert mean_abs(x) == pytest.approx(0.025)
    # corr([.01,-.02,.03], [.02,.03,.04]) by hand, in units of 1/300: deviations
    # u = [1, -8, 7], v = [-3, 0, 3]; sum uv = 18, sum u^2 = 114, sum v^2 = 18
    assert leverage(x) == pytest.approx(18.0 / math.sqrt(114.0 * 18.0), rel=1e-12)
    # mean -0.005; deviations .015 -.015 .035 -.035: m2 = .000725, m4 = (2*.015^4 + 2*.035^4)/4
    m2 = (2 * 0.015**2 + 2 * 0.035**2) / 4
    m4 = (2 * 0.015**4 + 2 * 0.035**4) / 4
    assert excess_kurtosis(x) == pytest.approx(m4 / m2**2 - 3.0, rel=1e-12)


def test_leverage_and_kurtosis_against_numpy_scipy() -> None:
    x = np.random.default_rng(1).standard_t(5, size=(2000, 4))
    for j in range(4):
        r = x[:, j]
        assert leverage(x)[j] == pytest.approx(  # type: ignore[index]
            np.corrcoef(r[:-1], np.abs(r[1:]))[0, 1], rel=1e-10)
        assert excess_kurtosis(x)[j] == pytest.approx(  # type: ignore[index]
            stats.kurtosis(r, fisher=True, bias=True), rel=1e-10)


def test_hill_by_hand() -> None:
    x = np.arange(1.0, 41.0)  # n = 40 -> k = 2: top three are 40, 39, 38
    expected = 1.0 / np.mean([math.log(40 / 38), math.log(39 / 38)])
    assert hill(-x) == pytest.approx(expected, rel=1e-12)  # uses |x|


@pytest.mark.parametrize("alpha", [2.0, 3.0, 4.0])
def test_hill_recovers_the_pareto_tail_index(alpha: float) -> None:
    # Exact Pareto tail: the Hill estimator on the top k is unbiased-ish with sd alpha/sqrt(k);
    # k = 10,000 gives sd 0.02-0.04, so 0.15 is more than 4 standard deviations.
    n = 200_000
    x = np.random.default_rng(int(alpha)).pareto(alpha, n) + 1.0
    assert hill(x) == pytest.approx(alpha, abs=0.15)


def test_panel_equals_series_by_series() -> None:
    x = np.random.default_rng(2).standard_t(4, size=(800, 3)) * 0.01
    panel = moment_panel(x)
    assert list(panel.columns) == list(MOMENT_NAMES)
    for j in range(3):
        pd.testing.assert_series_equal(panel.iloc[j].rename("value"), moments(x[:, j]),
                                       check_names=False)


def test_bad_input() -> None:
    with pytest.raises(DataError):
        acf(np.ones(5), 5)
    with pytest.raises(DataError):
        hill(np.ones(20))
    with pytest.raises(DataError):
        moments(np.ones((10, 2)))


def test_sp500_moments_match_the_design_reference() -> None:
    r = data_returns()
    assert r.index[0].year == 1999 and r.index[-1] == pd.Timestamp("2018-12-31")
    m = moments(r.to_numpy())
    # DESIGN.md values (1999-2018): ACF(r,1) -0.070, mean |r| 0.808%, Hill 2.93,
    # leverage -0.125, excess kurtosis ~8; ACF(|r|) at 10/50/100 = 0.289/0.165/0.120.
    assert m["acf_r_1"] == pytest.approx(-0.070, abs=0.002)
    assert m["mean_abs"] == pytest.approx(0.00808, abs=0.00002)
    assert m["hill_5"] == pytest.approx(2.93, abs=0.01)
    assert m["leverage"] == pytest.approx(-0.125, abs=0.002)
    assert m["excess_kurtosis"] == pytest.approx(8.0, abs=0.3)
    for lag, ref in ((10, 0.289), (50, 0.165), (100, 0.120)):
        assert m[f"acf_abs_{lag}"] == pytest.approx(ref, abs=0.005)
    # DESIGN.md lists ACF(|r|,1) = 0.294; the data give 0.244 with the textbook estimator
    # and with pandas' Pearson autocorr alike (an independent implementation):
    assert m["acf_abs_1"] == pytest.approx(r.abs().autocorr(1), abs=0.002)
