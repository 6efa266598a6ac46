"""Indicator evaluation: value, 1-year change, percentile, dates, staleness, missing inputs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from flowdesk.data.catalog import get_spec
from flowdesk.macro import THESES, evaluate_indicator
from flowdesk.macro.indicators import NOT_FETCHED, Indicator, stale_after
from flowdesk.macro.live_series import LIVE_SERIES, live_spec
from flowdesk.macro.transforms import level


def _indicator(indicator_id: str) -> Indicator:
    for thesis in THESES:
        for ind in thesis.indicators:
            if ind.id == indicator_id:
                return ind
    raise KeyError(indicator_id)


def _monthly(values: list[float], start: str = "2024-01-01") -> pd.Series:
    index = pd.date_range(start, periods=len(values), freq="MS")
    return pd.Series(values, index=index, dtype=float)


def test_value_change_percentile_and_date_by_hand() -> None:
    # UNRATE Jan 2024 .. Jan 2025: 13 months.
    values = [4.0, 3.9, 3.8, 3.9, 4.0, 4.1, 4.2, 4.3, 4.1, 4.0, 4.2, 4.4, 4.3]
    data = {"UNRATE": _monthly(values)}
    v = evaluate_indicator(_indicator("unrate"), data, pd.Timestamp("2025-02-15"))
    assert v.status == "ok" and not v.stale and v.reasons == ()
    assert v.value == 4.3 and v.obs_date == pd.Timestamp("2025-01-01")
    assert v.change_1y == pytest.approx(4.3 - 4.0)  # vs January 2024
    # 4.3 among 13 values: below it 10 (all but 4.3, 4.3, 4.4), equal 2 -> (10 + 1) / 13.
    assert v.percentile == pytest.approx(100.0 * 11 / 13)
    assert v.indicator.change_unit == "pp"
    assert v.input_last == {"UNRATE": pd.Timestamp("2025-01-01")}


def test_stale_boundary_follows_the_catalog() -> None:
    spec = get_spec("UNRATE")
    assert spec.stale_after_days == 2 * 31 + 40 + 3 == 105
    data = {"UNRATE": _monthly([4.0] * 13)}
    last = pd.Timestamp("2025-01-01")
    on_edge = evaluate_indicator(_indicator("unrate"), data, last + pd.Timedelta(days=105))
    past = evaluate_indicator(_indicator("unrate"), data, last + pd.Timedelta(days=106))
    assert on_edge.status == "ok" and not on_edge.stale
    assert past.status == "stale" and past.stale
    assert past.reasons[0].startswith("UNRATE is stale: last observation 2025-01-01, 106 days")
    assert not past.usable and on_edge.usable


def test_indicator_stale_when_its_own_value_lags_fresh_inputs() -> None:
    # Alphabet stops reporting after 2021, so the last complete capex year is 2021 even though
    # the table (Microsoft's June 2025 filing) and GDP are fresh.
    rows = [(f"{y}-06-30", "MSFT") for y in range(2019, 2026)]
    rows += [(f"{y}-12-31", t) for y in range(2019, 2025) for t in ("AMZN", "META")]
    rows += [(f"{y}-12-31", "GOOGL") for y in range(2019, 2022)]
    table = pd.DataFrame(
        {"ticker": [r[1] for r in rows], "revenue": 1.0, "capex": 1e10},
        index=pd.DatetimeIndex([r[0] for r in rows], name="date"),
    ).sort_index()
    gdp = pd.Series(25_000.0, index=pd.date_range("2018-01-01", "2025-04-01", freq="QS"))
    v = evaluate_indicator(
        _indicator("capex_share_gdp"), {"HYPERSCALER_CAPEX": table, "GDP": gdp},
        pd.Timestamp("2025-09-15"),
    )
    assert v.obs_date == pd.Timestamp("2021-12-31")
    allowance = stale_after("annual", 120)  # 2 x 366 + GDP's 120-day lag + 3
    assert allowance == 855
    assert v.stale and v.reasons == (
        f"capex_share_gdp: latest value is for 2021-12-31, 1354 days before 2025-09-15"
        f" (stale after {allowance} days)",
    )


def test_missing_inputs_make_the_indicator_insufficient() -> None:
    ind = _indicator("housing_affordability")
    v = evaluate_indicator(ind, {}, pd.Timestamp("2025-06-30"),
                           {sid: NOT_FETCHED for sid in ind.inputs})
    assert v.status == "insufficient_data" and not v.stale and math.isnan(v.value)
    assert v.reasons == (
        "not fetched; run `flowdesk data update MORTGAGE30US MSPUS MEHOINUSA646N`",
    )
    early = evaluate_indicator(
        _indicator("unrate"), {}, pd.Timestamp("1940-01-01"),
        {"UNRATE": "UNRATE: no observations published by 1940-01-01"},
    )
    assert early.reasons == ("UNRATE: no observations published by 1940-01-01",)


def test_uncomputable_transform_is_insufficient() -> None:
    # Fewer than 12 months: no year-on-year change exists yet.
    v = evaluate_indicator(_indicator("payrolls_yoy"), {"PAYEMS": _monthly([1.0] * 6)},
                           pd.Timestamp("2024-07-01"))
    assert v.status == "insufficient_data"
    assert v.reasons == ("payrolls_yoy: not computable from the data published by 2024-07-01",)


def test_live_series_table_rows() -> None:
    ids = [s.id for s in LIVE_SERIES]
    assert ids == ["Y034RC1Q027SBEA", "B985RC1Q027SBEA", "MORTGAGE30US", "MSPUS",
                   "MEHOINUSA646N", "CUSR0000SEHA", "CUUR0000SEEB03"]
    for spec in LIVE_SERIES:
        assert spec.source == "fred" and spec.source_id == spec.id and spec.live
        assert "live only" in spec.description
    assert live_spec("mortgage30us").frequency == "weekly"
    assert live_spec("MEHOINUSA646N").release_lag_days == 620
    # Every id an indicator uses is in the catalog, and none of the live ones is shipped.
    used = {s for t in THESES for i in t.indicators for s in i.inputs}
    from flowdesk.data.catalog import series_ids
    from flowdesk.data.sources.snapshot import snapshot_ids

    assert used <= set(series_ids())
    assert not set(ids) & set(snapshot_ids())


def test_level_transform_is_identity() -> None:
    s = _monthly([1.0, 2.0])
    assert level(s).tolist() == [1.0, 2.0]
