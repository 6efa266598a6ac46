"""Parsers for the published text formats flowdesk reads.

FRED CSV downloads (``observation_date,ID`` / ``DATE,ID`` / ``date,value``),
Cboe index histories (``DATE,OPEN,HIGH,LOW,CLOSE`` with MM/DD/YYYY dates, or
``DATE,VVIX``), yfinance CSV exports (three header lines) and user files are all
read by :func:`parse_series_csv`, which is strict: every problem is reported
with the file (or series) name, the line number and what is wrong.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from flowdesk.data.dropped import DroppedRows
from flowdesk.dates import FIRST_DATE, LAST_DATE, SUPPORTED_RANGE
from flowdesk.errors import DataError

__all__ = [
    "MISSING_MARKERS",
    "ParsedSeries",
    "non_ascii_digit",
    "parse_dates_strict",
    "parse_series_csv",
    "read_series_csv",
    "read_text",
]

MISSING_MARKERS = frozenset({"", ".", "NA", "N/A", "NaN", "nan", "null", "#N/A"})

_DATE_PATTERNS: dict[str, tuple[re.Pattern[str], str]] = {
    "YYYY-MM-DD": (re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII), "%Y-%m-%d"),
    "YYYY-MM-DD hh:mm:ss": (
        re.compile(
            r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?([+-]\d{2}:?\d{2}|Z)?$", re.ASCII
        ),
        "ISO8601",
    ),
    "MM/DD/YYYY": (re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$", re.ASCII), "%m/%d/%Y"),
    "YYYY/MM/DD": (re.compile(r"^\d{4}/\d{2}/\d{2}$", re.ASCII), "%Y/%m/%d"),
}
_DATE_HEADERS = ("date", "observation_date", "fecha", "time", "timestamp")
_VALUE_PREFERENCE = ("close", "adj close", "value", "price", "settlement")


def read_text(path: str | Path, label: str | None = None) -> str:
    """Read a text file, raising :class:`DataError` naming it on failure."""
    path = Path(path)
    label = label or str(path)
    if not path.exists():
        raise DataError(f"file {label}: does not exist")
    if path.is_dir():
        raise DataError(f"file {label}: is a directory, not a file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"file {label}: cannot be read ({exc.strerror or exc})") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"file {label}: is not UTF-8 text (binary file?)") from exc


def _detect_format(value: str) -> str | None:
    for name, (pattern, _) in _DATE_PATTERNS.items():
        if pattern.match(value):
            return name
    return None


def parse_dates_strict(
    values: Sequence[str], label: str, lines: Sequence[int] | None = None
) -> pd.DatetimeIndex:
    """Parse date strings that must all share one known format.

    Parameters
    ----------
    values
        Date strings, one per data line.
    label
        File or series name for error messages.
    lines
        File line number (1-based) of each value, for error messages; default
        assumes one header line and no blank lines.

    Raises
    ------
    DataError
        On an unparseable date, a mix of formats, or a date outside
        :data:`flowdesk.dates.FIRST_DATE` .. :data:`flowdesk.dates.LAST_DATE`
        (the line is named).
    """
    line_of = list(lines) if lines is not None else list(range(2, len(values) + 2))
    formats: dict[str, int] = {}
    for i, text in enumerate(values):
        fmt = _detect_format(text.strip())
        if fmt is None:
            raise DataError(f"{label}: line {line_of[i]}: cannot parse date {text!r}")
        formats.setdefault(fmt, line_of[i])
    if len(formats) > 1:
        detail = ", ".join(f"{fmt} on line {line}" for fmt, line in formats.items())
        raise DataError(f"{label}: mixed date formats ({detail})")
    if not formats:
        return pd.DatetimeIndex([], name="date")
    fmt_name = next(iter(formats))
    strptime = _DATE_PATTERNS[fmt_name][1]
    stripped = [v.strip() for v in values]
    try:
        if strptime == "ISO8601":
            parsed = pd.to_datetime(stripped, format="ISO8601", utc=True).tz_convert(None)
        else:
            parsed = pd.to_datetime(stripped, format=strptime)
    except (ValueError, OverflowError):
        for i, text in enumerate(stripped):
            try:
                pd.to_datetime(text, format=None if strptime == "ISO8601" else strptime)
            except (ValueError, OverflowError):
                raise DataError(f"{label}: line {line_of[i]}: invalid date {text!r}") from None
        raise
    index = pd.DatetimeIndex(parsed).normalize().rename("date")
    outside = np.flatnonzero((index < FIRST_DATE) | (index > LAST_DATE))
    if outside.size:
        i = int(outside[0])
        raise DataError(
            f"{label}: line {line_of[i]}: date {values[i].strip()!r} is outside the supported"
            f" range {SUPPORTED_RANGE}"
        )
    return index


def _pick_column(header: list[str], wanted: str | None, label: str, skip: int) -> int:
    lowered = [h.strip().lower() for h in header]
    if wanted is not None:
        key = wanted.strip().lower()
        if key not in lowered:
            raise DataError(f"{label}: no column {wanted!r} (columns: {', '.join(header)})")
        return lowered.index(key)
    for preferred in _VALUE_PREFERENCE:
        if preferred in lowered:
            return lowered.index(preferred)
    candidates = [i for i in range(len(header)) if i != skip]
    if len(candidates) == 1:
        return candidates[0]
    raise DataError(
        f"{label}: cannot tell which column holds the values (columns: {', '.join(header)});"
        " name it explicitly"
    )


def parse_series_csv(
    text: str,
    label: str,
    *,
    value_column: str | None = None,
    positive: bool = False,
    allow_unsorted: bool = False,
    name: str | None = None,
) -> pd.Series:
    """Parse a two-or-more-column CSV of dated values into a float Series.

    Parameters
    ----------
    text
        File contents.
    label
        Name used in error messages (file path or ``"<source> <series>"``).
    value_column
        Column holding the values. Default: ``Close``/``value`` if present,
        otherwise the only non-date column.
    positive
        Require strictly positive values (prices).
    allow_unsorted
        Sort instead of rejecting descending or shuffled dates (some published
        files list newest first). Duplicates are always rejected.
    name
        Name of the returned series (default: the value column's header).

    Returns
    -------
    pandas.Series
        float64 values (missing markers ``.``/empty become NaN) on a sorted,
        unique, tz-naive ``DatetimeIndex``.

    Raises
    ------
    DataError
        Empty file, header only, bad or mixed dates, duplicate or unsorted
        dates, non-numeric, non-ASCII or non-positive values; always with
        ``label`` and the line number.
    """
    return read_series_csv(
        text,
        label,
        value_column=value_column,
        positive=positive,
        allow_unsorted=allow_unsorted,
        name=name,
    ).series


@dataclass(frozen=True)
class ParsedSeries:
    """A parsed series and what the parser left out of it."""

    series: pd.Series
    dropped: DroppedRows


def non_ascii_digit(text: str) -> str | None:
    """The first digit in ``text`` that is not 0-9 (e.g. full-width or Arabic-Indic), if any.

    ``float()``, ``int()`` and the regex class for digits accept them silently, so
    "１２３" would otherwise read as 123.
    """
    for char in text:
        if char.isdigit() and not char.isascii():
            return char
    return None


def read_series_csv(
    text: str,
    label: str,
    *,
    value_column: str | None = None,
    positive: bool = False,
    allow_unsorted: bool = False,
    name: str | None = None,
) -> ParsedSeries:
    """:func:`parse_series_csv`, also returning the rows and columns it left out.

    Fatal (``DataError`` with the line): a bad, empty or mixed-format date, a
    duplicate or unsorted date, a value that is not a plain ASCII number (or a
    missing marker), a non-finite or (with ``positive``) non-positive value.
    Dropped and counted in :attr:`ParsedSeries.dropped`: blank lines, rows with
    a missing value (empty, ``.``, ``NA`` ...; kept as NaN in the series) and
    rows with more cells than the header (removed). A row too short to hold
    the date and the value is fatal. Columns other than the date and value are ignored and named.

    Raises
    ------
    DataError
        As :func:`parse_series_csv`.
    """
    if not text.strip():
        raise DataError(f"{label}: file is empty")
    dropped = DroppedRows()
    reader = csv.reader(io.StringIO(text))
    rows: list[list[str]] = []
    line_of: list[int] = []
    header_seen = False
    while True:
        # A quoted field can span lines: name the line its row starts on.
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DataError(f"{label}: line {start}: malformed CSV ({exc})") from None
        if not any(cell.strip() for cell in cells):
            if header_seen:
                dropped.add("blank line", start)
            continue
        header_seen = True
        rows.append(cells)
        line_of.append(start)
    first_data = 1
    header = [h.strip() for h in rows[0]]
    # yfinance writes three header lines: Price/Ticker/Date.
    if (
        len(rows) >= 3
        and header
        and header[0].lower() == "price"
        and rows[1][:1]
        and rows[1][0].strip().lower() == "ticker"
        and rows[2][:1]
        and rows[2][0].strip().lower() == "date"
    ):
        header = ["Date", *header[1:]]
        first_data = 3
    if len(header) < 2:
        raise DataError(f"{label}: expected a date column and a value column, got {header!r}")
    data = rows[first_data:]
    line_of = line_of[first_data:]
    if not data:
        raise DataError(f"{label}: has a header but no data rows")
    date_idx = 0
    lowered = [h.lower() for h in header]
    for candidate in _DATE_HEADERS:
        if candidate in lowered:
            date_idx = lowered.index(candidate)
            break
    value_idx = _pick_column(header, value_column, label, skip=date_idx)
    dropped.ignored_columns = tuple(
        h for i, h in enumerate(header) if i not in (date_idx, value_idx)
    )
    dates_text: list[str] = []
    kept_lines: list[int] = []
    values: list[float] = []
    for i, row in enumerate(data):
        line = line_of[i]
        # A longer row than the header is misaligned (an unquoted "1,234"?):
        # any cell picked from it could be the wrong one.
        if len(row) > len(header):
            dropped.add("row with more cells than the header", line)
            continue
        if len(row) <= max(date_idx, value_idx):
            raise DataError(
                f"{label}: line {line}: expected {len(header)} columns, found {len(row)}"
            )
        for cell, what in ((row[date_idx], "date"), (row[value_idx], "value")):
            digit = non_ascii_digit(cell)
            if digit is not None:
                raise DataError(
                    f"{label}: row {i + 1} (line {line}): non-ASCII digit {digit!r} in {what}"
                    f" {cell.strip()!r} (only 0-9 are accepted)"
                )
        cell = row[value_idx].strip()
        if cell in MISSING_MARKERS:
            dropped.add("empty value" if not cell else f"missing-value marker {cell!r}", line)
            value = np.nan
        else:
            value = _number(cell, label, line, header[value_idx])
            if positive and value <= 0:
                raise DataError(
                    f"{label}: line {line}: non-positive value {cell} (prices must be > 0)"
                )
        dates_text.append(row[date_idx])
        kept_lines.append(line)
        values.append(value)
    if not dates_text:
        raise DataError(f"{label}: no usable data rows ({dropped.describe()})")
    index = parse_dates_strict(dates_text, label, kept_lines)
    array = np.asarray(values, dtype="float64")
    if not index.is_unique:
        seen: dict[pd.Timestamp, int] = {}
        for i, stamp in enumerate(index):
            if stamp in seen:
                raise DataError(
                    f"{label}: duplicate date {stamp.date()} (lines {seen[stamp]} and"
                    f" {kept_lines[i]})"
                )
            seen[stamp] = kept_lines[i]
    if not index.is_monotonic_increasing:
        if not allow_unsorted:
            where = int(np.flatnonzero(np.diff(index.asi8) < 0)[0]) + 1
            raise DataError(
                f"{label}: dates are not in ascending order: {index[where].date()} on line"
                f" {kept_lines[where]} follows {index[where - 1].date()}"
            )
        order = np.argsort(index.asi8, kind="stable")
        index = index[order]
        array = array[order]
    series = pd.Series(array, index=index, name=name or header[value_idx])
    return ParsedSeries(series=series, dropped=dropped)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def _number(cell: str, label: str, line: int, column: str) -> float:
    """``cell`` as a float; only plain ASCII decimal numbers (``1_000`` is refused)."""
    plain = cell.replace(",", "") if _is_thousands(cell) else cell
    if not _NUMBER.fullmatch(plain):
        try:
            special = float(plain)
        except ValueError:
            special = None
        if special is not None and not np.isfinite(special):
            raise DataError(f"{label}: line {line}: value {cell!r} is not finite")
        raise DataError(f"{label}: line {line}: non-numeric value {cell!r} in column {column!r}")
    value = float(plain)
    if not np.isfinite(value):
        raise DataError(f"{label}: line {line}: value {cell!r} is not finite")
    return value


def _is_thousands(cell: str) -> bool:
    return bool(re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", cell, re.ASCII))
