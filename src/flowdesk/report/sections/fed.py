"""Policy section: the per-meeting matrix and its changes, cut-odds history, what moved the odds.

The odds are FedWatch's with futures, otherwise a curve proxy labelled as such.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.models import get_model
from flowdesk.report.sections.base import KeyNumber, changes, result_section

if TYPE_CHECKING:
    from flowdesk.policy.model import FedPolicyResult
    from flowdesk.report.sections.base import ReportContext, Section

__all__ = ["ID", "TITLE", "build", "section_from_result"]

ID = "fed"
TITLE = get_model(ID).title


def _key_numbers(result: FedPolicyResult) -> list[KeyNumber]:
    cur = result.proxy.current
    data_date = pd.Timestamp(cur.name)
    history = result.proxy.history
    numbers = [
        KeyNumber("Target range, lower bound", result.target.low, "percent",
                  result.target.obs_date, digits=2),
        KeyNumber("Target range, upper bound", result.target.high, "percent",
                  result.target.obs_date, digits=2),
    ]
    if result.meetings:
        m = result.meetings[0]
        obs = result.asof if result.source == "futures" else data_date
        tag = f"next meeting {m.date:%Y-%m-%d}, {result.label}"
        numbers += [
            KeyNumber(f"P(cut), {tag}", 100 * m.p_cut, "percent", obs, digits=1),
            KeyNumber(f"P(hold), {tag}", 100 * m.p_hold, "percent", obs, digits=1),
            KeyNumber(f"P(hike), {tag}", 100 * m.p_hike, "percent", obs, digits=1),
            KeyNumber(f"Expected rate after {m.date:%Y-%m-%d} ({result.label})",
                      m.expected_rate, "percent", obs, digits=3),
        ]
    numbers += [
        KeyNumber(
            "Proxy P(cut) at next meeting (curve-implied proxy)", 100 * float(cur["p_cut_next"]),
            "percent", data_date,
            **changes(100 * history["p_cut_next"]),
            change_unit="pp", digits=1,
        ),
        KeyNumber(
            "Proxy expected average rate, next 3 months", float(cur["implied_3m"]), "percent",
            data_date,
            **changes(100 * history["implied_3m"]),
            change_unit="bp", digits=2,
        ),
        KeyNumber(
            "2-year yield minus effective rate", float(cur["dgs2_minus_effr"]),
            "percentage points", data_date,
            **changes(100 * history["dgs2_minus_effr"]),
            change_unit="bp", digits=2,
        ),
    ]
    if result.attribution is not None:
        end = result.attribution.end
        for label, name in (("SP500", "S&P 500 returns"), ("DGS2", "2-year yield changes")):
            table = result.attribution.shares.get(label)
            if table is None:
                continue
            for cls, what in (("fomc", "FOMC decision"), ("none", "no-data, no-decision")):
                row = table.loc[cls]
                numbers.append(
                    KeyNumber(
                        f"{name}: share of daily variance on {what} days (95% CI"
                        f" {100 * row['ci_low']:.1f}-{100 * row['ci_high']:.1f}%; these days are"
                        f" {100 * row['day_share']:.1f}% of all)",
                        100 * float(row["var_share"]), "percent of variance", end, digits=1,
                    )
                )
    return numbers


def _headline(result: FedPolicyResult) -> str:
    parts = []
    if result.meetings:
        m = result.meetings[0]
        parts.append(
            f"{html.escape(result.label)}: next FOMC meeting {m.date:%Y-%m-%d}, cut"
            f" {100 * m.p_cut:.0f}%, hold {100 * m.p_hold:.0f}%, hike {100 * m.p_hike:.0f}%;"
            f" most likely range {html.escape(m.most_likely)}% (today"
            f" {html.escape(result.target.label)}%)."
        )
    if result.source == "curve_proxy":
        parts.append(
            "No fed funds futures were given, so these odds are a curve-implied proxy from the"
            " 3-month bill, <strong>not</strong> CME FedWatch."
        )
    a = result.attribution
    if a is not None and "DGS2" in a.shares:
        none = a.shares["DGS2"].loc["none"]
        parts.append(
            f"From {a.start:%Y-%m-%d} to {a.end:%Y-%m-%d}, days with no FOMC decision, payrolls"
            f" or CPI release ({100 * none['day_share']:.0f}% of days) carried"
            f" {100 * none['var_share']:.0f}% of the variance of daily 2-year yield changes"
            f" (95% CI {100 * none['ci_low']:.0f}-{100 * none['ci_high']:.0f}%)."
        )
    return f"<p>{' '.join(parts)}</p>" if parts else ""


def _table(frame: pd.DataFrame, caption: str, css: str, *, index: str | None = None) -> str:
    """An escaped HTML table of display strings; ``index`` names a row-header column."""
    cols = [c for c in frame.columns if c != index]
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in ([index] if index
                                                                            else []) + cols)
    rows = []
    for _, row in frame.iterrows():
        lead = f'<th scope="row">{html.escape(str(row[index]))}</th>' if index else ""
        cells = "".join(f'<td class="num">{html.escape(str(row[c]))}</td>' for c in cols)
        rows.append(f"<tr>{lead}{cells}</tr>")
    return (f'<div class="table-wrap"><table class="{css}"><caption>{html.escape(caption)}'
            f'</caption><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody>'
            "</table></div>")


def _matrix_html(result: FedPolicyResult) -> str:
    views = result.views
    if views is None:
        return ""
    parts = []
    for view in (views.matrix, views.proxy_matrix):
        if view is None:
            continue
        m = view.now
        if m.probabilities.empty:
            parts.append(f"<p>{html.escape(view.label)}: no meetings priced.</p>")
            continue
        frame = m.text_table().reset_index()
        parts.append(_table(
            frame, f"{view.label}: probability (%) of each target range after each meeting,"
            f" prices of {m.date:%Y-%m-%d} (today's range {m.target}%); change from the rate"
            " entering the first meeting; P(at least one cut) by that meeting",
            "fed-matrix", index="Meeting"))
        for key, change in view.changes.items():
            then = view.past[key]
            assert then is not None
            shown = change.copy()
            shown.index = [f"{d:%Y-%m-%d}" for d in shown.index]
            shown = shown.map(lambda v: f"{v:+.1f}").reset_index(names="Meeting")
            shown = shown.rename(columns={"expected_rate_bp": "Exp. rate (bp)",
                                          "p_any_cut": "P(>=1 cut) (pp)"})
            past = _table(then.text_table().reset_index(),
                          f"{view.label}: probability (%) as of {key} ago ({then.date:%Y-%m-%d})",
                          "fed-matrix-past", index="Meeting")
            parts.append(f"<details><summary>Matrix {key} ago ({then.date:%Y-%m-%d})</summary>"
                         f"{past}</details>")
            parts.append(_table(
                shown, f"{view.label}: change since {key} ago ({then.date:%Y-%m-%d}), pp",
                "fed-matrix-change", index="Meeting"))
        if view.missing:
            parts.append("<p>" + html.escape("; ".join(
                f"{k} ago: {why}" for k, why in view.missing.items())) + ".</p>")
    error = views.proxy_error
    if error is not None and error["n"]:
        parts.append(
            f"<p>Proxy error against futures (next-meeting P(cut), proxy minus futures) on"
            f" {error['n']} date(s): mean {error['mean_pp']:+.1f} pp, mean absolute"
            f" {error['mean_abs_pp']:.1f} pp, largest {error['max_abs_pp']:.1f} pp; expected"
            f" rate after the meeting: mean absolute {error['rate_mean_abs_bp']:.1f} bp.</p>")
    return "".join(parts)


def _odds_html(result: FedPolicyResult) -> str:
    odds = result.views.odds if result.views is not None else None
    if odds is None:
        return ""
    parts = [
        f"<p>What moved the odds, {odds.start:%Y-%m-%d} to {odds.end:%Y-%m-%d}:"
        f" {html.escape(odds.series)}; swing = share of the sum of squared daily changes."
        f" {html.escape(odds.coverage)}.</p>"
    ]
    frame = odds.to_frame()
    if not frame.empty:
        parts.append(_table(frame, "Share of the swing in cut odds by kind of day, 95%"
                            " block-bootstrap interval", "fed-odds", index="Days"))
    if len(odds.largest):
        parts.append(_table(odds.largest_text(), "Largest single-day moves",
                            "fed-odds-largest", index="Date"))
    parts += [f"<p>{html.escape(n)}</p>" for n in odds.notes]
    return "".join(parts)


def section_from_result(result: FedPolicyResult) -> Section:
    """Turn a :class:`~flowdesk.policy.model.FedPolicyResult` into a report section."""
    from flowdesk.policy.model import CONVENTIONS
    from flowdesk.report import figures_policy

    methodology = (
        f"{CONVENTIONS} Target range source: {result.target.source}. Payroll dates follow"
        " BLS's rule (third Friday after the week containing the 12th); CPI dates are"
        " approximate (the Wednesday on the 9th-15th, +/- 1 weekday). Proxy changes over"
        " 1w/1m/1y are differences in percentage points (probabilities) or bp (rates)."
        " Odds attribution: daily changes of the next-meeting cut probability on meeting"
        " days (FOMC decisions; minutes 21 days after scheduled decisions), data days"
        " (payrolls, CPI, PCE: last Friday to last weekday of the month, GDP: last Thursday"
        " +/- 1 weekday), speech-only days, other days inside the speech calendar's coverage"
        " and days outside it (unknown); share of the sum of squared changes, 95% circular"
        " block-bootstrap intervals."
    )
    charts = {"next-meeting": figures_policy.next_meeting_figure(result),
              "proxy-history": figures_policy.proxy_history_figure(result),
              "variance-shares": figures_policy.variance_shares_figure(result),
              "cut-odds-history": figures_policy.cut_odds_history_figure(result),
              "odds-attribution": figures_policy.odds_attribution_figure(result)}
    body = _headline(result) + _matrix_html(result) + _odds_html(result)
    return result_section(ID, result, body_html=body, figures=charts,
                          key_numbers=_key_numbers(result), methodology=methodology)


def build(ctx: ReportContext) -> Section:
    """Estimate the policy path for ``ctx.asof`` and build its section.

    The report has no futures input, so its odds are the labelled curve proxy.
    """
    from flowdesk.policy.model import FedPolicy

    return section_from_result(FedPolicy().estimate(ctx.asof, settings=ctx.settings))
