"""Transforms: small pure functions from input series to an indicator series.

Each takes pandas objects on sorted ``DatetimeIndex``es and returns a Series
dated by the observation it describes; none looks past the last date it is
given, so applying one to data published by ``t`` gives a point-in-time value.
Units are stated per function; GDP, profits and investment are nominal SAAR USD
bn, hyperscaler capex arrives in USD and leaves in USD bn, WALCL and WTREGEN
are USD mn, RRPONTSYD and NETLIQ USD bn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_CAPEX_TICKERS",
    "ONE_YEAR",
    "annual_capex",
    "annual_mean",
    "bea_ai_share",
    "btc_ndx_corr",
    "btc_vs_m2",
    "capex_contribution",
    "capex_growth",
    "capex_share",
    "capex_vs_power",
    "change_over_weeks",
    "childcare_rent_inflation",
    "consumer_stress",
    "difference",
    "gdp_ex_capex_growth",
    "housing_affordability",
    "lead_lag_corr",
    "level",
    "liquidity_corr",
    "liquidity_lead_lag",
    "log_returns",
    "monthly_mean_yoy",
    "mortgage_payment",
    "power_output_yoy",
    "real_inflation",
    "realized_vol",
    "relative_return",
    "rolling_corr",
    "share_of_gdp",
    "treasury_rrp_change",
    "value_ago",
    "weekly_log_changes",
    "yoy",
    "zscore",
]

#: Companies whose capex counts as AI capex (see :mod:`flowdesk.macro.theses` on Apple).
DEFAULT_CAPEX_TICKERS: tuple[str, ...] = ("MSFT", "GOOGL", "AMZN", "META")
ONE_YEAR = pd.DateOffset(years=1)
_WEEK = pd.Timedelta(days=7)


# ------------------------------------------------------------------ generic transforms
def value_ago(
    series: pd.Series, offset: pd.DateOffset = ONE_YEAR, tolerance: pd.Timedelta | None = None
) -> pd.Series:
    """Value of the last observation dated on or before ``t - offset``, for each date ``t``.

    ``tolerance`` bounds how far before ``t - offset`` that observation may be
    (``None``: any distance); beyond it the result is NaN.
    """
    values = series.dropna()
    idx = values.index
    targets = idx - offset
    pos = idx.searchsorted(targets, side="right") - 1
    out = np.full(len(idx), np.nan)
    ok = pos >= 0
    if tolerance is not None:
        ok &= idx[np.clip(pos, 0, None)] >= targets - tolerance
    out[ok] = values.to_numpy(dtype=float)[pos[ok]]
    return pd.Series(out, index=idx, name=series.name)


def yoy(series: pd.Series, tolerance: pd.Timedelta | None = _WEEK) -> pd.Series:
    """Percent change over one calendar year: ``100 * (x[t] / x[t - 1y] - 1)``.

    ``x[t - 1y]`` is the last observation on or before ``t - 1y`` and at most
    ``tolerance`` earlier (a week by default, enough for weekends and holidays).
    """
    values = series.dropna()
    return (100.0 * (values / value_ago(values, ONE_YEAR, tolerance) - 1.0)).dropna()


def share_of_gdp(numerator: pd.Series, gdp: pd.Series) -> pd.Series:
    """``100 * numerator / gdp`` on the dates both have (percent of GDP, same units in both)."""
    both = pd.concat([numerator, gdp], axis=1, join="inner").dropna()
    return 100.0 * both.iloc[:, 0] / both.iloc[:, 1]


def zscore(series: pd.Series, window: int | None = None, min_periods: int = 20) -> pd.Series:
    """Standardise each value by the mean and std (ddof=1) of the values up to and including it.

    ``window=None`` uses every value so far (expanding); otherwise the last
    ``window`` values. NaN until ``min_periods`` values. Point in time by construction.
    """
    values = series.dropna().astype(float)
    roll = (
        values.expanding(min_periods=min_periods)
        if window is None
        else values.rolling(window, min_periods=min_periods)
    )
    mean, std = roll.mean(), roll.std(ddof=1)
    return ((values - mean) / std.where(std > 0)).dropna()


def rolling_corr(
    a: pd.Series, b: pd.Series, window: int, min_periods: int | None = None
) -> pd.Series:
    """Pearson correlation of ``a`` and ``b`` over the last ``window`` common dates."""
    both = pd.concat([a, b], axis=1, join="inner").dropna()
    x, y = both.iloc[:, 0], both.iloc[:, 1]
    return x.rolling(window, min_periods=min_periods or window).corr(y).dropna()


def lead_lag_corr(a: pd.Series, b: pd.Series, lags: Sequence[int]) -> pd.Series:
    """Correlation of ``a[t]`` with ``b[t + k]`` for each lag ``k`` (in observations).

    A positive ``k`` asks whether ``a`` leads ``b`` by ``k`` periods. Only dates
    present in both series are used; the series are aligned first, then shifted.
    """
    both = pd.concat([a, b], axis=1, join="inner").dropna()
    x, y = both.iloc[:, 0], both.iloc[:, 1]
    values = [x.corr(y.shift(-k)) for k in lags]
    return pd.Series(values, index=pd.Index(list(lags), name="lag"), dtype=float)


def log_returns(series: pd.Series, periods: int = 1) -> pd.Series:
    """``log(x[t] / x[t - periods])`` over consecutive observations (positive prices)."""
    values = series.dropna()
    return np.log(values / values.shift(periods)).dropna()


def realized_vol(series: pd.Series, window: int, periods_per_year: float) -> pd.Series:
    """Annualised realized volatility in percent: ``100 * sqrt(ppy) * std(log returns)``.

    The standard deviation (ddof=1) is over the last ``window`` daily log returns.
    """
    returns = log_returns(series)
    return (100.0 * math.sqrt(periods_per_year) * returns.rolling(window).std(ddof=1)).dropna()


def level(series: pd.Series) -> pd.Series:
    """The series itself, as float (for indicators that are a published level)."""
    return series.astype(float)


def difference(a: pd.Series, b: pd.Series) -> pd.Series:
    """``a - b`` on the dates both have."""
    both = pd.concat([a, b], axis=1, join="inner").dropna()
    return both.iloc[:, 0] - both.iloc[:, 1]


def relative_return(a: pd.Series, b: pd.Series) -> pd.Series:
    """One-year return of ``a`` relative to ``b``, percent, on their common dates.

    ``100 * ((a[t] / a[t-1y]) / (b[t] / b[t-1y]) - 1)``, i.e. :func:`yoy` of ``a / b``.
    """
    both = pd.concat([a, b], axis=1, join="inner").dropna()
    return yoy(both.iloc[:, 0] / both.iloc[:, 1])


# ------------------------------------------------------------------ thesis transforms
def _year_end_index(years: pd.Index) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([pd.Timestamp(year=int(y), month=12, day=31) for y in years])


def annual_capex(
    table: pd.DataFrame, tickers: Sequence[str] = DEFAULT_CAPEX_TICKERS
) -> pd.Series:
    """Capex of ``tickers`` by calendar year, USD bn, dated 31 December of the year.

    ``table`` has columns ``ticker`` and ``capex`` (USD) indexed by fiscal-year
    end. Year Y sums each company's fiscal year ending in Y and counts only
    when every ticker has one.
    """
    rows = table[table["ticker"].isin(list(tickers))]
    grouped = rows.groupby(rows.index.year)
    complete = grouped["ticker"].nunique() == len(set(tickers))
    total = grouped["capex"].sum()[complete] / 1e9
    return pd.Series(total.to_numpy(dtype=float), index=_year_end_index(total.index))


def annual_mean(series: pd.Series, per_year: int) -> pd.Series:
    """Mean of each calendar year with all ``per_year`` observations, dated 31 December.

    For a quarterly SAAR series (``per_year=4``) this is the annual value.
    """
    values = series.dropna()
    grouped = values.groupby(values.index.year)
    mean = grouped.mean()[grouped.count() == per_year]
    return pd.Series(mean.to_numpy(dtype=float), index=_year_end_index(mean.index))


def _annual(table: pd.DataFrame, gdp: pd.Series, tickers: Sequence[str]) -> pd.DataFrame:
    capex, gdp_y = annual_capex(table, tickers), annual_mean(gdp, 4)
    both = pd.concat([capex, gdp_y], axis=1, join="inner").dropna()
    both.columns = ["capex", "gdp"]
    return both


def capex_share(table: pd.DataFrame, gdp: pd.Series, *, tickers: Sequence[str]) -> pd.Series:
    """AI capex as a percent of nominal GDP, by calendar year."""
    both = _annual(table, gdp, tickers)
    return 100.0 * both["capex"] / both["gdp"]


def capex_growth(table: pd.DataFrame, *, tickers: Sequence[str]) -> pd.Series:
    """Growth of AI capex over the previous calendar year, percent."""
    return yoy(annual_capex(table, tickers), tolerance=pd.Timedelta(0))


def capex_contribution(
    table: pd.DataFrame, gdp: pd.Series, *, tickers: Sequence[str]
) -> pd.Series:
    """AI capex's contribution to nominal GDP growth, pp: ``100 * (C_Y - C_Y-1) / GDP_Y-1``.

    Needs GDP only for the year before, so it is known as soon as the capex is.
    """
    capex = annual_capex(table, tickers)
    gdp_y = annual_mean(gdp, 4)
    gdp_before = pd.Series(gdp_y.to_numpy(), index=gdp_y.index + ONE_YEAR).reindex(capex.index)
    capex_before = value_ago(capex, ONE_YEAR, pd.Timedelta(0))
    return (100.0 * (capex - capex_before) / gdp_before).dropna()


def gdp_ex_capex_growth(
    table: pd.DataFrame, gdp: pd.Series, *, tickers: Sequence[str]
) -> pd.Series:
    """Growth of nominal GDP minus AI capex over the previous calendar year, percent."""
    both = _annual(table, gdp, tickers)
    return yoy(both["gdp"] - both["capex"], tolerance=pd.Timedelta(0))


def capex_vs_power(table: pd.DataFrame, power: pd.Series, *, tickers: Sequence[str]) -> pd.Series:
    """AI capex growth minus growth of mean power output, by calendar year, pp."""
    power_growth = yoy(annual_mean(power, 12), tolerance=pd.Timedelta(0))
    return difference(capex_growth(table, tickers=tickers), power_growth)


def consumer_stress(delinquency: pd.Series, saving: pd.Series, claims: pd.Series) -> pd.Series:
    """Consumer-stress index: mean of three 10-year rolling z-scores, monthly.

    Components on month-start dates: credit-card delinquency (quarterly; the
    last print is carried forward up to 5 months, until the next one is due),
    minus the saving rate, and the log of the monthly mean of initial claims
    (logs tame the 2020 spike). Each is z-scored against its own last 120
    months (at least 60, :func:`zscore`); the index needs all three. Positive
    means more stress than usual.
    """
    first = min(delinquency.index[0], saving.index[0], claims.index[0])
    last = max(delinquency.index[-1], saving.index[-1], claims.index[-1])
    months = pd.date_range(first.to_period("M").to_timestamp(), last, freq="MS")
    parts = [
        delinquency.resample("MS").last().reindex(months).ffill(limit=5),
        -saving.resample("MS").last().reindex(months),
        np.log(claims).resample("MS").mean().reindex(months),
    ]
    z = pd.concat([zscore(p, window=120, min_periods=60) for p in parts], axis=1, sort=True)
    return z.dropna().mean(axis=1)


def power_output_yoy(power: pd.Series) -> pd.Series:
    """Year-on-year growth of the 12-month average of power output, percent."""
    # Twelve-month averages take out weather: a hot summer is not a trend.
    return yoy(power.dropna().rolling(12).mean().dropna())


def monthly_mean_yoy(series: pd.Series) -> pd.Series:
    """Year-on-year change of monthly means (month-start dates), percent."""
    return yoy(series.resample("MS").mean().dropna())


def real_inflation(item: pd.Series, cpi: pd.Series) -> pd.Series:
    """Year-on-year inflation of ``item`` minus that of headline CPI, pp."""
    return difference(yoy(item), yoy(cpi))


def change_over_weeks(series: pd.Series, *, weeks: int, scale: float = 1.0) -> pd.Series:
    """``x[t] - x[t - weeks]`` of ``series / scale`` (the earlier value within 3 days)."""
    values = series.dropna() / scale
    earlier = value_ago(values, pd.DateOffset(weeks=weeks), pd.Timedelta(days=3))
    return (values - earlier).dropna()


def treasury_rrp_change(netliq: pd.Series, walcl: pd.Series, *, weeks: int) -> pd.Series:
    """Change of the Treasury and reverse-repo side of net liquidity, USD bn.

    ``NETLIQ - WALCL/1000 = -(TGA + RRP)`` (WALCL in USD mn, NETLIQ in USD bn),
    differenced over ``weeks``: positive when the TGA and the RRP drain release
    liquidity.
    """
    return change_over_weeks(difference(netliq, walcl / 1000.0), weeks=weeks)


def weekly_log_changes(netliq: pd.Series, asset: pd.Series, periods: int) -> pd.DataFrame:
    """Log changes over ``periods`` NETLIQ weeks of net liquidity (``liq``) and an asset.

    The asset is sampled at its last close on or before each NETLIQ date, at
    most a week earlier.
    """
    asset_w = asset.dropna().reindex(netliq.index, method="ffill", tolerance=_WEEK)
    frame = pd.concat([netliq.rename("liq"), asset_w.rename("asset")], axis=1, sort=True).dropna()
    return np.log(frame / frame.shift(periods)).dropna()


def liquidity_corr(netliq: pd.Series, asset: pd.Series, window: int = 104) -> pd.Series:
    """Rolling correlation of 4-week log changes of net liquidity and an asset, weekly.

    ``window`` weeks of overlapping 4-week changes (:func:`weekly_log_changes`).
    """
    changes = weekly_log_changes(netliq, asset, 4)
    return rolling_corr(changes["liq"], changes["asset"], window)


def liquidity_lead_lag(netliq: pd.Series, asset: pd.Series) -> dict[str, Any]:
    """Lead/lag correlations of weekly net-liquidity changes with asset returns.

    ``corr(dNETLIQ[t], return[t + k])`` for ``k`` in -8..8 weeks over the last
    156 weeks of non-overlapping weekly changes; ``k > 0`` means liquidity
    leads. Empty when fewer than 52 weeks are available.
    """
    changes = weekly_log_changes(netliq, asset, 1).iloc[-156:]
    if len(changes) < 52:
        return {}
    corr = lead_lag_corr(changes["liq"], changes["asset"], range(-8, 9)).dropna()
    if corr.empty:
        return {}
    best = int(corr.abs().idxmax())
    return {
        "lead_lag_weeks": {int(k): round(float(v), 4) for k, v in corr.items()},
        "best_lag_weeks": best,
        "best_lag_corr": round(float(corr[best]), 4),
    }


def btc_ndx_corr(btc: pd.Series, ndx: pd.Series, window: int = 90) -> pd.Series:
    """Rolling correlation of daily log returns of Bitcoin and the Nasdaq-100.

    Returns are taken between consecutive Nasdaq trading days (Bitcoin's
    weekend moves land on Monday), over ``window`` of them.
    """
    both = pd.concat([btc, ndx], axis=1, join="inner").dropna()
    return rolling_corr(log_returns(both.iloc[:, 0]), log_returns(both.iloc[:, 1]), window)


def btc_vs_m2(btc: pd.Series, m2: pd.Series) -> pd.Series:
    """Bitcoin's one-year return minus M2's latest year-on-year growth, pp, daily.

    M2 growth is the last monthly value dated on or before each day (within 92 days).
    """
    m2_growth = yoy(m2).reindex(btc.index, method="ffill", tolerance=pd.Timedelta(days=92))
    return (yoy(btc) - m2_growth).dropna()


def mortgage_payment(
    price: pd.Series | float, rate_pct: pd.Series | float, *, down: float = 0.2, months: int = 360
) -> pd.Series | float:
    """Monthly payment on a fixed-rate loan of ``(1 - down) * price`` at ``rate_pct`` a year.

    ``L * r / (1 - (1 + r) ** -months)`` with ``r = rate_pct / 1200``.
    """
    r = rate_pct / 1200.0
    loan = (1.0 - down) * price
    return loan * r / (1.0 - (1.0 + r) ** -months)


def housing_affordability(rate: pd.Series, price: pd.Series, income: pd.Series) -> pd.Series:
    """Mortgage payment on the median house as a percent of median household income.

    Quarterly on the MSPUS dates: 20% down, 30-year fixed at the quarter's
    mean MORTGAGE30US rate; income is the latest annual MEHOINUSA646N dated on
    or before the quarter (incomes are published about 20 months late).
    """
    rate_q = rate.resample("QS").mean().reindex(price.index)
    income_q = income.reindex(price.index, method="ffill")
    payment = mortgage_payment(price, rate_q)
    return (100.0 * 12.0 * payment / income_q).dropna()


def childcare_rent_inflation(daycare: pd.Series, rent: pd.Series, cpi: pd.Series) -> pd.Series:
    """Mean year-on-year inflation of day care and rent minus headline CPI inflation, pp."""
    both = pd.concat([yoy(daycare), yoy(rent)], axis=1, join="inner").dropna().mean(axis=1)
    return difference(both, yoy(cpi))


def bea_ai_share(equipment: pd.Series, software: pd.Series, gdp: pd.Series) -> pd.Series:
    """Information-processing equipment plus software investment, percent of GDP."""
    both = pd.concat([equipment, software], axis=1, join="inner").dropna()
    return share_of_gdp(both.sum(axis=1), gdp)
