"""Term-structure frame and inversion episodes on hand-built data."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from flowdesk.errors import DataError
from flowdesk.vol.termstructure import (
    clean_put_call,
    inversion_episodes,
    term_structure_frame,
    validate_input,
)


def _sessions(n: int, start: str = "2021-01-04") -> pd.DatetimeIndex:
    return pd.bdate_range(start, periods=n, name="date")


def _data(vix: list[float], vix3m: list[float | None], sp500: list[float] | None = None,
          **extra: list[float]) -> pd.DataFrame:
    n = len(vix)
    frame = pd.DataFrame(
        {"VIX": vix, "VIX3M": [np.nan if v is None else v for v in vix3m],
         "SP500": sp500 if sp500 is not None else [100.0] * n, **extra},
        index=_sessions(n),
    )
    return frame.astype("float64")


# --- inversion episodes ---------------------------------------------------------------

# VIX3M is 20 throughout; VIX / 20 is the ratio. Session 4 is exactly 1.0: not inverted.
VIX = [18, 21, 22, 19, 20, 20.5, 18, 18, 24, 26, 25, 21]
SP = [100, 110, 104.5, 105, 106, 99, 100, 101, 95, 88, 90, 91]


@pytest.fixture()
def episodes() -> pd.DataFrame:
    frame = term_structure_frame(_data(VIX, [20] * len(VIX), SP))
    return inversion_episodes(frame)


def test_episode_boundaries_peaks_and_durations(episodes: pd.DataFrame) -> None:
    d = _sessions(len(VIX))
    assert len(episodes) == 3
    # Episode 1: sessions 1-2, ratios 1.05 and 1.10.
    first = episodes.iloc[0]
    assert (first.start, first.end, first.peak_date) == (d[1], d[2], d[2])
    assert first.sessions == 2
    assert first.peak_ratio == pytest.approx(1.10)
    # Episode 2: session 5 only (session 4 at exactly 1.0 is not an inversion).
    second = episodes.iloc[1]
    assert (second.start, second.end, second.sessions) == (d[5], d[5], 1)
    assert second.peak_ratio == pytest.approx(1.025)
    # Episode 3: sessions 8-11, peak 26/20 = 1.3 on session 9; runs to the last session.
    third = episodes.iloc[2]
    assert (third.start, third.end, third.peak_date) == (d[8], d[11], d[9])
    assert third.sessions == 4
    assert third.peak_ratio == pytest.approx(1.3)
    assert list(episodes["ongoing"]) == [False, False, True]


def test_drawdown_at_peak_is_from_the_running_high(episodes: pd.DataFrame) -> None:
    # Peak of episode 1 on session 2: 104.5 vs the high of 110 -> -5%.
    # Peak of episode 3 on session 9: 88 vs 110 -> -20%.
    assert episodes.iloc[0].drawdown_at_peak == pytest.approx(-5.0)
    assert episodes.iloc[1].drawdown_at_peak == pytest.approx(100 * (99 / 110 - 1))
    assert episodes.iloc[2].drawdown_at_peak == pytest.approx(-20.0)


def test_missing_vix3m_session_does_not_break_an_episode() -> None:
    vix3m: list[float | None] = [20, 20, None, 20, 20]
    frame = term_structure_frame(_data([18, 22, 30, 22, 18], vix3m))
    eps = inversion_episodes(frame)
    d = _sessions(5)
    assert len(eps) == 1
    assert (eps.iloc[0].start, eps.iloc[0].end, eps.iloc[0].sessions) == (d[1], d[3], 2)
    assert list(frame["inverted_sessions"]) == [0, 1, 0, 2, 0]


def test_episode_regime_is_its_most_severe_label() -> None:
    frame = term_structure_frame(_data([22, 22, 22, 18, 22], [20] * 5))
    labels = pd.Series(["hedging_inversion", "panic_inversion", "stress_inversion",
                        "calm_contango", "hedging_inversion"], index=frame.index)
    eps = inversion_episodes(frame, labels)
    assert list(eps["regime"]) == ["panic_inversion", "hedging_inversion"]


def test_no_ratio_gives_no_episodes() -> None:
    frame = term_structure_frame(_data([30, 31], [None, None]))
    assert inversion_episodes(frame).empty
    assert not frame["inverted"].any()


# --- daily inputs -----------------------------------------------------------------


def test_realized_vol_matches_a_slow_loop() -> None:
    rng = np.random.default_rng(3)
    prices = list(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 40))))
    frame = term_structure_frame(_data([20.0] * 40, [22.0] * 40, prices))
    t = 30
    logs = [math.log(prices[i] / prices[i - 1]) for i in range(t - 20, t + 1)]
    expected = statistics.stdev(logs) * math.sqrt(252) * 100
    assert frame["rv_21"].iloc[t] == pytest.approx(expected, rel=1e-10)
    assert frame["rv_iv"].iloc[t] == pytest.approx(expected / 20.0, rel=1e-10)
    # 21 returns need 22 closes: session 20 has only 20 returns.
    assert math.isnan(frame["rv_21"].iloc[20]) and not math.isnan(frame["rv_21"].iloc[21])


def test_returns_are_simple_percent() -> None:
    prices = [100.0 + i for i in range(12)]
    frame = term_structure_frame(_data([20.0] * 12, [22.0] * 12, prices))
    assert frame["ret_5"].iloc[7] == pytest.approx(100 * (107 / 102 - 1))
    assert frame["ret_10"].iloc[11] == pytest.approx(100 * (111 / 101 - 1))
    assert math.isnan(frame["ret_10"].iloc[9])


def test_drawdown_window_is_252_sessions() -> None:
    # A spike to 200 on session 0, then 100: in the window for sessions 1-251, gone at 252.
    prices = [200.0] + [100.0] * 299
    frame = term_structure_frame(_data([20.0] * 300, [22.0] * 300, prices))
    assert frame["drawdown"].iloc[251] == pytest.approx(-50.0)
    assert frame["drawdown"].iloc[252] == pytest.approx(0.0)


def test_put_call_glitches_become_missing() -> None:
    raw = pd.Series([0.9, 0.0, 11.0, 4.22, 21.0, 1.2, 5.0, -1.0, 3.99])
    cleaned = clean_put_call(raw)
    expected = [0.9, np.nan, np.nan, np.nan, np.nan, 1.2, np.nan, np.nan, 3.99]
    np.testing.assert_array_equal(cleaned.to_numpy(), np.array(expected))


def test_put_call_mean_skips_glitches() -> None:
    pcr = [1.0] * 5 + [11.0] + [2.0] * 4  # the 11.0 must not enter the mean
    frame = term_structure_frame(_data([20.0] * 10, [22.0] * 10, PCR_TOTAL=pcr))
    assert frame["pcr_10d"].iloc[9] == pytest.approx((5 * 1.0 + 4 * 2.0) / 9)
    # Fewer than 7 valid prints in the window: no mean.
    assert math.isnan(frame["pcr_10d"].iloc[5])


def test_percentile_waits_for_history() -> None:
    vvix = [float(v) for v in range(1, 11)]
    frame = term_structure_frame(_data([20.0] * 10, [22.0] * 10, VVIX=vvix), min_history=5)
    assert frame["vvix_pct"].iloc[:4].isna().all()
    # Session 4 ranks 5 among 1..5 (ties count half): (4 + 0.5) / 5.
    assert frame["vvix_pct"].iloc[4] == pytest.approx(90.0)
    assert frame["vvix_pct"].iloc[9] == pytest.approx(95.0)


def test_optional_series_absent_are_nan_columns() -> None:
    frame = term_structure_frame(_data([20.0] * 3, [22.0] * 3))
    for column in ("vix9d", "vvix", "skew", "pcr_total", "ratio_9d", "vvix_pct", "pcr_pct"):
        assert frame[column].isna().all()


def test_sessions_are_vix_and_sp500_common_dates() -> None:
    data = _data([20.0] * 4, [22.0] * 4)
    data.loc[data.index[1], "SP500"] = np.nan  # a US holiday with a Cboe print
    frame = term_structure_frame(data)
    assert list(frame.index) == [data.index[0], data.index[2], data.index[3]]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.drop(columns="SP500"), "SP500"),
        (lambda d: d.iloc[::-1], "sorted"),
        (lambda d: d.assign(VIX=-d["VIX"]), "non-positive"),
        (lambda d: d.assign(VIX3M=np.inf), "infinite"),
        (lambda d: d.reset_index(drop=True), "dates"),
    ],
)
def test_validation_names_the_problem(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DataError, match=message):
        validate_input(mutate(_data([20.0] * 3, [22.0] * 3)))
