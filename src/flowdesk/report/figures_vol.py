"""Figures of the VIX regime model: pure functions from a result to a plotly ``Figure``.

Like :mod:`flowdesk.report.figures`, each function reads only the result it is
given and goes through :func:`~flowdesk.report.figures.apply_layout`.
Registered with :func:`flowdesk.plot`: ``"ratio"`` (the default) and ``"forward"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from flowdesk.report.figures import COLORS, apply_layout
from flowdesk.report.plotting import register_charts
from flowdesk.vol.model import VixRegimesResult

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "GROUP_LABELS",
    "HORIZON_COLORS",
    "REGIME_COLORS",
    "forward_returns_figure",
    "ratio_regime_figure",
    "term_curve_figure",
]

REGIME_COLORS = {
    "calm_contango": "#2e86c1",
    "elevated_contango": "#f5b041",
    "hedging_inversion": "#17a589",
    "stress_inversion": "#af601a",
    "panic_inversion": "#c0392b",
    "all_inversions": "#7d3c98",
    "unconditional": "#7f8c8d",
}
GROUP_LABELS = {
    "calm_contango": "Calm contango",
    "elevated_contango": "Elevated contango",
    "hedging_inversion": "Hedging inversion",
    "stress_inversion": "Stress inversion",
    "panic_inversion": "Panic inversion",
    "all_inversions": "All inversions",
    "unconditional": "All sessions",
}
_DAY_MS = 86_400_000
HORIZON_COLORS = {5: "#85c1e9", 21: "#2e86c1", 63: "#1b4f72"}


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def ratio_regime_figure(result: VixRegimesResult, *, years: int | None = None) -> go.Figure:
    """VIX/VIX3M with each session shaded by regime and inversion-episode peaks marked.

    Parameters
    ----------
    result
        Regime result; uses ``daily`` (``ratio``, ``regime``), ``episodes`` and ``asof``.
    years
        Show only the last ``years`` years; default the whole ratio history.
    """
    import plotly.graph_objects as go

    daily = result.daily[result.daily["ratio"].notna()]
    if years is not None and len(daily):
        daily = daily.loc[daily.index > daily.index[-1] - np.timedelta64(365 * years, "D")]
    fig = go.Figure()
    dates = list(daily.index.strftime("%Y-%m-%d"))
    if len(daily):
        lo = float(min(daily["ratio"].min(), 0.95)) - 0.02
        hi = float(max(daily["ratio"].max(), 1.05)) + 0.02
        # Each session's bar spans to the next session, so weekends are shaded too.
        gaps = np.diff(daily.index.to_numpy()).astype("timedelta64[ms]").astype(np.int64)
        widths = np.append(gaps, _DAY_MS)
        for regime, color in REGIME_COLORS.items():
            on = (daily["regime"] == regime).to_numpy()
            if not on.any():
                continue
            # One bar per session gives a per-day background without hundreds of shapes.
            fig.add_trace(go.Bar(
                x=[d for d, keep in zip(dates, on, strict=True) if keep],
                y=np.full(int(on.sum()), hi - lo), base=lo, width=widths[on], offset=0,
                marker={"color": _rgba(color, 0.28), "line": {"width": 0}},
                name=GROUP_LABELS[regime], hoverinfo="skip",
            ))
        fig.add_trace(go.Scatter(
            x=dates, y=daily["ratio"].to_numpy(dtype="float64"), name="VIX / VIX3M",
            mode="lines", line={"color": COLORS["ratio"], "width": 1.2},
            customdata=daily["regime"].to_numpy(dtype=object),
            hovertemplate="VIX/VIX3M %{y:.3f} · %{customdata}<extra></extra>",
        ))
        episodes = result.episodes
        if years is not None and len(episodes):
            episodes = episodes[episodes["end"] >= daily.index[0]]
        if len(episodes):
            text = [
                f"{e.start:%Y-%m-%d} → {e.end:%Y-%m-%d}, {e.sessions} sessions<br>"
                f"peak {e.peak_ratio:.3f} on {e.peak_date:%Y-%m-%d}, S&P 500 drawdown "
                f"{e.drawdown_at_peak:.1f}%<br>{e.regime}"
                for e in episodes.itertuples()
            ]
            fig.add_trace(go.Scatter(
                x=list(episodes["peak_date"].dt.strftime("%Y-%m-%d")),
                y=episodes["peak_ratio"].to_numpy(dtype="float64"), mode="markers",
                name="Inversion episode (peak)",
                marker={"color": [REGIME_COLORS.get(r, "#000") for r in episodes["regime"]],
                        "size": 7, "line": {"color": "white", "width": 1}},
                text=text, hovertemplate="%{text}<extra></extra>",
            ))
        fig.add_hline(y=result.thresholds.inversion_ratio,
                      line={"color": COLORS["threshold"], "dash": "dash", "width": 1},
                      annotation_text="inversion", annotation_position="top left",
                      annotation_font={"size": 10, "color": COLORS["threshold"]})
        fig.update_yaxes(range=[lo, hi])
    apply_layout(fig, title="VIX/VIX3M and regime", asof=result.asof,
                 yaxis_title="VIX / VIX3M (ratio)", empty=daily.empty)
    fig.update_layout(barmode="overlay", bargap=0, hovermode="closest")
    return fig


def forward_returns_figure(result: VixRegimesResult) -> go.Figure:
    """Mean forward S&P 500 return by regime and horizon (%), with 95% bootstrap whiskers.

    Parameters
    ----------
    result
        Regime result; uses ``forward`` and ``asof``.
    """
    import plotly.graph_objects as go

    table = result.forward.reset_index()
    groups = [g for g in GROUP_LABELS if g in set(table["group"])]
    fig = go.Figure()
    for horizon, rows in table.groupby("horizon", sort=True):
        rows = rows.set_index("group").reindex(groups)
        mean = rows["mean"].to_numpy(dtype="float64")
        fig.add_trace(go.Bar(
            x=[GROUP_LABELS[g] for g in groups], y=mean, name=f"{horizon} sessions",
            marker={"color": HORIZON_COLORS.get(int(horizon), COLORS["equity"])},
            error_y={"type": "data", "symmetric": False,
                     "array": rows["ci_high"].to_numpy(dtype="float64") - mean,
                     "arrayminus": mean - rows["ci_low"].to_numpy(dtype="float64"),
                     "color": "#34495e", "thickness": 1.2, "width": 3},
            customdata=np.column_stack([rows["ci_low"], rows["ci_high"], rows["n"],
                                        rows["episodes"]]),
            hovertemplate=(f"{horizon} sessions: %{{y:+.2f}}% "
                           "[%{customdata[0]:+.2f}, %{customdata[1]:+.2f}]<br>"
                           "%{customdata[2]} days, %{customdata[3]} episodes<extra></extra>"),
        ))
    apply_layout(fig, title="Forward S&P 500 return by regime (95% block bootstrap)",
                 asof=result.asof, yaxis_title="Mean forward return (%)",
                 empty=bool(table["mean"].isna().all()) if len(table) else True)
    fig.update_xaxes(type="category", showspikes=False)
    fig.update_yaxes(ticksuffix="%", zeroline=True)
    fig.update_layout(barmode="group", hovermode="closest")
    return fig


#: The VIX-family tenors drawn as a curve: column, label, calendar days to expiry.
_TENORS = (("vix9d", "VIX9D", 9), ("vix", "VIX", 30), ("vix3m", "VIX3M", 93))


def term_curve_figure(result: VixRegimesResult) -> go.Figure:
    """The VIX term structure as a curve: today, 1 week and 1 month ago (the vixcentral view).

    Each curve is the last session on or before its date (``flowdesk.dates.HORIZONS``)
    with the 9-day, 30-day and 3-month indices published then; a tenor not yet
    published (VIX3M before 2006-12, VIX9D before 2011-01) is left out of that curve.
    """
    import plotly.graph_objects as go

    from flowdesk.dates import HORIZONS

    daily = result.daily[[c for c, _, _ in _TENORS]].dropna(how="all")
    fig = go.Figure()
    if len(daily):
        last = daily.index[-1]
        for label, when, colour, dash in (
            ("today", last, COLORS["vix"], "solid"),
            ("1 week ago", last - HORIZONS["1w"], COLORS["vix3m"], "dash"),
            ("1 month ago", last - HORIZONS["1m"], COLORS["threshold"], "dot"),
        ):
            rows = daily.loc[:when]
            if rows.empty:
                continue
            row, day = rows.iloc[-1], rows.index[-1]
            points = [(days, name, float(row[col])) for col, name, days in _TENORS
                      if pd.notna(row[col])]
            fig.add_trace(go.Scatter(
                x=[p[0] for p in points], y=[p[2] for p in points],
                text=[p[1] for p in points], mode="lines+markers+text",
                textposition="top center", name=f"{label} ({day:%Y-%m-%d})",
                line={"color": colour, "dash": dash, "width": 2},
                hovertemplate="%{text}: %{y:.2f}<extra>" + f"{day:%Y-%m-%d}" + "</extra>"))
    apply_layout(fig, title="VIX term structure curve", asof=result.asof,
                 yaxis_title="index points (implied vol, %)", empty=daily.empty)
    fig.update_xaxes(type="linear", title_text="days to expiry", showspikes=False,
                     tickvals=[d for _, _, d in _TENORS],
                     ticktext=[f"{n} ({d}d)" for _, n, d in _TENORS])
    fig.update_layout(hovermode="closest")
    return fig


register_charts(VixRegimesResult, {"curve": term_curve_figure, "ratio": ratio_regime_figure,
                                   "forward": forward_returns_figure})
