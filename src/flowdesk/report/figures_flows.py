"""Figures of the flow models: pure functions from a flows result to a plotly ``Figure``.

Each function only reads the result it is given (histories, snapshots and
projections already computed by :mod:`flowdesk.flows`). The desk's charts go
through :func:`~flowdesk.report.figures.apply_layout`; the single-model charts
(CTA book, vol-control exposure, buyback blackout) are the plain plotly pictures
the models used to draw themselves. Every result type is registered with
:func:`flowdesk.report.plotting.figure`, so ``flowdesk.plot(result, which)``
reaches these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flowdesk.errors import ModelError
from flowdesk.flows.buybacks import BLACKOUT_THRESHOLD, BuybackResult
from flowdesk.flows.cta import CTAResult
from flowdesk.flows.cta_signals import HORIZON_LABELS
from flowdesk.flows.desk import FlowsDeskResult
from flowdesk.flows.volcontrol import VolControlResult
from flowdesk.formatting import signed
from flowdesk.report.figures import COLORS, apply_layout
from flowdesk.report.plotting import register_charts

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "FLOW_COLORS",
    "buyback_blackout_figure",
    "buyback_strip_figure",
    "cta_book_figure",
    "cta_history_figure",
    "pivot_ladder_figure",
    "scenario_figure",
    "vol_control_exposure_figure",
    "vol_control_history_figure",
]

FLOW_COLORS = {
    "vol_control": "#1f4e79",
    "cta": "#d35400",
    "buybacks": "#17a589",
    "percentile": "#7f8c8d",
    "spot": "#1b2631",
    "stops": "#7d3c98",
    "blackout": "#c0392b",
    "open": "#85c1e9",
    "vol_control_mc": "#5dade2",
    "cta_mc": "#f5b041",
}
_LADDER_HALF_WIDTH = 0.15  # the ladder shows spot +/- 15%; farther levels are listed


def _dual() -> go.Figure:
    from plotly.subplots import make_subplots

    return make_subplots(specs=[[{"secondary_y": True}]])


def _recent(frame: pd.DataFrame | pd.Series, asof: pd.Timestamp, years: int | None) -> Any:
    if years is None:
        return frame
    return frame.loc[frame.index > asof - pd.DateOffset(years=years)]


def _history_figure(
    result: FlowsDeskResult, value: str, pct: str, *, name: str, unit: str, title: str,
    color: str, years: int | None,
) -> go.Figure:
    import plotly.graph_objects as go

    hist = _recent(result.history[[value, pct]], result.session, years)
    fig = _dual()
    values, ranks = hist[value].dropna(), hist[pct].dropna()
    fig.add_trace(go.Scatter(
        x=list(values.index.strftime("%Y-%m-%d")), y=values.to_numpy(dtype="float64"),
        name=name, mode="lines", line={"color": color, "width": 1.6},
        hovertemplate=f"{name}: %{{y:.3f}} {unit}<extra></extra>",
    ), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=list(ranks.index.strftime("%Y-%m-%d")), y=ranks.to_numpy(dtype="float64"),
        name="percentile (history to date)", mode="lines",
        line={"color": FLOW_COLORS["percentile"], "width": 1, "dash": "dot"},
        hovertemplate="percentile %{y:.0f}<extra></extra>",
    ), secondary_y=True)
    apply_layout(fig, title=title, asof=result.asof, yaxis_title=unit,
                 yaxis2_title="percentile (0-100)", empty=values.empty)
    fig.update_yaxes(range=[0, 100], tickmode="linear", tick0=0, dtick=25, secondary_y=True)
    return fig


def vol_control_history_figure(result: FlowsDeskResult, *, years: int | None = 5) -> go.Figure:
    """Vol-control aggregate exposure (fraction of AUM) and its point-in-time percentile."""
    return _history_figure(
        result, "vc_exposure", "vc_percentile", name="vol-control exposure",
        unit="fraction of AUM", title="Vol-control exposure", color=FLOW_COLORS["vol_control"],
        years=years,
    )


def cta_history_figure(result: FlowsDeskResult, *, years: int | None = 5) -> go.Figure:
    """CTA S&P 500 position as percent of its maximum, and the position's percentile."""
    fig = _history_figure(
        result, "cta_sp500_pct_of_max", "cta_sp500_percentile", name="CTA S&P 500 position",
        unit="% of max position", title="CTA S&P 500 positioning", color=FLOW_COLORS["cta"],
        years=years,
    )
    return fig.update_yaxes(range=[-105, 105], secondary_y=False)


def _ladder_levels(result: FlowsDeskResult) -> list[tuple[str, float, str]]:
    """(column, level, label) of every level the ladder can show."""
    sp = result.cta_snapshot["assets"]["SP500"]
    rows: list[tuple[str, float, str]] = []
    for key, column in (("pivots", "CTA trigger levels"), ("tsmom_pivots", "CTA TSMOM pivots")):
        rows += [(column, float(v), h) for h, v in sp[key].items() if v is not None]
    for stop in result.stops.itertuples():
        if stop.kind != "extra":  # CTA pivots already have their own columns
            rows.append(("Stop candidates", float(stop.level), str(stop.label)))
    triggers = result.vc_snapshot.get("triggers") or {}
    for side in ("sell", "buy"):
        for lv in triggers.get(side) or []:
            for leg in ("down", "up"):
                hit = lv.get(leg)
                if hit:
                    label = f"{side} {lv['amount_bn']:g} bn ({hit['return']:+.2%})"
                    rows.append(("Vol-control triggers", float(hit["level"]), label))
    return rows


def pivot_ladder_figure(result: FlowsDeskResult) -> go.Figure:
    """S&P 500 levels around spot: CTA pivots, stop candidates and vol-control triggers.

    The y axis covers the levels within 15% of spot (at least spot +/- 3%);
    CTA pivots farther away are listed under the chart. Labels alternate sides
    so that close levels stay readable.
    """
    import plotly.graph_objects as go

    spot = result.spot
    rows = _ladder_levels(result)
    near = [r for r in rows if abs(r[1] / spot - 1) <= _LADDER_HALF_WIDTH]
    off = [r for r in rows if r not in near and r[0].startswith("CTA")]
    levels = [r[1] for r in near] + [spot * 0.97, spot * 1.03]
    pad = 0.01 * spot
    colors = {"CTA trigger levels": FLOW_COLORS["cta"], "CTA TSMOM pivots": FLOW_COLORS["cta"],
              "Stop candidates": FLOW_COLORS["stops"],
              "Vol-control triggers": FLOW_COLORS["vol_control"]}
    fig = go.Figure()
    for column, color in colors.items():
        part = sorted((r for r in near if r[0] == column), key=lambda r: r[1])
        fig.add_trace(go.Scatter(
            x=[column] * len(part), y=[r[1] for r in part], text=[r[2] for r in part],
            mode="markers+text", name=column,
            textposition=["middle right" if i % 2 else "middle left" for i in range(len(part))],
            textfont={"size": 9},
            marker={"color": color, "size": 12, "symbol": "line-ew-open",
                    "line": {"width": 3, "color": color}},
            hovertemplate="%{text}: %{y:,.2f}<extra>" + column + "</extra>",
        ))
    fig.add_hline(y=spot, line={"color": FLOW_COLORS["spot"], "width": 1.5},
                  annotation_text=f"spot {spot:,.2f} ({result.session:%Y-%m-%d})",
                  annotation_position="top left")
    if off:
        listed = "; ".join(f"{c.removeprefix('CTA ').removesuffix('s')} {lab} {lv:,.0f}"
                           for c, lv, lab in off)
        fig.add_annotation(text=f"off scale: {listed}", xref="paper", yref="paper", x=0,
                           y=-0.12, showarrow=False, xanchor="left",
                           font={"size": 10, "color": FLOW_COLORS["percentile"]})
    apply_layout(fig, title="S&P 500 pivot ladder", asof=result.asof,
                 yaxis_title="S&P 500 (index points)")
    # Extra room right of the last column keeps its right-hand labels inside the plot.
    fig.update_xaxes(type="category", showspikes=False, range=[-0.5, len(colors) - 0.2])
    fig.update_yaxes(range=[min(levels) - pad, max(levels) + pad])
    fig.update_layout(hovermode="closest", showlegend=False, height=480, margin={"b": 64})
    return fig


def _band_bar(block: dict[str, Any], horizon: str, tape: str) -> tuple[float, float, float]:
    band = block[horizon][tape]
    base, low, high = (np.nan if band[k] is None else band[k] for k in ("base", "low", "high"))
    return base, max(low, high) - base, base - min(low, high)


def scenario_figure(result: FlowsDeskResult) -> go.Figure:
    """Projected flows, USD bn: tapes (whiskers = AUM band) and Monte Carlo (q05-q95)."""
    import plotly.graph_objects as go

    d = result.to_dict()
    tapes = [(h, t) for h in ("1w", "1m") for t in ("flat", "up", "down")]
    fig = go.Figure()
    for key, name in (("vol_control", "Vol-control"), ("cta", "CTA (all assets)")):
        flows = d[key]["flows"]
        bars = [_band_bar(flows, h, t) for h, t in tapes]
        fig.add_trace(go.Bar(
            x=[f"{h} {t}" for h, t in tapes], y=[b[0] for b in bars], name=f"{name}, tape",
            marker={"color": FLOW_COLORS[key]},
            text=[signed(b[0]) for b in bars], textposition="outside", cliponaxis=False,
            error_y={"type": "data", "symmetric": False, "array": [b[1] for b in bars],
                     "arrayminus": [b[2] for b in bars]},
            hovertemplate="%{x}: %{y:+,.1f} USD bn (base AUM)<extra>" + name + "</extra>",
        ))
        mc = [flows[h].get("monte_carlo", {}) for h in ("1w", "1m")]
        med = [m.get("q50", {}).get("base") for m in mc]
        # The Monte-Carlo median gets its own colour and hatching, not a paler tape.
        fig.add_trace(go.Bar(
            x=["1w MC", "1m MC"], y=med, name=f"{name}, MC median",
            marker={"color": FLOW_COLORS[f"{key}_mc"], "pattern": {"shape": "/"}},
            text=[signed(v) for v in med], textposition="outside", cliponaxis=False,
            error_y={"type": "data", "symmetric": False,
                     "array": [m["q95"]["base"] - q for m, q in zip(mc, med, strict=True)],
                     "arrayminus": [q - m["q05"]["base"] for m, q in zip(mc, med, strict=True)]},
            hovertemplate="%{x} median: %{y:+,.1f} USD bn (whiskers q05-q95)<extra>"
            + name + "</extra>",
        ))
    demand = d["buybacks"]["flows_bn"]
    fig.add_trace(go.Bar(
        x=[f"{h} {t}" for h, t in tapes], y=[demand[h] for h, _ in tapes],
        name="Buybacks (calendar)", marker={"color": FLOW_COLORS["buybacks"]},
        text=[signed(demand[h]) for h, _ in tapes], textposition="outside", cliponaxis=False,
        hovertemplate="%{x}: %{y:+,.1f} USD bn<extra>Buybacks</extra>",
    ))
    apply_layout(fig, title="Projected flows by scenario", asof=result.asof,
                 yaxis_title="USD bn (+ = buying)")
    fig.update_xaxes(type="category", showspikes=False)
    fig.update_layout(barmode="group", hovermode="closest")
    return fig


def buyback_strip_figure(result: FlowsDeskResult) -> go.Figure:
    """Share of S&P 500 companies in blackout, 3 months back and 2 ahead, with demand."""
    import plotly.graph_objects as go

    daily = result.buybacks.daily
    when = result.session
    strip = daily.loc[(daily.index >= when - pd.DateOffset(months=3))
                      & (daily.index <= when + pd.DateOffset(months=2))]
    dates = list(strip.index.strftime("%Y-%m-%d"))
    fig = _dual()
    fig.add_trace(go.Bar(
        x=dates, y=strip["blackout_share"].to_numpy(dtype="float64"),
        name="companies in blackout (red: blackout window)",
        marker={"color": [FLOW_COLORS["blackout"] if w == "blackout" else FLOW_COLORS["open"]
                          for w in strip["window"]], "line": {"width": 0}},
        hovertemplate="%{x}: %{y:.0%} of companies<extra></extra>",
    ), secondary_y=False)
    fig.add_trace(go.Scatter(
        x=dates, y=strip["daily_demand_bn"].to_numpy(dtype="float64"), mode="lines",
        name="implied demand", line={"color": FLOW_COLORS["buybacks"], "width": 1.6},
        hovertemplate="%{y:.2f} USD bn/session<extra></extra>",
    ), secondary_y=True)
    fig.add_hline(y=0.5, line={"color": COLORS["threshold"], "dash": "dot", "width": 1},
                  secondary_y=False)
    fig.add_shape(type="line", x0=f"{when:%Y-%m-%d}", x1=f"{when:%Y-%m-%d}", y0=0, y1=1,
                  xref="x", yref="paper", line={"color": FLOW_COLORS["spot"], "width": 1})
    fig.add_annotation(x=f"{when:%Y-%m-%d}", y=1, xref="x", yref="paper", text="as of",
                       showarrow=False, yanchor="bottom", font={"size": 10})
    snap = result.buyback_snapshot
    # The two dates desks quote: when the window reopens and when the season peaks.
    for key, label, anchor in (("reopen", "reopens", "left"),
                               ("season_peak", "season peak", "right")):
        day = snap.get(key)
        if day and strip.index[0] <= pd.Timestamp(day) <= strip.index[-1]:
            fig.add_shape(type="line", x0=day, x1=day, y0=0, y1=1, xref="x", yref="paper",
                          line={"color": COLORS["threshold"], "width": 1, "dash": "dash"})
            fig.add_annotation(x=day, y=0.97, xref="x", yref="paper",
                               text=f"{label} {day}", showarrow=False, xanchor=anchor,
                               bgcolor="rgba(255,255,255,0.8)", font={"size": 10})
    if "projected_share" in strip:
        fig.add_trace(go.Scatter(
            x=dates, y=strip["projected_share"].to_numpy(dtype="float64"), mode="lines",
            name="closed around a projected date", line={"color": COLORS["threshold"],
                                                         "width": 1, "dash": "dot"},
            hovertemplate="%{y:.0%} of companies on projected dates<extra></extra>",
        ), secondary_y=False)
    fig.update_yaxes(range=[0, 1], tickformat=".0%", secondary_y=False)
    apply_layout(fig, title="Buyback blackout calendar", asof=result.asof,
                 yaxis_title="companies in blackout (share)",
                 yaxis2_title="demand (USD bn/session)", empty=strip.empty)
    fig.update_layout(bargap=0)
    return fig


# --- single-model charts (were the models' plot() methods) --------------------------


def cta_book_figure(result: CTAResult, asset: Any, years: float | None = 3.0) -> go.Figure:
    """Price of ``asset`` with its pivot levels, and the position as % of max.

    Parameters
    ----------
    result
        A fitted CTA book.
    asset
        Column to plot.
    years
        Trailing years shown (``None``: all).

    Raises
    ------
    ModelError
        ``asset`` is not a column of the book.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    if asset not in result.prices.columns:
        raise ModelError(f"unknown asset {asset!r}; have {result.assets}")
    start = (result.asof - pd.Timedelta(days=365.25 * years) if years
             else result.prices.index[0])
    sl = slice(start, None)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35],
                        vertical_spacing=0.05)
    price = result.prices[asset].loc[sl]
    fig.add_trace(go.Scatter(x=price.index, y=price, name=str(asset)), row=1, col=1)
    filters = {f.name: f.describe() for f in result.model.triggers}
    for name, frame in result.pivots.items():
        line = frame[asset].loc[sl]
        fig.add_trace(go.Scatter(x=line.index, y=line,
                                 name=f"{name} trigger ({filters.get(name, name)})",
                                 line={"dash": "dash", "width": 1}), row=1, col=1)
    long_name = max(result.model.windows, key=lambda w: w.lookback).name
    tsp = result.tsmom_pivots[long_name][asset].loc[sl]
    fig.add_trace(go.Scatter(x=tsp.index, y=tsp,
                             name=f"TSMOM pivot {HORIZON_LABELS.get(long_name, long_name)}",
                             line={"dash": "dot", "width": 1}), row=1, col=1)
    pct = result.position_pct[asset].loc[sl]
    fig.add_trace(go.Scatter(x=pct.index, y=pct, name="position % of max", fill="tozeroy"),
                  row=2, col=1)
    fig.update_yaxes(title_text="price", row=1, col=1)
    fig.update_yaxes(title_text="% of max", range=[-100, 100], row=2, col=1)
    fig.update_layout(title=f"CTA trend book: {asset} as of {result.asof:%Y-%m-%d}",
                      hovermode="x unified")
    return fig


def vol_control_exposure_figure(result: VolControlResult) -> go.Figure:
    """Aggregate exposure (left axis, fraction of AUM) and its percentile (right)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    agg = result.exposure["aggregate"].dropna()
    fig.add_trace(go.Scatter(x=agg.index, y=agg.to_numpy(), name="aggregate exposure"))
    pct = result.percentile.dropna()
    fig.add_trace(go.Scatter(x=pct.index, y=pct.to_numpy(), name="percentile", yaxis="y2",
                             line={"dash": "dot", "width": 1}))
    fig.update_layout(
        title=f"Vol-control exposure as of {result.asof:%Y-%m-%d}",
        yaxis={"title": "exposure (fraction of AUM)"},
        yaxis2={"title": "percentile", "overlaying": "y", "side": "right", "range": [0, 100]},
        hovermode="x unified",
    )
    return fig


def buyback_blackout_figure(result: BuybackResult) -> go.Figure:
    """Blackout share (strip, 50% line) above the implied daily demand."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    d = result.daily
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.4, 0.6])
    for col, name in (("blackout_share", "companies"), ("blackout_share_weighted", "dollars")):
        fig.add_trace(go.Scatter(x=d.index, y=d[col], name=f"in blackout ({name})"), 1, 1)
    fig.add_hline(y=BLACKOUT_THRESHOLD, line_dash="dot", row=1, col=1)
    fig.add_trace(go.Scatter(x=d.index, y=d["daily_demand_bn"], name="demand"), 2, 1)
    fig.update_yaxes(title_text="share", range=[0, 1], row=1, col=1)
    fig.update_yaxes(title_text="USD bn/session", row=2, col=1)
    fig.update_layout(title="S&P 500 buyback blackout and implied demand")
    return fig


# --- registration with flowdesk.plot ------------------------------------------------


register_charts(FlowsDeskResult, {
    "scenarios": scenario_figure,
    "vol_control": vol_control_history_figure,
    "cta": cta_history_figure,
    "ladder": pivot_ladder_figure,
    "buybacks": buyback_strip_figure,
})


register_charts(CTAResult, {"book": cta_book_figure})


register_charts(VolControlResult, {"exposure": vol_control_exposure_figure})


register_charts(BuybackResult, {"blackout": buyback_blackout_figure})
