"""Forward returns and the moving-block bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from flowdesk.errors import ConfigError
from flowdesk.vol.forward import (
    block_bootstrap_means,
    block_length,
    block_starts,
    count_spells,
    forward_return_table,
    forward_returns,
)


def _ar1(n: int, phi: float, mean: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.empty(n)
    x[0] = rng.normal()
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.normal()
    return mean + x


def _slow_means(values: np.ndarray, mask: np.ndarray, starts: np.ndarray,
                length: int) -> np.ndarray:
    """Build every resample explicitly, then average the group's sessions in it."""
    n = len(values)
    out = []
    for row in starts:
        idx: list[int] = []
        for s in row:
            idx.extend(range(s, s + length))
        idx = idx[:n]
        picked = [values[i] for i in idx if mask[i]]
        out.append(sum(picked) / len(picked) if picked else math.nan)
    return np.array(out)


def test_forward_returns_hand_values() -> None:
    prices = pd.Series([100.0, 110.0, 121.0, 133.1], index=pd.bdate_range("2024-01-01",
                                                                            periods=4))
    fwd = forward_returns(prices, (1, 2))
    np.testing.assert_allclose(fwd[1].to_numpy()[:3], [10.0, 10.0, 10.0])
    np.testing.assert_allclose(fwd[2].to_numpy()[:2], [21.0, 21.0])
    assert math.isnan(fwd[1].iloc[3]) and fwd[2].iloc[2:].isna().all()


def test_block_length_is_at_least_the_horizon() -> None:
    assert block_length(5) == 21
    assert block_length(63) == 63
    assert block_length(5, min_block=1) == 5


def test_block_starts_shape_and_range() -> None:
    starts = block_starts(100, 30, 500, np.random.default_rng(0))
    assert starts.shape == (500, 4)  # ceil(100 / 30)
    assert starts.min() == 0 and starts.max() == 70


def test_fast_means_match_explicit_resampling() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(size=103)
    masks = np.vstack([rng.random(103) < 0.2, rng.random(103) < 0.7, np.ones(103, bool)])
    length = 10
    starts = block_starts(103, length, 50, np.random.default_rng(2))
    fast = block_bootstrap_means(values, masks, starts, length)
    for g in range(3):
        np.testing.assert_allclose(fast[g], _slow_means(values, masks[g], starts, length),
                                   rtol=1e-12, equal_nan=True)


def test_resample_without_group_sessions_is_nan() -> None:
    values = np.arange(10.0)
    mask = np.zeros(10, bool)
    mask[0] = True
    # One block of 5 starting at 5, cut to 10 with a second block starting at 5: no session 0.
    means = block_bootstrap_means(values, mask, np.array([[5, 5], [0, 5]]), 5)
    assert math.isnan(means[0, 0]) and means[0, 1] == 0.0


def test_count_spells() -> None:
    assert count_spells(np.array([False, True, True, False, True, False, False, True])) == 3
    assert count_spells(np.array([True])) == 1
    assert count_spells(np.array([], bool)) == 0


def _table_inputs(values: np.ndarray) -> tuple[pd.Series, pd.Series]:
    index = pd.bdate_range("2000-01-03", periods=len(values) + 1)
    # Prices whose 1-session forward return (percent) is exactly ``values``.
    prices = pd.Series(100 * np.cumprod(np.r_[1.0, 1 + values / 100]), index=index)
    eligible = pd.Series(True, index=index)
    return prices, eligible


def test_ci_contains_the_known_mean_and_is_reproducible() -> None:
    values = _ar1(3000, 0.5, 0.5, seed=11)
    prices, eligible = _table_inputs(values)
    groups = {"all": eligible}
    table = forward_return_table(prices, groups, eligible, horizons=(1,), n_boot=400, seed=7,
                                 min_block=20)
    row = table.loc[("all", 1)]
    assert row["ci_low"] < 0.5 < row["ci_high"]
    assert row["mean"] == pytest.approx(values.mean(), rel=1e-9)
    again = forward_return_table(prices, groups, eligible, horizons=(1,), n_boot=400, seed=7,
                                 min_block=20)
    pd.testing.assert_frame_equal(table, again)
    other = forward_return_table(prices, groups, eligible, horizons=(1,), n_boot=400, seed=8,
                                 min_block=20)
    assert other.loc[("all", 1), "ci_low"] != row["ci_low"]


def test_blocks_widen_the_interval_for_autocorrelated_data() -> None:
    # AR(1) with phi 0.9: the sd of the mean is about sqrt((1 + phi) / (1 - phi)) = 4.4
    # times the iid value, which single-session blocks cannot see.
    values = _ar1(4000, 0.9, 0.0, seed=5)
    prices, eligible = _table_inputs(values)
    kw = {"horizons": (1,), "n_boot": 400, "seed": 0}
    iid = forward_return_table(prices, {"all": eligible}, eligible, min_block=1, **kw)
    blocks = forward_return_table(prices, {"all": eligible}, eligible, min_block=100, **kw)
    width = lambda t: t.loc[("all", 1), "ci_high"] - t.loc[("all", 1), "ci_low"]  # noqa: E731
    assert width(blocks) > 2.5 * width(iid)


def test_one_block_covering_the_sample_gives_a_point_interval() -> None:
    values = np.array([1.0, -2.0, 3.0, 0.5, 4.0])
    prices, eligible = _table_inputs(values)
    table = forward_return_table(prices, {"all": eligible}, eligible, horizons=(1,),
                                 n_boot=50, min_block=5)
    row = table.loc[("all", 1)]
    assert row["ci_low"] == pytest.approx(1.3) and row["ci_high"] == pytest.approx(1.3)


def test_group_means_counts_and_spells_by_hand() -> None:
    # 1-session forward returns 1, 2, ..., 10 (percent); group A on sessions 0-1 and 5.
    values = np.arange(1.0, 11.0)
    prices, eligible = _table_inputs(values)
    a = pd.Series(False, index=eligible.index)
    a.iloc[[0, 1, 5]] = True
    empty = pd.Series(False, index=eligible.index)
    table = forward_return_table(prices, {"A": a, "none": empty}, eligible, horizons=(1, 3),
                                 n_boot=20, min_block=2)
    assert table.loc[("A", 1), "mean"] == pytest.approx((1 + 2 + 6) / 3)
    assert (table.loc[("A", 1), "n"], table.loc[("A", 1), "episodes"]) == (3, 2)
    # 3-session forward returns at sessions 0, 1, 5 compound the 1-session ones.
    compound = [100 * ((1 + values[i] / 100) * (1 + values[i + 1] / 100)
                       * (1 + values[i + 2] / 100) - 1) for i in (0, 1, 5)]
    assert table.loc[("A", 3), "mean"] == pytest.approx(np.mean(compound))
    assert table.loc[("unconditional", 1), "n"] == 10
    assert table.loc[("unconditional", 3), "n"] == 8  # the last 3 sessions have no outcome
    assert table.loc[("unconditional", 1), "mean"] == pytest.approx(5.5)
    assert table.loc[("none", 1), "n"] == 0 and math.isnan(table.loc[("none", 1), "mean"])
    assert table.loc[("none", 1), "n_boot_used"] == 0


def test_ineligible_sessions_are_excluded() -> None:
    values = np.arange(1.0, 11.0)
    prices, eligible = _table_inputs(values)
    eligible.iloc[:4] = False  # e.g. before VIX3M existed
    table = forward_return_table(prices, {"all": eligible}, eligible, horizons=(1,), n_boot=10,
                                 min_block=2)
    assert table.loc[("unconditional", 1), "mean"] == pytest.approx(np.mean(values[4:]))
    assert table.loc[("unconditional", 1), "start"] == eligible.index[4]


def test_n_boot_must_be_positive() -> None:
    prices, eligible = _table_inputs(np.ones(5))
    with pytest.raises(ConfigError):
        forward_return_table(prices, {}, eligible, n_boot=0)
