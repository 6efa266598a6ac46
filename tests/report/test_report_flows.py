"""The flows section: key numbers with units and dates, figures, rendering."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import flowdesk
from flowdesk.config import clear_settings_cache
from flowdesk.errors import ConfigError
from flowdesk.flows.desk import FlowsDesk, FlowsDeskResult
from flowdesk.report import figures_flows
from flowdesk.report.html import render_section
from flowdesk.report.sections import ReportContext, Section
from flowdesk.report.sections import flows as flows_section

ASOF = "2026-08-21"


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlowsDeskResult]:
    root = tmp_path_factory.mktemp("flows")
    (root / "no-config.toml").write_text("", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FLOWDESK_CACHE_DIR", str(root / "cache"))
        mp.setenv("FLOWDESK_CONFIG", str(root / "no-config.toml"))
        clear_settings_cache()
        out = FlowsDesk(n_paths=100).estimate(ASOF)
        clear_settings_cache()
    yield out


@pytest.fixture(scope="module")
def section(result: FlowsDeskResult) -> Section:
    return flows_section.section_from_result(result)


def _key(section: Section, start: str) -> Any:
    matches = [k for k in section.key_numbers if k.label.startswith(start)]
    assert len(matches) == 1, start
    return matches[0]


def test_section_identity_and_figures(section: Section) -> None:
    assert (section.id, section.title, section.status) == ("flows", "Flows", "ok")
    assert flows_section.ID == "flows" and flows_section.TITLE == "Flows"
    ids = [dom for dom, _ in section.figures]
    assert len(ids) == 5 and len(set(ids)) == 5
    assert all(dom.startswith("flows-") for dom in ids)
    for _, fig in section.figures:
        assert "as of 2026-08-21" in fig.layout.title.text


def test_key_numbers_carry_units_dates_and_the_desk_values(
    section: Section, result: FlowsDeskResult
) -> None:
    d = result.to_dict()
    session = pd.Timestamp(ASOF)
    assert all(k.obs_date == session for k in section.key_numbers)
    assert all(k.unit for k in section.key_numbers)
    vc = _key(section, "Vol-control aggregate exposure")
    assert vc.value == pytest.approx(100 * d["vol_control"]["exposure"]) and vc.unit == "% of AUM"
    pct = _key(section, "Vol-control exposure percentile")
    assert pct.value == d["vol_control"]["percentile"]
    net = _key(section, "CTA net equity exposure (")
    sp, ndx = (d["cta"]["assets"][a]["position"] for a in ("SP500", "NDX"))
    # S&P 500 + Nasdaq-100 positions, fractions of AUM shown in percent.
    assert net.value == pytest.approx(100 * (sp + ndx), abs=1e-7)
    for actor, block in (("CTA flows (all assets)", "cta"), ("Vol-control flows", "vol_control")):
        for tape in ("flat", "up", "down"):
            band = d[block]["flows"]["1w"][tape]
            kn = _key(section, f"{actor}, next 1w, {tape} tape")
            assert kn.value == band["base"] and kn.unit.startswith("USD bn, base AUM")
            assert f"{band['low']:+,.1f} to {band['high']:+,.1f}" in kn.unit
    share = _key(section, "Buyback blackout share")
    assert share.value == pytest.approx(100 * d["buybacks"]["blackout_share"])
    assert share.unit == "% of S&P 500 companies"
    demand = _key(section, "Buyback daily demand")
    assert demand.value == d["buybacks"]["daily_demand_bn"] and demand.unit == "USD bn per session"
    # 1-week change of the exposure in percentage points: last value minus the value
    # 7 calendar days earlier, times 100.
    hist = result.history["vc_exposure"].dropna()
    week_ago = hist.loc[: session - pd.Timedelta(days=7)].iloc[-1]
    assert vc.change_1w == pytest.approx(100 * (hist.iloc[-1] - week_ago))
    assert vc.change_unit == "pp"


def test_render_shows_units_dates_freshness_and_notes(section: Section) -> None:
    html = render_section(section)
    assert 'id="flows"' in html
    for fragment in ("USD bn", "% of AUM", "percentile (0-100)", "USD bn per session",
                     'datetime="2026-08-21"', "Methodology", "Data freshness",
                     "Projected flows, USD bn", "DEXUSEU", "flows-ladder-data"):
        assert fragment in html, fragment
    assert "S&amp;P 500" in html and "S&amp;amp;" not in html
    assert section.note is not None and "DEXUSEU" in section.note
    assert set(section.freshness) >= {"SP500", "NDX", "BTC", "DEXUSEU"}


def test_pivot_ladder_shows_spot_and_the_cta_pivots(result: FlowsDeskResult) -> None:
    fig = figures_flows.pivot_ladder_figure(result)
    pivots = result.to_dict()["cta"]["assets"]["SP500"]["tsmom_pivots"]
    lo, hi = fig.layout.yaxis.range
    shown = {round(y, 2) for tr in fig.data if tr.name == "CTA TSMOM pivots" for y in tr.y}
    for value in pivots.values():
        if lo <= value <= hi:
            assert round(value, 2) in shown
        else:
            assert f"{value:,.0f}" in fig.layout.annotations[-1].text  # listed as off scale
    assert lo < result.spot < hi
    assert any(f"spot {result.spot:,.2f}" in a.text for a in fig.layout.annotations)


def test_scenario_bars_are_the_desk_flows(result: FlowsDeskResult) -> None:
    d = result.to_dict()
    fig = figures_flows.scenario_figure(result)
    bars = {tr.name: tr for tr in fig.data}
    tape = bars["CTA (all assets), tape"]
    assert list(tape.x)[:3] == ["1w flat", "1w up", "1w down"]
    down = d["cta"]["flows"]["1w"]["down"]
    assert tape.y[2] == down["base"]
    # Whiskers reach the two AUM cases: for a selling flow 'high' is the deeper one.
    assert tape.y[2] - tape.error_y.arrayminus[2] == pytest.approx(min(down["low"], down["high"]))
    assert tape.y[2] + tape.error_y.array[2] == pytest.approx(max(down["low"], down["high"]))
    mc = bars["Vol-control, MC median"]
    q = d["vol_control"]["flows"]["1w"]["monte_carlo"]
    assert mc.y[0] == q["q50"]["base"]
    assert mc.y[0] + mc.error_y.array[0] == pytest.approx(q["q95"]["base"])


def test_buyback_strip_spans_three_months_back_and_two_ahead(result: FlowsDeskResult) -> None:
    fig = figures_flows.buyback_strip_figure(result)
    dates = pd.to_datetime(list(fig.data[0].x))
    session = pd.Timestamp(ASOF)
    assert dates[0] >= session - pd.DateOffset(months=3)
    assert dates[0] <= session - pd.DateOffset(months=3) + pd.Timedelta(days=5)
    assert dates[-1] >= session + pd.DateOffset(months=2) - pd.Timedelta(days=5)
    assert all(0.0 <= y <= 1.0 for y in fig.data[0].y)


def test_history_figures_use_percentile_axis(result: FlowsDeskResult) -> None:
    for fig in (figures_flows.vol_control_history_figure(result),
                figures_flows.cta_history_figure(result)):
        pct = fig.data[1]
        assert pct.yaxis == "y2" and all(0.0 <= v <= 100.0 for v in pct.y)
        assert tuple(fig.layout.yaxis2.range) == (0, 100)
        assert pd.Timestamp(fig.data[0].x[-1]) == pd.Timestamp(ASOF)


def test_plot_picks_the_desk_charts_by_name(result: FlowsDeskResult) -> None:
    # The default chart is the scenario bars (the desk's old plot()).
    default = flowdesk.plot(result)
    assert default.layout.title.text == figures_flows.scenario_figure(result).layout.title.text
    titles = {"vol_control": "Vol-control exposure", "cta": "CTA S&P 500 positioning",
              "ladder": "S&P 500 pivot ladder", "buybacks": "Buyback blackout calendar"}
    for which, title in titles.items():
        assert flowdesk.plot(result, which).layout.title.text.startswith(title), which
    recent = flowdesk.plot(result, "vol_control", years=1)
    assert pd.Timestamp(recent.data[0].x[0]) > pd.Timestamp(ASOF) - pd.DateOffset(years=1)


def test_plot_names_the_choices_for_an_unknown_chart(result: FlowsDeskResult) -> None:
    with pytest.raises(ConfigError, match="FlowsDeskResult has no chart 'pie'") as err:
        flowdesk.plot(result, "pie")
    for name in ("scenarios", "vol_control", "cta", "ladder", "buybacks"):
        assert name in str(err.value)


def test_build_on_a_past_date() -> None:
    built = flows_section.build(ReportContext(asof=pd.Timestamp("2020-03-23")))
    assert built.ok and built.asof == pd.Timestamp("2020-03-23")
    html = render_section(built)
    assert 'datetime="2020-03-23"' in html


def test_section_shows_the_per_asset_cta_table_of_flowdesk_flows(
    section: Section, result: FlowsDeskResult
) -> None:
    import re

    html = render_section(section)
    table = html[html.index('class="flows-table cta-assets"'):]
    table = table[: table.index("</table>")]
    rows = re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', table)
    labels = [label for label, _ in rows]
    # The equities aggregate first, then the S&P 500, then every other carried market.
    assert labels[:2] == ["Global equities (aggregate)", "S&amp;P 500"]
    assert len(labels) == 2 + len(result.to_dict()["cta"]["assets"]) - 1
    sp = result.to_dict()["cta"]["assets"]["SP500"]
    cells = re.findall(r'<td class="num">(.*?)</td>', rows[1][1])
    # price, position ($ and % of max), percentile, three trigger levels, six flows.
    assert len(cells) == 13
    assert cells[1] == f"{sp['position_bn']['base']:+,.1f}"
    assert cells[2] == f"{sp['position_pct']:+.0f}"
    long_level, long_dist = sp["pivots"]["long"], sp["pivot_distance_pct"]["long"]
    long_sigma = sp["pivot_distance_sigma"]["long"]
    assert cells[6] == f"{long_level:,.0f} ({long_dist:+.1f}%, {long_sigma:+.1f}σ)"
    one_month_down = result.to_dict()["cta"]["flows"]["1m"]["by_asset"]["SP500"]["down"]["base"]
    assert cells[12] == f"{one_month_down:+,.1f}"
    assert "trend filter" in flows_section.METHODOLOGY and "next-session" not in \
        flows_section.METHODOLOGY
