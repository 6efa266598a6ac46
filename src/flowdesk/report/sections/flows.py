"""Flows section: vol-control, CTA and buyback positioning, pivots and projected flows."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import pandas as pd

from flowdesk.models import get_model
from flowdesk.report.sections.base import KeyNumber, changes, finite_or_none, result_section
from flowdesk.results import price_text

if TYPE_CHECKING:
    from flowdesk.flows.desk import FlowsDeskResult
    from flowdesk.report.sections.base import ReportContext, Section

__all__ = ["ID", "METHODOLOGY", "TITLE", "build", "section_from_result"]

ID = "flows"
TITLE = get_model(ID).title

METHODOLOGY = (
    "Vol-control funds hold min(cap, target vol / estimated vol) of their AUM in the S&P 500 "
    "(six cohorts: targets 5-15%, 21/63-day and EWMA zero-mean (RMS) estimators, as "
    "published risk-control index rules use, caps 1-1.5, lags 1-2 sessions). The CTA book "
    "is a pysystemtrade-style trend follower (EWMAC 8/32 to 64/256 blended with 1-12 month "
    "time-series momentum, 10% vol target) sized as one slice of a many-market trend book: "
    "four asset classes share the risk budget, so the S&P 500 carries about a quarter of the "
    "equity class. Trigger levels are the prices at which the close crosses each horizon's "
    "trend filter (EMA 40/126/350 sessions by default, chosen by a leave-one-out calibration "
    "on public desk cases; docs/calibration.md). Buyback blackouts come from each S&P 500 "
    "member's SEC 8-K Item 2.02 release dates: closed from 6 weeks (30 sessions; band 5-7 "
    "weeks) before a release to 2 sessions after, dates not yet announced projected from the "
    "company's own history (same quarter a year earlier, same weekday), synthetic calendar "
    "before 2004; 60% of buying continues through 10b5-1 plans. Tapes over h sessions: "
    "up/down drift by +/-1 "
    "sigma x sqrt(h) in log price, with block-bootstrapped standardised historical shocks "
    "around the drift; daily vol rises to 1.5x in the down tape and eases to 0.9x in the up "
    "tape; a tape's flow is the mean over 256 antithetic paths. MC = block bootstrap of the "
    "last ten years of returns. Flows are USD bn, positive = buying; every figure carries a "
    "low/base/high AUM band because industry AUM is uncertain. Percentiles rank a value "
    "against its own history to date. Vol-control flow = change in exposure x AUM; CTA flow "
    "= trades (marking a position to market is not a trade). A stale asset keeps its last "
    "position, flagged, with zero projected trades."
)

_SERIES_NAMES = {"SP500": "S&P 500", "NDX": "Nasdaq-100",
                 "equities": "Global equities (aggregate)"}


def _pct(fraction: float | None) -> float | None:
    """A fraction shown in percent (exposures in the key-number table read as % of AUM)."""
    value = finite_or_none(fraction)
    return None if value is None else 100.0 * value


def _band_text(band: dict[str, Any]) -> str:
    if band.get("base") is None:
        return "n/a"
    if band.get("low") is None:
        return f"{band['base']:+,.1f}"
    return f"{band['base']:+,.1f} ({band['low']:+,.1f} to {band['high']:+,.1f})"


def _key_numbers(result: FlowsDeskResult) -> list[KeyNumber]:
    d = result.to_dict()
    vc, cta, bb = d["vol_control"], d["cta"], d["buybacks"]
    hist = result.history
    day = result.session
    sp = cta["assets"].get("SP500") or {}
    numbers = [
        KeyNumber("Vol-control aggregate exposure", _pct(vc["exposure"]),
                  "% of AUM", day, **changes(100.0 * hist["vc_exposure"]),
                  change_unit="pp", digits=1),
        KeyNumber("Vol-control exposure percentile", finite_or_none(vc["percentile"]),
                  "percentile (0-100)", day, **changes(hist["vc_percentile"]),
                  change_unit="pts", digits=1),
        KeyNumber("Vol-control S&P 500 holdings, base AUM",
                  finite_or_none(vc["exposure_bn"]["base"]), "USD bn", day, digits=1),
        KeyNumber("CTA net equity exposure (S&P 500 + Nasdaq-100)",
                  _pct(cta["net_equity_exposure"]), "% of AUM", day,
                  **changes(100.0 * hist["cta_net_equity"]), change_unit="pp", digits=1),
        KeyNumber("CTA net equity exposure, base AUM", finite_or_none(cta["net_equity_bn"]["base"]),
                  "USD bn", day, digits=1),
        KeyNumber("CTA S&P 500 position, % of max", finite_or_none(sp.get("position_pct")),
                  "% of max position", day, **changes(hist["cta_sp500_pct_of_max"]),
                  change_unit="pp", digits=1),
        KeyNumber("CTA S&P 500 position percentile", finite_or_none(sp.get("percentile")),
                  "percentile (0-100)", day, digits=1),
    ]
    for key, name in (("cta", "CTA flows (all assets)"), ("vol_control", "Vol-control flows")):
        for tape in ("flat", "up", "down"):
            band = d[key]["flows"]["1w"][tape]
            unit = "USD bn, base AUM" + (
                f" (low to high AUM: {band['low']:+,.1f} to {band['high']:+,.1f})"
                if band["low"] is not None else "")
            numbers.append(KeyNumber(f"{name}, next 1w, {tape} tape", finite_or_none(band["base"]),
                                     unit, day, digits=1))
    numbers += [
        KeyNumber("Buyback blackout share", _pct(bb["blackout_share"]),
                  "% of S&P 500 companies", day, digits=0),
        KeyNumber("Buyback daily demand", finite_or_none(bb["daily_demand_bn"]),
                  "USD bn per session", day, digits=2),
    ]
    return numbers


def _flows_table(result: FlowsDeskResult) -> str:
    d = result.to_dict()
    heads = [(h, t) for h in ("1w", "1m") for t in ("flat", "up", "down")]
    head = "".join(f'<th scope="col" class="num">{h} {t}</th>' for h, t in heads)
    head += '<th scope="col" class="num">1w MC q05 / q95</th>'
    rows = []
    for key, name in (("cta", "CTA (all assets)"), ("vol_control", "Vol-control")):
        flows = d[key]["flows"]
        cells = "".join(f'<td class="num">{_band_text(flows[h][t])}</td>' for h, t in heads)
        mc = flows["1w"].get("monte_carlo", {})
        q05, q95 = (mc.get(q, {}).get("base") for q in ("q05", "q95"))
        mc_text = "n/a" if q05 is None else f"{q05:+,.1f} / {q95:+,.1f}"
        rows.append(f'<tr><th scope="row">{name}</th>{cells}<td class="num">{mc_text}</td></tr>')
    demand = d["buybacks"]["flows_bn"]
    cells = "".join(f'<td class="num">{demand[h]:+,.1f}</td>' for h, _ in heads)
    rows.append(f'<tr><th scope="row">Buybacks (calendar)</th>{cells}<td class="num">–</td></tr>')
    return (
        '<div class="table-wrap"><table class="flows-table"><caption>Projected flows, USD bn, '
        "base AUM (low to high AUM case); positive = buying; sessions after "
        f"{result.session:%Y-%m-%d}. MC = block-bootstrap quantiles at base AUM.</caption>"
        f'<thead><tr><th scope="col">Actor</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _num(value: Any, fmt: str) -> str:
    return "n/a" if value is None or pd.isna(value) else format(value, fmt)


def _asset_table(result: FlowsDeskResult) -> str:
    """The per-asset CTA table of ``flowdesk flows``: equities aggregate first, then the S&P 500."""
    frame = result.to_frame()
    rows_ix = [i for i in frame.index if i.startswith("CTA ") and i != "CTA (all assets)"]
    heads = [(h, t) for h in ("1w", "1m") for t in ("flat", "up", "down")]
    head = ("<th scope=\"col\">Market</th><th scope=\"col\" class=\"num\">Price</th>"
            "<th scope=\"col\" class=\"num\">Position, USD bn</th>"
            "<th scope=\"col\" class=\"num\">% of max</th>"
            "<th scope=\"col\" class=\"num\">Percentile</th>"
            + "".join(f'<th scope="col" class="num">{p} trigger (distance)</th>'
                      for p in ("Short", "Medium", "Long"))
            + "".join(f'<th scope="col" class="num">{h} {t}</th>' for h, t in heads))
    body = []
    for actor in rows_ix:
        row = frame.loc[actor]
        name = actor.removeprefix("CTA ")
        label = html.escape(_SERIES_NAMES.get(name, name)
                            + (" (stale: last position held)" if row["stale"] else ""))
        levels = "".join(
            '<td class="num">n/a</td>' if pd.isna(row[f"pivot_{p}"]) else
            f'<td class="num">{price_text(row[f"pivot_{p}"])} ({row[f"dist_{p}"]:+.1f}%'
            + ("" if pd.isna(row[f"sigma_{p}"]) else f", {row[f'sigma_{p}']:+.1f}σ") + ")</td>"
            for p in ("short", "medium", "long"))
        flows = "".join(f'<td class="num">{_num(row[f"{h}_{t}_base"], "+,.1f")}</td>'
                        for h, t in heads)
        body.append(f'<tr><th scope="row">{label}</th>'
                    f'<td class="num">{price_text(row["price"])}</td>'
                    f'<td class="num">{_num(row["position_bn"], "+,.1f")}</td>'
                    f'<td class="num">{_num(row["position_pct"], "+.0f")}</td>'
                    f'<td class="num">{_num(row["percentile"], ".0f")}</td>{levels}{flows}</tr>')
    return (
        '<div class="table-wrap"><table class="flows-table cta-assets"><caption>CTA by market: '
        "trigger levels (price at which the close crosses each horizon's trend filter; "
        "distance in % of price and in daily standard deviations), position and flows at "
        "base AUM, USD bn; positive = buying.</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _headline(result: FlowsDeskResult) -> str:
    d = result.to_dict()
    vc, cta, bb = d["vol_control"], d["cta"], d["buybacks"]
    flat_vc, flat_cta = vc["flows"]["1w"]["flat"], cta["flows"]["1w"]["flat"]
    parts = [
        f"On {result.session:%Y-%m-%d} (S&P 500 {result.spot:,.2f} index points) "
        f"vol-control funds held {vc['exposure']:.3f} of AUM in equities (percentile "
        f"{vc['percentile']:.0f} of its history since 1990) and CTAs a net equity exposure "
        f"of {cta['net_equity_exposure']:+.3f} of AUM."
        if vc["exposure"] is not None and vc["percentile"] is not None
        and cta["net_equity_exposure"] is not None else "",
        f"In a flat tape over the next week vol-control would trade "
        f"{_band_text(flat_vc)} USD bn and CTAs {_band_text(flat_cta)} USD bn (base AUM, "
        "low to high AUM case).",
        f"{bb['blackout_share']:.0%} of S&P 500 companies are in a buyback blackout; "
        f"implied corporate demand {bb['daily_demand_bn']:.2f} USD bn per session"
        + (f", next window change {bb['next_change']}." if bb["next_change"] else "."),
    ]
    text = html.escape(" ".join(p for p in parts if p), quote=False)
    return f"<p>{text}</p>{_flows_table(result)}{_asset_table(result)}"


def section_from_result(result: FlowsDeskResult, comparison_html: str = "") -> Section:
    """Turn a :class:`~flowdesk.flows.desk.FlowsDeskResult` into a report section.

    ``comparison_html`` (escaped HTML, e.g. from
    :func:`flowdesk.report.desk_comparison.comparison_html`) goes under the flows table.
    """
    from flowdesk.report import figures_flows as ff

    charts = {"vol-control": ff.vol_control_history_figure(result),
              "cta": ff.cta_history_figure(result), "ladder": ff.pivot_ladder_figure(result),
              "scenarios": ff.scenario_figure(result),
              "buybacks": ff.buyback_strip_figure(result)}
    return result_section(ID, result, body_html=_headline(result) + comparison_html,
                          figures=charts, key_numbers=_key_numbers(result),
                          methodology=METHODOLOGY)


def build(ctx: ReportContext) -> Section:
    """Run the flows desk for ``ctx.asof`` and build the section, with the comparison table."""
    from flowdesk.flows.desk import FlowsDesk
    from flowdesk.report.desk_comparison import comparison_html

    result = FlowsDesk().estimate(ctx.asof, settings=ctx.settings)
    return section_from_result(result, comparison_html(ctx.asof, ctx.settings))
