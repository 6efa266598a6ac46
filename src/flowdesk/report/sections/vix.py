"""Volatility section: VIX term-structure regime, inversion episodes, forward returns."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.models import get_model
from flowdesk.report.sections.base import KeyNumber, changes, last_obs, result_section

if TYPE_CHECKING:
    from flowdesk.report.sections.base import ReportContext, Section
    from flowdesk.vol import VixRegimesResult
    from flowdesk.vol.regimes import Thresholds

__all__ = ["ID", "TITLE", "build", "rules_prose", "section_from_result"]

ID = "vix"
TITLE = get_model(ID).title

#: Inputs whose freshness the section reports (the classifier's series).
_FRESHNESS = ("VIX", "VIX3M", "VIX9D", "VVIX", "PCR_TOTAL", "SP500")

# (label, column of the daily frame, unit, change unit, decimals)
_KEYS = (
    ("VIX", "vix", "index points", "pts", 2),
    ("VIX3M", "vix3m", "index points", "pts", 2),
    ("VIX9D", "vix9d", "index points", "pts", 2),
    ("VIX / VIX3M", "ratio", "ratio", "pts", 3),
    ("VIX9D / VIX", "ratio_9d", "ratio", "pts", 3),
    ("VVIX", "vvix", "index points", "pts", 2),
    ("VVIX percentile (history to date)", "vvix_pct", "percentile", "pts", 1),
    ("S&P 500 drawdown from 252-session high", "drawdown", "percent", "pp", 2),
    ("S&P 500 realized vol, 21 sessions", "rv_21", "annualised %", "pp", 2),
    ("Total put/call, 10-session mean", "pcr_10d", "ratio", "pts", 3),
    ("Put/call percentile (history to date)", "pcr_pct", "percentile", "pts", 1),
)


def _key_numbers(result: VixRegimesResult) -> list[KeyNumber]:
    numbers = []
    for label, column, unit, change_unit, digits in _KEYS:
        values = result.daily[column].dropna()
        has = not values.empty
        numbers.append(
            KeyNumber(
                label=label,
                value=float(values.iloc[-1]) if has else None,
                unit=unit,
                obs_date=values.index[-1] if has else None,
                **changes(values),
                change_unit=change_unit,
                digits=digits,
            )
        )
    return numbers


def rules_prose(th: Thresholds) -> str:
    """The classifier's rules in one paragraph, with the thresholds filled in."""
    return (
        f"Inverted when VIX/VIX3M > {th.inversion_ratio:g}. Panic inversion: S&P 500 at or "
        f"below {th.deep_drawdown:g}% from its 252-session high, a 5-session return at or "
        f"below {th.panic_ret_5:g}% or a 10-session return at or below {th.panic_ret_10:g}%, "
        f"21-session realized vol at least {th.panic_rv_iv:g} x VIX, and at least "
        f"{th.min_stress_signals} of the available stress signals (all if fewer exist): VVIX "
        f"percentile >= {th.stress_vvix_pct:g}, VIX9D/VIX >= {th.stress_ratio_9d:g}, 10-session "
        f"total put/call percentile >= {th.stress_pcr_pct:g}. Hedging inversion: drawdown "
        f"above {th.deep_drawdown:g}%, realized vol at most {th.hedging_rv_iv:g} x VIX and "
        f"inverted for at most {th.hedging_max_sessions} sessions so far. Other inversions: "
        f"stress inversion. Not inverted: elevated contango if VIX >= {th.elevated_vix:g}, "
        f"else calm contango. A new label within contango or within inversion must hold "
        f"{th.persistence} sessions; inputs missing on a session make the rules that need "
        f"them fail. Percentiles rank against the series' own history to date (after "
        f"{th.min_history} observations). Put/call prints <= 0, >= 4 or equal to 4.22, 11 "
        "or 21 are glitches and treated as missing."
    )


def _label(regime: str) -> str:
    return regime.replace("_", " ")


def _forward_table(result: VixRegimesResult) -> str:
    from flowdesk.report.figures_vol import GROUP_LABELS
    from flowdesk.vol import BASELINE

    table = result.forward
    if table.empty or table["n"].sum() == 0:
        return "<p>No classified session with a known forward return: no forward-return table.</p>"
    horizons = sorted({int(h) for h in table.index.get_level_values("horizon")})
    head = "".join(f'<th scope="col" class="num">{h} sessions</th>' for h in horizons)
    rows = []
    for group, name in GROUP_LABELS.items():
        if group not in table.index.get_level_values("group"):
            continue
        cells = []
        for h in horizons:
            r = table.loc[(group, h)]
            text = ("n/a" if pd.isna(r["mean"]) else
                    f"{r['mean']:+.2f}% [{r['ci_low']:+.2f}, {r['ci_high']:+.2f}]"
                    f"<br><small>{_count(int(r['n']), 'day')}"
                    + ("" if group == BASELINE else f", {_count(int(r['episodes']), 'episode')}")
                    + "</small>")
            cells.append(f'<td class="num">{text}</td>')
        mark = " (now)" if group == result.regime else ""
        rows.append(f'<tr><th scope="row">{html.escape(name + mark)}</th>{"".join(cells)}</tr>')
    start = table["start"].min()
    end = table["end"].max()
    return (
        '<div class="table-wrap"><table class="forward-returns"><caption>Mean forward S&amp;P'
        " 500 simple return after sessions in each regime, percent, with 95% moving-block"
        f" bootstrap intervals; sessions {start:%Y-%m-%d} to {end:%Y-%m-%d}. Outcomes, not"
        " classifier inputs.</caption>"
        f'<thead><tr><th scope="col">Regime</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def _headline(result: VixRegimesResult) -> str:
    parts = []
    cur = result.current
    if result.regime_date is not None:
        parts.append(
            f"On {result.regime_date:%Y-%m-%d} the VIX term structure was in "
            f"<strong>{html.escape(_label(result.regime))}</strong>: VIX/VIX3M "
            f"{cur['ratio']:.3f}, VIX {cur['vix']:.2f}."
        )
    else:
        parts.append("No session with both VIX and VIX3M closes: no regime.")
    if result.unavailable:
        parts.append("Unavailable inputs: " + html.escape(", ".join(result.unavailable)) + ".")
    episodes = result.episodes
    if len(episodes):
        last = episodes.iloc[-1]
        share = 100 * result.inverted_share()
        parts.append(
            f"VIX exceeded VIX3M on {share:.1f}% of sessions with both closes, in "
            f"{len(episodes)} episodes; the latest ran {last['start']:%Y-%m-%d} to "
            f"{last['end']:%Y-%m-%d} ({_count(int(last['sessions']), 'session')}, peak ratio "
            f"{last['peak_ratio']:.3f}, S&amp;P 500 drawdown {last['drawdown_at_peak']:.1f}%, "
            f"{html.escape(_label(str(last['regime'])))}"
            + (", ongoing" if last["ongoing"] else "") + ")."
        )
    return f"<p>{' '.join(parts)}</p>" + _forward_table(result)


def section_from_result(result: VixRegimesResult) -> Section:
    """Turn a :class:`~flowdesk.vol.VixRegimesResult` into a report section."""
    from flowdesk.report import figures_vol
    from flowdesk.vol import METHOD

    methodology = (
        f"{rules_prose(result.thresholds)} {METHOD} Units: VIX indices in index points"
        " (annualised implied vol); realized vol = standard deviation of 21 daily log returns"
        " x sqrt(252), in percent; changes are differences over 1 week, 1 month and 1 year of"
        " calendar time."
    )
    charts = {"curve": figures_vol.term_curve_figure(result),
              "ratio": figures_vol.ratio_regime_figure(result),
              "forward": figures_vol.forward_returns_figure(result)}
    observed = last_obs(result)
    return result_section(ID, result, body_html=_headline(result), figures=charts,
                          key_numbers=_key_numbers(result), methodology=methodology,
                          freshness={sid: observed.get(sid) for sid in _FRESHNESS})


def build(ctx: ReportContext) -> Section:
    """Estimate the VIX regimes for ``ctx.asof`` and build the section."""
    from flowdesk.vol import VixRegimes

    return section_from_result(VixRegimes().estimate(ctx.asof, settings=ctx.settings))
