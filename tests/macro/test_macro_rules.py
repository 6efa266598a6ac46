"""Every thesis rule on hand-built series that should, and should not, satisfy it.

Each scenario builds the thesis' input series by hand (shapes whose indicator
values are worked out in the comments), runs the whole scorecard on them with
:meth:`Scorecard.evaluate` (publication lags and staleness included) and checks
the verdict. The same supporting data with one core input cut short must
downgrade to ``insufficient_data`` because that input is stale.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from flowdesk.data.derived import net_liquidity
from flowdesk.macro import DriversShares, Scorecard
from flowdesk.macro.indicators import Indicator, IndicatorValue
from flowdesk.macro.rules import all_of, any_of, at_least, below, decide, rise

ASOF = pd.Timestamp("2025-06-30")
Data = dict[str, Any]


def _months(first: str, last: str) -> pd.DatetimeIndex:
    return pd.date_range(first, last, freq="MS")


def _growth(index: pd.DatetimeIndex, base: float, pct_per_year: float) -> pd.Series:
    years = (index - index[0]).days / 365.25 if len(index) > 1 else np.zeros(1)
    if index.freqstr == "MS":  # exact calendar years for monthly data
        years = np.arange(len(index)) / 12.0
    return pd.Series(base * (1.0 + pct_per_year / 100.0) ** np.asarray(years), index=index)


def _capex(totals: dict[int, float]) -> pd.DataFrame:
    """Each of MSFT (June year end), GOOGL, AMZN, META spends a quarter of the year's total."""
    rows = []
    for year, total in totals.items():
        rows.append((f"{year}-06-30", "MSFT", total / 4))
        rows += [(f"{year}-12-31", t, total / 4) for t in ("GOOGL", "AMZN", "META")]
    return pd.DataFrame(
        {"ticker": [r[1] for r in rows], "revenue": 1.0, "capex": [r[2] * 1e9 for r in rows]},
        index=pd.DatetimeIndex([r[0] for r in rows], name="date"),
    ).sort_index()


def _ramp(index: pd.DatetimeIndex, flat: float, end: float, start_ramp: str) -> pd.Series:
    """Flat, then a straight line from ``start_ramp`` to ``end`` at the last date."""
    values = np.full(len(index), flat)
    ramp = index >= pd.Timestamp(start_ramp)
    values[ramp] = np.linspace(flat, end, ramp.sum())
    return pd.Series(values, index=index)


# ---------------------------------------------------------------- scenarios
def ai_capex(case: str) -> Data:
    # Capex 2023 -> 2024 (bn): support 100 -> 200, refute 200 -> 200. GDP 25,000 every year,
    # so the 2024 contribution is 100 / 25,000 x 100 = 0.4 pp (>= 0.2) or 0.
    strong = case in ("support", "mixed")
    totals = {2021: 80.0, 2022: 80.0, 2023: 100.0 if strong else 200.0, 2024: 200.0}
    months = _months("2019-01-01", "2025-05-01")
    weak_labour = case == "support"
    unrate = pd.Series(4.0, index=months) if weak_labour else _ramp(months, 4.0, 3.8, "2024-05-01")
    return {
        "HYPERSCALER_CAPEX": _capex(totals),
        "GDP": pd.Series(25_000.0, index=pd.date_range("2019-01-01", "2024-10-01", freq="QS")),
        # Payrolls +0.5% a year (< 1%: weak) or +2% a year (strong).
        "PAYEMS": _growth(months, 150_000.0, 0.5 if weak_labour else 2.0),
        "UNRATE": unrate,
    }


def two_economies(case: str) -> Data:
    up = case == "support"
    days = pd.bdate_range("2021-01-01", "2025-06-30")
    quarters = pd.date_range("2000-01-01", "2024-10-01", freq="QS")
    months = _months("2012-01-01", "2025-05-01")
    stress = np.linspace(0.0, 1.0, len(months)) if up else np.linspace(1.0, 0.0, len(months))
    q_stress = pd.Series(stress, index=months).loc[months.month % 3 == 1].loc[:"2025-01-01"]
    weeks = pd.date_range("2012-01-07", "2025-06-21", freq="W-SAT")
    w_stress = np.linspace(stress[0], stress[-1], len(weeks))
    return {
        # NDX +20%/yr vs S&P +10%/yr -> relative return about +9% (or +5% vs +10%: -4.5%).
        "NDX": _growth(days, 10_000.0, 20.0 if up else 5.0),
        "SP500": _growth(days, 4_000.0, 10.0),
        # Profits share rising 8% -> 12% of GDP (last is the maximum: percentile ~99) or falling.
        "GDP": pd.Series(20_000.0, index=quarters),
        "CP": pd.Series(np.linspace(1_600.0, 2_400.0, len(quarters))[:: 1 if up else -1],
                        index=quarters),
        # U-6 +1 pp over the last year (squeeze) or -1 pp; participation flat or +0.6 pp.
        "U6RATE": _ramp(months, 7.0, 8.0, "2024-05-01") if up
        else _ramp(months, 8.0, 7.0, "2024-05-01"),
        "CIVPART": pd.Series(62.5, index=months) if up else _ramp(months, 62.0, 62.6, "2024-05-01"),
        # Consumer stress: delinquency and claims rising, saving falling (or the reverse).
        "DRCCLACBS": 2.0 + 2.0 * q_stress,
        "PSAVERT": pd.Series(8.0 - 5.0 * stress, index=months),
        "ICSA": pd.Series(200_000.0 + 100_000.0 * w_stress, index=weeks),
    }


def inequality(case: str) -> Data:
    months = _months("2000-01-01", "2025-05-01")
    behind = case in ("support", "mixed")
    youth = (_ramp(months, 70.0, 68.8, "2024-05-01") if behind
             else pd.Series(np.linspace(68.0, 72.0, len(months)), index=months))
    quarters = pd.date_range("2000-01-01", "2025-01-01", freq="QS")
    data: Data = {
        # Youth gap: -13 pp then -14.2 pp (fall of 1.2 pp in a year) or steadily rising.
        "LNS11300036": youth,
        "LNS11300060": pd.Series(83.0, index=months),
        "LNS11324230": pd.Series(38.0, index=months),
        # Saving rate at its historical low (percentile < 1) or high.
        "PSAVERT": pd.Series(np.linspace(8.0, 3.0, len(months))[:: 1 if behind else -1],
                             index=months),
        "DRCCLACBS": pd.Series(2.5 if behind else 2.0, index=quarters),
    }
    if case == "mixed":
        # Live series: a cheap house. 250,000 at 7%, 20% down: payment 1,330.61 a month, 10.6%
        # of a 150,000 income -> the affordability check fails while the core ones hold.
        data.update(_housing(price=250_000.0, rate=7.0, income=150_000.0))
    return data


def _housing(price: float, rate: float, income: float) -> Data:
    return {
        "MORTGAGE30US": pd.Series(rate, index=pd.date_range("2023-01-05", "2025-06-26",
                                                            freq="W-THU")),
        "MSPUS": pd.Series(price, index=pd.date_range("2022-01-01", "2025-01-01", freq="QS")),
        "MEHOINUSA646N": pd.Series(income, index=pd.date_range("2020-01-01", "2023-01-01",
                                                               freq="YS")),
    }


def energy(case: str) -> Data:
    up = case == "support"
    months = _months("2015-01-01", "2025-05-01")
    return {
        # Electricity +8%/yr vs CPI +3%/yr -> +5 pp (or +1%/yr -> -2 pp).
        "CUSR0000SEHF01": _growth(months, 200.0, 8.0 if up else 1.0),
        "CPIAUCSL": _growth(months, 240.0, 3.0),
        "APU000072610": _growth(months, 0.13, 8.0 if up else 1.0),
        # Power output flat (0% < 2%) or +5%/yr; capex +100% (2024) or +3%.
        "IPG2211S": pd.Series(100.0, index=months) if up else _growth(months, 100.0, 5.0),
        "HYPERSCALER_CAPEX": _capex({2023: 100.0, 2024: 200.0 if up else 103.0}),
        # Copper +20%/yr (> 10%) or flat; crude flat.
        "PCOPPUSDM": _growth(months, 8_000.0, 20.0 if up else 0.0),
        "DCOILWTICO": pd.Series(70.0, index=pd.bdate_range("2015-01-01", "2025-06-30")),
    }


def _liquidity_levels(case: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    weds = pd.date_range("2021-01-06", "2025-06-25", freq="W-WED")
    w = np.arange(len(weds), dtype=float)
    # A 13-week TGA wave makes weekly changes vary; it cancels in 13- and 52-week changes.
    wave = 50_000.0 * np.sin(2 * np.pi * w / 13.0)
    if case == "support":
        walcl = 8_000_000.0 - 500_000.0 / 52 * w  # QT: -500 bn a year (USD mn)
        tga = 2_000_000.0 - 300_000.0 / 52 * w + wave  # TGA -300 bn a year
        rrp_weekly = (3_500.0, -700.0)  # RRP 3,500 bn falling 700 bn a year (USD bn)
    else:
        walcl = 8_000_000.0 + 100_000.0 / 52 * w  # QE: +100 bn a year
        tga = 500_000.0 + 500_000.0 / 52 * w + wave  # TGA +500 bn a year
        rrp_weekly = (100.0, 0.0)
    days = pd.bdate_range(weds[0], "2025-06-30")
    weeks_since = (days - weds[0]).days / 7.0
    rrp = pd.Series(rrp_weekly[0] + rrp_weekly[1] / 52 * np.asarray(weeks_since), index=days)
    return pd.Series(walcl, index=weds), pd.Series(tga, index=weds), rrp


def liquidity(case: str) -> Data:
    walcl, tga, rrp = _liquidity_levels(case)
    netliq = net_liquidity(walcl, tga, rrp)
    days = pd.bdate_range(netliq.index[0], "2025-06-30")
    every_day = pd.date_range(netliq.index[0], "2025-06-30", freq="D")
    # Support: 52-week Fed change -500 bn, Treasury/RRP +300 + 700 = +1,000 bn, 13-week net
    # change (1,000 - 500) / 4 = +125 bn; assets proportional to net liquidity (corr 1).
    # Refute: Fed +100, Treasury/RRP -500, 13 weeks -100; assets inverse to it (corr -1).
    asset = netliq if case == "support" else 1e8 / netliq
    return {
        "WALCL": walcl, "WTREGEN": tga, "RRPONTSYD": rrp, "NETLIQ": netliq,
        "M2SL": _growth(_months("2019-01-01", "2025-05-01"), 21_000.0, 4.0),
        "SP500": (0.8 * asset).reindex(days, method="ffill"),
        "BTC": (10.0 * asset).reindex(every_day, method="ffill"),
    }


def crypto(case: str) -> Data:
    days = pd.date_range("2021-01-01", "2025-06-30", freq="D")
    n, late = len(days), 400
    sign = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    if case == "support":
        # Calm, rising late regime: +-1% a day and doubling over a year, after a wild +-5%
        # flat regime -> 1y return ~ +100%, vol at a low percentile, no deep drawdown.
        amp = np.where(np.arange(n) < n - late, 0.05, 0.01)
        drift = np.where(np.arange(n) < n - late, 0.0, math.log(2.0) / 365)
    else:
        # Wild, falling late regime: +-5% a day and a third of the value a year -> ~ -67%.
        amp = np.where(np.arange(n) < n - late, 0.01, 0.05)
        drift = np.where(np.arange(n) < n - late, math.log(1.5) / 365, -math.log(3.0) / 365)
    btc = pd.Series(30_000.0 * np.exp(np.cumsum(drift + amp * sign)), index=days)
    weekdays = pd.bdate_range(days[0], days[-1])
    if case == "support":
        noise = np.random.default_rng(42).normal(0.0, 0.01, len(weekdays))
        ndx = pd.Series(10_000.0 * np.exp(np.cumsum(noise)), index=weekdays)  # unrelated
    else:
        ndx = btc.loc[weekdays] / 3.0  # moves one for one with Bitcoin
    return {"BTC": btc, "NDX": ndx, "M2SL": _growth(_months("2019-01-01", "2025-05-01"),
                                                     21_000.0, 5.0)}


def flows(case: str) -> DriversShares | None:
    shares = {"support": (0.6, 0.3), "refute": (0.2, 0.6), "mixed": (0.45, 0.35)}
    if case not in shares:
        return None
    flows_share, fundamentals = shares[case]
    return DriversShares(flows_share, fundamentals, ASOF - pd.Timedelta(days=5))


SCENARIOS: dict[str, Callable[[str], Any]] = {
    "ai_capex": ai_capex, "two_economies": two_economies, "inequality": inequality,
    "energy": energy, "liquidity": liquidity, "crypto": crypto, "flows": flows,
}
#: Core input cut short (last observation kept) to make it stale at ASOF.
STALE_INPUT = {
    "ai_capex": ("PAYEMS", "2024-12-01"),  # 211 days old > 105
    "two_economies": ("U6RATE", "2024-12-01"),  # > 105
    "inequality": ("PSAVERT", "2024-10-01"),  # 272 days > 125
    "energy": ("IPG2211S", "2024-12-01"),  # 211 days > 112
    "liquidity": ("WALCL", "2025-05-28"),  # 33 days > 18
    "crypto": ("BTC", "2025-06-10"),  # 20 days > 11
}


def _verdict(thesis_id: str, case: str) -> tuple[str, list[str]]:
    built = SCENARIOS[thesis_id](case)
    if thesis_id == "flows":
        result = Scorecard(drivers=built).evaluate({}, ASOF)
    else:
        result = Scorecard().evaluate(built, ASOF)
    thesis = result.thesis(thesis_id)
    return thesis.verdict, list(thesis.reasons)


@pytest.mark.parametrize("thesis_id", list(SCENARIOS))
class TestThesisRules:
    def test_supporting_series_give_supported(self, thesis_id: str) -> None:
        verdict, reasons = _verdict(thesis_id, "support")
        assert verdict == "supported", reasons
        assert all(": yes (" in r or ": not evaluated (" in r for r in reasons)

    def test_refuting_series_give_not_supported(self, thesis_id: str) -> None:
        verdict, reasons = _verdict(thesis_id, "refute")
        assert verdict == "not_supported", reasons
        assert all(": no (" in r or ": not evaluated (" in r for r in reasons)

    def test_stale_core_input_downgrades(self, thesis_id: str) -> None:
        if thesis_id == "flows":
            stale = DriversShares(0.6, 0.3, ASOF - pd.Timedelta(days=60))
            result = Scorecard(drivers=stale).evaluate({}, ASOF)
            assert result.thesis("flows").verdict == "insufficient_data"
            assert "drivers decomposition is from" in result.thesis("flows").reasons[0]
            return
        data = SCENARIOS[thesis_id]("support")
        sid, last = STALE_INPUT[thesis_id]
        data[sid] = data[sid].loc[:last]
        if sid == "WALCL":
            data["NETLIQ"] = net_liquidity(data["WALCL"], data["WTREGEN"], data["RRPONTSYD"])
        thesis = Scorecard().evaluate(data, ASOF).thesis(thesis_id)
        assert thesis.verdict == "insufficient_data"
        assert thesis.reasons[0].startswith("core indicator ")
        assert f"{sid} is stale: last observation" in thesis.reasons[0]
        flagged = [v for v in thesis.indicators
                   if sid in v.indicator.inputs and set(v.indicator.inputs) <= set(data)]
        assert flagged and all(v.stale and v.status == "stale" for v in flagged)


def test_mixed_verdicts() -> None:
    # Capex contributes 0.4 pp but labour is strong -> one check holds, one fails.
    assert _verdict("ai_capex", "mixed")[0] == "mixed"
    assert _verdict("flows", "mixed")[0] == "mixed"  # 45% > 35% but below 50%
    # Live housing data that fail the affordability check turn a supported thesis mixed.
    verdict, reasons = _verdict("inequality", "mixed")
    assert verdict == "mixed"
    housing = next(r for r in reasons if r.startswith("Housing is unaffordable"))
    # Reasons name the indicator by its title, not its id (housing_affordability).
    assert (": no (Mortgage payment on median house, % of income 10.64 % of income (2025-01-01)"
            " >= 30") in housing and "housing_affordability" not in housing


def test_flows_without_drivers_or_before_them() -> None:
    result = Scorecard().evaluate({}, ASOF)
    assert result.thesis("flows").verdict == "insufficient_data"
    assert result.thesis("flows").reasons == ("drivers decomposition not available yet",)
    later = DriversShares(0.9, 0.1, ASOF + pd.Timedelta(days=1))  # not published yet
    assert Scorecard(drivers=later).evaluate({}, ASOF).thesis("flows").verdict == (
        "insufficient_data"
    )


def test_liquidity_units_through_the_scorecard() -> None:
    data = liquidity("support")
    walcl, tga, rrp = data["WALCL"], data["WTREGEN"], data["RRPONTSYD"]
    thesis = Scorecard().evaluate(data, ASOF).thesis("liquidity")
    last = pd.Timestamp("2025-06-25")  # last Wednesday published by ASOF (lag 1 day)
    # USD mn / 1000 for WALCL and the TGA, USD bn for the reverse repo.
    expected = walcl[last] / 1000 - tga[last] / 1000 - rrp[last]
    assert thesis.indicator("netliq").value == pytest.approx(expected)
    assert thesis.indicator("fed_assets_52w").value == pytest.approx(-500.0)
    assert thesis.indicator("treasury_rrp_52w").value == pytest.approx(1000.0)
    assert thesis.indicator("netliq_13w").value == pytest.approx(125.0)


# ---------------------------------------------------------------- rule logic
def _value(indicator_id: str, value: float, status: str = "ok") -> IndicatorValue:
    ind = Indicator(indicator_id, indicator_id, "percent", (), lambda: None, "monthly")
    return IndicatorValue(ind, value=value, status=status, stale=status == "stale",
                          obs_date=ASOF)


@pytest.mark.parametrize(
    ("values", "any_expected", "all_expected"),
    [
        ({"a": 2.0, "b": 2.0}, True, True),
        ({"a": 2.0, "b": 0.0}, True, False),
        ({"a": 0.0, "b": 0.0}, False, False),
        ({"a": 2.0}, True, None),  # b missing: any_of already true, all_of unknown
        ({"a": 0.0}, None, False),  # b missing: any_of unknown, all_of already false
    ],
)
def test_three_valued_checks(values: dict[str, float], any_expected: bool | None,
                             all_expected: bool | None) -> None:
    evidence = {k: _value(k, v) for k, v in values.items()}
    conds = (at_least("a", 1.0), at_least("b", 1.0))
    assert any_of("claim", *conds)(evidence).holds is any_expected
    assert all_of("claim", *conds)(evidence).holds is all_expected


def test_decide_core_gate_and_noncore_gaps() -> None:
    checks = [all_of("A", below("a", 1.0)), all_of("B", below("b", 1.0))]
    ok = {"a": _value("a", 0.0), "b": _value("b", 5.0)}
    assert decide(ok, ("a",), checks)[0] == "mixed"
    # Non-core b stale: its check is skipped, the verdict rests on a.
    partial = {"a": _value("a", 0.0), "b": _value("b", 5.0, "stale")}
    verdict, reasons = decide(partial, ("a",), checks)
    assert verdict == "supported"
    assert reasons[1] == "B: not evaluated (b stale)"
    # Core a stale: insufficient, with the other checks kept as context.
    gated = {"a": _value("a", 0.0, "stale"), "b": _value("b", 0.0)}
    verdict, reasons = decide(gated, ("a",), checks)
    assert verdict == "insufficient_data"
    assert reasons[0].startswith("core indicator a is stale")
    assert reasons[-1].startswith("(context) B: yes")


def test_thresholds_compare_published_decimals_exactly() -> None:
    # 4.5 - 4.2 is 0.2999999999999998 in binary floating point; a 0.3 pp rise must count.
    ind = Indicator("u", "u", "percent", (), lambda: None, "monthly")
    value = IndicatorValue(ind, value=4.5, change_1y=4.5 - 4.2, status="ok", obs_date=ASOF)
    assert 4.5 - 4.2 < 0.3
    assert any_of("claim", rise("u", 0.3))({"u": value}).holds is True
    assert all_of("claim", below("u", 4.5))({"u": value}).holds is False


def test_drivers_result_is_converted_to_causal_shares() -> None:
    day = ASOF - pd.Timedelta(days=1)

    class FakeDriversResult:  # the attributes flowdesk.drivers.DriversResult provides
        asof = day
        # Two days of rolling shares; the first has flows behind fundamentals.
        rolling = pd.DataFrame(
            {"flows": [0.01, 0.12], "policy": [0.03, 0.03], "data": [0.16, 0.05],
             "volatility": [0.40, 0.40], "other": [0.40, 0.40]},
            index=pd.DatetimeIndex([day - pd.Timedelta(days=40), day]),
        )

    sc = Scorecard(drivers=FakeDriversResult())
    # Causal total 0.12 + 0.03 + 0.05 = 0.20: flows 60%, fundamentals (data) 25%.
    assert (sc.drivers.flows, sc.drivers.fundamentals) == pytest.approx((0.6, 0.25))
    assert sc.drivers.asof == day
    assert sc.evaluate({}, ASOF).thesis("flows").verdict == "supported"
    # 40 days earlier: 0.01/0.20 = 5% flows vs 0.16/0.20 = 80% fundamentals.
    earlier = sc.evaluate({}, day - pd.Timedelta(days=40)).thesis("flows")
    assert earlier.verdict == "not_supported"
    assert earlier.indicator("flows_share").value == pytest.approx(5.0)
