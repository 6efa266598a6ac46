"""The cases file: published desk estimates, one row per note, and its strict reader.

Layout (a CSV with a header; column names in any case and order):

* ``date`` (required): the note's date, ``YYYY-MM-DD``; the model is run as of it.
* ``desk`` (optional): who published the note. A date may appear once per desk.
* ``source`` (optional): where the figures were read (a URL); shown, never parsed.
* value columns (at least one): the published figures, :data:`FIELDS`. An empty
  cell (or ``NA``, ``nan``...) means the note did not give that figure.

Other columns are ignored, with a note. Every problem raises a
:class:`~flowdesk.errors.DataError` naming the file, the line and the column.
The package ships the public cases (:func:`shipped_cases`):
``cases/published_desk_estimates.csv`` with its ``cases/PROVENANCE.md``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd

from flowdesk.data.formats import MISSING_MARKERS, read_text
from flowdesk.dates import parse_date
from flowdesk.errors import ConfigError, DataError

__all__ = [
    "FIELDS",
    "GROUPS",
    "SCOPES",
    "SHIPPED_FILE",
    "Case",
    "CaseFile",
    "Field",
    "parse_cases",
    "read_cases",
    "shipped_cases",
]

Group = Literal["pivot", "flow", "position", "percentile", "blackout"]

#: The comparison groups, in output order.
GROUPS: tuple[Group, ...] = ("pivot", "flow", "position", "percentile", "blackout")

#: The shipped public cases, inside this package.
SHIPPED_FILE = "cases/published_desk_estimates.csv"

_META = ("date", "desk", "source")
#: Flow scopes of the layout -> what they cover (the desks' own scopes).
SCOPES: dict[str, str] = {"global_eq": "global equities", "spx": "S&P 500"}


@dataclass(frozen=True)
class Field:
    """One published figure and the model output it is compared with.

    Attributes
    ----------
    column
        Column of the cases file.
    group
        How it is scored (:data:`GROUPS`).
    path
        Keys of the model output in ``FlowsDesk().estimate(asof).to_dict()``.
    label
        Short description for tables.
    unit
        Unit of both values.
    valid
        ``(low, high)`` bounds of a published value (``None``: unbounded), and
        whether ``low`` itself is excluded.
    scope
        Flows only: ``global_eq`` (global equities) or ``spx`` (S&P 500).
    """

    column: str
    group: Group
    path: tuple[str, ...]
    label: str
    unit: str
    valid: tuple[float | None, float | None, bool] = (None, None, False)
    scope: str | None = None

    def check(self, value: float) -> str | None:
        """Why ``value`` cannot be a published figure of this column, or ``None``."""
        low, high, open_low = self.valid
        if low is not None and (value <= low if open_low else value < low):
            return f"must be {'above' if open_low else 'at least'} {low:g}"
        if high is not None and value > high:
            return f"must be at most {high:g}"
        return None


def _fields() -> dict[str, Field]:
    out: dict[str, Field] = {}
    for term in ("short", "medium", "long"):
        out[f"pivot_{term}"] = Field(
            f"pivot_{term}", "pivot", ("cta", "assets", "SP500", "pivots", term),
            f"S&P 500 CTA pivot, {term} term", "index points", (0.0, None, True))
    for scope, keys in (("global_eq", ("equities",)), ("spx", ("by_asset", "SP500"))):
        for horizon in ("1w", "1m"):
            for tape in ("flat", "up", "down"):
                column = f"flow_{horizon}_{tape}_{scope}"
                out[column] = Field(
                    column, "flow", ("cta", "flows", horizon, *keys, tape, "base"),
                    f"CTA flow {horizon}, {tape} tape, {SCOPES[scope]}",
                    "USD bn, base AUM", scope=scope)
    out["cta_global_equity_position_bn"] = Field(
        "cta_global_equity_position_bn", "position", ("cta", "equities", "position_bn", "base"),
        "CTA global equity position", "USD bn, base AUM")
    out["cta_position_percentile"] = Field(
        "cta_position_percentile", "percentile", ("cta", "equities", "percentile"),
        "CTA equity position percentile", "percentile (0-100)", (0.0, 100.0, False))
    out["buyback_blackout_share"] = Field(
        "buyback_blackout_share", "blackout", ("buybacks", "blackout_share"),
        "S&P 500 buyback blackout share", "share of companies (0-1)", (0.0, 1.0, False))
    return out


#: Every value column of the layout -> its :class:`Field`, in file order.
FIELDS: dict[str, Field] = _fields()


@dataclass(frozen=True)
class Case:
    """One published note.

    Attributes
    ----------
    line
        Line of the file the row ends on (the header is line 1).
    date
        Note date: the model is run as of it.
    desk, source
        Who published it and where it was read (empty when the file has no such column).
    values
        Column -> published value, for the figures the note gave.
    """

    line: int
    date: pd.Timestamp
    desk: str
    source: str
    values: Mapping[str, float]


@dataclass(frozen=True)
class CaseFile:
    """A parsed cases file.

    Attributes
    ----------
    label
        How messages and output name the file.
    cases
        The rows, in file order.
    columns
        The value columns of the header (a subset of :data:`FIELDS`, in layout order).
    ignored
        Header columns that are not part of the layout (ignored).
    shipped
        Whether these are the package's public cases.
    notes
        Ignored columns, rows without any figure.
    until
        Set by :meth:`up_to`: the cases are those dated on or before it.
    """

    label: str
    cases: tuple[Case, ...]
    columns: tuple[str, ...]
    ignored: tuple[str, ...] = ()
    shipped: bool = False
    notes: tuple[str, ...] = ()
    until: pd.Timestamp | None = None

    def up_to(self, asof: pd.Timestamp) -> CaseFile:
        """The cases dated on or before ``asof``: what a point-in-time view may show."""
        kept = tuple(c for c in self.cases if c.date <= asof)
        return replace(self, cases=kept, until=asof)

    @property
    def dates(self) -> list[pd.Timestamp]:
        """The distinct case dates, sorted."""
        return sorted({c.date for c in self.cases})


def read_cases(path: str | Path) -> CaseFile:
    """Read a cases file in the layout of the shipped one (see the module docstring).

    Raises
    ------
    DataError
        Missing or unreadable file, not UTF-8 text, empty file, no ``date`` column,
        no recognised value column, no rows, a short or long row, a bad date, a
        non-numeric, non-finite or out-of-range value, a date repeated for one desk.
    """
    label = str(path)
    try:
        text = read_text(path, label)
    except DataError as exc:  # "file X: does not exist" -> "cases file X: does not exist"
        message = str(exc)
        if message.startswith("file "):
            message = "cases " + message
        if "UTF-8" in message:
            message += "; expected a CSV text file"
        raise DataError(message) from None
    return parse_cases(text, label)


def shipped_cases() -> CaseFile:
    """The public cases shipped with the package (``cases/published_desk_estimates.csv``)."""
    resource = resources.files(__package__ or "flowdesk.validation").joinpath(SHIPPED_FILE)
    try:
        text = resource.read_text(encoding="utf-8-sig")
    except OSError as exc:  # pragma: no cover - a broken install
        raise DataError(f"shipped cases {SHIPPED_FILE}: cannot be read ({exc})") from exc
    return replace(parse_cases(text, Path(SHIPPED_FILE).name), shipped=True)


def _records(text: str, label: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text), strict=True)
    records: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                records.append((reader.line_num, row))
    except csv.Error as exc:
        raise DataError(f"cases file {label}: line {reader.line_num}: not valid CSV ({exc})") \
            from None
    return records


def _number(cell: str, spec: Field, where: str) -> float | None:
    text = cell.strip()
    if text in MISSING_MARKERS:
        return None
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}, column {spec.column}: {cell.strip()!r} is not a number") \
            from None
    if not math.isfinite(value):
        raise DataError(f"{where}, column {spec.column}: {cell.strip()!r} is not a finite number")
    problem = spec.check(value)
    if problem is not None:
        raise DataError(f"{where}, column {spec.column}: {value:g} is out of range "
                        f"({spec.unit}: {problem})")
    return value


def parse_cases(text: str, label: str) -> CaseFile:
    """Parse the text of a cases file; ``label`` names it in messages (see :func:`read_cases`)."""
    if not text.strip():
        raise DataError(f"cases file {label}: is empty")
    records = _records(text, label)
    header_line, header = records[0]
    names = [h.strip().lower() for h in header]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name and name in seen:
            raise DataError(f"cases file {label}: line {header_line}: column {name!r} appears "
                            "twice in the header")
        seen[name] = i
    if "date" not in seen:
        shown = ", ".join(repr(h.strip()[:30]) for h in header[:8])
        more = f" and {len(header) - 8} more" if len(header) > 8 else ""
        raise DataError(f"cases file {label}: no 'date' column in the header (line "
                        f"{header_line}: {shown}{more}); is it a cases CSV?")
    columns = tuple(c for c in FIELDS if c in seen)
    if not columns:
        raise DataError(f"cases file {label}: no recognised value columns; expected some of "
                        + ", ".join(FIELDS))
    ignored = tuple(h.strip() for h, n in zip(header, names, strict=True)
                    if n not in FIELDS and n not in _META)
    if len(records) == 1:
        raise DataError(f"cases file {label}: has a header but no cases")
    cases = []
    first_line: dict[tuple[str, pd.Timestamp], int] = {}
    for line, row in records[1:]:
        if len(row) != len(header):
            raise DataError(f"cases file {label}: line {line}: {len(row)} fields, the header "
                            f"has {len(header)}")
        cell = row[seen["date"]].strip()
        if not cell:
            raise DataError(f"cases file {label}: line {line}, column date: the date is empty")
        try:
            date = parse_date(cell, "date")
        except ConfigError as exc:
            raise DataError(f"cases file {label}: line {line}, column {exc}") from None
        assert date is not None
        desk = row[seen["desk"]].strip() if "desk" in seen else ""
        key = (desk.lower(), date)
        if key in first_line:
            who = f" for desk {desk!r}" if desk else ""
            raise DataError(f"cases file {label}: line {line}: date {date:%Y-%m-%d} repeated"
                            f"{who} (first on line {first_line[key]})")
        first_line[key] = line
        where = f"cases file {label}: line {line} (date {date:%Y-%m-%d})"
        values = {}
        for column in columns:
            value = _number(row[seen[column]], FIELDS[column], where)
            if value is not None:
                values[column] = value
        source = row[seen["source"]].strip() if "source" in seen else ""
        cases.append(Case(line, date, desk, source, values))
    notes = []
    if ignored:
        notes.append(f"cases file {label}: ignored column(s) not in the layout: "
                     + ", ".join(repr(c) for c in ignored) + ".")
    empty = [c.line for c in cases if not c.values]
    if empty:
        notes.append(f"cases file {label}: line(s) {', '.join(map(str, empty))} give no "
                     "figure; nothing to compare there.")
    return CaseFile(label, tuple(cases), columns, ignored, False, tuple(notes))
