"""Figures of the market simulator: pure functions from a result to a plotly ``Figure``.

Like :mod:`flowdesk.report.figures`, each function reads only the result it is
given and goes through :func:`~flowdesk.report.figures.apply_layout`. Simulated
paths have no calendar: their x axis is years since the start.

Registered with :func:`flowdesk.plot`: a simulator result draws ``"paths"``
(the default), ``"amplification"`` or ``"acf"``; a replay draws ``"replay"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flowdesk.report.figures import COLORS, apply_layout
from flowdesk.report.plotting import register_charts
from flowdesk.sim.model import MarketSimulatorResult
from flowdesk.sim.replay import ReplayResult

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "CLASS_COLORS",
    "acf_figure",
    "amplification_figure",
    "replay_figure",
    "sample_paths_figure",
]

CLASS_COLORS = {
    "volcontrol": "#7d3c98",
    "cta": "#2e86c1",
    "buyback": "#17a589",
    "dealer": "#d35400",
    "stops": "#c0392b",
    "systematic": "#1b2631",
}
_PATH_COLORS = ("#1f4e79", "#c0392b", "#17a589", "#7d3c98", "#d35400", "#5d6d7e")


def _asof(asof: pd.Timestamp | None) -> pd.Timestamp:
    return pd.Timestamp.today().normalize() if asof is None else pd.Timestamp(asof)


def sample_paths_figure(result: MarketSimulatorResult, *, asof: pd.Timestamp | None = None,
                        n: int = 4) -> go.Figure:
    """A few simulated index paths, all agents on (solid) and systematic ones off (dotted).

    Both lines of a path use the same shocks.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    on = result.samples.get("all")
    off = result.samples.get("no_systematic")
    empty = on is None
    if on is not None:
        years = np.arange(on.shape[0]) / 252.0
        for k in range(min(n, on.shape[1])):
            color = _PATH_COLORS[k % len(_PATH_COLORS)]
            fig.add_trace(go.Scatter(
                x=years, y=on[:, k], mode="lines", name=f"path {k + 1}: all agents",
                line={"color": color, "width": 1.4}, legendgroup=str(k),
                hovertemplate="year %{x:.2f}: %{y:.1f}<extra></extra>"))
            if off is not None:
                fig.add_trace(go.Scatter(
                    x=years, y=off[:, k], mode="lines", name=f"path {k + 1}: no systematic",
                    line={"color": color, "width": 1.0, "dash": "dot"}, legendgroup=str(k),
                    showlegend=k == 0,
                    hovertemplate="year %{x:.2f}: %{y:.1f} (no systematic)<extra></extra>"))
    apply_layout(fig, title="Simulated S&P 500 paths, with and without mechanical flows",
                 asof=_asof(asof), yaxis_title="index (start = 100)", empty=empty)
    fig.update_xaxes(type="linear", title_text="years")
    return fig


def amplification_figure(result: MarketSimulatorResult, *, asof: pd.Timestamp | None = None
                         ) -> go.Figure:
    """Vol and drawdown ratios (all on / class off) with 95% intervals over paths."""
    import plotly.graph_objects as go

    t = result.amplification
    fig = go.Figure()
    labels = [str(i) for i in t.index]
    # Bars start at 1 (no amplification), not 0: a ratio of 1.08 reads as +8%, and
    # a class that dampens moves hangs below the line.
    for name, stat, color in (("vol_ratio", "realized vol", COLORS["equity"]),
                              ("drawdown_ratio", "max drawdown", COLORS["drawdown"])):
        fig.add_trace(go.Bar(
            x=labels, y=(t[name] - 1.0).to_numpy(), base=1.0, name=stat, marker_color=color,
            text=[f"x{v:.2f}" for v in t[name]], textposition="outside",
            error_y={"type": "data", "symmetric": False,
                     "array": (t[f"{name}_ci_high"] - t[name]).to_numpy(),
                     "arrayminus": (t[name] - t[f"{name}_ci_low"]).to_numpy()},
            customdata=t[name].to_numpy(),
            hovertemplate=f"{stat}: x%{{customdata:.3f}}<extra></extra>"))
    fig.add_hline(y=1.0, line={"color": COLORS["threshold"], "dash": "dash", "width": 1})
    apply_layout(fig, title="Amplification by agent class (all on / class off)",
                 asof=_asof(asof), yaxis_title="ratio", empty=t.empty)
    fig.update_xaxes(type="category", title_text="class switched off")
    fig.update_layout(barmode="group", hovermode="closest")
    return fig


def acf_figure(result: MarketSimulatorResult, *, asof: pd.Timestamp | None = None) -> go.Figure:
    """ACF of |r| at lags 1-100: S&P 500 data, model mean and 95% band, GJR-GARCH-t null."""
    import plotly.graph_objects as go

    from flowdesk.sim.moments import ABS_LAGS

    fig = go.Figure()
    t = result.moments
    if t is not None:
        rows = [f"acf_abs_{k}" for k in ABS_LAGS]
        lags = list(ABS_LAGS)
        sub = t.loc[rows]
        fig.add_trace(go.Scatter(x=lags + lags[::-1],
                                 y=np.concatenate([sub["model_high"], sub["model_low"][::-1]]),
                                 fill="toself", fillcolor="rgba(31,78,121,0.15)",
                                 line={"width": 0}, name="model 95% band", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=lags, y=sub["model"], name="model mean", mode="lines+markers",
                                 line={"color": COLORS["equity"]}))
        fig.add_trace(go.Scatter(x=lags, y=sub["data"], name="S&P 500 1999-2018",
                                 mode="lines+markers", line={"color": COLORS["drawdown"]}))
        if "null" in sub:
            fig.add_trace(go.Scatter(x=lags, y=sub["null"], name="GJR-GARCH-t null",
                                     mode="lines+markers",
                                     line={"color": COLORS["threshold"], "dash": "dash"}))
    apply_layout(fig, title="Volatility clustering: ACF of |returns|", asof=_asof(asof),
                 yaxis_title="autocorrelation", empty=t is None)
    fig.update_xaxes(type="log", title_text="lag (sessions)")
    return fig


def replay_figure(result: ReplayResult, *, asof: pd.Timestamp | None = None) -> go.Figure:
    """Real closes over an episode and the counterfactual without systematic agents."""
    import plotly.graph_objects as go

    fig = go.Figure()
    dates = list(result.actual.index.strftime("%Y-%m-%d"))
    fig.add_trace(go.Scatter(x=dates, y=result.actual.to_numpy(), name="S&P 500",
                             line={"color": COLORS["equity"], "width": 1.8}))
    fig.add_trace(go.Scatter(x=dates, y=result.counterfactual.to_numpy(),
                             name="without systematic agents",
                             line={"color": COLORS["drawdown"], "dash": "dot"}))
    apply_layout(fig, title=f"Replay: {result.episode.label}",
                 asof=_asof(asof if asof is not None else result.actual.index[-1]),
                 yaxis_title="index points")
    return fig


register_charts(MarketSimulatorResult, {
    "paths": sample_paths_figure, "amplification": amplification_figure, "acf": acf_figure,
})


register_charts(ReplayResult, {"replay": replay_figure})
