"""Macro transforms against hand calculations and slow, obvious re-implementations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from flowdesk.data.derived import net_liquidity
from flowdesk.macro import transforms as tf


def _s(points: dict[str, float]) -> pd.Series:
    return pd.Series(list(points.values()), index=pd.DatetimeIndex(list(points)), dtype=float)


def _capex_table(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """(fiscal-year end, ticker, capex in USD bn) -> the snapshot's table layout (USD)."""
    index = pd.DatetimeIndex([r[0] for r in rows], name="date")
    return pd.DataFrame(
        {"ticker": [r[1] for r in rows], "revenue": 1.0, "capex": [r[2] * 1e9 for r in rows]},
        index=index,
    ).sort_index()


# ---------------------------------------------------------------- generic
def test_value_ago_uses_last_observation_within_tolerance() -> None:
    s = _s({"2023-01-02": 1.0, "2023-12-29": 2.0, "2024-01-02": 3.0, "2024-12-31": 4.0})
    # 2024-01-02 - 1y = 2023-01-02 (exact) -> 1; 2024-12-31 - 1y = 2023-12-31 -> last on or
    # before is 2023-12-29 (2 days earlier) -> 2; earlier dates have nothing a year back.
    out = tf.value_ago(s, tf.ONE_YEAR, pd.Timedelta(days=7))
    assert out.isna().tolist() == [True, True, False, False]
    assert out.iloc[2:].tolist() == [1.0, 2.0]
    # With zero tolerance, 2023-12-29 is too early for 2023-12-31.
    strict = tf.value_ago(s, tf.ONE_YEAR, pd.Timedelta(0))
    assert strict.iloc[2] == 1.0 and math.isnan(strict.iloc[3])


def test_yoy_monthly_hand_values() -> None:
    dates = pd.date_range("2022-01-01", periods=25, freq="MS")
    s = pd.Series(100.0 * 1.02 ** (np.arange(25) / 12.0), index=dates)
    out = tf.yoy(s)
    assert out.index[0] == pd.Timestamp("2023-01-01") and len(out) == 13
    assert out.to_numpy() == pytest.approx(np.full(13, 2.0), abs=1e-10)


def test_share_of_gdp_on_common_dates() -> None:
    num = _s({"2024-01-01": 50.0, "2024-04-01": 60.0})
    gdp = _s({"2024-01-01": 25000.0, "2024-07-01": 26000.0})
    out = tf.share_of_gdp(num, gdp)
    assert out.index.tolist() == [pd.Timestamp("2024-01-01")]
    assert out.iloc[0] == pytest.approx(0.2)  # 50 / 25,000 x 100


def test_zscore_rolling_and_expanding_by_hand() -> None:
    idx = pd.date_range("2024-01-01", periods=5, freq="MS")
    s = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=idx)
    rolling = tf.zscore(s, window=3, min_periods=3)
    # Each window is three consecutive integers: mean = middle, std = 1 -> z = 1.
    assert rolling.tolist() == pytest.approx([1.0, 1.0, 1.0])
    expanding = tf.zscore(s, min_periods=2)
    # Last: values 1..5, mean 3, sample std sqrt(2.5) -> (5 - 3) / 1.5811 = 1.2649.
    assert expanding.iloc[-1] == pytest.approx(2.0 / math.sqrt(2.5))
    # First available (two values 1, 2): mean 1.5, std 0.7071 -> 0.7071.
    assert expanding.iloc[0] == pytest.approx(0.5 / math.sqrt(0.5))


def test_rolling_corr_matches_numpy() -> None:
    rng = np.random.default_rng(7)
    idx = pd.date_range("2020-01-01", periods=60, freq="W-WED")
    a = pd.Series(rng.normal(size=60), index=idx)
    b = pd.Series(0.5 * a.to_numpy() + rng.normal(size=60), index=idx)
    out = tf.rolling_corr(a, b, 20)
    assert len(out) == 41
    for k in (0, 17, 40):
        end = 20 + k
        expected = np.corrcoef(a.to_numpy()[end - 20 : end], b.to_numpy()[end - 20 : end])[0, 1]
        assert out.iloc[k] == pytest.approx(expected, abs=1e-12)
    assert tf.rolling_corr(a, -2.0 * a, 10).to_numpy() == pytest.approx(-1.0)


def test_lead_lag_corr_finds_the_lead() -> None:
    rng = np.random.default_rng(3)
    idx = pd.date_range("2020-01-01", periods=200, freq="W-WED")
    a = pd.Series(rng.normal(size=200), index=idx)
    b = a.shift(2)  # b[t] = a[t - 2]: a leads b by two periods
    corr = tf.lead_lag_corr(a, b.fillna(0.0), range(-4, 5))
    assert int(corr.idxmax()) == 2
    assert corr[2] == pytest.approx(1.0, abs=0.02)
    assert abs(corr[0]) < 0.3


def test_log_returns_and_realized_vol_by_hand() -> None:
    idx = pd.date_range("2024-01-01", periods=11, freq="D")
    r = np.array([0.01, -0.01] * 5)
    prices = pd.Series(100.0 * np.exp(np.concatenate([[0.0], np.cumsum(r)])), index=idx)
    assert tf.log_returns(prices).to_numpy() == pytest.approx(r)
    vol = tf.realized_vol(prices, window=10, periods_per_year=365.0)
    # Ten returns of +-1%: mean 0, sample variance 10e-4 / 9 -> std 0.01 sqrt(10/9).
    assert vol.iloc[-1] == pytest.approx(100.0 * math.sqrt(365.0) * 0.01 * math.sqrt(10 / 9))


def test_relative_return_hand_value() -> None:
    a = _s({"2023-06-28": 100.0, "2024-06-28": 120.0, "2024-07-01": 121.0})
    b = _s({"2023-06-28": 100.0, "2024-06-28": 110.0, "2024-07-01": 110.0})
    out = tf.relative_return(a, b)
    # 2024-07-01 - 1y = 2023-07-01 -> last on or before is 2023-06-28 (3 days, within a week).
    assert out.loc["2024-06-28"] == pytest.approx((1.2 / 1.1 - 1) * 100)
    assert out.loc["2024-07-01"] == pytest.approx((1.21 / 1.1 - 1) * 100)


# ---------------------------------------------------------------- AI capex
def test_annual_capex_requires_every_ticker_and_converts_to_bn() -> None:
    table = _capex_table([
        ("2022-06-30", "MSFT", 20.0), ("2022-12-31", "GOOGL", 30.0),
        ("2023-06-30", "MSFT", 25.0), ("2023-12-31", "GOOGL", 35.0), ("2023-12-31", "AAPL", 11.0),
        ("2024-06-30", "MSFT", 40.0),  # Alphabet's 2024 not filed yet: 2024 incomplete
    ])
    out = tf.annual_capex(table, ("MSFT", "GOOGL"))
    assert out.index.tolist() == [pd.Timestamp("2022-12-31"), pd.Timestamp("2023-12-31")]
    assert out.tolist() == pytest.approx([50.0, 60.0])
    # Apple is excluded unless asked for; with it, 2022 is incomplete (no AAPL row).
    with_apple = tf.annual_capex(table, ("MSFT", "GOOGL", "AAPL"))
    assert with_apple.index.tolist() == [pd.Timestamp("2023-12-31")]
    assert with_apple.iloc[0] == pytest.approx(71.0)


def test_capex_share_growth_contribution_and_gdp_ex_capex() -> None:
    table = _capex_table([
        ("2022-12-31", "META", 100.0),
        ("2023-12-31", "META", 150.0),
        ("2024-12-31", "META", 300.0),
    ])
    q = pd.date_range("2022-01-01", "2024-10-01", freq="QS")
    # GDP (SAAR): 2022 quarters average 25,000, 2023 26,000; 2024 has only 3 quarters here.
    gdp = pd.Series([24_900, 24_950, 25_050, 25_100, 26_000, 26_000, 26_000, 26_000,
                     27_000, 27_000, 27_000, 27_000], index=q, dtype=float).iloc[:-1]
    tickers = ("META",)
    share = tf.capex_share(table, gdp, tickers=tickers)
    assert share.to_dict() == pytest.approx({
        pd.Timestamp("2022-12-31"): 100 / 25_000 * 100,
        pd.Timestamp("2023-12-31"): 150 / 26_000 * 100,
    })
    growth = tf.capex_growth(table, tickers=tickers)
    assert growth.tolist() == pytest.approx([50.0, 100.0])
    contrib = tf.capex_contribution(table, gdp, tickers=tickers)
    # 2023: 50 / GDP_2022; 2024: 150 / GDP_2023 (2024 GDP is not needed).
    assert contrib.to_dict() == pytest.approx({
        pd.Timestamp("2023-12-31"): 50 / 25_000 * 100,
        pd.Timestamp("2024-12-31"): 150 / 26_000 * 100,
    })
    ex = tf.gdp_ex_capex_growth(table, gdp, tickers=tickers)
    assert ex.to_dict() == pytest.approx({
        pd.Timestamp("2023-12-31"): ((26_000 - 150) / (25_000 - 100) - 1) * 100,
    })


def test_capex_vs_power_uses_calendar_year_means() -> None:
    table = _capex_table([("2023-12-31", "AMZN", 50.0), ("2024-12-31", "AMZN", 75.0)])
    months = pd.date_range("2023-01-01", "2024-12-01", freq="MS")
    power = pd.Series([100.0] * 12 + [104.0] * 12, index=months)
    out = tf.capex_vs_power(table, power, tickers=("AMZN",))
    assert out.tolist() == pytest.approx([50.0 - 4.0])


# ---------------------------------------------------------------- households
def test_mortgage_payment_and_affordability_by_hand() -> None:
    # 320,000 loan at 6%: r = 0.005, 360 payments -> 1,918.56 a month (standard tables).
    assert tf.mortgage_payment(400_000.0, 6.0) == pytest.approx(1918.56, abs=0.01)
    weeks = pd.date_range("2024-04-04", "2024-06-27", freq="W-THU")
    rate = pd.Series(6.0, index=weeks)
    price = _s({"2024-04-01": 400_000.0})
    income = _s({"2023-01-01": 80_000.0})
    out = tf.housing_affordability(rate, price, income)
    assert out.iloc[0] == pytest.approx(12 * 1918.5567 / 80_000 * 100, abs=1e-3)


def test_consumer_stress_matches_slow_zscores() -> None:
    rng = np.random.default_rng(11)
    months = pd.date_range("2010-01-01", "2024-12-01", freq="MS")
    quarters = months[::3]
    delinquency = pd.Series(3.0 + rng.normal(0, 0.3, len(quarters)), index=quarters)
    saving = pd.Series(6.0 + rng.normal(0, 1.0, len(months)), index=months)
    weeks = pd.date_range("2010-01-02", "2024-12-28", freq="W-SAT")
    claims = pd.Series(250_000 * np.exp(rng.normal(0, 0.1, len(weeks))), index=weeks)
    out = tf.consumer_stress(delinquency, saving, claims)
    last = out.index[-1]
    assert last == pd.Timestamp("2024-12-01")

    def z_last(values: list[float]) -> float:
        window = np.array(values[-120:])
        return (window[-1] - window.mean()) / window.std(ddof=1)

    # Slow components: delinquency carried into the two following months.
    d_month = [float(delinquency[delinquency.index <= m].iloc[-1]) for m in months]
    s_month = [-float(saving[m]) for m in months]
    c_month = []
    for m in months:
        in_month = claims[(claims.index >= m) & (claims.index < m + pd.DateOffset(months=1))]
        c_month.append(float(np.log(in_month).mean()))
    expected = np.mean([z_last(d_month), z_last(s_month), z_last(c_month)])
    assert out.iloc[-1] == pytest.approx(expected, abs=1e-10)


# ---------------------------------------------------------------- liquidity units
def test_net_liquidity_units_and_components_by_hand() -> None:
    weds = pd.DatetimeIndex(["2024-01-03", "2025-01-01"])
    walcl = pd.Series([7_500_000.0, 7_000_000.0], index=weds)  # USD mn
    tga = pd.Series([800_000.0, 700_000.0], index=weds)  # USD mn
    rrp = pd.Series([600.0, 400.0], index=weds)  # USD bn
    netliq = net_liquidity(walcl, tga, rrp)
    # 7,500 - 800 - 600 = 6,100 bn; 7,000 - 700 - 400 = 5,900 bn.
    assert netliq.tolist() == pytest.approx([6100.0, 5900.0])
    fed = tf.change_over_weeks(walcl, weeks=52, scale=1000.0)
    assert fed.tolist() == pytest.approx([-500.0])  # QT of USD 500 bn
    treasury = tf.treasury_rrp_change(netliq, walcl, weeks=52)
    # -(dTGA + dRRP) = -(-100 - 200) = +300 bn: the TGA and RRP drain released liquidity.
    assert treasury.tolist() == pytest.approx([300.0])
    assert fed.iloc[0] + treasury.iloc[0] == pytest.approx(netliq.iloc[1] - netliq.iloc[0])


def test_liquidity_corr_sign_and_lead_lag_keys() -> None:
    rng = np.random.default_rng(5)
    weds = pd.date_range("2019-01-02", periods=200, freq="W-WED")
    netliq = pd.Series(5000.0 * np.exp(np.cumsum(rng.normal(0, 0.01, 200))), index=weds)
    days = pd.bdate_range(weds[0], weds[-1])
    up = (netliq * 0.8).reindex(days, method="ffill")
    down = (1e7 / netliq).reindex(days, method="ffill")
    assert tf.liquidity_corr(netliq, up).to_numpy() == pytest.approx(1.0)
    assert tf.liquidity_corr(netliq, down).to_numpy() == pytest.approx(-1.0)
    extra = tf.liquidity_lead_lag(netliq, up)
    assert extra["best_lag_weeks"] == 0 and extra["best_lag_corr"] == pytest.approx(1.0)
    assert sorted(extra["lead_lag_weeks"]) == list(range(-8, 9))


def test_btc_vs_m2_and_btc_ndx_corr() -> None:
    days = pd.date_range("2023-01-01", "2024-01-01", freq="D")
    btc = pd.Series(np.linspace(100.0, 150.0, len(days)), index=days)
    m2_dates = pd.date_range("2022-12-01", periods=14, freq="MS")
    m2 = pd.Series(100.0 * 1.05 ** (np.arange(14) / 12), index=m2_dates)
    out = tf.btc_vs_m2(btc, m2)
    # 2024-01-01: BTC +50% over the year; latest M2 (2024-01-01) is +5% -> 45 pp.
    assert out.iloc[-1] == pytest.approx(50.0 - 5.0)
    ndx = btc.loc[btc.index.day_of_week < 5] * 3.0
    noisy = btc * np.exp(np.random.default_rng(1).normal(0, 0.02, len(btc)))
    assert tf.btc_ndx_corr(noisy, noisy.loc[ndx.index] * 3.0).to_numpy() == pytest.approx(1.0)
