"""The desk summary: hand-built model outputs in, the first screen's rows and lines out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from flowdesk.formatting import flow_class, signed, signed_pct
from flowdesk.report.desk_summary import summary_from_results
from flowdesk.report.html import template_environment

ASOF = pd.Timestamp("2024-06-14")


@dataclass(frozen=True)
class Stub:
    payload: dict[str, Any]
    last_obs: dict[str, pd.Timestamp | None] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return self.payload


def _band(base: float) -> dict[str, float]:
    # low/high AUM cases scale the base flow by 2/3 and 4/3 (any numbers would do).
    return {"low": base * 2 / 3, "base": base, "high": base * 4 / 3}


def _tapes(flat: float, up: float, down: float) -> dict[str, Any]:
    return {"flat": _band(flat), "up": _band(up), "down": _band(down)}


FLOWS = {
    "spot": 5400.0,
    "cta": {
        "aum_bn": {"low": 200.0, "base": 300.0, "high": 400.0},
        "flows": {h: {"equities": _tapes(-1.0, 20.0, -50.0) if h == "1w" else
                      _tapes(-30.0, 40.0, -120.0),
                      "by_asset": {"SP500": _tapes(-0.3, 8.0, -18.0)}} for h in ("1w", "1m")},
        "assets": {"SP500": {"pivots": {"short": 5346.0, "medium": 5184.0, "long": 4860.0},
                             "pivot_distance_pct": {"short": -1.0, "medium": -4.0,
                                                    "long": -10.0}}},
    },
    "vol_control": {
        "aum_bn": {"low": 200.0, "base": 600.0, "high": 2000.0},
        "flows": {"1w": _tapes(5.0, 0.1, -19.0), "1m": _tapes(-9.0, -2.0, -90.0)},
        "triggers": {"sell": [
            {"amount_bn": 5.0, "down": {"return": -0.009, "level": 5351.4}},
            {"amount_bn": 10.0, "down": {"return": -0.0125, "level": 5332.5}},
            {"amount_bn": 25.0, "down": {"return": -0.02, "level": 5292.0}},
        ]},
    },
    "buybacks": {"flows_bn": {"1w": 15.0, "1m": 65.0}, "annual_bn": 942.5,
                 "blackout_share": 0.887, "blackout_share_band": {"low": 0.64, "high": 0.90},
                 "reopen": "2024-07-22", "next_close": None},
    "stops": [
        {"level": 5500.0, "kind": "round", "label": "round 500", "distance_pct": 1.85,
         "side": "above"},
        {"level": 5425.0, "kind": "swing_high", "label": "swing high 2024-05-20",
         "distance_pct": 0.46, "side": "above"},
        {"level": 5350.0, "kind": "round", "label": "round 50", "distance_pct": -0.93,
         "side": "below"},
        {"level": 5200.0, "kind": "swing_low", "label": "swing low 2024-04-19",
         "distance_pct": -3.7, "side": "below"},
    ],
}
VIX = {"regime": "calm_contango", "vix": 12.3, "vix3m": 14.1, "ratio_vix_vix3m": 0.872,
       "forward_returns": {"calm_contango": {"21": {"mean": 0.62, "ci_low": 0.18,
                                                    "ci_high": 1.06, "episodes": 91}}}}
FED = {"label": "curve-implied proxy",
       "meetings": [{"date": "2024-07-31", "p_cut": 0.105, "p_hold": 0.89, "p_hike": 0.005}]}


def _summary(**drop: bool) -> Any:
    results = {
        "flows": Stub(FLOWS, {"SP500": ASOF, "NDX": pd.Timestamp("2024-05-01")}),
        "vix": Stub(VIX, {"VIX": pd.Timestamp("2024-06-13"), "VIX3M": ASOF}),
        "fed": Stub(FED, {"DGS3MO": pd.Timestamp("2024-06-13"), "DFF": pd.Timestamp("2024-06-12")}),
    }
    return summary_from_results({k: v for k, v in results.items() if not drop.get(k)}, ASOF)


def test_who_must_trade_rows_read_the_flows_in_order() -> None:
    summary = _summary()
    assert [r.actor for r in summary.rows] == ["CTA global equities", "CTA S&P 500",
                                               "Vol-control", "Buybacks"]
    cta_sp = summary.rows[1]
    assert cta_sp.flows[("1w", "down")] == (-18.0, -12.0, -24.0)
    assert summary.rows[2].flows[("1m", "down")][0] == -90.0
    # Buyback demand is the calendar's, the same in every tape, with no AUM band.
    assert {summary.rows[3].flows[("1m", t)] for t in ("flat", "up", "down")} == {
        (65.0, None, None)}
    assert summary.rows[2].aum == "600 (200-2,000) USD bn"
    assert summary.rows[3].aum == "942 USD bn/yr"


def test_levels_pick_the_10bn_trigger_and_the_nearest_stops() -> None:
    levels = {lv.label: lv for lv in _summary().levels}
    assert levels["CTA medium-term trigger"].value == 5184.0
    trigger = levels["Vol-control sell trigger"]
    # -1.25% in the trigger table is -1.25 in percent of spot.
    assert trigger.value == 5332.5 and abs(trigger.distance_pct + 1.25) < 1e-12
    assert "10 USD bn" in str(trigger.detail)
    assert levels["Nearest stop cluster above"].value == 5425.0
    assert levels["Nearest stop cluster below"].value == 5350.0
    assert levels["Nearest stop cluster below"].distance_pct == -0.93
    assert str(levels["Nearest stop cluster above"].detail) == "swing high 2024-05-20"
    assert str(levels["Nearest stop cluster below"].detail) == "round number, step 50"


def test_regime_lines_and_the_oldest_input() -> None:
    summary = _summary()
    lines = {name: str(line) for name, line in summary.regimes}
    assert lines["Policy"] == ("next FOMC 2024-07-31: cut 10% / hold 89% / hike 0%"
                               " (curve-implied proxy)")
    assert lines["Buybacks"] == ("89% of S&P 500 members in blackout (band 64%-90%);"
                                 " the window reopens 2024-07-22")
    assert "+0.6% [+0.2, +1.1]" in lines["Volatility"] and "calm contango" in lines["Volatility"]
    # NDX's last close is 44 days old: the oldest input, and stale for a daily series.
    assert summary.oldest.series_id == "NDX" and summary.oldest.age_days == 44
    assert summary.oldest.stale
    # DFF two days old is within a daily series' grace; only NDX is stale.
    assert summary.stale == ("NDX",)


def test_a_missing_model_is_named_and_its_parts_left_out() -> None:
    summary = _summary(fed=True, vix=True)
    assert summary.missing == ("vix", "fed")
    assert [name for name, _ in summary.regimes] == ["Buybacks"]
    assert summary.rows and summary.levels
    empty = summary_from_results({}, ASOF)
    assert empty.rows == () and empty.oldest is None and empty.missing == ("flows", "vix", "fed")


def test_html_colours_buying_and_selling_and_json_is_rounded() -> None:
    html = template_environment().get_template("desk_summary.html.j2").render(desk=_summary())
    assert 'class="num sell"' in html and 'class="num buy"' in html
    assert "-18.0" in html and "Desk summary" in html and "is-stale" in html
    data = _summary().to_dict()
    assert data["who_must_trade"][1]["flows_bn"]["1w_down"] == {"base": -18.0, "low": -12.0,
                                                                "high": -24.0}
    assert data["oldest_input"] == {"series": "NDX", "last": "2024-05-01", "age_days": 44,
                                    "stale": True}


def test_number_formatters() -> None:
    assert signed(24.94) == "+24.9" and signed(-3.0) == "-3.0" and signed(1234.5) == "+1,234.5"
    assert signed(-0.04) == "0.0" and signed(None) == "n/a" and signed(float("nan")) == "n/a"
    assert signed_pct(-1.23) == "-1.2%" and signed_pct(float("inf")) == "n/a"
    assert [flow_class(v) for v in (2.0, -0.5, 0.04, None)] == ["buy", "sell", "flat", "flat"]


def test_terminal_opens_with_the_desk_summary(tmp_path: Any) -> None:
    from rich.console import Console

    from flowdesk.report import ReportResult
    from flowdesk.report.sections import Section
    from flowdesk.report.terminal import render_terminal

    results = {"flows": Stub(FLOWS, {"SP500": ASOF}), "fed": Stub(FED, {})}
    sections = tuple(Section(id=k, title=k, asof=ASOF, result=v) for k, v in results.items())
    console = Console(record=True, width=160)
    render_terminal(ReportResult(path=tmp_path / "r.html", asof=ASOF, sections=sections),
                    console)
    lines = console.export_text().splitlines()
    assert lines[1].startswith("Desk summary · as of 2024-06-14")
    (row,) = [ln for ln in lines if ln.startswith("CTA S&P 500")]
    # 1w flat/up/down then 1m flat/up/down, base AUM.
    assert row.split()[3:9] == ["-0.3", "+8.0", "-18.0", "-0.3", "+8.0", "-18.0"]
    (levels,) = [ln for ln in lines if ln.startswith("Levels:")]
    assert "Vol-control sell trigger 5,332 (-1.2%)" in levels
    assert any(ln.startswith("Policy: next FOMC 2024-07-31") for ln in lines)


def test_early_dates_with_missing_inputs_read_n_a() -> None:
    """Before VIX3M (2006) and with no equity aggregate, parts read n/a instead of failing."""
    vix = {**VIX, "vix3m": None, "ratio_vix_vix3m": float("nan")}
    flows = {**FLOWS, "cta": {**FLOWS["cta"], "flows": {
        h: {"by_asset": {}} for h in ("1w", "1m")}}}
    summary = summary_from_results({"flows": Stub(flows), "vix": Stub(vix)}, ASOF)
    line = str(dict(summary.regimes)["Volatility"])
    assert line.startswith("calm contango: VIX 12.3 vs VIX3M n/a (ratio n/a)")
    assert summary.rows[0].flows[("1w", "down")] == (None, None, None)
    assert [r.actor for r in summary.rows] == ["CTA global equities", "Vol-control", "Buybacks"]
