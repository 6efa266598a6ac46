"""FED_SPEECHES: snapshot contents, coverage, point in time, user override, bad files."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from flowdesk.cli import main
from flowdesk.data import list_series, load
from flowdesk.data.api import import_series, restore_series
from flowdesk.data.speeches import (
    SPEECHES_ID,
    check_speeches_table,
    load_fed_speeches,
    merge_fed_speeches,
    read_speeches_csv,
    save_fed_speeches,
)
from flowdesk.errors import DataError

SHARED_CSV = (
    Path(__file__).resolve().parents[3]
    / "shared" / "data" / "public_domain" / "fed_speeches_board_2025_2026.csv"
)
URL = "https://www.federalreserve.gov/newsevents/speech/"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------- snapshot
def test_snapshot_matches_the_published_facts() -> None:
    cal = load_fed_speeches()
    frame = cal.frame
    # ../shared/data/MANIFEST.md: 172 rows, 2025-01-06 to 2026-08-05, one row without speaker.
    assert len(frame) == 172
    assert frame["date"].iloc[0] == pd.Timestamp("2025-01-06")
    assert frame["date"].iloc[-1] == pd.Timestamp("2026-08-05")
    assert (frame["speaker"] == "").sum() == 1
    assert list(frame.columns) == ["date", "speaker", "title", "url"]
    assert frame["date"].dtype == "datetime64[ns]"
    assert frame["date"].is_monotonic_increasing
    assert cal.origin == "snapshot"
    assert cal.scope == "Board members only (no regional Fed presidents)"
    # Coverage is whole months: 2025-01 to 2026-08.
    assert (cal.start, cal.end) == (pd.Timestamp("2025-01-01"), pd.Timestamp("2026-08-31"))
    # MANIFEST.md names 2026-04 (4 speeches) and 2026-06 (3) as thin.
    assert {"2026-04", "2026-06"} <= set(cal.thin_months)
    assert "2025-10" not in cal.thin_months


@pytest.mark.skipif(not SHARED_CSV.exists(), reason="needs ../shared/data (not in CI)")
def test_snapshot_is_the_shared_csv_row_for_row_and_thin_months_recount() -> None:
    with SHARED_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == ["date", "speaker", "title", "url"]
        # Cells are stored stripped (one published title ends in a space).
        published = [tuple(cell.strip() for cell in row) for row in reader]
    cal = load_fed_speeches()
    ours = [(d.strftime("%Y-%m-%d"), s, t, u) for d, s, t, u in cal.frame.itertuples(index=False)]
    assert ours == published
    # Thin months recounted with the csv module: fewer than 5 rows in a month.
    counts = Counter(row[0][:7] for row in published)
    months = [f"{y}-{m:02d}" for y in (2025, 2026) for m in range(1, 13)]
    months = [m for m in months if "2025-01" <= m <= "2026-08"]
    assert cal.thin_months == tuple(m for m in months if counts[m] < 5)


def test_data_list_shows_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "data", "list", "--format", "json")
    row = {r["id"]: r for r in json.loads(out)}[SPEECHES_ID]
    assert code == 0
    assert (row["rows"], row["first"], row["last"]) == (172, "2025-01-06", "2026-08-05")


# ---------------------------------------------------------------- coverage
@pytest.fixture
def small(tmp_path: Path) -> Path:
    # Three speeches in 2025-03 (two the same day), none in 2025-04, five in 2025-05.
    rows = ["date,speaker,title,url",
            f"2025-03-03,Powell,Outlook,{URL}powell20250303a.htm",
            f"2025-03-03,Jefferson,Banking,{URL}jefferson20250303a.htm",
            "2025-03-20,,Untitled remarks,"]
    rows += [f"2025-05-{d:02d},Waller,Talk {d},{URL}waller202505{d:02d}a.htm"
             for d in (1, 2, 5, 6, 31)]
    return _write(tmp_path / "speeches.csv", "\n".join(rows) + "\n")


def test_coverage_text_covers_and_speech_days(small: Path) -> None:
    import_series(SPEECHES_ID, small, replace=True)
    cal = load_fed_speeches()
    assert cal.origin == "user"
    assert (cal.start, cal.end) == (pd.Timestamp("2025-03-01"), pd.Timestamp("2025-05-31"))
    # 2025-03 has 3 rows, 2025-04 none, 2025-05 five (not thin).
    assert cal.thin_months == ("2025-03", "2025-04")
    assert cal.coverage_text() == (
        "Fed speeches: as listed in your import speeches.csv, 2025-03-01 to 2025-05-31"
        " (8 speeches; thin: 2025-03, 2025-04); outside this range speech days are unknown"
    )
    assert cal.to_dict() == {
        "scope": "as listed in your import speeches.csv", "origin": "user",
        "start": "2025-03-01", "end": "2025-05-31", "speeches": 8,
        "thin_months": ["2025-03", "2025-04"], "text": cal.coverage_text()}
    assert cal.covers("2025-03-01") and cal.covers("2025-05-31") and cal.covers("2025-04-15")
    assert not cal.covers("2025-02-28") and not cal.covers("2025-06-01")
    assert list(cal.speech_days().strftime("%Y-%m-%d")) == [
        "2025-03-03", "2025-03-20", "2025-05-01", "2025-05-02", "2025-05-05", "2025-05-06",
        "2025-05-31"]
    # Point in time: a speech is known only from its date on.
    assert list(cal.speech_days("2025-05-01").strftime("%Y-%m-%d")) == [
        "2025-03-03", "2025-03-20", "2025-05-01"]
    assert len(cal.speech_days("2025-03-02")) == 0
    known = load(SPEECHES_ID, asof="2025-03-19")
    assert list(known["speaker"]) == ["Powell", "Jefferson"]


def test_coverage_text_of_the_snapshot_is_one_line() -> None:
    text = load_fed_speeches().coverage_text()
    assert "\n" not in text
    assert text.startswith("Fed speeches: Board members only (no regional Fed presidents),"
                           " 2025-01-01 to 2026-08-31 (172 speeches; thin: ")
    assert text.endswith("outside this range speech days are unknown")


# ---------------------------------------------------------------- user override
def test_import_needs_replace_and_restore_brings_the_snapshot_back(small: Path) -> None:
    with pytest.raises(DataError, match=r"FED_SPEECHES: importing .* would replace the"
                                        r" built-in table \(172 rows.*add --replace"):
        import_series(SPEECHES_ID, small)
    assert load_fed_speeches().origin == "snapshot"
    outcome = import_series(SPEECHES_ID, small, replace=True)
    assert (outcome.entry.rows, outcome.added, outcome.kept, outcome.removed) == (8, 8, 0, 172)
    assert list_series().loc[SPEECHES_ID, "origin"] == "user"
    restore_series(SPEECHES_ID)
    assert load_fed_speeches().origin == "snapshot"


def test_import_without_url_column_and_duplicates_dropped(tmp_path: Path) -> None:
    path = _write(tmp_path / "s.csv", "Date,Speaker,Title\n2025-01-02,Powell,A\n"
                                      "2025-01-02,Powell,A\n\n2024-12-30,Cook,B\n")
    outcome = import_series(SPEECHES_ID, path, replace=True)
    assert outcome.dropped.counts == {"duplicate row": 1, "blank line": 1}
    frame = load_fed_speeches().frame
    assert list(frame["date"].dt.strftime("%Y-%m-%d")) == ["2024-12-30", "2025-01-02"]
    assert list(frame["url"]) == ["", ""]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"is empty"),
        ("date,speaker,title,url\n", r"has a header but no rows"),
        ("date,title\n2025-01-02,A\n", r"missing column\(s\) speaker"),
        ("date,speaker,title\n2025-01-02,Powell,A\n02/01/2025,Cook,B\n",
         r"row 2 \(line 3\): cannot parse date '02/01/2025' \(expected YYYY-MM-DD\)"),
        ("date,speaker,title\n,Powell,A\n", r"row 1 \(line 2\): empty date"),
        ("date,speaker,title\n1900-01-02,Powell,A\n", r"row 1 \(line 2\): date 1900-01-02 is"
                                                      r" outside 1913-01-01"),
        ("date,speaker,title\n２０２５-01-02,Powell,A\n", r"non-ASCII digit"),
    ],
)
def test_bad_files_name_the_file_and_row(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(DataError, match=message) as info:
        read_speeches_csv(path)
    assert "FED_SPEECHES" in str(info.value) and "bad.csv" in str(info.value)


def test_cli_bad_file_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _write(tmp_path / "bad.csv", "date,speaker,title\n2025-13-01,Powell,A\n")
    code, _, err = run(capsys, "data", "import", SPEECHES_ID, str(path), "--replace")
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "bad.csv" in lines[0] and "2025-13-01" in lines[0], err
    assert "Traceback" not in err
    assert load_fed_speeches().origin == "snapshot"


def test_missing_file_is_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "data", "import", SPEECHES_ID, str(tmp_path / "nope.csv"))
    assert code == 2 and "does not exist" in err


# ---------------------------------------------------------------- live merge
def test_merge_keeps_known_speeches_and_fills_blanks_by_url() -> None:
    old = pd.DataFrame({"date": ["2025-01-02", "2025-01-03", "2025-01-03"],
                        "speaker": ["Powell", "", ""], "title": ["Old title", "B", "No url"],
                        "url": [f"{URL}a.htm", f"{URL}b.htm", ""]})
    new = pd.DataFrame({"date": ["2025-01-02", "2025-01-03", "2025-01-09", "2025-01-03"],
                        "speaker": ["Powell", "Cook", "Barr", ""],
                        "title": ["New title", "B", "C", "No url"],
                        "url": [f"{URL}a.htm", f"{URL}b.htm", f"{URL}c.htm", ""]})
    merged, revised = merge_fed_speeches(old, new)
    # a.htm keeps its title (a fact), b.htm gets its missing speaker, c.htm is new,
    # the url-less row is the same row and is not repeated.
    assert revised == 1
    assert list(merged["title"]) == ["Old title", "B", "No url", "C"]
    assert list(merged["speaker"]) == ["Powell", "Cook", "", "Barr"]


def test_save_builds_on_the_snapshot_and_user_import_keeps_precedence(small: Path) -> None:
    new = pd.DataFrame({"date": ["2026-09-10"], "speaker": ["Waller"], "title": ["Outlook"],
                        "url": [f"{URL}waller20260910a.htm"]})
    outcome = save_fed_speeches(new, origin="fedboard")
    assert (outcome.added, outcome.revised, outcome.kept) == (1, 0, 172)
    cal = load_fed_speeches()
    assert cal.origin == "cache" and len(cal.frame) == 173
    assert cal.end == pd.Timestamp("2026-09-30")
    import_series(SPEECHES_ID, small, replace=True)
    save_fed_speeches(new, origin="fedboard")
    assert load_fed_speeches().origin == "user"


def test_check_rejects_non_tables_and_repeated_columns() -> None:
    with pytest.raises(DataError, match="expected a table"):
        check_speeches_table([1, 2], "x")  # type: ignore[arg-type]
    frame = pd.DataFrame([["2025-01-02", "a", "b", "c"]], columns=["date", "Date", "title",
                                                                   "speaker"])
    with pytest.raises(DataError, match="two columns are named 'date'"):
        check_speeches_table(frame, "x")
