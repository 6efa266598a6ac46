"""read_futures_csv: the happy path and every strict-parsing error (file + line named)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdesk.errors import DataError
from flowdesk.policy.fedwatch import fedwatch
from flowdesk.policy.futures_input import read_futures_csv


def _write(tmp_path: Path, text: str, name: str = "ff.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_reads_month_and_price_in_any_column_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "Price,Ticker,Month\n99.805,ZQU15,2015-09\n\n99.8675,ZQQ15,2015-08\n")
    frame = read_futures_csv(path)
    assert list(frame.columns) == ["month", "price"]
    assert frame["month"].tolist() == ["2015-08", "2015-09"]
    assert frame["price"].tolist() == [99.8675, 99.805]
    assert str(frame["price"].dtype) == "float64"
    # Feeds the engine directly: CME's example again.
    result = fedwatch(frame, ["2015-09-17"], (0.0, 0.25), "2015-08-31")
    assert round(100 * result.meetings[0].p_hike, 1) == 53.6


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("", r"ff\.csv: file is empty"),
        ("   \n\n", r"ff\.csv: file is empty"),
        ("month,price\n", r"ff\.csv: has a header but no data rows"),
        ("date,price\n2015-08,99.8\n", r"ff\.csv: line 1: no 'month' column"),
        ("month,settle\n2015-08,99.8\n", r"ff\.csv: line 1: no 'price' column"),
        ("month,price\n2015-08,99.8\n2015/09,99.7\n", r"ff\.csv: line 3: month '2015/09'"),
        ("month,price\n2015-8,99.8\n", r"ff\.csv: line 2: month '2015-8'"),
        ("month,price\n2015-13,99.8\n", r"ff\.csv: line 2: month '2015-13'"),
        ("month,price\n2015-08,99.8\n\n2015-08,99.7\n",
         r"ff\.csv: line 4: month 2015-08 duplicated \(first on line 2\)"),
        ("month,price\n2015-08,abc\n", r"ff\.csv: line 2: non-numeric price 'abc'"),
        ("month,price\n2015-08,\n", r"ff\.csv: line 2: missing price for 2015-08"),
        ("month,price\n2015-08,inf\n", r"ff\.csv: line 2: price 'inf'.*not finite"),
        ("month,price\n2015-08\n", r"ff\.csv: line 2: expected 2 columns, found 1"),
    ],
)
def test_strict_errors_name_file_and_line(tmp_path: Path, text: str, pattern: str) -> None:
    with pytest.raises(DataError, match=pattern):
        read_futures_csv(_write(tmp_path, text))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_futures_csv(tmp_path / "nope.csv")
