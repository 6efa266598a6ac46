"""The cases file: the shipped public cases and one clear line for every bad input."""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from flowdesk.errors import DataError
from flowdesk.validation.cases import FIELDS, SHIPPED_FILE, parse_cases, read_cases, shipped_cases

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "desk_public"
PACKAGE = resources.files("flowdesk.validation")


def test_the_shipped_cases_parse_with_every_column_and_a_source_each() -> None:
    cases = shipped_cases()
    assert cases.shipped and cases.label == "published_desk_estimates.csv"
    assert cases.columns == tuple(FIELDS) and cases.ignored == () and cases.notes == ()
    assert len(cases.cases) == 6
    assert cases.dates[0] == pd.Timestamp("2022-09-16")
    assert all(c.source.startswith("https://") for c in cases.cases)
    first = cases.cases[0]
    assert (first.line, first.date, first.desk) == (2, pd.Timestamp("2024-01-29"),
                                                    "Goldman Sachs CTA Corner")
    assert first.values["pivot_short"] == 4728 and first.values["flow_1w_up_spx"] == -0.933
    assert "buyback_blackout_share" not in first.values  # an empty cell: not given


def test_the_shipped_copy_has_its_provenance() -> None:
    raw = PACKAGE.joinpath(SHIPPED_FILE).read_bytes()
    provenance = PACKAGE.joinpath("cases/PROVENANCE.md").read_text(encoding="utf-8")
    assert hashlib.sha256(raw).hexdigest() in provenance
    assert "published_desk_estimates.csv" in provenance
    for case in shipped_cases().cases:
        assert case.source in raw.decode()


@pytest.mark.skipif(not (SHARED / "published_desk_estimates.csv").exists(),
                    reason="needs ../shared/data/desk_public")
def test_the_shipped_copy_is_the_shared_file_unchanged() -> None:
    shared = (SHARED / "published_desk_estimates.csv").read_bytes()
    assert PACKAGE.joinpath(SHIPPED_FILE).read_bytes() == shared


def test_a_users_file_in_any_column_order_and_case(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text("Pivot_Short,DATE,notes,Desk\n5000,2024-03-04,x,me\n,2024-03-05,y,me\n"
                    "\n5100,2024-03-05,z,you\n", encoding="utf-8")
    cases = read_cases(path)
    assert cases.columns == ("pivot_short",) and not cases.shipped
    assert cases.ignored == ("notes",)
    assert [(c.line, c.desk, dict(c.values)) for c in cases.cases] == [
        (2, "me", {"pivot_short": 5000.0}), (3, "me", {}), (5, "you", {"pivot_short": 5100.0})]
    assert any("ignored column(s) not in the layout: 'notes'" in n for n in cases.notes)
    assert any("line(s) 3 give no figure" in n for n in cases.notes)
    assert cases.dates == [pd.Timestamp("2024-03-04"), pd.Timestamp("2024-03-05")]
    assert [c.line for c in cases.up_to(pd.Timestamp("2024-03-04")).cases] == [2]


@pytest.mark.parametrize(("text", "says"), [
    ("", "cases file f.csv: is empty"),
    ("pivot_short\n5000\n", "cases file f.csv: no 'date' column in the header (line 1: "
                            "'pivot_short')"),
    ("date,foo\n2024-01-02,1\n", "cases file f.csv: no recognised value columns; expected "
                                 "some of pivot_short"),
    ("date,pivot_short\n", "cases file f.csv: has a header but no cases"),
    ("date,pivot_short,date\n", "line 1: column 'date' appears twice"),
    ("date,pivot_short\n2024-01-02,5000,1\n", "line 2: 3 fields, the header has 2"),
    ("date,pivot_short\n,5000\n", "line 2, column date: the date is empty"),
    ("date,pivot_short\n02/01/2024,5000\n",
     "line 2, column date: invalid date '02/01/2024'; expected YYYY-MM-DD"),
    ("date,pivot_short\n2024-02-30,5000\n", "line 2, column date: invalid date '2024-02-30'"),
    ("date,pivot_short\n2024-01-02,abc\n",
     "line 2 (date 2024-01-02), column pivot_short: 'abc' is not a number"),
    ("date,pivot_short\n2024-01-02,inf\n",
     "line 2 (date 2024-01-02), column pivot_short: 'inf' is not a finite number"),
    ("date,pivot_short\n2024-01-02,-5\n", "column pivot_short: -5 is out of range (index "
                                          "points: must be above 0)"),
    ("date,cta_position_percentile\n2024-01-02,150\n",
     "column cta_position_percentile: 150 is out of range (percentile (0-100): must be at "
     "most 100)"),
    ("date,buyback_blackout_share\n2024-01-02,55\n", "must be at most 1"),
    ("date,desk,pivot_short\n2024-01-02,A,1\n2024-01-03,A,2\n2024-01-02,A,3\n",
     "line 4: date 2024-01-02 repeated for desk 'A' (first on line 2)"),
    ("date,pivot_short\n2024-01-02,1\n2024-01-02,3\n",
     "line 3: date 2024-01-02 repeated (first on line 2)"),
    ('date,pivot_short\n"2024-01-02,1\n', "line 2: not valid CSV (unexpected end of data)"),
    ("date,pivot_short\n2024-01-02,1\x00\n", "column pivot_short: '1\\x00' is not a number"),
])
def test_bad_input_is_one_line_naming_the_file_line_and_column(text: str, says: str) -> None:
    with pytest.raises(DataError) as info:
        parse_cases(text, "f.csv")
    message = str(info.value)
    assert says in message and "\n" not in message
    assert message.startswith("cases file f.csv: ")


def test_one_date_for_two_desks_is_two_cases() -> None:
    cases = parse_cases("date,desk,pivot_short\n2024-01-02,A,1\n2024-01-02,B,2\n", "f.csv")
    assert [c.desk for c in cases.cases] == ["A", "B"] and len(cases.dates) == 1


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"^cases file .*nope\.csv: does not exist$"):
        read_cases(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        read_cases(tmp_path)
    binary = tmp_path / "x.parquet"
    binary.write_bytes(b"PAR1\xff\xfe\x00\x81")
    with pytest.raises(DataError, match=r"is not UTF-8 text .*expected a CSV text file"):
        read_cases(binary)
