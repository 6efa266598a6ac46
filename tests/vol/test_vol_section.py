"""The volatility report section builds and renders."""

from __future__ import annotations

import pandas as pd
import pytest

from flowdesk.report.html import render_section
from flowdesk.report.sections import ReportContext, Section, vix
from flowdesk.vol.regimes import DEFAULT_THRESHOLDS


@pytest.fixture()
def covid_section() -> Section:
    return vix.build(ReportContext(asof=pd.Timestamp("2020-03-16")))


def test_section_builds_with_key_numbers_and_dates(covid_section: Section) -> None:
    s = covid_section
    assert (s.id, s.title, s.status) == ("vix", "Volatility", "ok")
    numbers = {k.label: k for k in s.key_numbers}
    vix = numbers["VIX"]
    assert vix.value == pytest.approx(82.69)
    assert (vix.unit, vix.obs_date) == ("index points", pd.Timestamp("2020-03-16"))
    assert numbers["VIX / VIX3M"].value == pytest.approx(82.69 / 67.70, abs=1e-4)
    # No put/call percentile before 252 prints: the number is missing, not invented.
    assert numbers["Put/call percentile (history to date)"].value is None
    assert set(s.freshness) == {"VIX", "VIX3M", "VIX9D", "VVIX", "PCR_TOTAL", "SP500"}
    assert [dom for dom, _ in s.figures] == ["vix-curve", "vix-ratio", "vix-forward"]


def test_section_renders(covid_section: Section) -> None:
    page = render_section(covid_section)
    assert 'id="vix"' in page
    assert "<strong>panic inversion</strong>" in page
    assert "Unavailable inputs: pcr_pct" in page
    assert "moving-block" in page and "Methodology" in page
    assert page.count("data-plotly-figure") == 3
    assert "Hedging inversion" in page and "All sessions" in page


def test_methodology_states_the_thresholds() -> None:
    text = vix.rules_prose(DEFAULT_THRESHOLDS)
    th = DEFAULT_THRESHOLDS
    for fragment in (f"> {th.inversion_ratio:g}", f"{th.deep_drawdown:g}%",
                     f"{th.panic_rv_iv:g} x VIX", f"VIX9D/VIX >= {th.stress_ratio_9d:g}",
                     f"VIX >= {th.elevated_vix:g}", f"hold {th.persistence} sessions"):
        assert fragment in text


def test_section_before_vix3m_explains_itself() -> None:
    s = vix.build(ReportContext(asof=pd.Timestamp("2008-10-10")))
    assert s.ok
    assert s.note is not None and "VIX3M" in s.note
    page = render_section(s)
    assert "no regime" in page and "no forward-return table" in page


def test_stale_inputs_are_flagged() -> None:
    # The S&P 500 runs past the last Cboe close in the embedded data.
    from flowdesk.data import load

    sp_last = load("SP500").index[-1]
    vix_last = load("VIX").index[-1]
    if (sp_last - vix_last).days <= 11:
        pytest.skip("embedded VIX is not stale relative to the S&P 500")
    s = vix.build(ReportContext(asof=sp_last))
    assert s.note is not None and "Stale inputs" in s.note and "VIX (last" in s.note
