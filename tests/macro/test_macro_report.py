"""Thesis scorecard section and figures: cards, badges, indicator rows, charts, history."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from flowdesk.macro import Scorecard, ScorecardResult
from flowdesk.report import figures_macro
from flowdesk.report.html import render_section
from flowdesk.report.sections import ReportContext, SectionBuilder, build_sections
from flowdesk.report.sections import theses as theses_section

ASOF = "2026-08-21"


@pytest.fixture(scope="module")
def result() -> ScorecardResult:
    return Scorecard().estimate(ASOF)


def _history() -> pd.DataFrame:
    dates = pd.DatetimeIndex(["2025-12-31", "2026-03-31", "2026-06-30"], name="date")
    return pd.DataFrame(
        {"ai_capex": ["supported", "supported", "insufficient_data"],
         "crypto": ["mixed", "not_supported", "mixed"]},
        index=dates,
    )


def test_one_card_per_thesis_with_badge_reasons_and_rows(result: ScorecardResult) -> None:
    section = theses_section.section_from_result(result, _history())
    assert section.id == "theses" and section.title == "Thesis scorecard" and section.ok
    body = section.body_html
    cards = re.findall(r'<details class="thesis-card" id="theses-(\w+)" data-verdict="(\w+)"', body)
    assert cards == [(t.id, t.verdict) for t in result.theses]
    for t in result.theses:
        card = body.split(f'id="theses-{t.id}"')[1].split("</details>")[0]
        assert t.verdict.replace("_", " ") + "</span></h3>" in card
        assert card.count("<li>") == len(t.reasons)
        for v in t.indicators:
            row = card.split(f'data-indicator="{v.id}"')[1].split("</tr>")[0]
            assert f'<td class="unit">{v.indicator.unit}</td>' in row
            if v.stale:
                assert ">stale</span>" in row
    # Stale rows are marked; the BEA row says why it is empty.
    assert 'class="stale" data-indicator="capex_contribution"' in body
    assert "not fetched; run `flowdesk data update Y034RC1Q027SBEA B985RC1Q027SBEA`" in body


def test_cards_embed_a_chart_per_thesis_and_history_figure(result: ScorecardResult) -> None:
    section = theses_section.section_from_result(result, _history())
    charts = re.findall(
        r'<script type="application/json" id="(theses-\w+-chart)-data">(.*?)</script>',
        section.body_html,
    )
    assert [c[0] for c in charts] == [f"theses-{t.id}-chart" for t in result.theses
                                      if t.thesis.chart]
    spec = json.loads(charts[0][1])
    assert spec["layout"]["title"]["text"].startswith("1. AI capex holds GDP up")
    assert [dom for dom, _ in section.figures] == ["theses-history"]
    html = render_section(section)
    assert html.count("data-plotly-figure") == len(charts) + 1


def test_thesis_figure_draws_the_indicator_histories(result: ScorecardResult) -> None:
    fig = figures_macro.thesis_figure(result, "two_economies", years=10)
    rel = result.thesis("two_economies").indicator("ndx_vs_spx").history
    window = rel.loc[rel.index > pd.Timestamp(ASOF) - pd.DateOffset(years=10)]
    assert list(fig.data[0].y) == pytest.approx(window.to_list())
    assert fig.data[0].x[-1] == f"{window.index[-1]:%Y-%m-%d}"
    assert fig.layout.yaxis2.title.text == "U-6 underemployment rate (percent)"
    flows = figures_macro.thesis_figure(result, "flows")
    assert len(flows.data) == 0 and flows.layout.annotations  # "no data" note


def test_verdict_history_figure_counts() -> None:
    history = _history()
    fig = figures_macro.verdict_history_figure(history, pd.Timestamp(ASOF))
    counts = {tr.name: len(tr.x) for tr in fig.data}
    assert counts == {"supported": 2, "mixed": 2, "not supported": 1, "insufficient data": 1}
    insufficient = next(tr for tr in fig.data if tr.name == "insufficient data")
    assert list(insufficient.x) == ["2026-06-30"] and list(insufficient.y) == ["ai_capex"]


def test_build_registers_cleanly() -> None:
    ctx = ReportContext(asof=pd.Timestamp(ASOF))
    builder = SectionBuilder(theses_section.ID, theses_section.TITLE, theses_section.build)
    (section,) = build_sections(ctx, [builder])
    assert section.ok
    history = section.figures[0][1]
    # Quarter ends from 2023-08-21 (three years back): 2023-09-30 .. 2026-06-30 (12), plus
    # the as-of date itself.
    dates = sorted({x for tr in history.data for x in tr.x})
    assert dates[0] == "2023-09-30" and dates[-1] == ASOF and len(dates) == 13
    assert len(section.key_numbers) == 6
    assert "Not fetched (in neither the cache nor the snapshot)" in (section.note or "")
