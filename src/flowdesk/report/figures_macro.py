"""Thesis-scorecard figures: pure functions from a ``ScorecardResult`` (or its history).

Like :mod:`flowdesk.report.figures`, they read only what they are given and go
through :func:`~flowdesk.report.figures.apply_layout`. A scorecard is plotted
with :func:`flowdesk.plot` one thesis at a time: ``which`` is the thesis id
(default: the first thesis).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from flowdesk.macro.scorecard import ScorecardResult
from flowdesk.report.figures import apply_layout
from flowdesk.report.plotting import figure

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "SMALL_HEIGHT",
    "VERDICT_COLORS",
    "VERDICT_LABELS",
    "thesis_figure",
    "verdict_history_figure",
]

SMALL_HEIGHT = 260
VERDICT_COLORS = {
    "supported": "#1e8449",
    "mixed": "#d4ac0d",
    "not_supported": "#c0392b",
    "insufficient_data": "#aab7b8",
}
VERDICT_LABELS = {
    "supported": "supported",
    "mixed": "mixed",
    "not_supported": "not supported",
    "insufficient_data": "insufficient data",
}
_LINE_COLORS = ("#1f4e79", "#ca6f1e")


def thesis_figure(result: ScorecardResult, thesis_id: str, *, years: int = 10) -> go.Figure:
    """The thesis' chart indicators over the last ``years`` years (second one on the right axis).

    Parameters
    ----------
    result
        Scorecard result; uses the thesis' ``chart`` indicators and their histories.
    thesis_id
        Which thesis.
    years
        Length of the window, ending at the as-of date.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    thesis = result.thesis(thesis_id)
    chart = [thesis.indicator(i) for i in thesis.thesis.chart]
    dual = len(chart) > 1
    fig = make_subplots(specs=[[{"secondary_y": True}]]) if dual else go.Figure()
    start = result.asof - pd.DateOffset(years=years)
    drawn = 0
    for k, value in enumerate(chart):
        history = value.history
        # An indicator with no observations yet by the as-of date has no dated index.
        if history.empty or not isinstance(history.index, pd.DatetimeIndex):
            continue
        series = history.loc[history.index > start]
        if series.empty:
            continue
        ind = value.indicator
        sparse = ind.frequency in ("annual", "quarterly")
        line = {"color": _LINE_COLORS[k % 2], "width": 1.6}
        if value.stale:
            line["dash"] = "dot"
        trace = go.Scatter(
            x=list(series.index.strftime("%Y-%m-%d")),
            y=series.to_numpy(dtype=float),
            name=f"{ind.title}{' (stale)' if value.stale else ''}",
            mode="lines+markers" if sparse else "lines",
            line=line,
            hovertemplate=f"{ind.title}: %{{y:,.2f}} {ind.unit}<extra></extra>",
        )
        if dual:
            fig.add_trace(trace, secondary_y=k == 1)
        else:
            fig.add_trace(trace)
        drawn += 1
    axis = [f"{v.indicator.title} ({v.indicator.unit})" for v in chart]
    apply_layout(
        fig,
        title=f"{thesis.thesis.number}. {thesis.thesis.title}: {VERDICT_LABELS[thesis.verdict]}",
        asof=result.asof,
        yaxis_title=axis[0] if axis else "",
        yaxis2_title=axis[1] if dual else None,
        empty=drawn == 0,
    )
    fig.update_layout(height=SMALL_HEIGHT, title={"font": {"size": 12}})
    fig.update_yaxes(title_font={"size": 10})
    return fig


def verdict_history_figure(
    history: pd.DataFrame,
    asof: pd.Timestamp,
    titles: Mapping[str, str] | None = None,
) -> go.Figure:
    """What the scorecard said on past dates: one row per thesis, one colour per verdict.

    Parameters
    ----------
    history
        :meth:`~flowdesk.macro.scorecard.Scorecard.history` output (dates x thesis ids).
    asof
        As-of date of the latest column, for the title.
    titles
        Optional thesis id -> label for the rows.
    """
    import plotly.graph_objects as go

    order = list(VERDICT_COLORS)
    fig = go.Figure()
    for verdict in order:
        xs, ys = [], []
        for thesis_id in history.columns:
            hit = history.index[history[thesis_id] == verdict]
            xs += list(hit.strftime("%Y-%m-%d"))
            ys += [(titles or {}).get(thesis_id, thesis_id)] * len(hit)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="markers",
                name=VERDICT_LABELS[verdict],
                marker={"color": VERDICT_COLORS[verdict], "size": 11, "symbol": "square"},
                hovertemplate="%{y}<br>%{x}: " + VERDICT_LABELS[verdict] + "<extra></extra>",
            )
        )
    apply_layout(
        fig,
        title="Thesis verdicts through time (point in time)",
        asof=asof,
        yaxis_title="",
        empty=history.empty,
    )
    rows = [(titles or {}).get(t, t) for t in history.columns]
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=rows[::-1])
    fig.update_layout(hovermode="closest", margin={"l": 190})
    return fig


@figure.register(ScorecardResult)
def _scorecard_figure(
    result: ScorecardResult, which: str | None = None, **options: Any
) -> go.Figure:
    # The charts are the theses: an unknown id raises the scorecard's own error,
    # which lists the thesis ids.
    thesis_id = which if which is not None else result.theses[0].id
    return thesis_figure(result, thesis_id, **options)
