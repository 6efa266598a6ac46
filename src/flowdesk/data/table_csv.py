"""Reading a small user CSV table (``data import`` of a named table) and checking its dates.

The company report dates and the Fed speeches calendar are tables, not series,
but their files break the same ways: not UTF-8, empty, a header with no rows,
blank lines, rows with more cells than the header (a misaligned row would read
a date from the wrong cell), malformed quoting. This reads the text once and
returns the raw cells with the line each came from; the table's own module
then checks its columns and values and counts repeated rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flowdesk.data.dropped import DroppedRows
from flowdesk.data.formats import non_ascii_digit, read_text
from flowdesk.dates import today
from flowdesk.errors import DataError

__all__ = ["CsvCells", "count_duplicates", "date_column", "is_blank", "read_table_cells",
           "table_columns", "where"]


@dataclass(frozen=True)
class CsvCells:
    """A table file's rows as strings.

    Attributes
    ----------
    frame
        One object column per header name (stripped), rows padded to its width.
    lines
        The file line of each row, for error messages.
    dropped
        Rows left out (blank lines, over-long rows) and header names not in
        ``columns``.
    name
        ``"<TABLE>: file <path>"``, the prefix of every message about the file.
    """

    frame: pd.DataFrame
    lines: list[int]
    dropped: DroppedRows
    name: str


def read_table_cells(path: Path, table_id: str, columns: Sequence[str]) -> CsvCells:
    """Read ``path`` as a CSV table of ``table_id`` whose known columns are ``columns``.

    Raises
    ------
    DataError
        Naming the table and file: missing or not UTF-8, empty, malformed CSV
        (with the line), or a header with no data rows.
    """
    name = f"{table_id}: file {path}"
    try:
        text = read_text(path)
    except DataError as exc:
        raise DataError(f"{table_id}: {exc}") from None
    if not text.strip():
        raise DataError(f"{name}: is empty")
    dropped = DroppedRows()
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    try:
        for cells in reader:
            if not any(c.strip() for c in cells):
                if header is not None:
                    dropped.add("blank line", reader.line_num)
                continue
            if header is None:
                header = [h.strip() for h in cells]
            elif len(cells) > len(header):
                # Misaligned: a date could be read from the wrong cell.
                dropped.add("row with more cells than the header", reader.line_num)
            else:
                rows.append(cells)
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise DataError(f"{name}: line {reader.line_num}: malformed CSV ({exc})") from None
    assert header is not None  # the text has a non-blank line
    if not rows:
        raise DataError(f"{name}: has a header but no rows")
    width = len(header)
    frame = pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=header, dtype=object)
    known = {c.lower() for c in columns}
    dropped.ignored_columns = tuple(h for h in header if h.lower() not in known)
    return CsvCells(frame=frame, lines=lines, dropped=dropped, name=name)


def count_duplicates(
    cells: CsvCells, normalise: Mapping[str, Callable[[pd.Series], pd.Series]]
) -> None:
    """Record each row that repeats an earlier one as a ``duplicate row`` in ``cells.dropped``.

    ``normalise`` maps each known column (lower case) to how its cells compare,
    e.g. stripped and upper-cased tickers; columns absent from the file are skipped.
    """
    cols = {h.lower(): h for h in cells.frame.columns}
    folded = pd.DataFrame({c: fold(cells.frame[cols[c]]) for c, fold in normalise.items()
                           if c in cols})
    for row in map(int, folded.duplicated().to_numpy().nonzero()[0]):
        cells.dropped.add("duplicate row", cells.lines[row])


def where(row: int, lines: Sequence[int] | None) -> str:
    """``row 3 (line 4)``: a table row in an error message, with its file line if known."""
    line = f" (line {lines[row]})" if lines is not None else ""
    return f"row {row + 1}{line}"


def is_blank(value: object) -> bool:
    """An empty cell: ``None``, NaN, NaT or whitespace."""
    if value is None or (isinstance(value, float) and value != value):
        return True
    return value is pd.NaT or (isinstance(value, str) and not value.strip())


def _iso_text(value: object) -> str | None:
    """Dates as ISO text, text stripped, anything else unparsable.

    Only ``YYYY-MM-DD`` text (the CSV format) is read, so "03/04/2024" is never
    guessed, and a number is never taken for a count of days or nanoseconds.
    """
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return value.strip() if isinstance(value, str) else None


def date_column(raw: pd.Series, name: str, lines: Sequence[int] | None, *, column: str,
                earliest: pd.Timestamp, range_note: str = "") -> pd.Series:
    """``raw`` as tz-naive midnight datetime64[ns], refusing the first bad row.

    Parameters
    ----------
    raw
        The column: ``YYYY-MM-DD`` text, dates or datetimes.
    name, lines
        The table (or file) name and the file line of each row, for messages.
    column
        What the column is called in messages (``report_date``, ``date``).
    earliest
        The earliest plausible date; the latest is a year from today.
    range_note
        Why that range, appended to the out-of-range message.

    Raises
    ------
    DataError
        At the first row with a non-ASCII digit, an empty or unparsable value,
        or a date outside the range.
    """
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        dates = raw.dt.tz_convert(None) if raw.dt.tz is not None else raw
    else:
        for row, value in enumerate(raw):
            digit = non_ascii_digit(value) if isinstance(value, str) else None
            if digit is not None:
                raise DataError(
                    f"{name}: {where(row, lines)}: non-ASCII digit {digit!r} in {column}"
                    f" {value.strip()!r} (only 0-9 are accepted)")
        dates = pd.to_datetime(raw.map(_iso_text), format="%Y-%m-%d", errors="coerce")
    bad = dates.isna().to_numpy()
    if bad.any():
        row = int(bad.argmax())
        value = raw.iloc[row]
        shown = repr(value.strip()) if isinstance(value, str) else str(value)
        problem = (f"empty {column}" if is_blank(value)
                   else f"cannot parse {column} {shown} (expected YYYY-MM-DD)")
        raise DataError(f"{name}: {where(row, lines)}: {problem}")
    dates = dates.dt.normalize().astype("datetime64[ns]")
    latest = today() + pd.Timedelta(days=365)
    outside = ((dates < earliest) | (dates > latest)).to_numpy()
    if outside.any():
        row = int(outside.argmax())
        note = f" ({range_note})" if range_note else ""
        raise DataError(f"{name}: {where(row, lines)}: {column} {dates.iloc[row].date()} is"
                        f" outside {earliest.date()}..{latest.date()}{note}")
    return dates.reset_index(drop=True)


def table_columns(frame: object, name: str, known: Sequence[str], required: Sequence[str],
                  *, allow_empty: bool = False) -> dict[str, object]:
    """Lower-case column name -> the frame's own column label, checked.

    Raises
    ------
    DataError
        Naming ``name``: not a table, a known column given twice (names compare
        stripped and case-insensitive), a required column missing, or no rows
        (unless ``allow_empty``).
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{name}: expected a table, got {type(frame).__name__}")
    names: dict[str, object] = {}
    for column in frame.columns:
        key = str(column).strip().lower()
        if key in known and key in names:
            raise DataError(f"{name}: two columns are named {key!r} ({names[key]!r}, {column!r})")
        names[key] = column
    missing = [c for c in required if c not in names]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise DataError(f"{name}: missing column(s) {', '.join(missing)} (columns: {found})")
    if len(frame) == 0 and not allow_empty:
        raise DataError(f"{name}: no rows")
    return names
