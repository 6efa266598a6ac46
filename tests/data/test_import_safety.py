"""`data import` never loses or silently replaces data; `data restore` undoes it.

Every refused or failing import must leave the cache directory byte for byte
as it was: the digest below covers every file's path and contents.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flowdesk.cli import app
from flowdesk.config import get_settings
from flowdesk.data import earnings_dates, load

runner = CliRunner()


def cache_digest() -> str:
    """sha256 over every file (relative path and bytes) under the cache directory."""
    root = Path(get_settings().cache_dir)
    digest = hashlib.sha256()
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def cli(*argv: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(argv))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return str(path)


def assert_refused(argv: tuple[str, ...], fragment: str) -> None:
    before = cache_digest()
    code, out, err = cli(*argv)
    assert code == 2, (out, err)
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: "), err
    assert "Traceback" not in err
    assert fragment in err, err
    assert cache_digest() == before


SP_SNAPSHOT_LAST = pd.Timestamp("2026-09-25")


def test_digest_sees_a_change(tmp_path: Path) -> None:
    # The guard itself must be able to fail.
    before = cache_digest()
    path = write(tmp_path, "a.csv", "date,value\n2024-01-02,1\n")
    code, _, _ = cli("data", "import", "MINE", path)
    assert code == 0 and cache_digest() != before


def test_builtin_id_needs_replace_and_nothing_is_written(tmp_path: Path) -> None:
    new = write(tmp_path, "x.csv", "date,value\n2026-09-28,110.5\n2026-09-29,111\n")
    assert_refused(("data", "import", "SP500", new), "add --replace")
    assert_refused(("data", "import", "SP500", new), "10,514 rows 1985-01-02 to 2026-09-25")
    assert_refused(("data", "import", "DGS10", new), "would replace the built-in data")
    # A live-only series never fetched is still a built-in id.
    assert_refused(("data", "import", "DFEDTARU", new), "no data yet")
    assert load("SP500").index[-1] == SP_SNAPSHOT_LAST
    # With the cache already in use (an earlier user series), still nothing changes.
    assert cli("data", "import", "MINE", new)[0] == 0
    assert_refused(("data", "import", "SP500", new), "add --replace")
    assert_refused(("data", "import", "MINE", new), "your import of x.csv")


def test_replace_prints_what_it_replaces(tmp_path: Path) -> None:
    new = write(tmp_path, "x.csv", "date,value\n2026-09-25,7000\n2026-09-28,7100\n")
    code, out, err = cli("data", "import", "SP500", new, "--replace")
    assert code == 0, err
    line = out.strip()
    assert len(line.splitlines()) == 1
    assert "imported SP500: 2 observations 2026-09-25 to 2026-09-28" in line
    assert "(1 new, 1 revised, 10513 kept, 0 removed)" in line
    assert "replaced the built-in data (10,514 rows 1985-01-02 to 2026-09-25)" in line
    assert load("SP500").loc["2026-09-25"] == 7000.0
    code, out, _ = cli("data", "import", "SP500", new, "--replace", "--format", "json")
    payload = json.loads(out)
    assert code == 0 and payload["replaced"] == {
        "what": "your import of x.csv", "rows": 10515, "first": "1985-01-02",
        "last": "2026-09-28"}


def test_failing_imports_leave_the_cache_unchanged(tmp_path: Path) -> None:
    good = write(tmp_path, "good.csv", "date,value\n2024-01-02,10\n2024-01-03,11\n")
    assert cli("data", "import", "MINE", good)[0] == 0
    assert cli("data", "import", "SP500", good, "--replace")[0] == 0
    bad_bodies = {
        "empty.csv": ("", "file is empty"),
        "header.csv": ("date,value\n", "no data rows"),
        "date.csv": ("date,value\n2024-01-05,1\nyesterday,2\n", "line 3: cannot parse date"),
        "value.csv": ("date,value\n2024-01-05,abc\n", "non-numeric value 'abc'"),
        "under.csv": ("date,value\n2024-01-05,1_000\n", "non-numeric value '1_000'"),
        "order.csv": ("date,value\n2024-01-05,1\n2024-01-04,2\n", "not in ascending order"),
        "short.csv": ("date,value\n2024-01-05\n", "expected 2 columns, found 1"),
        "blank.csv": ("date,value\n2024-01-05,\n", "no values to import (dropped 1 row"),
        "digits.csv": ("date,value\n2024-01-05,1\n2024-01-08,１２３\n", "row 2 (line 3)"),
    }
    for name, (body, fragment) in bad_bodies.items():
        path = write(tmp_path, name, body)
        for series_id in ("MINE", "SP500", "NEWONE"):
            assert_refused(("data", "import", series_id, path, "--replace"), fragment)
    assert list(load("MINE")) == [10.0, 11.0]


@pytest.mark.parametrize(
    ("value", "digit"),
    [("１２３", "１"), ("١٢٣", "١"), ("۱۲۳", "۱"), ("१२३", "१"), ("12３.5", "３")],
)
def test_non_ascii_digits_are_refused_with_the_row(
    tmp_path: Path, value: str, digit: str
) -> None:
    assert float(value.replace("３", "3")) > 0  # Python itself would accept them
    path = write(tmp_path, "d.csv", f"date,value\n2024-01-02,1\n\n2024-01-03,{value}\n")
    assert_refused(("data", "import", "MINE", path), f"row 2 (line 4): non-ASCII digit {digit!r}")
    dated = write(tmp_path, "e.csv", "date,value\n２０２４-01-02,1\n")
    assert_refused(("data", "import", "MINE", dated), "row 1 (line 2): non-ASCII digit '２'")


def test_dropped_rows_are_counted(tmp_path: Path) -> None:
    body = (
        "date,value,volume\n"
        "2024-01-02,1.5,10\n"
        "\n"
        "2024-01-03,,11\n"
        "2024-01-04,.,12\n"
        "2024-01-05,NA,13\n"
        "2024-01-08,1,234,14\n"  # an unquoted thousands separator: misaligned
        "2024-01-09,2.5,15\n"
    )
    code, out, err = cli("data", "import", "MINE", write(tmp_path, "m.csv", body))
    assert code == 0, err
    assert "2 observations" in out
    assert "dropped 5 rows" in out
    assert "1 blank line (first on line 3)" in out
    assert "1 empty value (first on line 4)" in out
    assert "1 row with more cells than the header (first on line 7)" in out
    assert "ignored column(s) volume" in out
    assert list(load("MINE")) == [1.5, 2.5]
    code, out, _ = cli("data", "import", "MINE2", write(tmp_path, "m.csv", body), "-f", "json")
    dropped = json.loads(out)["dropped"]
    assert dropped["rows"] == 5 and dropped["ignored_columns"] == ["volume"]
    assert dropped["reasons"]["missing-value marker '.'"] == 1


def test_restore_round_trip(tmp_path: Path) -> None:
    first = write(tmp_path, "first.csv", "date,value\n2026-09-28,110.5\n")
    second = write(tmp_path, "second.csv", "date,value\n2026-09-29,120\n2026-09-30,121\n")
    assert cli("data", "import", "SP500", first, "--replace")[0] == 0
    assert load("SP500").iloc[-1] == 110.5
    assert cli("data", "import", "SP500", second, "--replace")[0] == 0
    assert load("SP500").index[-1] == pd.Timestamp("2026-09-30")
    assert pd.Timestamp("2026-09-28") not in load("SP500").index  # replaced, not merged
    code, out, err = cli("data", "restore", "SP500")
    assert code == 0, err
    assert "undid second.csv (2 rows 2026-09-29 to 2026-09-30)" in out
    assert "the previous import first.csv (1 row 2026-09-28 to 2026-09-28) is back" in out
    assert load("SP500").iloc[-1] == 110.5
    code, out, _ = cli("data", "restore", "SP500", "--format", "json")
    assert code == 0 and json.loads(out)["now_in_effect"] == "built-in"
    assert load("SP500").index[-1] == SP_SNAPSHOT_LAST
    assert_refused(("data", "restore", "SP500"), "nothing to restore")
    assert_refused(("data", "restore", "NOPE"), "nothing to restore")


def test_restore_a_user_series_and_earnings_dates(tmp_path: Path) -> None:
    one = write(tmp_path, "one.csv", "date,value\n2024-01-02,1\n")
    two = write(tmp_path, "two.csv", "date,value\n2024-01-02,2\n")
    assert cli("data", "import", "MINE", one)[0] == 0
    assert cli("data", "import", "MINE", two, "--replace")[0] == 0
    assert cli("data", "restore", "MINE")[0] == 0 and list(load("MINE")) == [1.0]
    code, out, _ = cli("data", "restore", "MINE")
    assert code == 0 and "the user series MINE no longer exists" in out
    assert_refused(("data", "show", "MINE"), "unknown series id")

    dates = write(tmp_path, "dates.csv", "ticker,report_date\nXYZ,2024-02-01\nxyz,2024-02-01\n")
    assert_refused(("data", "import", "EARNINGS_DATES", dates), "the built-in table (36,845 rows")
    code, out, _ = cli("data", "import", "EARNINGS_DATES", dates, "--replace")
    assert code == 0 and "1 duplicate row (first on line 3)" in out
    assert "replaced the built-in table (36,845 rows 2003-07-28 to 2025-11-20)" in out
    assert_refused(("data", "import", "EARNINGS_DATES", dates), "your import of dates.csv")
    assert earnings_dates().attrs["source"] == "user"
    code, out, _ = cli("data", "restore", "EARNINGS_DATES")
    assert code == 0 and "built-in data are used again" in out
    assert earnings_dates().attrs["source"] == "snapshot"
    bad = write(tmp_path, "bad.csv", "ticker,report_date\nXYZ,２０２４-02-01\n")
    assert_refused(("data", "import", "EARNINGS_DATES", bad, "--replace"),
                   "row 1 (line 2): non-ASCII digit '２' in report_date")


def test_list_marks_shadowed_series(tmp_path: Path) -> None:
    new = write(tmp_path, "x.csv", "date,value\n2026-09-28,110.5\n")
    code, out, _ = cli("data", "list", "--format", "json")
    assert code == 0 and not any(r["shadowed"] for r in json.loads(out))
    assert "*" not in cli("data", "list", "--category", "markets")[1].replace("S&P", "")
    assert cli("data", "import", "SP500", new, "--replace")[0] == 0
    rows = {r["id"]: r for r in json.loads(cli("data", "list", "--format", "json")[1])}
    assert rows["SP500"]["shadowed"] is True and rows["SP500"]["origin"] == "user+snapshot"
    assert rows["SP500"]["last"] == "2026-09-28" and rows["NDX"]["shadowed"] is False
    code, out, _ = cli("data", "list", "--category", "markets")
    line = next(li for li in out.splitlines() if "SP500" in li)
    assert "SP500 *" in line and "data restore" in out
    assert cli("data", "restore", "SP500")[0] == 0
    rows = {r["id"]: r for r in json.loads(cli("data", "list", "--format", "json")[1])}
    assert rows["SP500"]["shadowed"] is False and rows["SP500"]["origin"] == "snapshot"


def test_restore_brings_back_a_later_live_update(tmp_path: Path) -> None:
    from flowdesk.data.store import Store

    mine = write(tmp_path, "x.csv", "date,value\n2026-09-28,110.5\n")
    assert cli("data", "import", "SP500", mine, "--replace")[0] == 0
    # A live update (what `data update` does) lands in the cache under the import.
    fetched = pd.Series([7800.0, 7810.0], index=pd.to_datetime(["2026-09-28", "2026-09-29"]))
    Store(get_settings().cache_dir).merge("SP500", fetched, source="yahoo")
    assert load("SP500").loc["2026-09-28"] == 110.5  # the import wins on its dates
    assert load("SP500").loc["2026-09-29"] == 7810.0
    assert cli("data", "restore", "SP500")[0] == 0
    assert load("SP500").loc["2026-09-28"] == 7800.0  # the cached data, not the import
    assert load("SP500").loc["2020-03-23"] == pytest.approx(2237.4, abs=0.1)


def test_import_keys_are_reserved(tmp_path: Path) -> None:
    path = write(tmp_path, "x.csv", "date,value\n2024-01-02,1\n")
    assert_refused(("data", "import", "SP500.USER", path, "--replace"), "reserved")
    assert_refused(("data", "import", "NETLIQ", path, "--replace"), "derived")


def test_a_corrupted_import_after_restore_never_brings_back_the_undone_one(
    tmp_path: Path,
) -> None:
    one = write(tmp_path, "one.csv", "date,value\n2024-01-02,1\n")
    two = write(tmp_path, "two.csv", "date,value\n2024-01-02,2\n")
    assert cli("data", "import", "MINE", one)[0] == 0
    assert cli("data", "import", "MINE", two, "--replace")[0] == 0
    assert cli("data", "restore", "MINE")[0] == 0
    series_dir = Path(get_settings().cache_dir) / "series"
    (series_dir / "MINE.parquet").write_bytes(b"garbage")
    code, _, err = cli("data", "show", "MINE")
    assert "corrupted" in err
    assert code == 2  # gone, rather than two.csv again
