"""`flowdesk validate`: table and JSON, the shipped default, and one line + exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import flowdesk.validation
from flowdesk.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def fake(date: pd.Timestamp) -> dict[str, Any]:
    """Pivots 1% above a round level, a buying S&P 500 flow: enough to see the plumbing."""
    return {"session": f"{date:%Y-%m-%d}", "spot": 5000.0,
            "cta": {"assets": {"SP500": {"pivots": {"short": 5050.0}}},
                    "flows": {"1w": {"by_asset": {"SP500": {"flat": {"base": 2.0}}}}}}}


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> list[pd.Timestamp]:
    """Run the command with the fake model (the real one has its own test)."""
    real = flowdesk.validation.validate
    seen: list[pd.Timestamp] = []

    def with_fake(cases: Any, **options: Any) -> Any:
        seen.extend(cases.dates)
        return real(cases, estimate=fake, **options)

    monkeypatch.setattr(flowdesk.validation, "validate", with_fake)
    return seen


def test_default_cases_table_and_json(capsys: pytest.CaptureFixture[str],
                                      fake_model: list[pd.Timestamp]) -> None:
    code, out, err = run(capsys, "validate")
    assert code == 0, err
    assert "6 cases, 2022-09-16 to 2024-12-16, from published_desk_estimates.csv (the public " \
           "cases shipped with flowdesk)" in out
    assert "Summary (public cases, not a fit)" in out
    assert "5,050 vs 4,728 (+6.81%)" in out  # 100 * (5050 - 4728) / 4728 = +6.81%
    assert len(fake_model) == 6
    code, out, _ = run(capsys, "validate", "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["model"] == "validate" and payload["shipped"] is True
    assert payload["n_cases"] == 6 and [c["date"] for c in payload["cases"]][:2] == [
        "2024-01-29", "2024-07-22"]
    spx = next(r for r in payload["summary"] if r["key"] == "flows_spx")
    # Our +2.0 bn flat-tape week against the published 1w flat S&P 500 flows 0.634, 1 and
    # 2.3: all agree. The published 0.1, -0.073 and -0.057 bn flows are flat (left out); the
    # other S&P 500 columns have no model figure.
    assert (spx["n"], spx["n_flat"], spx["sign_agreement"]) == (3, 3, 1.0)


def test_a_users_file_with_an_extra_column(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           fake_model: list[pd.Timestamp]) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("date,pivot_short,comment\n2024-03-04,5000,hi\n", encoding="utf-8")
    code, out, _ = run(capsys, "validate", "--cases", str(path))
    assert code == 0
    assert f"1 case, 2024-03-04, from {path} (your file)" in out
    assert "ignored column(s) not in the layout: 'comment'" in out
    assert "5,050 vs 5,000 (+1.00%)" in out


@pytest.mark.parametrize(("body", "fragment"), [
    (None, "does not exist"),
    (b"\x89PNG\r\n\x1a\n\xff\x00", "is not UTF-8 text (binary file?); expected a CSV text file"),
    (b"pivot_short,value\n1,2\n", "no 'date' column in the header"),
    (b"date,price\n2024-01-02,1\n", "no recognised value columns"),
    (b"date,pivot_short\n2024-13-02,1\n", "line 2, column date: invalid date '2024-13-02'"),
    (b"date,pivot_short\n2024-01-02,n.a.\n", "column pivot_short: 'n.a.' is not a number"),
    (b"date,desk,pivot_short\n2024-01-02,GS,1\n2024-01-02,GS,2\n",
     "line 3: date 2024-01-02 repeated for desk 'GS' (first on line 2)"),
    (b"date,pivot_short\n1985-06-03,180\n",
     "line 2: date 1985-06-03 is before 1986-01-02, the first date with the 253 S&P 500 "
     "sessions of history the CTA needs"),
    (b"date,pivot_short\n2024-01-02,4700\n2099-01-02,9000\n",
     "line 3: date 2099-01-02 is after 2026-09-25, the last S&P 500 close in the data"),
])
def test_bad_input_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          body: bytes | None, fragment: str) -> None:
    path = tmp_path / "cases.csv"
    if body is not None:
        path.write_bytes(body)
    code, out, err = run(capsys, "validate", "--cases", str(path), "--format", "json")
    assert code == 2 and out == ""
    assert fragment in err and "Traceback" not in err
    assert err.strip().startswith(f"error: cases file {path}") and err.strip().count("\n") == 0


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "--format", "xml")
    assert code == 2 and "Traceback" not in err
    code, _, err = run(capsys, "validate", "--asof", "2024-01-02")
    assert code == 2 and "No such option" in err
