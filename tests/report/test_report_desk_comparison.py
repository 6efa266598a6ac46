"""The "How this model compares with published desk estimates" table: report and dashboard."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import flowdesk.validation
from flowdesk.config import get_settings
from flowdesk.errors import DataError
from flowdesk.report import desk_comparison
from flowdesk.report.sections import ReportContext
from flowdesk.report.sections import flows as flows_section
from flowdesk.validation import ValidationResult, shipped_cases, validate
from flowdesk.validation.cases import parse_cases
from flowdesk.web import create_app


def fake(date: pd.Timestamp) -> dict[str, Any]:
    return {"cta": {"assets": {"SP500": {"pivots": {"short": 5000.0}}}},
            "buybacks": {"blackout_share": 0.5}}


@pytest.fixture(scope="module")
def shipped() -> ValidationResult:
    return validate(shipped_cases(), estimate=fake)


def test_the_table_is_the_summary_rows_and_says_public_cases_not_a_fit(
    shipped: ValidationResult,
) -> None:
    text = desk_comparison.comparison_table_html(shipped)
    assert '<h3 class="desk-comparison-title">How this model compares with published desk ' \
           "estimates</h3>" in text
    assert "Public cases, not a fit: 6 published desk notes (Goldman Sachs CTA Corner, " \
           "Goldman Sachs buyback desk), 2022-09-16 to 2024-12-16, quoted in public reposts" in text
    assert "the three trigger-filter windows and the buyback blackout lead were chosen on " \
           "them by the method in docs/calibration.md" in text
    for row in shipped.summary_rows:
        assert f'<tr data-key="{row.key}">' in text
        assert row.text in text
    # The pivot row: 4 cases and the same words as `flowdesk validate`.
    short = next(r for r in shipped.summary_rows if r.key == "pivot_short")
    assert f'<td class="num">4</td><td>{short.text}</td>' in text
    assert '<td class="num">0 (24 n/a)</td>' in text  # global equity flows: no model figure
    # Every case links to its repost, escaped.
    assert text.count('rel="noopener noreferrer"') == 6
    assert "flair_name%3A%22Systematic+Order+Flow%22&amp;restrict_sr=on" in text


def test_other_cases_and_no_cases(shipped: ValidationResult) -> None:
    mine = validate(parse_cases("date,pivot_short,source\n2024-01-02,4700,<b>x</b>\n",
                                "mine.csv"), estimate=fake)
    text = desk_comparison.comparison_table_html(mine)
    assert "Cases from mine.csv: 1 published desk notes" in text
    assert "<b>" not in text and "2024-01-02</p>" not in text
    early = validate(shipped_cases().up_to(pd.Timestamp("2020-03-20")), estimate=fake)
    text = desk_comparison.comparison_table_html(early)
    assert "no cases dated on or before 2020-03-20 in published_desk_estimates.csv: nothing " \
           "to compare yet" in text and "<table" not in text


def test_a_point_in_time_report_shows_the_cases_dated_by_then() -> None:
    # No estimate is needed before the first case.
    text = desk_comparison.comparison_html(pd.Timestamp("2020-03-20"))
    assert "no cases dated on or before 2020-03-20" in text


def test_a_failing_case_leaves_the_section_standing(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise DataError("cases file x: line 2: boom")

    monkeypatch.setattr(flowdesk.validation, "validate", broken)
    text = desk_comparison.comparison_html(pd.Timestamp("2024-12-31"))
    assert "Unavailable: cases file x: line 2: boom" in text


def test_the_flows_section_and_page_show_it() -> None:
    # 2022-09-16 is the first case (the buyback desk's blackout share): one model run.
    asof = pd.Timestamp("2022-09-16")
    section = flows_section.build(ReportContext(asof=asof))
    assert section.ok and desk_comparison.TITLE in section.body_html
    assert 'data-key="blackout"' in section.body_html and "those dated on or before " \
        "2022-09-16" in section.body_html
    # The table sits after the projected-flows table of the lede.
    assert section.body_html.index("flows-table") < section.body_html.index("desk-comparison")
    # The dashboard's Flows page is the same section.
    with TestClient(create_app(get_settings())) as client:
        page = client.get("/flows", params={"asof": "2022-09-16"})
    assert page.status_code == 200
    assert desk_comparison.TITLE in page.text and 'data-key="blackout"' in page.text
