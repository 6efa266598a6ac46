"""Policy section: next-meeting odds, proxy history and event attribution.

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


def section_from_result(result: FedPolicyResult) -> Section:
    """Turn a :class:`~flowdesk.policy.model.FedPolicyResult` into a report section."""
    from flowdesk.policy.model import CONVENTIONS
    from flowdesk.report import figures_policy

    methodology = (
        f"{CONVENTIONS} Target range source: {result.target.source}. Payroll dates follow"
        " BLS's rule (third Friday after the week containing the 12th); CPI dates are"
        " approximate (the Wednesday on the 9th-15th, +/- 1 weekday). Proxy changes over"
        " 1w/1m/1y are differences in percentage points (probabilities) or bp (rates)."
    )
    charts = {"next-meeting": figures_policy.next_meeting_figure(result),
              "proxy-history": figures_policy.proxy_history_figure(result),
              "variance-shares": figures_policy.variance_shares_figure(result)}
    return result_section(ID, result, body_html=_headline(result), figures=charts,
                          key_numbers=_key_numbers(result), methodology=methodology)


def build(ctx: ReportContext) -> Section:
    """Estimate the policy path for ``ctx.asof`` and build its section.

    The report has no futures input, so its odds are the labelled curve proxy.
    """
    from flowdesk.policy.model import FedPolicy

    return section_from_result(FedPolicy().estimate(ctx.asof, settings=ctx.settings))
