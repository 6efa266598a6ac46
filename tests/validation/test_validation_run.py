"""`validate` with a tiny fake model whose every figure can be checked by hand."""

from __future__ import annotations

import json
import math
from typing import Any

import pandas as pd
import pytest

from flowdesk.errors import DataError, ModelError
from flowdesk.validation import DataBounds, ValidationResult, validate
from flowdesk.validation.cases import parse_cases
from flowdesk.validation.run import check_dates, data_bounds

CASES = """\
date,desk,pivot_short,pivot_medium,pivot_long,flow_1w_flat_global_eq,flow_1w_up_spx,\
flow_1m_down_spx,cta_global_equity_position_bn,cta_position_percentile,\
buyback_blackout_share,source,extra
2024-01-02,A,100,200,400,10,-2,0.1,50,80,0.5,https://a.example/1,x
2024-01-03,A,110,,500,-4,3,-20,100,60,0.2,https://b.example/2,x
2024-01-04,A,120,250,,8,1,-5,-30,10,,https://c.example/3,x
2024-01-05,A,50,,,,,,70,40,,,x
"""

BOUNDS = DataBounds(pd.Timestamp("2000-01-03"), pd.Timestamp("2025-12-31"))


def _output(short: float | None, medium: float | None, long: Any, flat_eq: float | None,
            up_spx: float | None, down_spx: float | None, position: float | None,
            percentile: float | None, blackout: float | None) -> dict[str, Any]:
    """A dict shaped like FlowsDesk().estimate(asof).to_dict(); None drops the key."""
    pivots = {k: v for k, v in (("short", short), ("medium", medium), ("long", long))
              if v is not None}
    out: dict[str, Any] = {
        "session": "x", "spot": 101.0,
        "cta": {"assets": {"SP500": {"pivots": pivots}},
                "flows": {"1w": {"by_asset": {"SP500": {}}}, "1m": {"by_asset": {"SP500": {}}}}},
        "buybacks": {"blackout_share": blackout},
    }
    flows = out["cta"]["flows"]
    if flat_eq is not None:
        flows["1w"]["equities"] = {"flat": {"low": 0, "base": flat_eq, "high": 0}}
    if up_spx is not None:
        flows["1w"]["by_asset"]["SP500"]["up"] = {"base": up_spx}
    if down_spx is not None:
        flows["1m"]["by_asset"]["SP500"]["down"] = {"base": down_spx}
    if position is not None or percentile is not None:
        out["cta"]["equities"] = {"position_bn": {"base": position}, "percentile": percentile}
    return out


MODEL = {
    # short medium long flat_eq up_spx down_spx position percentile blackout
    "2024-01-02": _output(105, 180, 400, 20, 1, -3, 60, 70, 0.45),
    "2024-01-03": _output(99, None, None, -2, 6, -10, 40, 90, 0.3),
    "2024-01-04": _output(132, 250, math.nan, 0, None, -15, -10, 20, 0.5),
    "2024-01-05": _output(55, None, None, None, None, None, 80, 50, None),
}
CALLS: list[pd.Timestamp] = []


def fake(date: pd.Timestamp) -> dict[str, Any]:
    CALLS.append(date)
    out = MODEL[f"{date:%Y-%m-%d}"]
    return {**out, "session": f"{date:%Y-%m-%d}"}


@pytest.fixture(scope="module")
def result() -> ValidationResult:
    CALLS.clear()
    return validate(parse_cases(CASES, "mine.csv"), estimate=fake, bounds=BOUNDS)


def _row(result: ValidationResult, key: str) -> Any:
    [row] = [r for r in result.summary_rows if r.key == key]
    return row


def test_the_model_runs_once_per_case_date(result: ValidationResult) -> None:
    assert CALLS == [pd.Timestamp(f"2024-01-0{d}") for d in (2, 3, 4, 5)]  # noqa: SIM300
    assert result.n_cases == 4 and not result.shipped and result.source == "mine.csv"
    assert list(result.cases["session"]) == ["2024-01-02", "2024-01-03", "2024-01-04",
                                             "2024-01-05"]


def test_pivot_errors_by_hand(result: ValidationResult) -> None:
    # short: 105 vs 100 = +5%, 99 vs 110 = -10%, 132 vs 120 = +10%, 55 vs 50 = +10%.
    short = _row(result, "pivot_short")
    assert (short.n, short.n_dates, short.n_published, short.n_no_estimate) == (4, 4, 4, 0)
    assert short.stats["median_error_pct"] == pytest.approx(7.5)  # median of -10, 5, 10, 10
    assert short.stats["mean_error_pct"] == pytest.approx(3.75)  # 15 / 4
    assert short.stats["median_abs_error_pct"] == pytest.approx(10.0)
    # medium: 180 vs 200 = -10%, 250 vs 250 = 0%.
    medium = _row(result, "pivot_medium")
    assert medium.n == 2 and medium.stats["median_error_pct"] == pytest.approx(-5.0)
    # long: 400 vs 400 = 0%; 01-03 has no long key and 01-04 a NaN: no estimate (but 01-04
    # published none, so only 01-03 counts as missing).
    long = _row(result, "pivot_long")
    assert (long.n, long.n_no_estimate, long.stats["mean_error_pct"]) == (1, 1, 0.0)
    assert short.text == "median error +7.50%, mean +3.75%, median |error| 10.00%"


def test_flows_by_hand(result: ValidationResult) -> None:
    # global equities: (20 vs 10) agree 2x, (-2 vs -4) agree 0.5x, (0 vs 8) differ 0x.
    eq = _row(result, "flows_global_eq")
    assert (eq.n, eq.n_flat, eq.n_no_estimate) == (3, 0, 0)
    assert eq.stats["sign_agreement"] == pytest.approx(2 / 3) and eq.stats["n_agree"] == 2
    assert eq.stats["median_ratio"] == pytest.approx(0.5)
    assert eq.stats["mean_ratio"] == pytest.approx(2.5 / 3)
    # S&P 500: 1w up (1 vs -2) differ 0.5x, (6 vs 3) agree 2x, (none vs 1) n/a;
    # 1m down (-3 vs 0.1) flat, left out; (-10 vs -20) agree 0.5x; (-15 vs -5) agree 3x.
    spx = _row(result, "flows_spx")
    assert (spx.n, spx.n_dates, spx.n_published, spx.n_flat, spx.n_no_estimate) == (
        4, 3, 6, 1, 1)
    assert spx.stats["sign_agreement"] == pytest.approx(0.75)
    assert spx.stats["median_ratio"] == pytest.approx(1.25)  # median of 0.5, 0.5, 2, 3
    assert spx.stats["mean_ratio"] == pytest.approx(1.5)
    assert spx.text.startswith("signs agree 75% (3 of 4), median |ours|/|published| 1.25x")


def test_position_percentile_and_blackout_by_hand(result: ValidationResult) -> None:
    # position (ours, published): (60, 50) (40, 100) (-10, -30) (80, 70): errors
    # +10 -60 +20 +10; ranks 3 2 1 4 vs 2 4 1 3, sum d^2 = 6, rho = 1 - 36/60 = 0.4.
    position = _row(result, "position")
    assert position.n == 4 and position.stats["spearman"] == pytest.approx(0.4)
    assert position.stats["median_error_bn"] == pytest.approx(10.0)
    assert position.stats["mean_error_bn"] == pytest.approx(-5.0)
    assert position.text.startswith("rank correlation +0.40; median error +10 bn")
    # percentile: (70, 80) (90, 60) (20, 10) (50, 40): errors -10 +30 +10 +10;
    # ranks 3 4 1 2 vs 4 3 1 2, sum d^2 = 2, rho = 1 - 12/60 = 0.8.
    pct = _row(result, "percentile")
    assert pct.stats["spearman"] == pytest.approx(0.8)
    assert pct.stats["median_error_pts"] == pytest.approx(10.0)
    assert pct.stats["mean_error_pts"] == pytest.approx(10.0)
    # blackout: 100 * (0.45 - 0.5) = -5 pp, 100 * (0.3 - 0.2) = +10 pp.
    blackout = _row(result, "blackout")
    assert blackout.n == 2
    assert blackout.stats["median_error_pp"] == pytest.approx(2.5)
    assert blackout.stats["median_abs_error_pp"] == pytest.approx(7.5)


def test_per_case_rows_and_the_summary_order(result: ValidationResult) -> None:
    assert [r.key for r in result.summary_rows] == [
        "pivot_short", "pivot_medium", "pivot_long", "flows_global_eq", "flows_spx",
        "position", "percentile", "blackout"]
    rows = result.comparisons.set_index(["line", "column"])
    # Only published figures are compared (01-04's model blackout 0.5 has no partner).
    assert len(result.comparisons) == 4 + 2 + 2 + 3 + 6 + 4 + 4 + 2
    assert (4, "buyback_blackout_share") not in rows.index
    flat = rows.loc[(2, "flow_1m_down_spx")]
    assert (flat["status"], flat["ours"], flat["published"]) == ("flat", -3.0, 0.1)
    missing = rows.loc[(4, "flow_1w_up_spx")]
    assert missing["status"] == "no estimate" and pd.isna(missing["ours"])
    assert rows.loc[(3, "pivot_short"), "error"] == pytest.approx(-10.0)


def test_text_json_and_notes(result: ValidationResult) -> None:
    text = result.summary()
    assert "4 cases, 2024-01-02 to 2024-01-05, from mine.csv (your file)" in text
    assert "105 vs 100 (+5.00%)" in text and "+1.0 vs -2.0 (DIFFER, 0.5x)" in text
    assert "-3.0 vs +0.1 (flat, left out)" in text
    assert "ignored column(s) not in the layout: 'extra'" in text
    assert "The model gives no figure for pivot_long (1 case), flow_1w_up_spx (1 case)" in text
    payload = result.to_dict()
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload
    assert payload["summary"][0]["median_error_pct"] == pytest.approx(7.5)
    case = payload["cases"][0]
    assert case["source"] == "https://a.example/1" and case["date"] == "2024-01-02"
    assert case["figures"]["pivot_short"] == {
        "ours": 105.0, "published": 100.0, "error": pytest.approx(5.0), "error_unit": "%",
        "agree": None, "ratio": None, "status": "ok"}
    assert str(result) == text and "<table" in result._repr_html_()


def test_a_model_without_any_of_the_new_keys_is_all_no_estimate() -> None:
    cases = parse_cases(CASES, "mine.csv")
    result = validate(cases, estimate=lambda d: {"cta": {"assets": {}}}, bounds=BOUNDS)
    assert all(r.n == 0 for r in result.summary_rows)
    assert {r.text for r in result.summary_rows} == {"n/a: the model gives no figure"}
    # The 0.1 bn published 1m down flow stays "flat" even without a model value.
    assert _row(result, "flows_spx").n_flat == 1
    assert "n/a vs 100" in result.summary()


def test_all_flat_and_empty_views() -> None:
    cases = parse_cases("date,flow_1w_up_spx\n2024-01-02,0.1\n", "f.csv")
    row = validate(cases, estimate=fake, bounds=BOUNDS).summary_rows[0]
    assert (row.n, row.n_flat, row.text) == (0, 1, "n/a: every published value is flat")
    early = validate(parse_cases(CASES, "mine.csv").up_to(pd.Timestamp("2023-12-31")),
                     estimate=fake, bounds=BOUNDS)
    assert early.n_cases == 0 and early.summary_rows == ()
    assert early.describe_cases() == "no cases dated on or before 2023-12-31 in mine.csv"


def test_dates_outside_the_data_and_model_failures_name_the_line() -> None:
    cases = parse_cases(CASES, "mine.csv")
    narrow = DataBounds(pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-04"), "the start",
                        "the end")
    with pytest.raises(DataError, match=r"^cases file mine.csv: line 2: date 2024-01-02 is "
                                        r"before 2024-01-03, the start$"):
        check_dates(cases, narrow)
    with pytest.raises(DataError, match="line 5: date 2024-01-05 is after 2024-01-04, the last "
                                        "date in the data"):
        check_dates(cases.up_to(pd.Timestamp("2024-01-05")),
                    DataBounds(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-04")))

    def broken(date: pd.Timestamp) -> dict[str, Any]:
        if date == pd.Timestamp("2024-01-04"):
            raise DataError("SP500: too little history")
        return fake(date)

    with pytest.raises(DataError, match=r"line 4 \(date 2024-01-04\): the model cannot be run "
                                        r"on this date \(SP500: too little history\)"):
        validate(cases, estimate=broken, bounds=BOUNDS)
    with pytest.raises(ModelError, match="returned list"):
        validate(cases, estimate=lambda d: [], bounds=BOUNDS)  # type: ignore[arg-type,return-value]
    with pytest.raises(ModelError, match="flat_tolerance_bn"):
        validate(cases, estimate=fake, bounds=BOUNDS, flat_tolerance_bn=-1)


def test_the_data_bounds_come_from_the_sp500_and_the_cta_history() -> None:
    from flowdesk.data import load
    from flowdesk.flows.cta import CTA

    bounds = data_bounds()
    sp = load("SP500")
    assert bounds.first == sp.index[CTA().min_sessions - 1] and bounds.last == sp.index[-1]
    assert "S&P 500 sessions of history the CTA needs" in bounds.first_reason
    assert "flowdesk data update SP500" in bounds.last_reason


def test_a_larger_tolerance_moves_flows_to_flat() -> None:
    cases = parse_cases(CASES, "mine.csv")
    wide = validate(cases, estimate=fake, bounds=BOUNDS, flat_tolerance_bn=2.5)
    # |published| < 2.5: 1w up -2 and 1 and the 1m 0.1 are flat; left: 1w up 3, 1m -20, -5.
    spx = _row(wide, "flows_spx")
    assert (spx.n, spx.n_flat, spx.stats["sign_agreement"]) == (3, 3, 1.0)
    assert wide.flat_tolerance_bn == 2.5 and "under 2.5 USD bn" in wide.summary()
