"""Figures: pure functions from a model result to a plotly ``Figure``.

Each function reads only the result it is given (no loading, no computing), so
the HTML report and the web dashboard draw identical charts. plotly is imported
inside the functions to keep ``import flowdesk`` fast. Every figure goes through
:func:`apply_layout`, which sets the shared template, size, fonts, hover mode and
a title carrying the as-of date.

This module also registers the overview's charts with
:func:`flowdesk.plot` (``"drawdown"``, the default, ``"vix"``, ``"rates"`` and
``"liquidity"``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowdesk.overview import MarketOverviewResult
from flowdesk.report.plotting import register_charts

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

__all__ = [
    "COLORS",
    "FONT_FAMILY",
    "HEIGHT",
    "apply_layout",
    "net_liquidity_figure",
    "rates_figure",
    "sp500_drawdown_figure",
    "vix_term_structure_figure",
]

HEIGHT = 320
#: System fonts only: the report must render offline, without web fonts.
FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
TEMPLATE = "plotly_white"
COLORS = {
    "equity": "#1f4e79",
    "drawdown": "#c0392b",
    "vix": "#d35400",
    "vix3m": "#5d6d7e",
    "ratio": "#7d3c98",
    "threshold": "#7f8c8d",
    "DGS3MO": "#17a589",
    "DGS2": "#2e86c1",
    "DGS10": "#1b2631",
    "DFF": "#ca6f1e",
    "liquidity": "#117864",
}


def apply_layout(
    fig: go.Figure,
    *,
    title: str,
    asof: pd.Timestamp,
    yaxis_title: str,
    yaxis2_title: str | None = None,
    empty: bool = False,
) -> go.Figure:
    """Give ``fig`` the house layout and return it.

    Parameters
    ----------
    fig
        Figure to style; built with ``make_subplots(specs=[[{"secondary_y": True}]])``
        when ``yaxis2_title`` is given.
    title
        Chart title; `` · as of YYYY-MM-DD`` is appended.
    asof
        As-of date of the data shown.
    yaxis_title, yaxis2_title
        Axis titles, including units; the second one is for the right-hand axis.
    empty
        Whether no data could be drawn; adds a centred "no data" note.
    """
    fig.update_layout(
        template=TEMPLATE,
        height=HEIGHT,
        autosize=True,
        title={
            "text": f"{title} · as of {asof:%Y-%m-%d}",
            "x": 0.01,
            "xanchor": "left",
            "y": 0.97,
            "yanchor": "top",
            "font": {"size": 14},
        },
        font={"family": FONT_FAMILY, "size": 12},
        margin={"l": 64, "r": 64 if yaxis2_title else 24, "t": 64, "b": 36},
        hovermode="x unified",
        legend={
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
            "font": {"size": 11},
            "bgcolor": "rgba(255,255,255,0)",
        },
    )
    fig.update_xaxes(type="date", showspikes=True, spikemode="across", spikethickness=1)
    # Long axis titles and tick labels widen the margin instead of being cut off.
    fig.update_yaxes(automargin=True)
    if yaxis2_title is None:
        fig.update_yaxes(title_text=yaxis_title)
    else:
        fig.update_yaxes(title_text=yaxis_title, secondary_y=False)
        # "auto", not plotly.js's "sync" for overlaid axes: synced ticks land on the
        # left axis's gridlines and read 3,650 / 4,530 or 0.825 / 0.931.
        fig.update_yaxes(title_text=yaxis2_title, secondary_y=True, showgrid=False,
                         tickmode="auto")
    if empty:
        fig.add_annotation(
            text=f"no data published by {asof:%Y-%m-%d}",
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
            font={"size": 13, "color": "#7f8c8d"},
        )
    return fig


def _dates(series: pd.Series) -> list[str]:
    # Plain dates keep the embedded JSON about half the size of full timestamps.
    return list(series.index.strftime("%Y-%m-%d"))


def _line(series: pd.Series, name: str, color: str, hover: str, **kwargs: object) -> go.Scatter:
    import plotly.graph_objects as go

    values = series.dropna()
    return go.Scatter(
        x=_dates(values),
        y=values.to_numpy(dtype="float64"),
        name=name,
        mode="lines",
        line={"color": color, "width": 1.6},
        hovertemplate=f"{name}: {hover}<extra></extra>",
        **kwargs,
    )


def _dual_axis_figure() -> go.Figure:
    from plotly.subplots import make_subplots

    return make_subplots(specs=[[{"secondary_y": True}]])


def sp500_drawdown_figure(result: MarketOverviewResult) -> go.Figure:
    """S&P 500 drawdown from its running peak (area, %) with the index level (line).

    Parameters
    ----------
    result
        Overview result; uses ``drawdown``, ``sp500`` and ``asof``.
    """
    fig = _dual_axis_figure()
    fig.add_trace(
        _line(result.drawdown, "Drawdown", COLORS["drawdown"], "%{y:.2f}%",
              fill="tozeroy", fillcolor="rgba(192,57,43,0.18)"),
        secondary_y=False,
    )
    fig.add_trace(
        _line(result.sp500, "S&P 500", COLORS["equity"], "%{y:,.2f} index points"),
        secondary_y=True,
    )
    apply_layout(
        fig,
        title="S&P 500 drawdown from running peak",
        asof=result.asof,
        yaxis_title="Drawdown (%)",
        yaxis2_title="S&P 500 (index points)",
        empty=result.sp500.empty,
    )
    fig.update_yaxes(ticksuffix="%", secondary_y=False)
    return fig


def vix_term_structure_figure(result: MarketOverviewResult) -> go.Figure:
    """VIX and VIX3M (index points) with their ratio on the right axis; 1.0 marks inversion.

    Parameters
    ----------
    result
        Overview result; uses ``vix``, ``vix3m``, ``vix_ratio`` and ``asof``.
    """
    fig = _dual_axis_figure()
    fig.add_trace(
        _line(result.vix, "VIX", COLORS["vix"], "%{y:.2f} index points"), secondary_y=False
    )
    fig.add_trace(
        _line(result.vix3m, "VIX3M", COLORS["vix3m"], "%{y:.2f} index points"),
        secondary_y=False,
    )
    ratio = _line(result.vix_ratio, "VIX / VIX3M", COLORS["ratio"], "%{y:.3f} (ratio)")
    ratio.line.width = 1.2
    fig.add_trace(ratio, secondary_y=True)
    if not result.vix_ratio.empty:
        fig.add_hline(
            y=1.0,
            line={"color": COLORS["threshold"], "dash": "dash", "width": 1},
            annotation_text="inversion (ratio 1)",
            annotation_position="top left",
            annotation_font={"size": 10, "color": COLORS["threshold"]},
            secondary_y=True,
        )
    apply_layout(
        fig,
        title="VIX term structure",
        asof=result.asof,
        yaxis_title="Implied vol (index points)",
        yaxis2_title="VIX / VIX3M (ratio)",
        empty=result.vix.empty and result.vix3m.empty,
    )
    return fig


def rates_figure(result: MarketOverviewResult) -> go.Figure:
    """Treasury yields (3m, 2y, 10y) and the effective fed funds rate, percent.

    Parameters
    ----------
    result
        Overview result; uses ``rates`` and ``asof``.
    """
    import plotly.graph_objects as go

    names = {
        "DGS3MO": "3-month bill",
        "DGS2": "2-year",
        "DGS10": "10-year",
        "DFF": "Fed funds (effective)",
    }
    fig = go.Figure()
    for column, name in names.items():
        if column in result.rates:
            fig.add_trace(_line(result.rates[column], name, COLORS[column], "%{y:.2f}%"))
    apply_layout(
        fig,
        title="Policy rate and Treasury yields",
        asof=result.asof,
        yaxis_title="Yield (%)",
        empty=bool(result.rates.dropna(how="all").empty),
    )
    fig.update_yaxes(ticksuffix="%")
    return fig


def net_liquidity_figure(result: MarketOverviewResult) -> go.Figure:
    """Net liquidity (Fed assets - TGA - reverse repo), USD bn, weekly.

    Parameters
    ----------
    result
        Overview result; uses ``net_liquidity`` and ``asof``.
    """
    import plotly.graph_objects as go

    fig = go.Figure(
        _line(result.net_liquidity, "Net liquidity", COLORS["liquidity"], "%{y:,.0f} USD bn")
    )
    apply_layout(
        fig,
        title="Net liquidity: Fed assets − TGA − reverse repo",
        asof=result.asof,
        yaxis_title="USD bn",
        empty=result.net_liquidity.empty,
    )
    fig.update_yaxes(tickformat=",.0f")
    return fig


register_charts(MarketOverviewResult, {
    "drawdown": sp500_drawdown_figure,
    "vix": vix_term_structure_figure,
    "rates": rates_figure,
    "liquidity": net_liquidity_figure,
})
