"""MarketOverview: drawdown, change conventions, point-in-time behaviour, result API."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flowdesk
from flowdesk.data import load
from flowdesk.data.store import Store
from flowdesk.dates import horizon_change
from flowdesk.errors import ConfigError, DataError
from flowdesk.overview import METRICS, MarketOverview, MarketOverviewResult
from flowdesk.stats import drawdown_from_peak


def _series(points: dict[str, float], name: str = "x") -> pd.Series:
    index = pd.DatetimeIndex(pd.to_datetime(list(points)), name="date")
    return pd.Series(list(points.values()), index=index, dtype="float64", name=name)


def _slow_drawdown(prices: pd.Series) -> tuple[list[float], float, pd.Timestamp]:
    """Obvious loop: running peak and percent distance below it."""
    out = []
    peak = -math.inf
    peak_date = None
    for date, price in prices.items():
        if price >= peak:
            peak, peak_date = price, date
        out.append((price / peak - 1.0) * 100.0)
    return out, peak, peak_date


# ---------------------------------------------------------------- drawdown
def test_drawdown_tiny_hand_example() -> None:
    prices = _series(
        {"2024-01-02": 100.0, "2024-01-03": 110.0, "2024-01-04": 99.0,
         "2024-01-05": 121.0, "2024-01-08": 108.9}
    )
    # Peaks: 100, 110, 110, 121, 121 -> 0, 0, 99/110-1 = -10%, 0, 108.9/121-1 = -10%.
    expected = [0.0, 0.0, -10.0, 0.0, -10.0]
    assert drawdown_from_peak(prices).tolist() == pytest.approx(expected, abs=1e-12)


def test_drawdown_matches_slow_loop_on_real_sp500() -> None:
    asof = pd.Timestamp("2009-03-09")  # GFC trough; the 2007-10-09 peak is > 1 year earlier
    result = MarketOverview(history_years=1).estimate(asof)
    prices = load("SP500", end=asof)
    slow, peak, peak_date = _slow_drawdown(prices)
    slow_series = pd.Series(slow, index=prices.index)
    window = slow_series.loc[result.drawdown.index]
    assert len(window) > 200
    np.testing.assert_allclose(result.drawdown.to_numpy(), window.to_numpy(), rtol=0, atol=1e-9)
    # The peak is outside the one-year chart window, so the window must not re-base it.
    assert result.drawdown.index[0] > peak_date
    assert result.drawdown.iloc[0] < -5
    assert result.peak == pytest.approx(peak)
    assert result.peak_date == peak_date
    assert result.latest.loc["sp500_drawdown", "value"] == pytest.approx(slow[-1], abs=1e-9)
    # Published figure: the S&P 500 fell about 57% from October 2007 to March 2009.
    assert -58.0 < slow[-1] < -56.0


def test_drawdown_full_history_on_default_asof() -> None:
    result = MarketOverview().estimate()
    prices = load("SP500")
    slow, peak, peak_date = _slow_drawdown(prices)
    np.testing.assert_allclose(
        result.drawdown.to_numpy(), pd.Series(slow, index=prices.index)
        .loc[result.drawdown.index].to_numpy(), atol=1e-9, rtol=0,
    )
    assert result.peak == pytest.approx(peak)
    assert result.peak_date == peak_date


# ---------------------------------------------------------------- changes
def test_horizon_changes_on_hand_built_series() -> None:
    s = _series(
        {"2024-01-02": 100.0, "2024-01-31": 104.0, "2024-02-23": 110.0,
         "2024-02-29": 105.0, "2024-03-01": 120.0}
    )
    # t0 = 2024-03-01. 1w: last obs on/before 2024-02-23 -> 110.
    assert horizon_change(s, "1w", "pct") == pytest.approx((120 / 110 - 1) * 100)
    assert horizon_change(s, "1w", "diff") == pytest.approx(10.0)
    # 1m: on/before 2024-02-01 -> 2024-01-31 (104), not the 2024-02-23 value.
    assert horizon_change(s, "1m", "pct") == pytest.approx((120 / 104 - 1) * 100)
    assert horizon_change(s, "1m", "diff") == pytest.approx(16.0)
    # 1y: nothing on/before 2023-03-01.
    assert math.isnan(horizon_change(s, "1y", "pct"))


def test_horizon_changes_use_calendar_months_and_years() -> None:
    s = _series(
        {"2023-02-27": 7.0, "2023-02-28": 10.0, "2023-03-01": 20.0,
         "2024-02-29": 30.0, "2024-03-01": 60.0, "2024-03-31": 64.0}
    )
    # t0 = 2024-03-31; one month earlier is 2024-02-29 (leap day) -> 30.
    assert horizon_change(s, "1m", "diff") == pytest.approx(34.0)
    # one year earlier is 2023-03-31 -> last obs on/before is 2023-03-01 (20).
    assert horizon_change(s, "1y", "diff") == pytest.approx(44.0)
    # 7 days earlier is 2024-03-24 -> 2024-03-01 (60).
    assert horizon_change(s, "1w", "diff") == pytest.approx(4.0)
    # From 2024-02-29, one year back is 2023-02-28 (not 2023-03-01).
    assert horizon_change(s.loc[:"2024-02-29"], "1y", "diff") == pytest.approx(20.0)


def test_horizon_change_ignores_trailing_nan_and_empty() -> None:
    s = _series({"2024-01-01": 50.0, "2024-01-08": 55.0, "2024-01-09": np.nan})
    assert horizon_change(s, "1w", "pct") == pytest.approx(10.0)
    assert math.isnan(horizon_change(s.iloc[:0], "1w", "pct"))


def test_model_changes_on_appended_hand_values(isolated_env: Path) -> None:
    real = load("SP500")
    last = real.index[-1]
    assert last < pd.Timestamp("2026-09-28")  # the hand dates below come after the data
    extra = _series({"2026-09-28": 8000.0, "2026-10-02": 8100.0, "2026-10-05": 7900.0}, "SP500")
    Store(isolated_env).write("SP500", extra, source="test")

    result = MarketOverview().estimate("2026-10-05")
    row = result.latest.loc["sp500"]
    assert row["value"] == 7900.0
    assert row["obs_date"] == pd.Timestamp("2026-10-05")
    # 1w: 2026-10-05 - 7 days = 2026-09-28 -> 8000.
    assert row["change_1w"] == pytest.approx((7900 / 8000 - 1) * 100)
    # 1m: last real close on or before 2026-09-05.
    ref_1m = real.loc[:"2026-09-05"].iloc[-1]
    assert row["change_1m"] == pytest.approx((7900 / ref_1m - 1) * 100)
    # New peak 8100 (above every real close) -> drawdown 7900/8100 - 1.
    assert real.max() < 8100
    assert result.peak == 8100.0
    assert result.peak_date == pd.Timestamp("2026-10-02")
    dd = result.latest.loc["sp500_drawdown"]
    assert dd["value"] == pytest.approx((7900 / 8100 - 1) * 100)
    # 2026-09-28 (8000) was itself a new high, so its drawdown was 0.
    assert dd["change_1w"] == pytest.approx((7900 / 8100 - 1) * 100)


# ---------------------------------------------------------------- point in time
def _append(store: Store, series_id: str, points: dict[str, float]) -> None:
    store.write(series_id, _series(points, series_id), source="test")


def test_appending_later_data_leaves_earlier_estimate_unchanged(isolated_env: Path) -> None:
    asof = load("SP500").index[-1]
    before = MarketOverview().estimate(asof)

    store = Store(isolated_env)
    later = (asof + pd.Timedelta(days=3)).strftime("%Y-%m-%d")
    same_day = asof.strftime("%Y-%m-%d")
    # Wild values that would move every number if they leaked into the estimate.
    _append(store, "SP500", {later: 20000.0})
    _append(store, "VIX", {later: 90.0})
    _append(store, "VIX3M", {later: 30.0})
    _append(store, "DGS10", {later: 9.0})
    _append(store, "DGS2", {later: 9.0})
    _append(store, "T10Y3M", {later: -5.0})
    # DFF and WALCL are published one day after their observation date, so values
    # dated on the as-of day itself are not yet known then.
    _append(store, "DFF", {same_day: 12.0})
    _append(store, "WALCL", {same_day: 1.0e8})
    _append(store, "WTREGEN", {same_day: 1.0})
    _append(store, "RRPONTSYD", {later: 0.0})

    after = MarketOverview().estimate(asof)
    pd.testing.assert_frame_equal(before.to_frame(), after.to_frame())
    for name in ("sp500", "drawdown", "vix", "vix3m", "vix_ratio", "net_liquidity"):
        pd.testing.assert_series_equal(getattr(before, name), getattr(after, name))
    pd.testing.assert_frame_equal(before.rates, after.rates)
    assert before.to_dict() == after.to_dict()

    # The appended data are really there: a later as-of sees them.
    seen = MarketOverview().estimate(asof + pd.Timedelta(days=3))
    assert seen.latest.loc["sp500", "value"] == 20000.0
    assert seen.latest.loc["dff", "value"] == 12.0


def test_lagged_series_obs_date_is_before_asof() -> None:
    asof = pd.Timestamp("2020-03-18")
    dff = load("DFF")
    assert asof in dff.index  # DFF is daily, weekends included
    row = MarketOverview().estimate(asof).latest.loc["dff"]
    # One-day publication lag: the 2020-03-18 rate is published on 2020-03-19.
    assert row["obs_date"] == pd.Timestamp("2020-03-17")
    assert row["value"] == dff.loc["2020-03-17"]


def test_vix_ratio_inverted_in_march_2020() -> None:
    result = MarketOverview().estimate("2020-03-16")
    vix, vix3m = load("VIX").loc["2020-03-16"], load("VIX3M").loc["2020-03-16"]
    row = result.latest.loc["vix_ratio"]
    assert row["value"] == pytest.approx(vix / vix3m)
    assert row["value"] > 1.1  # the COVID-crash inversion
    assert row["obs_date"] == pd.Timestamp("2020-03-16")


# ---------------------------------------------------------------- asof handling
@pytest.mark.parametrize("asof", ["2030-01-01", "1980-06-30"])
def test_asof_outside_data_raises(asof: str) -> None:
    sp = load("SP500")
    expected = (
        f"asof {asof} is outside the data: SP500 runs "
        f"{sp.index[0]:%Y-%m-%d} to {sp.index[-1]:%Y-%m-%d}"
    )
    with pytest.raises(DataError) as info:
        MarketOverview().estimate(asof)
    assert str(info.value).startswith(expected)


def test_asof_default_is_last_sp500_close() -> None:
    result = MarketOverview().estimate()
    assert result.asof == load("SP500").index[-1]
    assert result.latest.loc["sp500", "obs_date"] == result.asof


def test_bad_asof_text_is_config_error() -> None:
    with pytest.raises(ConfigError, match="asof"):
        MarketOverview().estimate("2020-02-30")


@pytest.mark.parametrize("years", [0, -1, "5", 2.5, True])
def test_history_years_must_be_positive_int(years: object) -> None:
    with pytest.raises(ConfigError, match="history_years"):
        MarketOverview(history_years=years)  # type: ignore[arg-type]


def test_history_years_trims_chart_series_only() -> None:
    asof = pd.Timestamp("2020-03-20")
    result = MarketOverview(history_years=2).estimate(asof)
    sp = load("SP500", end=asof)
    start = pd.Timestamp("2018-03-20")  # asof minus two calendar years
    assert result.sp500.index[0] == sp.loc[sp.index > start].index[0]
    assert result.sp500.index[-1] == asof
    # Changes use the full history, not the chart window.
    ref = sp.loc[:"2019-03-20"].iloc[-1]
    assert result.latest.loc["sp500", "change_1y"] == pytest.approx((sp.iloc[-1] / ref - 1) * 100)


# ---------------------------------------------------------------- result API
def test_missing_inputs_become_nan_rows_and_notes() -> None:
    result = MarketOverview().estimate("1987-10-19")
    latest = result.to_frame()
    assert math.isnan(latest.loc["vix", "value"])  # VIX starts in 1990
    assert pd.isna(latest.loc["vix", "obs_date"])
    assert any("VIX" in note for note in result.notes)
    assert result.last_obs["VIX"] is None
    # Black Monday: the S&P 500 fell 20.5% that day.
    assert latest.loc["sp500", "value"] == pytest.approx(224.84, abs=0.01)


def test_to_dict_is_json_ready_with_stable_keys() -> None:
    result = MarketOverview().estimate("1987-10-19")
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)  # NaN would raise here
    assert set(data) == {"model", "asof", "history_years", "sp500_peak", "history_start",
                         "metrics", "last_obs", "notes"}
    assert [m["key"] for m in data["metrics"]] == [m.key for m in METRICS]
    vix = next(m for m in data["metrics"] if m["key"] == "vix")
    assert vix["value"] is None and vix["obs_date"] is None and vix["change_1w"] is None
    assert data["asof"] == "1987-10-19"
    assert json.loads(text)["metrics"][0]["unit"] == "index points"


def test_to_frame_is_a_copy_with_documented_columns() -> None:
    result = MarketOverview().estimate("2020-03-20")
    frame = result.to_frame()
    assert list(frame.columns) == ["label", "source", "value", "unit", "obs_date",
                                   "change_1w", "change_1m", "change_1y", "change_unit"]
    frame.loc["sp500", "value"] = -1.0
    assert result.latest.loc["sp500", "value"] != -1.0


def test_units_match_the_catalog() -> None:
    from flowdesk.data.catalog import get_spec

    computed = {"sp500_drawdown", "vix_ratio"}  # not catalog series
    checked = [m for m in METRICS if m.key not in computed]
    assert len(checked) == 8
    for metric in checked:
        assert metric.unit == get_spec(metric.source).units, metric.key


def test_summary_prints_units_and_conventions() -> None:
    text = MarketOverview().estimate("2020-03-20").summary()
    for needle in ("2020-03-20", "index points", "percent", "USD bn", " pp", " pts", "%",
                   "7 calendar days", "1 calendar month", "1 calendar year",
                   "running maximum", "Observed"):
        assert needle in text, needle


def test_repr_html_and_plot() -> None:
    import plotly.graph_objects as go

    result = MarketOverview().estimate("2020-03-20")
    html = result._repr_html_()
    assert "<table" in html and "VIX / VIX3M" in html and "2020-03-20" in html
    assert isinstance(flowdesk.plot(result), go.Figure)
    assert isinstance(flowdesk.plot(result, "rates"), go.Figure)
    with pytest.raises(ConfigError, match="no chart 'nope'"):
        flowdesk.plot(result, "nope")


def test_result_is_frozen() -> None:
    result = MarketOverview().estimate("2020-03-20")
    assert isinstance(result, MarketOverviewResult)
    with pytest.raises(AttributeError):
        result.asof = pd.Timestamp("2000-01-01")  # type: ignore[misc]
