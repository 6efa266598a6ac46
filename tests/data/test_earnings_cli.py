"""`flowdesk data list/show/export/import` on the EARNINGS_DATES table."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flowdesk.cli import app, main
from flowdesk.data import earnings_dates


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_rows_and_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "data", "list", "--format", "json")
    row = {r["id"]: r for r in json.loads(out)}["EARNINGS_DATES"]
    assert code == 0
    # ../shared/data/MANIFEST.md: 36,845 rows, 2003-07-28 to 2025-11-20.
    assert (row["rows"], row["first"], row["last"]) == (36_845, "2003-07-28", "2025-11-20")
    code, out, _ = run(capsys, "data", "list", "--category", "corporate")
    assert code == 0 and "EARNINGS_DATES" in out and "2025-11-20" in out
    # The full table too: it holds live-only series that have no first/last date.
    code, out, err = run(capsys, "data", "list")
    assert code == 0 and "EARNINGS_DATES" in out and "MORTGAGE30US" in out, err
    line = next(li for li in out.splitlines() if "EARNINGS_DATES" in li)
    assert "2003-07-28" in line and "stale (" in line and ".0d)" not in line


def test_show_prints_ticker_and_report_date(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "data", "show", "EARNINGS_DATES", "--start", "2024-10-31",
                       "--end", "2024-10-31", "--tail", "500")
    assert code == 0 and "ticker" in out and "report_date" in out
    assert any("AAPL" in line and "2024-10-31" in line for line in out.splitlines())
    code, out, _ = run(capsys, "data", "show", "EARNINGS_DATES", "--start", "2024-08-01",
                       "--end", "2024-08-01", "--format", "csv")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "ticker,report_date" and "AAPL,2024-08-01" in lines
    assert all(line.endswith(",2024-08-01") for line in lines[1:])
    code, out, _ = run(capsys, "data", "show", "EARNINGS_DATES", "--start", "2024-08-01",
                       "--end", "2024-08-01", "--format", "json")
    records = json.loads(out)["observations"]
    assert code == 0 and {"ticker": "AAPL", "report_date": "2024-08-01"} in records


def test_export_writes_an_importable_csv(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "dates.csv"
    code, _, _ = run(capsys, "data", "export", "EARNINGS_DATES", "--to", str(target),
                     "--start", "2024-01-01", "--end", "2024-12-31")
    assert code == 0
    exported = pd.read_csv(target)
    assert list(exported.columns) == ["ticker", "report_date"]
    expected = earnings_dates("2024-12-31")
    expected = expected[expected["report_date"] >= "2024-01-01"]
    assert len(exported) == len(expected) > 1000
    assert "2024-10-31" in set(exported.loc[exported["ticker"] == "AAPL", "report_date"])
    # The export reads back as a user table with the same rows.
    code, out, _ = run(capsys, "data", "import", "EARNINGS_DATES", str(target),
                       "--replace", "--format", "json")
    assert code == 0 and json.loads(out)["rows"] == len(expected)
    back = earnings_dates()
    assert back.attrs["source"] == "user"
    assert back.reset_index(drop=True).equals(expected.reset_index(drop=True))


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "is empty"),
        (b"ticker,when\nAAPL,2024-08-01\n", "missing column(s) report_date"),
        (b"ticker,report_date\nAAPL,2024-08-01\nAAPL,yesterday\n", "row 2 (line 3)"),
        (b"ticker,report_date\nAAPL,2024-08-01\n\x81\x82\n", "not UTF-8"),
    ],
)
def test_bad_import_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, body: bytes, fragment: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(body)
    code, out, err = run(capsys, "data", "import", "EARNINGS_DATES", str(path))
    assert code == 2 and out == ""
    assert fragment in err and str(path) in err.replace("\n", "")
    assert "Traceback" not in err and err.startswith("error: ")


def test_import_through_typer_runner(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("ticker,report_date\nabc,2024-02-01\nABC,2024-02-01\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["data", "import", "EARNINGS_DATES", str(path), "--replace"])
    assert result.exit_code == 0, result.output
    # Case folded and the duplicate dropped: one row.
    assert "1 observations 2024-02-01 to 2024-02-01" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("ticker,report_date\n,2024-02-01\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["data", "import", "EARNINGS_DATES", str(bad)])
    assert result.exit_code == 2 and "empty ticker" in result.output
