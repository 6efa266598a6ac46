"""Thesis scorecard section: one card per thesis (verdict, reasons, indicators, chart).

Each card's chart is embedded in the card with the same markup the section
template uses (a ``data-plotly-figure`` div and its JSON payload), so
``report.js`` draws it; ``Section.figures`` holds the verdict-history chart.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.models import get_model
from flowdesk.report.sections.base import KeyNumber, result_section

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from flowdesk.macro.indicators import IndicatorValue
    from flowdesk.macro.scorecard import ScorecardResult, ThesisResult
    from flowdesk.report.sections.base import ReportContext, Section

__all__ = ["HISTORY_YEARS", "ID", "TITLE", "build", "section_from_result"]

ID = "theses"
TITLE = get_model(ID).title
#: Years of quarter-end verdict history shown (each date is a full point-in-time estimate).
HISTORY_YEARS = 3

_BADGE_STYLE = {
    "supported": 'class="badge badge-ok"',
    "mixed": 'class="badge badge-note"',
    "not_supported": 'class="badge" style="background:var(--bad-bg);color:var(--bad-ink);'
    'border:1px solid #e6b0aa"',
    "insufficient_data": 'class="badge badge-warn"',
}
_METHODOLOGY = (
    "Each thesis is tested by checks on its indicators; a check is a claim with a threshold"
    " (all rules are in flowdesk.macro.rules). Verdict: supported if every evaluated check"
    " holds, not supported if none does, mixed otherwise; insufficient data if a core"
    " indicator is missing or stale. An input is stale when its last observation is older"
    " than its usual spacing twice plus its publication lag plus 3 days. Only data published"
    " by the as-of date are used (observation date + publication lag); the verdict history"
    " re-runs the scorecard at each quarter end. Changes over 1 year are differences in the"
    " indicator's unit (pp for percent); percentiles rank the value in its own history."
    " AI capex is Microsoft + Alphabet + Amazon + Meta capex from 10-K filings by calendar"
    " year (Apple is excluded: its capex is tooling, stores and offices, not AI data"
    " centres). Net liquidity = WALCL/1000 - WTREGEN/1000 - RRPONTSYD in USD bn (WALCL and"
    " WTREGEN are USD mn, RRPONTSYD USD bn)."
)


def _fmt(value: float, digits: int = 2, signed: bool = False) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:{'+' if signed else ''},.{digits}f}"


def _badge(verdict: str) -> str:
    return f"<span {_BADGE_STYLE[verdict]}>{html.escape(verdict.replace('_', ' '))}</span>"


def _row(v: IndicatorValue) -> str:
    status = v.status.replace("_", " ")
    flag = (
        '<span class="badge badge-ok">fresh</span>'
        if v.status == "ok"
        else f'<span class="badge badge-warn">{html.escape(status)}</span>'
    )
    why = f' title="{html.escape("; ".join(v.reasons), quote=True)}"' if v.reasons else ""
    change = _fmt(v.change_1y, signed=True)
    cells = [
        f'<th scope="row">{html.escape(v.indicator.title)}</th>',
        f'<td class="num value">{_fmt(v.value)}</td>',
        f'<td class="unit">{html.escape(v.indicator.unit)}</td>',
        f'<td class="obs">{f"{v.obs_date:%Y-%m-%d}" if v.obs_date is not None else "none"}</td>',
        f'<td class="num change">{change}'
        f'{"" if change == "n/a" else " " + html.escape(v.indicator.change_unit)}</td>',
        f'<td class="num">{_fmt(v.percentile, 0)}</td>',
        f"<td{why}>{flag}</td>",
    ]
    css = "fresh" if v.status == "ok" else "stale"
    return f'<tr class="{css}" data-indicator="{html.escape(v.id)}">{"".join(cells)}</tr>'


def _chart(result: ScorecardResult, t: ThesisResult) -> str:
    if not t.thesis.chart:
        return ""
    from flowdesk.report import figures_macro
    from flowdesk.report.html import figure_json

    fig = figures_macro.thesis_figure(result, t.id)
    dom = f"{ID}-{t.id}-chart"
    label = html.escape(str(fig.layout.title.text or "chart"), quote=True)
    return (
        f'<figure class="figure"><div id="{dom}" class="plotly-figure" data-plotly-figure'
        f' role="img" aria-label="{label}" style="min-height:260px"></div>'
        f'<script type="application/json" id="{dom}-data">{figure_json(fig)}</script></figure>'
    )


def _card(result: ScorecardResult, t: ThesisResult) -> str:
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in t.reasons)
    table = ""
    if t.indicators:
        head = "".join(
            f'<th scope="col"{c}>{h}</th>'
            for h, c in (("Indicator", ""), ("Value", ' class="num"'), ("Unit", ""),
                         ("Observed", ""), ("1y change", ' class="num"'),
                         ("Percentile", ' class="num"'), ("Status", ""))
        )
        body = "".join(_row(v) for v in t.indicators)
        table = (
            f'<div class="table-wrap"><table class="thesis-indicators"><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>"
        )
    # Collapsed to one line (title, verdict, first reason): open for the evidence.
    first = html.escape(t.reasons[0]) if t.reasons else ""
    return (
        f'<details class="thesis-card" id="{ID}-{t.id}" data-verdict="{t.verdict}">'
        f"<summary><h3>{t.thesis.number}. {html.escape(t.thesis.title)} {_badge(t.verdict)}"
        f'</h3><span class="verdict-line">{first}</span></summary>'
        f"<p><em>Claim:</em> {html.escape(t.thesis.claim)}</p>"
        f'<ul class="reasons">{reasons}</ul>{table}{_chart(result, t)}</details>'
    )


def _key_numbers(result: ScorecardResult) -> list[KeyNumber]:
    numbers = []
    for t in result.theses:
        if not t.thesis.chart:
            continue
        v = t.indicator(t.thesis.chart[0])
        numbers.append(
            KeyNumber(
                label=f"{t.thesis.number}. {v.indicator.title} ({t.verdict.replace('_', ' ')})",
                value=v.value if math.isfinite(v.value) else None,
                unit=v.indicator.unit,
                obs_date=v.obs_date,
                change_1y=v.change_1y if math.isfinite(v.change_1y) else None,
                change_unit=v.indicator.change_unit,
            )
        )
    return numbers


def section_from_result(
    result: ScorecardResult, history: pd.DataFrame | None = None
) -> Section:
    """Turn a :class:`~flowdesk.macro.scorecard.ScorecardResult` into the report section.

    ``history`` (from :meth:`~flowdesk.macro.scorecard.Scorecard.history`) adds
    the verdict-history chart.
    """
    from flowdesk.report import figures_macro

    counts = pd.Series([t.verdict for t in result.theses]).value_counts()
    lede = ", ".join(
        f"{int(counts[v])} {v.replace('_', ' ')}" for v in figures_macro.VERDICT_LABELS
        if v in counts
    )
    body = (
        f"<p>Seven structural claims tested on data published by {result.asof:%Y-%m-%d}:"
        f" {html.escape(lede)}.</p>" + "".join(_card(result, t) for t in result.theses)
    )
    figures: dict[str, go.Figure] = {}
    if history is not None and not history.empty:
        titles = {t.id: f"{t.thesis.number}. {t.thesis.title}" for t in result.theses}
        figures["history"] = figures_macro.verdict_history_figure(history, result.asof, titles)
    # Inputs never fetched are explained in their indicator rows, not as freshness.
    fetched = {sid: d for sid, d in result.last_obs.items() if d is not None}
    return result_section(ID, result, body_html=body, figures=figures,
                          key_numbers=_key_numbers(result), methodology=_METHODOLOGY,
                          freshness=fetched)


def build(ctx: ReportContext) -> Section:
    """Estimate the scorecard for ``ctx.asof`` (with its recent verdict history) and build it."""
    from flowdesk.macro.scorecard import Scorecard

    scorecard = Scorecard()
    result = scorecard.estimate(ctx.asof, settings=ctx.settings)
    start = result.asof - pd.DateOffset(years=HISTORY_YEARS)
    history = scorecard.history(start, result.asof, "QE", settings=ctx.settings)
    if len(history) == 0 or history.index[-1] != result.asof:
        now = result.verdicts()
        history.loc[result.asof] = now.reindex(history.columns).to_numpy()
    return section_from_result(result, history)
