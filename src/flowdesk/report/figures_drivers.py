"""Figures of the drivers decomposition (data -> plotly Figure; plotly imported lazily).

Registered with :func:`flowdesk.plot`: ``"rolling"`` (the default, rolling
shares of variance) and ``"monthly"`` (monthly attribution).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.drivers import DriversResult
from flowdesk.report.figures import apply_layout
from flowdesk.report.plotting import register_charts

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["monthly_attribution_figure", "rolling_shares_figure"]

_COLOURS = {
    "flows": "#d62728",
    "policy": "#1f77b4",
    "data": "#9467bd",
    "volatility": "#ff7f0e",
    "other": "#7f7f7f",
}


def rolling_shares_figure(result: DriversResult, *, years: float = 5.0) -> go.Figure:
    """Stacked rolling shares of return variance by driver group (last ``years``)."""
    import plotly.graph_objects as go

    start = result.asof - pd.DateOffset(days=int(365.25 * years))
    shares = result.rolling.loc[start:].dropna()
    fig = go.Figure()
    for group, colour in _COLOURS.items():
        fig.add_trace(
            go.Scatter(
                x=shares.index,
                y=100 * shares[group],
                name=group,
                stackgroup="shares",
                line={"width": 0.5, "color": colour},
                hovertemplate="%{y:.1f}% of variance<extra>" + group + "</extra>",
            )
        )
    fig.update_yaxes(range=[0, 100])
    return apply_layout(
        fig,
        title=f"Share of S&P 500 return variance, rolling {result.window} sessions",
        asof=result.asof,
        yaxis_title="% of variance",
        empty=shares.empty,
    )


def monthly_attribution_figure(result: DriversResult, *, months: int = 12) -> go.Figure:
    """What moved the market each month: contributions to the monthly log return (%)."""
    import plotly.graph_objects as go

    table = result.monthly.tail(months)
    labels = [f"{m:%Y-%m}" for m in table.index]
    fig = go.Figure()
    for group, colour in _COLOURS.items():
        fig.add_trace(
            go.Bar(
                x=labels,
                y=table[group],
                name=group,
                marker_color=colour,
                hovertemplate="%{y:+.2f}%<extra>" + group + "</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=table["actual"],
            name="actual",
            mode="markers",
            marker={"color": "black", "symbol": "diamond", "size": 9},
            hovertemplate="%{y:+.2f}%<extra>actual</extra>",
        )
    )
    fig.update_layout(barmode="relative")
    return apply_layout(
        fig,
        title="What moved the market: monthly attribution",
        asof=result.asof,
        yaxis_title="log return, %",
        empty=table.empty,
    )


register_charts(DriversResult, {
    "rolling": rolling_shares_figure, "monthly": monthly_attribution_figure,
})
