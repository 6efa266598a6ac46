"""Simulator section: how much the mechanical flows amplify moves, in a calibrated ABM.

Kept cheap for the report: a few hundred paths with the shipped calibrated
parameters (:data:`flowdesk.sim.params.CALIBRATION`), a fixed seed, and a
replay of the historical episodes that ended by the as-of date. An episode
whose replay fails is named in the section's note with the reason.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.models import get_model
from flowdesk.report.sections.base import KeyNumber, last_obs, result_section

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from flowdesk.report.sections.base import ReportContext, Section
    from flowdesk.sim.model import MarketSimulatorResult
    from flowdesk.sim.replay import ReplayResult

__all__ = ["ID", "TITLE", "build", "section_from_result"]

ID = "simulator"
TITLE = get_model(ID).title
#: Fixed seed, paths and years of the report's run (same numbers every day).
REPORT_SEED = 20250101
REPORT_PATHS = 300
REPORT_YEARS = 5.0
REPORT_REPLAY_DRAWS = 50

_LABELS = {
    "volcontrol": "Vol-control funds",
    "cta": "CTAs (trend)",
    "buyback": "Buyback desk",
    "dealer": "Option dealers",
    "stops": "Stop-loss clusters",
    "systematic": "All systematic together",
}


def _ci(value: float, low: float, high: float, fmt: str = "{:.3f}") -> str:
    return f"{fmt.format(value)} <small>[{fmt.format(low)}, {fmt.format(high)}]</small>"


def _amp_table(result: MarketSimulatorResult) -> str:
    t = result.amplification
    rows = []
    for label, r in t.iterrows():
        name = html.escape(_LABELS.get(str(label), str(label)))
        vol = _ci(r["vol_ratio"], r["vol_ratio_ci_low"], r["vol_ratio_ci_high"])
        dd = _ci(r["drawdown_ratio"], r["drawdown_ratio_ci_low"], r["drawdown_ratio_ci_high"])
        pairs = "".join(
            f'<td class="num">{r[f"{s}_with"]:.2f} vs {r[f"{s}_without"]:.2f}</td>'
            for s in ("down_days_per_year", "down_weeks_per_year", "tail_index")
        )
        rows.append(f'<tr><th scope="row">{name}</th><td class="num">{vol}</td>'
                    f'<td class="num">{dd}</td>{pairs}</tr>')
    return (
        '<div class="table-wrap"><table class="sim-amplification"><caption>Amplification by '
        f"agent class: {result.paths} simulated paths of {result.years:g} years, the same shocks "
        "with every class on and with the class switched off. Ratios = all on / class off with "
        "95% intervals over paths; rates per year and Hill tail index (lower = fatter tail) with "
        "vs without the class.</caption><thead><tr><th scope=\"col\">Switched off</th>"
        '<th scope="col" class="num">Realized vol ratio</th>'
        '<th scope="col" class="num">Max drawdown ratio</th>'
        '<th scope="col" class="num">Days down &ge;5% / yr</th>'
        '<th scope="col" class="num">Weeks down &ge;5% / yr</th>'
        '<th scope="col" class="num">Tail index</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _replay_table(replays: Sequence[ReplayResult]) -> str:
    if not replays:
        return ""
    rows = []
    for rep in replays:
        t = rep.table.loc["systematic"]
        by = rep.table.drop(index="systematic")["added_pp"]
        top = by.idxmin() if by.min() < 0 else by.idxmax()
        rows.append(
            f'<tr><th scope="row">{html.escape(rep.episode.label)}</th>'
            f'<td class="num">{rep.actual_return_pct:+.1f}%</td>'
            f'<td class="num">{t["added_pp"]:+.1f} pp <small>[{t["added_low"]:+.1f}, '
            f'{t["added_high"]:+.1f}]</small></td>'
            f'<td class="num">{t["flow_bn"]:+,.0f}</td>'
            f"<td>{html.escape(_LABELS.get(str(top), str(top)))} ({by[top]:+.1f} pp)</td></tr>"
        )
    return (
        '<div class="table-wrap"><table class="sim-replay"><caption>Historical replay, peak '
        "close to trough close: the non-systematic flow is backed out from the real returns "
        "given the agents' states and held fixed; 'added' = real return minus the return "
        "without systematic agents (base parameters; 5-95% over draws of AUM, price multiplier, "
        "dealer gamma and stop sizes).</caption><thead><tr><th scope=\"col\">Episode</th>"
        '<th scope="col" class="num">S&amp;P 500</th>'
        '<th scope="col" class="num">Added by systematic agents</th>'
        '<th scope="col" class="num">Their net flow, USD bn</th>'
        '<th scope="col">Largest contributor</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _verdict(result: MarketSimulatorResult) -> str:
    lm = result.long_memory()
    if lm is None:
        return "The moment check was unavailable."
    cov = result.coverage.get("model")
    cov_text = f" {cov:.0%} of the 11 data moments lie inside the model's 95% band." if cov else ""
    if lm["beats_null"]:
        verdict = ("closer to the data than the GJR-GARCH-t null: the calibrated model "
                   "beats the null on long-lag volatility clustering.")
    else:
        verdict = ("NOT closer to the data than the GJR-GARCH-t null: the calibrated model "
                   "does not beat the null on long-lag volatility clustering.")
    return (f"ACF of |returns| at lag 100: data {lm['data']:.3f}, model {lm['model']:.3f}, "
            f"null {lm['null']:.3f} - {verdict}{cov_text}")


def section_from_result(result: MarketSimulatorResult, asof: pd.Timestamp,
                        replays: Sequence[ReplayResult] = (),
                        failed: Mapping[str, str] | None = None) -> Section:
    """Turn a :class:`~flowdesk.sim.model.MarketSimulatorResult` (and replays) into a section.

    Parameters
    ----------
    result
        The simulator run.
    asof
        The report's date (a simulation has none of its own).
    replays
        Episode replays shown in the replay table, in order.
    failed
        Label -> reason of each episode whose replay failed; each is named in the note.
    """
    from flowdesk.report import figures_sim
    from flowdesk.sim.model import CONVENTIONS
    from flowdesk.sim.params import CALIBRATION

    amp = result.amplification
    sys_row = amp.loc["systematic"] if "systematic" in amp.index else None
    numbers = []
    if sys_row is not None:
        numbers += [
            KeyNumber("Realized vol, all on / systematic off", float(sys_row["vol_ratio"]),
                      "ratio", asof, digits=3),
            KeyNumber("Max drawdown, all on / systematic off", float(sys_row["drawdown_ratio"]),
                      "ratio", asof, digits=3),
        ]
    lm = result.long_memory()
    if lm is not None:
        numbers += [
            KeyNumber("ACF(|r|, 100): model", lm["model"], "autocorrelation", asof, digits=3),
            KeyNumber("ACF(|r|, 100): S&P 500 1999-2018", lm["data"], "autocorrelation",
                      pd.Timestamp("2018-12-31"), digits=3),
            KeyNumber("ACF(|r|, 100): GJR-GARCH-t null", lm["null"], "autocorrelation", asof,
                      digits=3),
        ]
    coverage = result.coverage.get("model")
    if coverage is not None:
        numbers.append(KeyNumber("Moment coverage (model 95% band)", 100.0 * float(coverage),
                                 "% of 11 moments", asof, digits=0))
    rate = result.path_days_per_s
    if math.isfinite(rate):
        numbers.append(KeyNumber("Kernel throughput (this run)", rate / 1e6,
                                 "million path-days/s", asof, digits=1))
    head = ""
    if sys_row is not None:
        head = (f"<p>With every mechanical actor on, simulated realized vol is "
                f"{sys_row['vol_ratio']:.3f}x and the mean maximum drawdown "
                f"{sys_row['drawdown_ratio']:.3f}x what the same shocks give without them. "
                f"{html.escape(_verdict(result))}</p>")
    figures: dict[str, go.Figure] = {
        "paths": figures_sim.sample_paths_figure(result, asof=asof),
        "amplification": figures_sim.amplification_figure(result, asof=asof),
    }
    if result.moments is not None:
        figures["acf"] = figures_sim.acf_figure(result, asof=asof)
    calib = (f" Herding parameters calibrated by the method of simulated moments on "
             f"{CALIBRATION['date']} (seed {CALIBRATION['seed']}, J = {CALIBRATION['objective']}).")
    methodology = (
        "Agents: Franke-Westerhoff herding fundamentalists and noise traders, the flow "
        "engine's vol-control cohorts and CTA windows, a calendar-driven buyback desk, "
        "delta-hedging option dealers (constant gamma) and stop-loss clusters; every order "
        "for day t uses closes up to t-1. " + CONVENTIONS + calib
    )
    # Never skipped silently: each failed replay is named with its reason.
    missing = [f"Replay of {label} not shown: {why}" for label, why in (failed or {}).items()]
    # The calibration sample (S&P 500 closes 1999-2018) is fixed by design, not an input
    # that went stale: listed with its end date, never flagged against the as-of date.
    return result_section(ID, result, body_html=head + _amp_table(result) + _replay_table(replays),
                          figures=figures, key_numbers=numbers, methodology=methodology,
                          asof=asof, notes=missing, fixed_inputs=last_obs(result))


def build(ctx: ReportContext) -> Section:
    """Run the calibrated simulator (fixed seed) and replay the past episodes."""
    from flowdesk.sim.model import MarketSimulator
    from flowdesk.sim.replay import replay_episodes

    result = MarketSimulator(seed=REPORT_SEED).estimate(paths=REPORT_PATHS, years=REPORT_YEARS,
                                                        moment_paths=200)
    replays, failed = replay_episodes(ctx.asof, draws=REPORT_REPLAY_DRAWS, seed=REPORT_SEED,
                                      settings=ctx.settings)
    return section_from_result(result, ctx.asof, replays, failed)
