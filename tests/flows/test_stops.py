"""Stop-loss levels and the crossing study.

Expected values are worked out by hand in the comments or by slow, independent
loops written here; none comes from re-running the code under test.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowdesk.data import load
from flowdesk.errors import ConfigError, DataError, ModelError
from flowdesk.flows.stops import (
    candidate_levels,
    crossing_study,
    round_steps_for,
    swing_points,
)


def _series(values: list[float], start: str = "2024-01-01") -> pd.Series:
    index = pd.bdate_range(start, periods=len(values)).astype("datetime64[ns]")
    return pd.Series(values, index=index, name="px", dtype=float)


@pytest.mark.parametrize(
    ("price", "steps"),
    [
        (7000.0, (100.0, 250.0, 500.0)),  # 1.5% = 105 -> 100
        (4000.0, (50.0, 100.0, 250.0)),  # 60 -> 50
        (1400.0, (10.0, 25.0, 50.0)),  # 21 -> 10
        (6600.0, (50.0, 100.0, 250.0)),  # 99 -> 50
        (50.0, (0.5, 1.0, 2.5)),  # 0.75 -> 0.5
    ],
)
def test_round_steps_follow_the_ladder(price: float, steps: tuple[float, ...]) -> None:
    assert round_steps_for(price) == pytest.approx(steps)


def test_round_steps_reject_bad_price() -> None:
    with pytest.raises(DataError):
        round_steps_for(0.0)


# A 10-close path with levels every 100 points.
#   day  close  crossed
#    0   6980
#    1   7000   7000 up (closing on a level crosses it)
#    2   7050   -        (leaving 7000 does not)
#    3   7040   -
#    4   7120   7100 up
#    5   7110   -
#    6   7090   7100 down
#    7   6950   7000 down
#    8   6960   -
#    9   6940   -
PATH = [6980.0, 7000.0, 7050.0, 7040.0, 7120.0, 7110.0, 7090.0, 6950.0, 6960.0, 6940.0]


def test_round_crossings_on_a_ten_day_path_by_hand() -> None:
    res = crossing_study(
        _series(PATH), round_step=100.0, n_size_bins=1, min_per_bin=1, block=1, n_boot=50
    )
    days = res.to_frame()
    # days 1..8 have a next-day return; day 9 does not and is dropped
    assert days["n_levels"].tolist() == [1, 0, 0, 1, 0, 1, 1, 0]
    assert days["direction"].tolist() == [1, 0, 0, 1, 0, -1, -1, 0]
    r = {t: PATH[t] / PATH[t - 1] - 1 for t in range(1, 10)}
    after_cross = [abs(r[2]), abs(r[5]), abs(r[7]), abs(r[8])]  # next days of 1, 4, 6, 7
    after_none = [abs(r[3]), abs(r[4]), abs(r[6]), abs(r[9])]  # next days of 2, 3, 5, 8
    mean_cross = 100 * sum(after_cross) / 4
    mean_all = 100 * sum(after_cross + after_none) / 8
    mean_none = 100 * sum(after_none) / 4
    s = res.to_dict()
    assert s["n_days"] == 8 and s["n_cross"] == 4 and s["n_levels_crossed"] == 4
    assert s["mean_abs_next_cross_pct"] == pytest.approx(mean_cross, rel=1e-12)
    assert s["mean_abs_next_all_pct"] == pytest.approx(mean_all, rel=1e-12)
    assert s["mean_abs_next_control_pct"] == pytest.approx(mean_none, rel=1e-12)
    assert s["ratio_all"] == pytest.approx(mean_cross / mean_all, rel=1e-12)
    assert s["ratio_matched"] == pytest.approx(mean_cross / mean_none, rel=1e-12)
    follow = 100 * (r[2] + r[5] - r[7] - r[8]) / 4  # up, up, down, down
    assert s["follow_through_pct"] == pytest.approx(follow, rel=1e-12)


def test_size_matched_control_by_hand() -> None:
    # |r| of days 1..8 (%): 0.287, 0.714, 0.142, 1.136, 0.140, 0.281, 1.975, 0.144.
    # Four size bins of two days: {5, 3} no crossing at all, {8, 6} = control 8 and
    # crossing 6, {1, 2} = crossing 1 and control 2, {4, 7} crossings only. Only the
    # middle two bins have both, each with one crossing (weight 1/2).
    res = crossing_study(
        _series(PATH), round_step=100.0, n_size_bins=4, min_per_bin=1, block=1, n_boot=50
    )
    assert res.to_frame()["size_bin"].tolist() == [2, 2, 0, 3, 0, 1, 3, 1]
    r = {t: abs(PATH[t] / PATH[t - 1] - 1) for t in range(1, 10)}
    s = res.to_dict()
    assert s["n_cross_matched"] == 2
    assert s["ratio_matched"] == pytest.approx((r[7] + r[2]) / (r[9] + r[3]), rel=1e-12)


def _slow_round_count(a: float, b: float, step: float) -> int:
    k_lo = math.floor(min(a, b) / step) - 1
    k_hi = math.ceil(max(a, b) / step) + 1
    levels = [k * step for k in range(k_lo, k_hi + 1)]
    if b > a:
        return sum(a < x <= b for x in levels)
    return sum(b <= x < a for x in levels)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    step=st.sampled_from([1.0, 5.0, 25.0, 100.0]),
)
def test_round_crossings_equal_a_slow_count(seed: int, step: float) -> None:
    rng = np.random.default_rng(seed)
    prices = 1000 * np.exp(np.cumsum(rng.normal(0, 0.02, 120)))
    prices[40] = prices[39] = round(prices[38] / step) * step  # land on and stay on a level
    res = crossing_study(
        _series(list(prices)), round_step=step, n_size_bins=1, block=2, n_boot=5, min_per_bin=1
    )
    got = res.to_frame()["n_levels"].to_numpy()
    want = [_slow_round_count(prices[t - 1], prices[t], step) for t in range(1, prices.size - 1)]
    np.testing.assert_array_equal(got, want)


def _slow_swing_count(p: np.ndarray, t: int, w: int, n: int, lookback: int) -> int:
    """Levels of the n latest swings confirmed by close t-1, crossed from t-1 to t."""
    highs, lows = [], []
    for s in range(max(t - 1 - lookback, 0), t - w):  # s + w <= t - 1
        if s - w < 0:
            continue
        around = p[s - w : s + w + 1]
        if p[s] == around.max():
            highs.append(p[s])
        if p[s] == around.min():
            lows.append(p[s])
    levels = highs[-n:] + lows[-n:]
    a, b = p[t - 1], p[t]
    return sum((a < x <= b) or (b <= x < a) for x in levels)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), n_swings=st.sampled_from([2, 10]))
def test_swing_crossings_equal_a_slow_loop(seed: int, n_swings: int) -> None:
    rng = np.random.default_rng(seed)
    p = 100 * np.exp(np.cumsum(rng.normal(0, 0.015, 260)))
    res = crossing_study(
        _series(list(p)),
        kind="swing",
        swing_window=5,
        n_swings=n_swings,
        lookback=30,
        n_size_bins=1,
        block=2,
        n_boot=5,
        min_per_bin=1,
    )
    got = res.to_frame()["n_levels"].to_numpy()
    want = [_slow_swing_count(p, t, 5, n_swings, 30) for t in range(1, p.size - 1)]
    np.testing.assert_array_equal(got, want)


def test_swing_levels_use_only_past_prices() -> None:
    rng = np.random.default_rng(3)
    p = _series(list(100 * np.exp(np.cumsum(rng.normal(0, 0.015, 400)))))
    full = crossing_study(p, kind="swing", n_size_bins=1, min_per_bin=1, n_boot=5)
    for t in (150, 260, 330):
        part = crossing_study(p.iloc[: t + 2], kind="swing", n_size_bins=1, min_per_bin=1, n_boot=5)
        # day t's crossing count is the same whether or not later prices exist
        day = p.index[t]
        assert part.to_frame().loc[:day, "n_levels"].equals(full.to_frame().loc[:day, "n_levels"])


# Swing window 2: a close is a swing high (low) when it is the highest (lowest)
# of the two closes on each side; it is confirmed two sessions later.
#   idx    0     1     2     3     4     5     6     7     8     9
LEVEL_PATH = [6900, 6950, 7100, 6980, 6940, 6900, 6960, 7000, 7010, 7030]
# idx 2 (7100) is the high of idx 0-4, confirmed at idx 4; idx 5 (6900) is the
# low of idx 3-7, confirmed at idx 7. Idx 0 has no two closes before it.


def test_candidate_levels_by_hand() -> None:
    prices = _series([float(x) for x in LEVEL_PATH])
    extra = {"cta 1m": 7150.0, "far": 9000.0, "at spot": 7030.0}
    table = candidate_levels(prices, prices.index[-1], extra_levels=extra, swing_window=2)
    # Spot 7030, band +-5% = [6678.5, 7381.5], steps 100/250/500 at 7030.
    expected = {
        (7300.0, "round", "round 100"),
        (7250.0, "round", "round 250"),
        (7200.0, "round", "round 100"),
        (7150.0, "extra", "cta 1m"),
        (7100.0, "round", "round 100"),
        (7030.0, "extra", "at spot"),
        (7100.0, "swing_high", "swing high 2024-01-03"),
        (7000.0, "round", "round 500"),
        (6900.0, "round", "round 100"),
        (6900.0, "swing_low", "swing low 2024-01-08"),
        (6800.0, "round", "round 100"),
        (6750.0, "round", "round 250"),
        (6700.0, "round", "round 100"),
    }
    assert set(zip(table["level"], table["kind"], table["label"], strict=True)) == expected
    assert table["level"].is_monotonic_decreasing
    row = table[table["label"] == "cta 1m"].iloc[0]
    assert row["side"] == "above"
    assert row["distance_pct"] == pytest.approx(100 * (7150 / 7030 - 1))
    assert (table.loc[table["level"] < 7030, "side"] == "below").all()
    spot_row = table[table["label"] == "at spot"].iloc[0]
    assert spot_row["side"] == "above" and spot_row["distance_pct"] == 0.0
    # A narrower band (+-1.5% = [6924.55, 7135.45]) keeps the 7100 high, drops the 6900 low.
    narrow = candidate_levels(prices, prices.index[-1], swing_window=2, band_pct=1.5)
    assert set(narrow["level"]) == {7100.0, 7000.0}
    assert set(narrow["kind"]) == {"round", "swing_high"}


def test_candidate_levels_are_point_in_time() -> None:
    prices = _series([float(x) for x in LEVEL_PATH])
    kinds_at = {
        t: set(candidate_levels(prices, prices.index[t], swing_window=2)["kind"]) for t in (3, 4, 7)
    }
    assert kinds_at[3] == {"round"}  # the 7100 high is not confirmed until idx 4
    assert kinds_at[4] == {"round", "swing_high"}
    assert kinds_at[7] == {"round", "swing_high", "swing_low"}
    # Appending later closes does not change the levels at an earlier date.
    longer = pd.concat([prices, _series([7500.0, 6500.0, 7800.0], "2024-01-15")])
    for t in range(len(prices)):
        a = candidate_levels(prices.iloc[: t + 1], prices.index[t], swing_window=2)
        b = candidate_levels(longer, prices.index[t], swing_window=2)
        pd.testing.assert_frame_equal(a, b)


def test_swing_points_table() -> None:
    table = swing_points(_series([float(x) for x in LEVEL_PATH]), window=2)
    assert table["level"].tolist() == [7100.0, 6900.0]
    assert table["kind"].tolist() == ["swing_high", "swing_low"]
    assert table["known"].tolist() == [pd.Timestamp("2024-01-05"), pd.Timestamp("2024-01-10")]


def test_crossing_study_is_reproducible_with_a_seed() -> None:
    sp = load("SP500").loc["2010":"2015"]
    a = crossing_study(sp, n_boot=300, seed=1).to_dict()
    b = crossing_study(sp, n_boot=300, seed=1).to_dict()
    c = crossing_study(sp, n_boot=300, seed=2).to_dict()
    assert a == b
    assert a["ratio_all_ci"] != c["ratio_all_ci"]


@pytest.mark.parametrize("kind", ["round", "swing"])
def test_crossing_study_on_sp500_since_2000(kind: str) -> None:
    sp = load("SP500")
    res = crossing_study(sp, kind=kind, start="2000-01-01")  # type: ignore[arg-type]
    s = res.to_dict()
    # every session since 2000 but the last (no next day) is a day of the study
    assert s["n_days"] == len(sp.loc["2000-01-01":]) - 1
    assert 0 < s["n_cross_matched"] <= s["n_cross"] < s["n_days"]
    assert s["n_levels_crossed"] >= s["n_cross"]
    for key in ("ratio_all", "ratio_matched", "follow_through"):
        low, high = s[f"{key}_ci"]
        point = s[key if key != "follow_through" else "follow_through_pct"]
        assert low < high
        assert low <= point <= high
    text = res.summary()
    assert s["verdict_all"] in text and s["verdict_matched"] in text


def test_crossing_study_bad_input() -> None:
    good = _series(PATH)
    with pytest.raises(DataError, match="sorted"):
        crossing_study(good.iloc[::-1])
    with pytest.raises(DataError, match="non-positive"):
        crossing_study(_series([*PATH[:-1], -1.0]))
    with pytest.raises(ConfigError, match="kind"):
        crossing_study(good, kind="fib")  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="2 blocks"):
        crossing_study(good, round_step=100.0, n_size_bins=1, min_per_bin=1, block=21)
    with pytest.raises(ModelError, match="size bin"):
        crossing_study(good, round_step=100.0, n_size_bins=1, min_per_bin=20, block=1)
    with pytest.raises(DataError, match="no close on or before"):
        candidate_levels(good, "2020-01-01")
