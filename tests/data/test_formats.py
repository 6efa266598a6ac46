"""The strict CSV parser: published formats in, clear errors for bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from flowdesk.data.formats import parse_series_csv, read_text
from flowdesk.errors import DataError


def test_fred_csv_with_missing_markers() -> None:
    text = "observation_date,DGS10\n2020-03-18,1.18\n2020-03-19,.\n2020-03-20,0.92\n2020-03-23,\n"
    s = parse_series_csv(text, "DGS10.csv")
    assert list(s.index.strftime("%Y-%m-%d")) == [
        "2020-03-18",
        "2020-03-19",
        "2020-03-20",
        "2020-03-23",
    ]
    assert s.iloc[0] == 1.18 and s.iloc[2] == 0.92
    assert math.isnan(s.iloc[1]) and math.isnan(s.iloc[3])
    assert s.name == "DGS10"


def test_cboe_history_uses_us_dates_and_close_column() -> None:
    text = (
        "DATE,OPEN,HIGH,LOW,CLOSE\n"
        "09/18/2009,25.910000,26.660000,25.910000,26.540000\n"
        "09/21/2009,26.960000,27.240000,26.170000,26.230000\n"
    )
    s = parse_series_csv(text, "VIX3M_History.csv", name="VIX3M")
    assert s.index[0].strftime("%Y-%m-%d") == "2009-09-18"
    assert list(s) == [26.54, 26.23]
    assert s.name == "VIX3M"


def test_quoted_header_and_blank_lines() -> None:
    text = '"Date","APU000072610"\n1978-11-01,0.046\n\n1978-12-01,0.047\n'
    s = parse_series_csv(text, "APU.csv")
    assert list(s) == [0.046, 0.047]


def test_yfinance_three_line_header() -> None:
    text = (
        "Price,Adj Close,Close,High,Low,Open,Volume\n"
        "Ticker,^GSPC,^GSPC,^GSPC,^GSPC,^GSPC,^GSPC\n"
        "Date,,,,,,\n"
        "2010-01-04,1132.9899,1132.9899,1133.87,1116.56,1116.56,3991400000\n"
        "2010-01-05,1136.52,1136.52,1136.63,1129.66,1132.66,2491020000\n"
    )
    s = parse_series_csv(text, "gspc.csv", value_column="Close")
    assert list(s) == [1132.9899, 1136.52]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "file is empty"),
        ("   \n\n", "file is empty"),
        ("date,value\n", "header but no data rows"),
        ("date,value\n2020-01-02,1\n2020-01-02,2\n", "duplicate date 2020-01-02 (lines 2 and 3)"),
        (
            "date,value\n2020-01-03,1\n2020-01-02,2\n",
            "not in ascending order: 2020-01-02 on line 3",
        ),
        ("date,value\n2020-01-02,abc\n", "line 2: non-numeric value 'abc'"),
        ("date,value\n2020-01-02,1\n01/03/2020,2\n", "mixed date formats"),
        ("date,value\n2020-01-02,1\nyesterday,2\n", "line 3: cannot parse date 'yesterday'"),
        ("date,value\n2020-02-30,1\n", "line 2: invalid date '2020-02-30'"),
        ("date,value\n2020-01-02,inf\n", "not finite"),
        ("date,value\n2020-01-02\n", "line 2: expected 2 columns, found 1"),
        ("date\n2020-01-02\n", "expected a date column and a value column"),
    ],
)
def test_bad_csv_is_rejected_with_the_line(text: str, fragment: str) -> None:
    with pytest.raises(DataError) as info:
        parse_series_csv(text, "user.csv")
    assert "user.csv" in str(info.value)
    assert fragment in str(info.value)


def test_negative_price_rejected_only_when_positive_required() -> None:
    text = "date,value\n2020-04-17,18.27\n2020-04-20,-36.98\n"
    assert parse_series_csv(text, "wti.csv").iloc[1] == -36.98
    with pytest.raises(DataError, match=r"line 3: non-positive value -36\.98"):
        parse_series_csv(text, "sp.csv", positive=True)


def test_unsorted_allowed_when_asked_but_duplicates_never() -> None:
    text = "date,value\n2020-01-03,3\n2020-01-02,2\n"
    s = parse_series_csv(text, "x.csv", allow_unsorted=True)
    assert list(s) == [2.0, 3.0]
    with pytest.raises(DataError, match="duplicate"):
        parse_series_csv("date,value\n2020-01-03,3\n2020-01-03,2\n", "x.csv", allow_unsorted=True)


def test_ambiguous_value_column_must_be_named() -> None:
    text = "date,a,b\n2020-01-02,1,2\n"
    with pytest.raises(DataError, match="cannot tell which column"):
        parse_series_csv(text, "x.csv")
    assert parse_series_csv(text, "x.csv", value_column="b").iloc[0] == 2.0
    with pytest.raises(DataError, match="no column 'c'"):
        parse_series_csv(text, "x.csv", value_column="c")


def test_read_text_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_text(tmp_path / "missing.csv")
    with pytest.raises(DataError, match="is a directory"):
        read_text(tmp_path)
    binary = tmp_path / "blob.csv"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(DataError, match="not UTF-8"):
        read_text(binary)
