"""Terminal summary: key labels, units, observation dates, changes, path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console

from flowdesk.report import ReportResult
from flowdesk.report.sections import KeyNumber, Section
from flowdesk.report.terminal import render_terminal

ASOF = pd.Timestamp("2024-03-01")


def _result(path: Path) -> ReportResult:
    ok = Section(
        id="overview", title="Market overview", asof=ASOF,
        key_numbers=(
            KeyNumber("S&P 500", 5137.08, "index points", pd.Timestamp("2024-03-01"),
                      change_1w=120 / 110 * 100 - 100, change_unit="%"),
            KeyNumber("10-year Treasury yield", 4.18, "percent", pd.Timestamp("2024-02-29"),
                      change_1m=0.27, change_unit="pp"),
            KeyNumber("VIX3M", None, "index points", None, change_unit="pts"),
        ),
        note="VIX3M [stale] is old",
    )
    broken = Section.unavailable("flows", "Flows", ASOF, "no [bold]futures[/bold] data")
    return ReportResult(path=path, asof=ASOF, sections=(ok, broken))


def test_terminal_shows_key_numbers_units_dates_and_path(tmp_path: Path) -> None:
    path = tmp_path / "flowdesk-report-2024-03-01.html"
    console = Console(record=True, width=120)
    render_terminal(_result(path), console)
    text = console.export_text()
    lines = text.splitlines()

    def line_of(label: str) -> list[str]:
        (line,) = [ln for ln in lines if ln.startswith(label + " ")]
        return line.split()

    # Value, unit, observation date, the 1w change (120/110 - 1 = +9.09%) and its unit.
    assert line_of("S&P 500") == ["S&P", "500", "5,137.08", "index", "points", "2024-03-01",
                                  "+9.09", "n/a", "n/a", "%"]
    assert line_of("10-year Treasury yield")[3:] == ["4.18", "percent", "2024-02-29", "n/a",
                                                     "+0.27", "n/a", "pp"]
    assert "none published by 2024-03-01" in text
    assert "Market overview" in text
    # Markup-like text in reasons is printed literally, not interpreted.
    assert "Flows: unavailable: no [bold]futures[/bold] data" in text
    assert "VIX3M [stale] is old" in text
    assert f"Report written to {path}" in text


def test_terminal_on_a_real_report(tmp_path: Path) -> None:
    from flowdesk.report import build_report

    result = build_report("2020-03-20", tmp_path / "r.html")
    console = Console(record=True, width=120)
    render_terminal(result, console)
    text = console.export_text()
    for kn in result.sections[0].key_numbers:
        assert kn.label in text
    assert "Net liquidity" in text and "USD bn" in text
    assert str(tmp_path / "r.html") in text
