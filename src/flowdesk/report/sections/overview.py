"""Market overview section: S&P 500 drawdown, VIX term structure, rates, net liquidity."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.models import get_model
from flowdesk.report.sections.base import KeyNumber, finite_or_none, result_section

if TYPE_CHECKING:
    from flowdesk.overview import MarketOverviewResult
    from flowdesk.report.sections.base import ReportContext, Section

__all__ = ["ID", "TITLE", "build", "section_from_result"]

ID = "overview"
TITLE = get_model(ID).title


def _key_numbers(result: MarketOverviewResult) -> list[KeyNumber]:
    from flowdesk.overview import METRICS

    digits = {m.key: m.digits for m in METRICS}
    numbers = []
    for key, row in result.to_frame().iterrows():
        obs = row["obs_date"]
        numbers.append(
            KeyNumber(
                label=row["label"],
                value=finite_or_none(row["value"]),
                unit=row["unit"],
                obs_date=None if pd.isna(obs) else pd.Timestamp(obs),
                change_1w=finite_or_none(row["change_1w"]),
                change_1m=finite_or_none(row["change_1m"]),
                change_1y=finite_or_none(row["change_1y"]),
                change_unit=row["change_unit"],
                digits=digits.get(str(key), 2),
            )
        )
    return numbers


def _headline(result: MarketOverviewResult) -> str:
    latest = result.to_frame()
    sp, dd, ratio = (latest.loc[k] for k in ("sp500", "sp500_drawdown", "vix_ratio"))
    parts = []
    if not pd.isna(sp["value"]):
        where = (
            "a record close"
            if dd["value"] >= 0
            else f"{-dd['value']:.2f}% below its running peak of {result.peak:,.2f}"
            f" ({result.peak_date:%Y-%m-%d})"
        )
        parts.append(
            f"The S&amp;P 500 closed at {sp['value']:,.2f} index points on"
            f" {sp['obs_date']:%Y-%m-%d}, {html.escape(where)}."
        )
    if not pd.isna(ratio["value"]):
        state = (
            "inverted: VIX above VIX3M, short-dated hedging demand or stress"
            if ratio["value"] > 1
            else "in contango: VIX below VIX3M, the usual state"
        )
        parts.append(
            f"VIX/VIX3M was {ratio['value']:.3f} on {ratio['obs_date']:%Y-%m-%d}"
            f" ({html.escape(state)})."
        )
    return f"<p>{' '.join(parts)}</p>" if parts else ""


def section_from_result(result: MarketOverviewResult) -> Section:
    """Turn an :class:`~flowdesk.overview.MarketOverviewResult` into a report section."""
    from flowdesk.overview import CONVENTIONS
    from flowdesk.report import figures

    charts = {"drawdown": figures.sp500_drawdown_figure(result),
              "vix": figures.vix_term_structure_figure(result),
              "rates": figures.rates_figure(result),
              "liquidity": figures.net_liquidity_figure(result)}
    methodology = (
        f"{CONVENTIONS} Charts show the last {result.history_years} years; the running"
        f" peak uses S&P 500 closes since {result.history_start:%Y-%m-%d}. Net liquidity"
        " = Fed total assets (WALCL) - Treasury General Account (WTREGEN) - overnight"
        " reverse repo (RRPONTSYD), USD bn, weekly on Wednesdays. The 3-month bill"
        " yield is DGS10 - T10Y3M."
    )
    return result_section(ID, result, body_html=_headline(result), figures=charts,
                          key_numbers=_key_numbers(result), methodology=methodology)


def build(ctx: ReportContext) -> Section:
    """Estimate the market overview for ``ctx.asof`` and build its section."""
    from flowdesk.overview import MarketOverview

    return section_from_result(MarketOverview().estimate(ctx.asof, settings=ctx.settings))
