"""Drivers section: flows vs policy vs data vs volatility in S&P 500 returns."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.models import get_model
from flowdesk.report.sections.base import KeyNumber, result_section

if TYPE_CHECKING:
    from flowdesk.drivers import DriversResult
    from flowdesk.report.sections.base import ReportContext, Section

__all__ = ["ID", "TITLE", "build", "section_from_result"]

ID = "drivers"
TITLE = get_model(ID).title

_METHOD = (
    "Daily S&P 500 log returns (%) regressed on four groups: flows (vol-control rebalancing"
    " and the CTA equity trade decided before the session, USD bn), policy (change in the"
    " 2-year yield on days without payroll/CPI releases, bp), data (2-year change on"
    " payroll/CPI days and a data-day indicator) and volatility (change in VIX, points;"
    " jointly determined with returns, so a symptom as much as a cause). Shares of variance"
    " are Shapley decompositions of R^2 over the groups; 'other' is what none of them"
    " explains (fundamentals, news, noise). Rolling shares use the 63 sessions ending at"
    " each date; out-of-sample R^2 uses an expanding fit refitted monthly; monthly"
    " attributions use coefficients from the 252 sessions before each month."
)


def section_from_result(result: DriversResult, asof: pd.Timestamp | None = None) -> Section:
    """Turn a :class:`~flowdesk.drivers.DriversResult` into a report section.

    ``asof`` is the date the reader asked for; the model's own date is the last
    session of its sample, which can be earlier than inputs seen by then, so the
    freshness ages are measured from the requested date when one is given.
    """
    from flowdesk.report import figures_drivers

    latest = result.latest_shares()
    numbers = [
        KeyNumber(
            label=f"Share of variance: {group} (last {result.window} sessions)",
            value=100 * float(latest[group]),
            unit="% of variance",
            obs_date=result.asof,
            digits=1,
        )
        for group in latest.index
    ]
    numbers += [
        KeyNumber(
            label=f"Out-of-sample R^2, {what}",
            value=float(result.oos.loc[row, "r2"]),
            unit="fraction",
            obs_date=result.asof,
            digits=digits,
        )
        for row, what, digits in (("all", "all groups", 3), ("only_flows", "flows alone", 4))
    ]
    winner = result.winner()
    body = (
        f"<p>Over the last {result.window} sessions the largest measured share of S&amp;P 500"
        f" return variance belongs to <strong>{html.escape(winner)}</strong>"
        f" ({100 * float(latest[winner]):.1f}%). Mechanical flows decided before the"
        f" session explain {100 * float(latest['flows']):.1f}%; whole-sample:"
        f" {100 * float(result.full_sample['flows']):.1f}%.</p>"
    )
    charts = {"rolling": figures_drivers.rolling_shares_figure(result),
              "monthly": figures_drivers.monthly_attribution_figure(result)}
    return result_section(
        ID, result, body_html=body, figures=charts, key_numbers=numbers, methodology=_METHOD,
        asof=result.asof if asof is None else max(pd.Timestamp(asof), result.asof),
        # A result fitted on a frame of its own (not estimated) lists no inputs.
        freshness=dict(result.last_obs) or {"SP500": result.data.index[-1]},
    )


def build(ctx: ReportContext) -> Section:
    """Estimate the drivers decomposition for ``ctx.asof`` and build its section."""
    from flowdesk.drivers import Drivers

    return section_from_result(Drivers().estimate(ctx.asof, settings=ctx.settings), ctx.asof)
