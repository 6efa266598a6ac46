"""Policy figures: pure functions from a ``FedPolicyResult`` to a plotly ``Figure``.

They read only the result (no loading, no computing) and are styled by
:func:`~flowdesk.report.figures.apply_layout`.

Every title carries the source label -- "FedWatch (CME method)" or
"curve-implied proxy" -- so a proxy is never mistaken for FedWatch.

Registered with :func:`flowdesk.plot`: ``"next_meeting"`` (the default),
``"proxy_history"``, ``"variance_shares"``, ``"cut_odds_history"`` (next and
year-end meeting cut odds over the last year) and ``"odds_attribution"``
(what moved the odds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowdesk.policy.model import FedPolicyResult
from flowdesk.report.figures import COLORS, _line, apply_layout
from flowdesk.report.plotting import register_charts

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "CLASS_LABELS",
    "cut_odds_history_figure",
    "next_meeting_figure",
    "odds_attribution_figure",
    "proxy_history_figure",
    "variance_shares_figure",
]

CLASS_LABELS = {
    "fomc": "FOMC decision",
    "payrolls": "Payrolls",
    "cpi": "CPI (±1 day)",
    "none": "No data, no decision",
}
_SERIES = {
    "SP500": ("S&P 500 returns", COLORS["equity"]),
    "DGS2": ("2-year yield changes", COLORS["DGS2"]),
    "proxy_3m": ("Proxy 3-month rate changes", COLORS["DGS3MO"]),
}
_CUT, _HOLD, _HIKE = "#2e86c1", "#7f8c8d", "#c0392b"


def _categorical(fig: go.Figure) -> go.Figure:
    # apply_layout assumes dates on x; these charts have categories.
    fig.update_xaxes(type="category", showspikes=False)
    fig.update_layout(hovermode="closest")
    return fig


def next_meeting_figure(result: FedPolicyResult) -> go.Figure:
    """Probability of each target range after the next meeting (cumulative view, %).

    Bars below today's range are blue, today's grey, above red.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    meeting = result.meetings[0] if result.meetings else None
    if meeting is not None:
        labels = list(meeting.distribution)
        steps = sorted(meeting.cumulative)
        colors = [_CUT if k < 0 else _HIKE if k > 0 else _HOLD for k in steps]
        values = [100 * meeting.distribution[label] for label in labels]
        fig.add_trace(
            go.Bar(
                x=labels,
                y=values,
                marker_color=colors,
                text=[f"{v:.1f}%" for v in values],
                textposition="outside",
                name="Probability",
                hovertemplate="%{x}%: %{y:.1f}%<extra></extra>",
            )
        )
    when = f" {meeting.date:%Y-%m-%d}" if meeting is not None else ""
    apply_layout(fig, title=f"Next FOMC meeting{when}: target range, {result.label}",
                 asof=result.asof, yaxis_title="Probability (%)", empty=meeting is None)
    fig.update_yaxes(range=[0, 110], ticksuffix="%")
    fig.update_xaxes(title_text=f"Target range (%), today {result.target.label}")
    return _categorical(fig)


def proxy_history_figure(result: FedPolicyResult) -> go.Figure:
    """Curve proxy history: P(cut) and P(hike) at the next meeting (%) and 2y - EFFR (pp)."""
    from plotly.subplots import make_subplots

    history = result.history
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(
        _line(100 * history["p_cut_next"], "P(cut) next meeting", _CUT, "%{y:.0f}%"),
        secondary_y=False,
    )
    fig.add_trace(
        _line(100 * history["p_hike_next"], "P(hike) next meeting", _HIKE, "%{y:.0f}%"),
        secondary_y=False,
    )
    fig.add_trace(
        _line(history["dgs2_minus_effr"], "2-year minus effective rate", COLORS["DGS2"],
              "%{y:+.2f} pp", line_dash="dot"),
        secondary_y=True,
    )
    apply_layout(
        fig,
        title="Curve-implied proxy (not FedWatch): next-meeting odds",
        asof=result.asof,
        yaxis_title="Probability (%)",
        yaxis2_title="2y − EFFR (pp)",
        empty=history.dropna(subset=["p_cut_next"]).empty,
    )
    fig.update_yaxes(range=[-2, 102], ticksuffix="%", secondary_y=False)
    return fig


def variance_shares_figure(result: FedPolicyResult) -> go.Figure:
    """Share of daily variance by day class per series (bars, 95% intervals) vs share of days."""
    import plotly.graph_objects as go

    fig = go.Figure()
    attribution = result.attribution
    if attribution is not None:
        classes = None
        for label, table in attribution.shares.items():
            name, color = _SERIES.get(label, (label, COLORS["threshold"]))
            classes = [CLASS_LABELS.get(str(c), str(c)) for c in table.index]
            fig.add_trace(
                go.Bar(
                    x=classes,
                    y=100 * table["var_share"],
                    name=name,
                    marker_color=color,
                    error_y={
                        "type": "data",
                        "symmetric": False,
                        "array": 100 * (table["ci_high"] - table["var_share"]),
                        "arrayminus": 100 * (table["var_share"] - table["ci_low"]),
                    },
                    hovertemplate=f"{name}: %{{y:.1f}}% of variance<extra></extra>",
                )
            )
        if classes is not None:
            first = next(iter(attribution.shares.values()))
            fig.add_trace(
                go.Scatter(
                    x=classes,
                    y=100 * first["day_share"],
                    mode="markers",
                    name="Share of days",
                    marker={"symbol": "line-ew-open", "size": 28, "color": "#1b2631"},
                    hovertemplate="%{y:.1f}% of days<extra></extra>",
                )
            )
    span = (
        f" {attribution.start:%Y}-{attribution.end:%Y}" if attribution is not None else ""
    )
    apply_layout(fig, title=f"Where daily variance falls{span}", asof=result.asof,
                 yaxis_title="Share (%)", empty=attribution is None)
    fig.update_layout(barmode="group")
    fig.update_yaxes(ticksuffix="%", rangemode="tozero")
    return _categorical(fig)


_SOURCE_NAMES = {"futures": "FedWatch", "curve_proxy": "proxy"}
_ODDS_CLASS_LABELS = {
    "meeting": "FOMC decision or minutes",
    "data": "Data release (no meeting)",
    "speech": "Fed speech only",
    "none": "No event (speeches covered)",
    "unknown": "No meeting/data, speeches unknown",
}


def cut_odds_history_figure(result: FedPolicyResult) -> go.Figure:
    """Cut probability at the next and at the year-end meeting over the last year (%).

    One pair of lines per source; the curve proxy's are dotted and named as a proxy.
    """
    import plotly.graph_objects as go

    views = result.views
    fig = go.Figure()
    empty = True
    if views is not None:
        for source, frame in views.odds_history.items():
            if frame.empty:
                continue
            tag = _SOURCE_NAMES.get(source, source)
            dash = "dot" if source == "curve_proxy" else "solid"
            for column, name, color in (("p_cut_next", "next meeting", _CUT),
                                        ("p_cut_yearend", "year-end meeting", _HIKE)):
                series = 100 * frame[column]
                if series.dropna().empty:
                    continue
                empty = False
                trace = _line(series, f"{name} ({tag})", color, "%{y:.0f}%", line_dash=dash)
                if series.dropna().size == 1:
                    # A single futures curve is one point: a line would not show.
                    trace.mode = "markers"
                fig.add_trace(trace)
    label = result.label if result.source == "futures" else "curve-implied proxy (not FedWatch)"
    apply_layout(fig, title=f"Cut odds, last year: next and year-end FOMC meeting, {label}",
                 asof=result.asof, yaxis_title="Probability of a lower range (%)", empty=empty)
    fig.update_yaxes(range=[-2, 102], ticksuffix="%")
    return fig


def odds_attribution_figure(result: FedPolicyResult) -> go.Figure:
    """Share of the swing in next-meeting cut odds by kind of day (95% CI) vs share of days."""
    import plotly.graph_objects as go

    fig = go.Figure()
    odds = result.views.odds if result.views is not None else None
    shares = odds.shares if odds is not None else None
    if shares is not None:
        names = [_ODDS_CLASS_LABELS.get(str(c), str(c)) for c in shares.index]
        fig.add_trace(go.Bar(
            x=names, y=100 * shares["var_share"], name="Share of swing (sum of squared moves)",
            marker_color=_CUT,
            error_y={"type": "data", "symmetric": False,
                     "array": 100 * (shares["ci_high"] - shares["var_share"]),
                     "arrayminus": 100 * (shares["var_share"] - shares["ci_low"])},
            hovertemplate="%{x}: %{y:.1f}% of the swing<extra></extra>",
        ))
        fig.add_trace(go.Scatter(
            x=names, y=100 * shares["day_share"], mode="markers", name="Share of days",
            marker={"symbol": "line-ew-open", "size": 28, "color": "#1b2631"},
            hovertemplate="%{y:.1f}% of days<extra></extra>",
        ))
    span = f" {odds.start:%Y-%m-%d} to {odds.end:%Y-%m-%d}" if odds is not None else ""
    source = ("curve-implied proxy" if odds is None or odds.source == "curve_proxy"
              else "FedWatch (CME method)")
    apply_layout(fig, title=f"What moved the next-meeting cut odds{span}, {source}",
                 asof=result.asof, yaxis_title="Share (%)", empty=shares is None)
    fig.update_yaxes(ticksuffix="%", rangemode="tozero")
    return _categorical(fig)


register_charts(FedPolicyResult, {
    "next_meeting": next_meeting_figure,
    "proxy_history": proxy_history_figure,
    "variance_shares": variance_shares_figure,
    "cut_odds_history": cut_odds_history_figure,
    "odds_attribution": odds_attribution_figure,
})
