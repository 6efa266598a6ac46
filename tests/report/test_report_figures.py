"""Figure functions: pure result -> Figure, shared layout, units, as-of in titles."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from flowdesk.overview import MarketOverviewResult
from flowdesk.report import figures

ASOF = pd.Timestamp("2024-01-05")


def _s(values: list[float], name: str) -> pd.Series:
    index = pd.DatetimeIndex(pd.date_range("2024-01-02", periods=len(values)), name="date")
    return pd.Series(values, index=index, dtype="float64", name=name)


def _empty(name: str) -> pd.Series:
    return pd.Series([], index=pd.DatetimeIndex([], name="date"), dtype="float64", name=name)


def _result(*, empty_vol: bool = False) -> MarketOverviewResult:
    """A hand-built result, so the figures are checked against known inputs."""
    vix = _empty("VIX") if empty_vol else _s([20.0, 25.0, 30.0, 22.0], "VIX")
    vix3m = _empty("VIX3M") if empty_vol else _s([22.0, 24.0, 25.0, 23.0], "VIX3M")
    ratio = _empty("VIX/VIX3M") if empty_vol else _s([20 / 22, 25 / 24, 30 / 25, 22 / 23], "r")
    rates = pd.concat(
        [_s([5.0, 5.1, 5.2, 5.3], "DGS3MO"), _s([4.0, 4.1, 4.2, 4.3], "DGS2"),
         _s([3.9, 4.0, 4.1, 4.2], "DGS10"), _s([5.33, 5.33, 5.33, 5.33], "DFF")],
        axis=1,
    )
    return MarketOverviewResult(
        asof=ASOF,
        history_years=5,
        latest=pd.DataFrame(),
        sp500=_s([100.0, 110.0, 99.0, 104.5], "SP500"),
        drawdown=_s([0.0, 0.0, -10.0, -5.0], "drawdown"),
        vix=vix,
        vix3m=vix3m,
        vix_ratio=ratio,
        rates=rates,
        net_liquidity=_s([6000.0, 6010.0, 5990.0, 6005.0], "NETLIQ"),
        peak=110.0,
        peak_date=pd.Timestamp("2024-01-03"),
        history_start=pd.Timestamp("2024-01-02"),
    )


ALL = [
    figures.sp500_drawdown_figure,
    figures.vix_term_structure_figure,
    figures.rates_figure,
    figures.net_liquidity_figure,
]


@pytest.mark.parametrize("make", ALL)
def test_shared_layout(make) -> None:
    fig = make(_result())
    assert isinstance(fig, go.Figure)
    assert fig.layout.height == 320
    assert "as of 2024-01-05" in fig.layout.title.text
    assert fig.layout.hovermode == "x unified"
    assert "Roboto" in fig.layout.font.family  # system font stack, no web font
    for trace in fig.data:
        assert trace.hovertemplate and trace.name in trace.hovertemplate


def _trace(fig: go.Figure, name: str) -> go.Scatter:
    matches = [t for t in fig.data if t.name == name]
    assert len(matches) == 1, [t.name for t in fig.data]
    return matches[0]


def test_drawdown_figure_data_and_units() -> None:
    fig = figures.sp500_drawdown_figure(_result())
    dd = _trace(fig, "Drawdown")
    assert list(dd.y) == [0.0, 0.0, -10.0, -5.0]
    assert list(dd.x) == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]
    assert "%" in dd.hovertemplate
    sp = _trace(fig, "S&P 500")
    assert list(sp.y) == [100.0, 110.0, 99.0, 104.5]
    assert "index points" in sp.hovertemplate
    assert fig.layout.yaxis.title.text == "Drawdown (%)"
    assert fig.layout.yaxis2.title.text == "S&P 500 (index points)"


def test_vix_figure_data_threshold_and_units() -> None:
    fig = figures.vix_term_structure_figure(_result())
    assert list(_trace(fig, "VIX").y) == [20.0, 25.0, 30.0, 22.0]
    assert list(_trace(fig, "VIX3M").y) == [22.0, 24.0, 25.0, 23.0]
    ratio = _trace(fig, "VIX / VIX3M")
    np.testing.assert_allclose(list(ratio.y), [20 / 22, 25 / 24, 30 / 25, 22 / 23])
    assert ratio.yaxis == "y2"
    assert "index points" in fig.layout.yaxis.title.text
    assert "ratio" in fig.layout.yaxis2.title.text
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].y0 == 1.0 and lines[0].y1 == 1.0


def test_rates_and_liquidity_units() -> None:
    rates = figures.rates_figure(_result())
    assert {t.name for t in rates.data} == {"3-month bill", "2-year", "10-year",
                                            "Fed funds (effective)"}
    assert list(_trace(rates, "10-year").y) == [3.9, 4.0, 4.1, 4.2]
    assert "(%)" in rates.layout.yaxis.title.text
    liq = figures.net_liquidity_figure(_result())
    assert list(liq.data[0].y) == [6000.0, 6010.0, 5990.0, 6005.0]
    assert liq.layout.yaxis.title.text == "USD bn"
    assert "USD bn" in liq.data[0].hovertemplate


def test_empty_inputs_show_a_no_data_note() -> None:
    fig = figures.vix_term_structure_figure(_result(empty_vol=True))
    texts = [a.text for a in fig.layout.annotations]
    assert "no data published by 2024-01-05" in texts
    assert not fig.layout.shapes  # no inversion line without a ratio
    full = figures.vix_term_structure_figure(_result())
    assert "no data published by 2024-01-05" not in [a.text for a in full.layout.annotations]


def test_figures_do_not_mutate_the_result() -> None:
    result = _result()
    before = result.drawdown.copy()
    for make in ALL:
        make(result)
    pd.testing.assert_series_equal(result.drawdown, before)


def test_importing_the_report_does_not_import_plotly_or_jinja() -> None:
    code = (
        "import sys, flowdesk.report, flowdesk.report.figures, flowdesk.report.html, "
        "flowdesk.report.terminal; "
        "bad = [m for m in ('plotly', 'jinja2', 'rich') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_plot_dispatches_on_the_result_type() -> None:
    import flowdesk
    from flowdesk.errors import ConfigError
    from flowdesk.report.plotting import figure

    result = _result()
    # The overview's charts by name, the drawdown first (the default).
    assert flowdesk.plot(result).layout.title.text.startswith("S&P 500 drawdown")
    for which, make in zip(("drawdown", "vix", "rates", "liquidity"), ALL, strict=True):
        assert flowdesk.plot(result, which).layout.title.text == make(result).layout.title.text
    with pytest.raises(ConfigError, match="rates, liquidity"):
        flowdesk.plot(result, "nope")
    with pytest.raises(ConfigError, match="no charts for a str"):
        flowdesk.plot("not a result")
    # Every model result of these packages has its charts registered in report/.
    from flowdesk.drivers import DriversResult
    from flowdesk.macro.scorecard import ScorecardResult
    from flowdesk.policy.model import FedPolicyResult
    from flowdesk.sim.model import MarketSimulatorResult
    from flowdesk.sim.replay import ReplayResult
    from flowdesk.vol.model import VixRegimesResult

    for kind in (MarketOverviewResult, DriversResult, FedPolicyResult, ScorecardResult,
                 VixRegimesResult, MarketSimulatorResult, ReplayResult):
        assert kind in figure.registry, kind.__name__
        assert not hasattr(kind, "plot"), kind.__name__


def test_vix_term_curve_today_week_and_month_ago() -> None:
    """Hand-built sessions: each curve is the last session on or before its date."""
    from types import SimpleNamespace

    from flowdesk.report.figures_vol import term_curve_figure

    days = pd.to_datetime(["2024-05-14", "2024-06-06", "2024-06-07", "2024-06-14"])
    daily = pd.DataFrame({"vix9d": [10.0, 11.0, 12.0, 14.0], "vix": [12.0, 13.0, 13.5, 15.0],
                          "vix3m": [15.0, np.nan, 16.0, 16.5]}, index=days)
    fig = term_curve_figure(SimpleNamespace(daily=daily, asof=days[-1]))
    curves = {t.name.split(" (")[0]: (list(t.x), list(t.y)) for t in fig.data}
    assert curves["today"] == ([9, 30, 93], [14.0, 15.0, 16.5])
    # 2024-06-14 minus 7 days is 06-07; minus one month is 05-14.
    assert curves["1 week ago"] == ([9, 30, 93], [12.0, 13.5, 16.0])
    assert curves["1 month ago"] == ([9, 30, 93], [10.0, 12.0, 15.0])
    # A tenor missing that day is left out of its curve, not drawn as zero; with
    # 06-06 as today, a week ago falls back to 05-14 and a month ago (05-06) has no session.
    fig = term_curve_figure(SimpleNamespace(daily=daily.iloc[:2], asof=days[1]))
    assert [(t.name.split(" (")[0], list(t.x)) for t in fig.data] == [
        ("today", [9, 30]), ("1 week ago", [9, 30, 93])]
