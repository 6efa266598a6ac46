"""Scorecard on the embedded data: JSON shape, point in time, history, staleness, live gaps."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

import flowdesk
from flowdesk.data import import_series, load
from flowdesk.errors import ConfigError, DataError
from flowdesk.macro import THESES, VERDICTS, Scorecard, ScorecardResult
from flowdesk.macro.transforms import annual_capex

ASOF = "2026-08-21"


@pytest.fixture(scope="module")
def result() -> ScorecardResult:
    return Scorecard().estimate(ASOF)


def test_json_shape(result: ScorecardResult) -> None:
    payload = result.to_dict()
    text = json.dumps(payload, allow_nan=False)  # no NaN may leak into JSON
    assert json.loads(text)["asof"] == ASOF
    assert [t["id"] for t in payload["theses"]] == [t.id for t in THESES]
    for thesis in payload["theses"]:
        assert {"id", "title", "verdict", "reasons", "indicators"} <= set(thesis)
        assert thesis["verdict"] in VERDICTS and thesis["reasons"]
        for ind in thesis["indicators"]:
            assert {"id", "value", "unit", "asof", "percentile", "stale"} <= set(ind)
            assert isinstance(ind["stale"], bool)
    ai = payload["theses"][0]
    assert [i["id"] for i in ai["indicators"]] == [
        "capex_share_gdp", "capex_growth", "capex_contribution", "gdp_growth_ex_capex",
        "payrolls_yoy", "unrate", "bea_ai_investment",
    ]


def test_every_indicator_carries_its_asof(result: ScorecardResult) -> None:
    # The real scorecard includes live-only indicators that are not fetched
    # (bea_ai_investment among them): they are dated by the as-of date.
    payload = json.loads(json.dumps(result.to_dict(history=True), allow_nan=False))
    values = {(t.id, v.id): v for t in result.theses for v in t.indicators}
    unobserved = 0
    for thesis in payload["theses"]:
        for ind in thesis["indicators"]:
            assert "asof" in ind, (thesis["id"], ind["id"])
            assert pd.Timestamp(ind["asof"]) <= pd.Timestamp(ASOF)
            assert ind["asof"] == f"{pd.Timestamp(ind['asof']):%Y-%m-%d}"
            obs = values[(thesis["id"], ind["id"])].obs_date
            if obs is None:
                unobserved += 1
                assert ind["value"] is None and ind["asof"] == ASOF
            else:
                assert ind["asof"] == f"{obs:%Y-%m-%d}"
    assert unobserved >= 1  # bea_ai_investment: its BEA inputs are live-only
    bea = payload["theses"][0]["indicators"][-1]
    assert bea["id"] == "bea_ai_investment" and bea["asof"] == ASOF


def test_current_verdicts_on_embedded_data(result: ScorecardResult) -> None:
    # GDP in the snapshot ends 2025-Q3 (416 days old), the electricity CPI 2023-11, WTREGEN
    # 2025-11: those theses cannot be judged now; the others can.
    assert result.verdicts().to_dict() == {
        "ai_capex": "insufficient_data", "two_economies": "supported",
        "inequality": "supported", "energy": "insufficient_data",
        "liquidity": "insufficient_data", "crypto": "mixed",
        "flows": result.thesis("flows").verdict,
    }
    # Thesis 7 now runs on the drivers decomposition: judged, not insufficient.
    flows = result.thesis("flows")
    assert flows.verdict in ("supported", "mixed", "not_supported")
    assert {v.id for v in flows.indicators} == {"flows_share", "fundamentals_share"}
    assert "GDP is stale: last observation 2025-07-01, 416 days" in result.thesis(
        "ai_capex").reasons[0]


def test_capex_growth_matches_the_filings(result: ScorecardResult) -> None:
    # 2025 vs 2024 capex of MSFT (FY to June) + GOOGL + AMZN + META, from the 10-K table.
    table = load("HYPERSCALER_CAPEX")
    y24 = [("2024-06-30", "MSFT"), ("2024-12-31", "GOOGL"), ("2024-12-31", "AMZN"),
           ("2024-12-31", "META")]
    y25 = [(f"2025{d[4:]}", t) for d, t in y24]

    def total(rows: list[tuple[str, str]]) -> float:
        return sum(float(table.loc[(table.index == d) & (table["ticker"] == t), "capex"].iloc[0])
                   for d, t in rows)

    growth = result.thesis("ai_capex").indicator("capex_growth")
    assert growth.obs_date == pd.Timestamp("2025-12-31")
    assert growth.value == pytest.approx((total(y25) / total(y24) - 1) * 100)
    # Apple is not in the default AI capex.
    assert "AAPL" not in result.capex_tickers
    with_apple = annual_capex(table, ("AAPL", "MSFT", "GOOGL", "AMZN", "META"))
    assert with_apple.loc["2024-12-31"] > annual_capex(table).loc["2024-12-31"]


def test_live_only_series_degrade_with_the_update_hint(result: ScorecardResult) -> None:
    bea = result.thesis("ai_capex").indicator("bea_ai_investment")
    assert bea.status == "insufficient_data" and math.isnan(bea.value)
    assert bea.reasons == (
        "not fetched; run `flowdesk data update Y034RC1Q027SBEA B985RC1Q027SBEA`",
    )
    child = result.thesis("inequality").indicator("childcare_rent_inflation")
    assert child.reasons == ("not fetched; run `flowdesk data update CUUR0000SEEB03 CUSR0000SEHA`",)
    assert result.notes[0].startswith(
        "Not fetched (in neither the cache nor the snapshot): Y034RC1Q027SBEA"
    )


def test_net_liquidity_units_on_real_data(result: ScorecardResult) -> None:
    # Independent arithmetic on the raw series: WALCL and WTREGEN in USD mn, RRP in USD bn.
    wed = pd.Timestamp("2025-11-19")
    walcl, tga, rrp = load("WALCL"), load("WTREGEN"), load("RRPONTSYD")
    rrp_on = float(rrp.loc[:wed].iloc[-1])
    expected = walcl[wed] / 1000 - tga[wed] / 1000 - rrp_on
    netliq = result.thesis("liquidity").indicator("netliq")
    assert netliq.obs_date == wed
    assert netliq.value == pytest.approx(expected)
    assert 4000 < netliq.value < 8000  # USD bn, not mn
    assert netliq.stale  # WTREGEN in the snapshot ends 2025-11-19


def test_staleness_on_real_data_follows_publication() -> None:
    # CPI electricity ends 2023-11 (published mid-December). At 2023-12-31 it is 60 days old
    # (fresh, allowance 110); at 2024-03-31 it is 151 days old: stale -> energy downgraded.
    sc = Scorecard()
    fresh = sc.estimate("2023-12-31").thesis("energy")
    stale = sc.estimate("2024-03-31").thesis("energy")
    assert not fresh.indicator("electricity_real").stale
    assert fresh.verdict != "insufficient_data"
    assert stale.indicator("electricity_real").stale
    assert stale.verdict == "insufficient_data"
    assert "CUSR0000SEHF01 is stale: last observation 2023-11-01, 151 days" in stale.reasons[0]


def test_history_equals_estimates_at_each_date() -> None:
    sc = Scorecard()
    history = sc.history("2022-12-31", "2024-03-31", "QE")
    assert list(history.index) == list(pd.date_range("2022-12-31", "2024-03-31", freq="QE"))
    for date in (pd.Timestamp("2022-12-31"), pd.Timestamp("2023-09-30"),
                 pd.Timestamp("2024-03-31")):
        direct = sc.estimate(date)
        assert history.loc[date].to_dict() == direct.verdicts().to_dict()
    # Stronger: the whole result (values, dates, percentiles, reasons) agrees too.
    fulls = {}
    for sid in sc.inputs:
        try:
            fulls[sid] = load(sid)
        except DataError:  # live-only series are absent on purpose
            continue
    plain = Scorecard(use_drivers=False)
    via_cut = plain.evaluate(fulls, "2023-09-30").to_dict()
    direct = plain.estimate("2023-09-30").to_dict()
    assert via_cut == direct
    # Thesis 7 from one decomposition at a later date equals a decomposition run then.
    later = Scorecard._drivers_at(pd.Timestamp("2024-03-31"), None)
    then = sc.estimate("2023-09-30").thesis("flows").indicator("flows_share")
    sliced = sc.evaluate(fulls, "2023-09-30", drivers=later).thesis("flows")
    assert sliced.indicator("flows_share").value == pytest.approx(then.value, rel=1e-9)
    assert sliced.indicator("flows_share").obs_date == then.obs_date


def test_estimate_unchanged_by_later_data() -> None:
    # Hand-made inputs: evaluate at t, then append observations after t (and a revision of
    # nothing earlier); the result at t must not move, while a later date does see them.
    sc = Scorecard()
    months = pd.date_range("2015-01-01", "2024-12-01", freq="MS")
    base = {
        "UNRATE": pd.Series([4.0 + 0.01 * i for i in range(len(months))], index=months),
        "PAYEMS": pd.Series([150_000.0 + 50 * i for i in range(len(months))], index=months),
    }
    t = pd.Timestamp("2024-06-30")
    before = sc.evaluate(base, t).to_dict()
    later = pd.date_range("2025-01-01", "2025-12-01", freq="MS")
    extended = {k: pd.concat([v, pd.Series(9.0 if k == "UNRATE" else 1.0, index=later)])
                for k, v in base.items()}
    assert sc.evaluate(extended, t).to_dict() == before
    after = sc.evaluate(extended, "2026-03-01").thesis("ai_capex").indicator("unrate")
    assert after.value == 9.0


def test_real_store_append_keeps_earlier_estimates(tmp_path: Path) -> None:
    # Import UNRATE prints dated after the snapshot into the (isolated) cache.
    sc = Scorecard()
    t = "2026-06-30"
    before = sc.estimate(t).to_dict()
    csv = tmp_path / "unrate.csv"
    csv.write_text("date,value\n2026-07-01,6.5\n2026-08-01,7.0\n", encoding="utf-8")
    import_series("UNRATE", csv, replace=True)
    assert load("UNRATE").iloc[-1] == 7.0
    assert sc.estimate(t).to_dict() == before
    # Published 40 days after 2026-07-01: visible from 2026-08-10 on.
    assert sc.estimate("2026-08-21").thesis("ai_capex").indicator("unrate").value == 6.5


def test_plot_summary_and_html(result: ScorecardResult) -> None:
    text = result.summary()
    assert "Thesis scorecard as of 2026-08-21" in text
    assert "2. Two economies: AI economy vs squeezed real economy: SUPPORTED" in text
    assert "<pre>" in result._repr_html_()
    frame = result.to_frame()
    assert frame.loc[("crypto", "btc_vol"), "unit"] == "percent"
    fig = flowdesk.plot(result, "crypto")
    assert [tr.name for tr in fig.data] == ["Bitcoin drawdown from peak",
                                           "Bitcoin 90-day realized volatility"]
    with pytest.raises(ConfigError, match="unknown thesis"):
        flowdesk.plot(result, "nope")


def test_options_are_checked() -> None:
    with pytest.raises(ConfigError):
        Scorecard(capex_tickers=())
    with pytest.raises(ConfigError):
        Scorecard().history("2024-01-01", "2024-12-31", "W")  # type: ignore[arg-type]
    with_apple = Scorecard(capex_tickers=("aapl", "MSFT", "GOOGL", "AMZN", "META"))
    assert with_apple.capex_tickers[0] == "AAPL"
