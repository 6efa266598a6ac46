"""EARNINGS_DATES: snapshot contents, point-in-time loading, merging, precedence, bad input."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pandas as pd
import pytest

from flowdesk.data import (
    EARNINGS_ID,
    check_earnings_table,
    earnings_dates,
    list_series,
    load,
    merge_earnings_dates,
    save_earnings_dates,
)
from flowdesk.data.api import import_series
from flowdesk.errors import DataError

SHARED_CSV = (
    Path(__file__).resolve().parents[3]
    / "shared" / "data" / "public_domain" / "sec_8k_item202_earnings_dates.csv"
)


def _frame(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["ticker", "report_date"])


def _rows(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return [(t, d.strftime("%Y-%m-%d")) for t, d in frame.itertuples(index=False)]


# ---------------------------------------------------------------- snapshot contents
@pytest.mark.skipif(not SHARED_CSV.exists(), reason="needs ../shared/data (not in CI)")
def test_snapshot_table_is_the_shared_csv_row_for_row() -> None:
    with SHARED_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        assert next(reader) == ["ticker", "report_date"]
        published = sorted((t, d) for t, d in reader)
    table = earnings_dates()
    # MANIFEST.md: 36,845 rows for the 505 current S&P 500 members.
    assert len(published) == 36_845 and len({t for t, _ in published}) == 505
    assert len(table) == 36_845 and table["ticker"].nunique() == 505
    assert _rows(table) == published


def test_snapshot_table_shape_and_known_filings() -> None:
    table = earnings_dates()
    assert list(table.columns) == ["ticker", "report_date"]
    assert table["report_date"].dtype == "datetime64[ns]"
    assert pd.api.types.is_string_dtype(table["ticker"])
    assert (table["report_date"] == table["report_date"].dt.normalize()).all()
    assert not table.duplicated().any()
    assert table.equals(table.sort_values(["ticker", "report_date"]).reset_index(drop=True))
    assert table.attrs["source"] == "snapshot"
    # Coverage from ../shared/data/MANIFEST.md: 2003-07-28 to 2025-11-20.
    assert table["report_date"].min() == pd.Timestamp("2003-07-28")
    assert table.attrs["last_known"] == pd.Timestamp("2025-11-20")
    # Apple's 8-K Item 2.02 filings for its fiscal Q3 and Q4 2024 (SEC EDGAR).
    aapl = set(table.loc[table["ticker"] == "AAPL", "report_date"])
    assert {pd.Timestamp("2024-08-01"), pd.Timestamp("2024-10-31")} <= aapl


def test_catalog_and_provenance_state_source_and_survivorship() -> None:
    from importlib import resources

    from flowdesk.data import get_spec

    spec = get_spec(EARNINGS_ID)
    assert (spec.kind, spec.source, spec.category) == ("table", "sec", "corporate")
    assert spec.attribution == "Source: SEC EDGAR, Form 8-K Item 2.02 filing dates"
    assert "survivorship" in spec.notes.lower()
    text = resources.files("flowdesk.data.snapshot").joinpath("PROVENANCE.md").read_text(
        encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith(f"| {EARNINGS_ID} |"))
    assert "| 36845 | 2003-07-28 | 2025-11-20 |" in row and "survivorship" in row


def test_asof_keeps_only_filings_made_by_then() -> None:
    before = earnings_dates("2024-07-31")
    on = earnings_dates("2024-08-01")
    aapl_on = set(on.loc[on["ticker"] == "AAPL", "report_date"])
    aapl_before = set(before.loc[before["ticker"] == "AAPL", "report_date"])
    assert pd.Timestamp("2024-08-01") in aapl_on and pd.Timestamp("2024-10-31") not in aapl_on
    assert pd.Timestamp("2024-08-01") not in aapl_before
    assert on["report_date"].max() <= pd.Timestamp("2024-08-01")
    assert on.attrs["last_known"] == on["report_date"].max()
    assert earnings_dates("2003-01-01").empty
    assert earnings_dates("2003-01-01").attrs["last_known"] is None
    # The generic loader applies the same point-in-time cut.
    assert len(load(EARNINGS_ID, asof="2024-08-01")) == len(on)


def test_loads_are_fast_and_return_copies() -> None:
    earnings_dates()
    start = time.perf_counter()
    first = earnings_dates()
    assert time.perf_counter() - start < 0.05
    first.loc[0, "ticker"] = "CHANGED"
    first.loc[1, "report_date"] = pd.Timestamp("2000-01-01")
    again = earnings_dates()
    assert "CHANGED" not in set(again["ticker"])
    assert pd.Timestamp("2000-01-01") not in set(again["report_date"])


# ---------------------------------------------------------------- merge
def test_merge_is_a_union_that_never_drops_an_old_row() -> None:
    old = _frame([("MSFT", "2024-01-30"), ("AAPL", "2024-02-01"), ("AAPL", "2024-05-02")])
    new = _frame([("AAPL", "2024-05-02"), ("AAPL", "2024-08-01"), ("nvda ", "2024-08-28")])
    merged = merge_earnings_dates(old, new)
    assert _rows(merged) == [
        ("AAPL", "2024-02-01"),
        ("AAPL", "2024-05-02"),
        ("AAPL", "2024-08-01"),
        ("MSFT", "2024-01-30"),
        ("NVDA", "2024-08-28"),
    ]
    # Nothing new, or nothing old: the other side comes back whole.
    assert _rows(merge_earnings_dates(old, _frame([]))) == sorted(_rows(check_earnings_table(
        old, "old")))
    assert len(merge_earnings_dates(None, new)) == 3


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("frame", "fragment"),
    [
        (pd.DataFrame({"ticker": ["A"], "date": ["2024-01-02"]}), "missing column(s) report_date"),
        (_frame([]), "no rows"),
        (_frame([("A", "2024-01-02"), ("B", "2024-13-01")]), "row 2: cannot parse report_date"),
        (_frame([("A", "2024-01-02"), ("B", "")]), "row 2: empty report_date"),
        (_frame([("A", "2024-01-02"), ("  ", "2024-01-03")]), "row 2: empty ticker"),
        (_frame([("A", "02/01/2024")]), "expected YYYY-MM-DD"),
        (_frame([("A", "1990-06-01")]), "outside 1993-01-01"),
        (_frame([("A", "2099-06-01")]), "outside 1993-01-01"),
        (pd.DataFrame({"ticker": ["A"], "report_date": [20240801]}),
         "cannot parse report_date 20240801"),
        (pd.DataFrame([["A", "2024-01-02", "2024-01-03"]],
                      columns=["ticker", "report_date", "Report_Date"]),
         "two columns are named 'report_date'"),
    ],
)
def test_bad_tables_name_the_table_and_the_problem(frame: pd.DataFrame, fragment: str) -> None:
    with pytest.raises(DataError) as info:
        check_earnings_table(frame, "mytable")
    message = str(info.value)
    assert message.startswith("mytable: ") and fragment in message and "\n" not in message


def test_check_drops_duplicates_and_normalises() -> None:
    frame = pd.DataFrame(
        {
            "Ticker ": ["aapl", "AAPL", "MSFT"],
            "REPORT_DATE": [pd.Timestamp("2024-08-01 16:30"), "2024-08-01", "2024-07-30"],
            "extra": [1, 2, 3],
        }
    )
    out = check_earnings_table(frame, "t")
    assert _rows(out) == [("AAPL", "2024-08-01"), ("MSFT", "2024-07-30")]
    assert list(out.columns) == ["ticker", "report_date"] and list(out.index) == [0, 1]


# ---------------------------------------------------------------- precedence
def test_precedence_user_over_cache_over_snapshot(tmp_path: Path) -> None:
    snapshot_rows = len(earnings_dates())
    # One date after the snapshot ends (Apple's fiscal Q1 2026 release), one it has.
    fetched = _frame([("AAPL", "2026-01-29"), ("AAPL", "2024-10-31")])
    outcome = save_earnings_dates(fetched, origin="sec")
    assert outcome.added == 1 and outcome.kept == snapshot_rows
    cached = earnings_dates()
    assert cached.attrs["source"] == "cache" and len(cached) == snapshot_rows + 1
    assert cached.attrs["last_known"] == pd.Timestamp("2026-01-29")
    # A second update keeps the first one's rows (merged into the cache copy).
    save_earnings_dates(_frame([("ZZZZ", "2026-02-15")]), origin="sec")
    cached = earnings_dates()
    assert {("AAPL", "2026-01-29"), ("ZZZZ", "2026-02-15")} <= set(_rows(cached))
    assert len(cached) == snapshot_rows + 2
    assert cached.attrs["last_known"] == pd.Timestamp("2026-02-15")

    mine = tmp_path / "mine.csv"
    mine.write_text("ticker,report_date\nXYZ,2024-02-01\nXYZ,2024-05-02\n", encoding="utf-8")
    import_series(EARNINGS_ID, mine, replace=True)
    user = earnings_dates()
    assert user.attrs["source"] == "user" and _rows(user) == [
        ("XYZ", "2024-02-01"), ("XYZ", "2024-05-02")]
    # A live update after the import changes the cache copy, not what loads.
    save_earnings_dates(_frame([("AAPL", "2026-04-30")]), origin="sec")
    assert earnings_dates().attrs["source"] == "user" and len(earnings_dates()) == 2
    row = list_series().loc[EARNINGS_ID]
    assert row["origin"] == "user" and row["rows"] == 2 and row["last"] == "2024-05-02"


def test_list_shows_the_snapshot_table() -> None:
    row = list_series().loc[EARNINGS_ID]
    assert (row["rows"], row["first"], row["last"]) == (36_845, "2003-07-28", "2025-11-20")
    assert row["source"] == "sec" and row["origin"] == "snapshot"
    assert row["category"] == "corporate"


# ---------------------------------------------------------------- import files
@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "is empty"),
        (b"\n \n", "is empty"),
        (b"ticker,report_date\n", "has a header but no rows"),
        (b"symbol,date\nA,2024-01-02\n", "missing column(s) ticker, report_date"),
        (b"ticker,report_date\nA,2024-01-02\n\nB,2024-02-30\n", "row 2 (line 4): cannot parse"),
        (b"ticker,report_date\n\xff\xfeA,2024-01-02\n", "not UTF-8"),
    ],
)
def test_import_of_bad_files_fails_with_one_line(
    tmp_path: Path, body: bytes, fragment: str
) -> None:
    path = tmp_path / "dates.csv"
    path.write_bytes(body)
    with pytest.raises(DataError) as info:
        import_series(EARNINGS_ID, path)
    message = str(info.value)
    assert fragment in message and str(path) in message and EARNINGS_ID in message
    assert earnings_dates().attrs["source"] == "snapshot"  # nothing was written
