"""Reading a small user CSV table (``data import`` of a named table) into checked rows.

The company report dates and the Fed speeches calendar are tables, not series,
but their files break the same ways: not UTF-8, empty, a header with no rows,
blank lines, rows with more cells than the header (a misaligned row would read
a date from the wrong cell), malformed quoting. This reads the text once and
returns the raw cells with the line each came from; the table's own module
then checks its columns and values and counts repeated rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from flowdesk.data.dropped import DroppedRows
from flowdesk.data.formats import read_text
from flowdesk.errors import DataError

__all__ = ["CsvCells", "count_duplicates", "read_table_cells"]


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
