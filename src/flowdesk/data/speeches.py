"""Fed officials' speeches calendar (``FED_SPEECHES``): date, speaker, title, url.

The published calendar is partial: Board members only (no regional Fed
presidents), some months thin. Whatever reads it must therefore say what it
covers, and treat a day outside the coverage as *unknown*, not as "no speech":
:class:`SpeechCalendar` carries the coverage with the rows.

Like ``EARNINGS_DATES`` (:mod:`flowdesk.data.earnings`) the table comes from
three places, used in this order:

1. a table the user imported (``flowdesk data import FED_SPEECHES file.csv``),
   kept under its own cache key so that live updates never overwrite it;
2. the cache copy written by ``flowdesk data update FED_SPEECHES``
   (:func:`save_fed_speeches`), which always contains the snapshot's rows;
3. the embedded snapshot.

On disk the table is indexed by speech date (``date``), with string columns
``speaker``, ``title`` and ``url`` (empty text, never null).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from flowdesk.config import Settings, get_settings
from flowdesk.data.dropped import DroppedRows
from flowdesk.data.parquet_io import frame_from_parquet_bytes
from flowdesk.data.shadow import USER_SUFFIX, Coverage, ImportOutcome, check_replace, keep_version
from flowdesk.data.sources.snapshot import has_snapshot, snapshot_bytes
from flowdesk.data.store import MergeOutcome, Store, stored_table
from flowdesk.data.table_csv import count_duplicates, date_column, read_table_cells, table_columns
from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import DataError

__all__ = [
    "SPEECHES_ID",
    "SpeechCalendar",
    "check_speeches_table",
    "import_fed_speeches",
    "load_fed_speeches",
    "merge_fed_speeches",
    "read_speeches_csv",
    "save_fed_speeches",
]

SPEECHES_ID = "FED_SPEECHES"
#: Cache key of the user-imported table (a live update never writes it).
USER_KEY = f"{SPEECHES_ID}{USER_SUFFIX}"
COLUMNS = ("date", "speaker", "title", "url")
#: Columns a file must have; ``url`` may be absent (then empty).
REQUIRED = ("date", "speaker", "title")
#: A month inside the coverage with fewer speeches than this is reported as
#: thin: five, so that the months MANIFEST.md calls thin (4 and 3) are flagged.
THIN_BELOW = 5
#: Scope of the built-in and live tables: the Board's speeches pages list only
#: the Governors.
BOARD_SCOPE = "Board members only (no regional Fed presidents)"
#: The Federal Reserve was founded in 1913: an earlier date is a typo.
_EARLIEST = pd.Timestamp("1913-01-01")


# ---------------------------------------------------------------- calendar
@dataclass(frozen=True)
class SpeechCalendar:
    """The speeches table with its coverage.

    Attributes
    ----------
    frame
        Columns ``date`` (datetime64[ns], midnight), ``speaker``, ``title``,
        ``url`` (str, possibly empty), sorted by date.
    start, end
        First and last day of coverage: the first day of the first month with
        a row and the last day of the last month with a row.
    origin
        ``"snapshot"``, ``"cache"`` or ``"user"``.
    scope
        Who is covered, e.g. ``"Board members only (no regional Fed presidents)"``.
    thin_months
        Months (``YYYY-MM``) inside the coverage with fewer than
        :data:`THIN_BELOW` speeches, empty months included.
    """

    frame: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    origin: str
    scope: str
    thin_months: tuple[str, ...]

    def covers(self, day: DateLike) -> bool:
        """Whether ``day`` is inside the coverage (a day outside is unknown, not speech-free)."""
        stamp = parse_date(day, "day")
        assert stamp is not None  # parse_date returns None only for None
        return bool(self.start <= stamp <= self.end)

    def speech_days(self, asof: DateLike | None = None) -> pd.DatetimeIndex:
        """Unique speech dates, only those on or before ``asof`` when given (point in time)."""
        dates = self.frame["date"]
        cut = parse_date(asof, "asof")
        if cut is not None:
            dates = dates.loc[dates <= cut]
        return pd.DatetimeIndex(dates.unique(), name="date")

    def coverage_text(self) -> str:
        """One line stating the coverage, its thin months and what lies outside it."""
        n = len(self.frame)
        thin = f"; thin: {', '.join(self.thin_months)}" if self.thin_months else ""
        return (
            f"Fed speeches: {self.scope}, {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}"
            f" ({n} speech{'es' if n != 1 else ''}{thin}); outside this range speech days"
            " are unknown"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON form of the coverage (not the rows): what a report or the API states."""
        return {
            "scope": self.scope,
            "origin": self.origin,
            "start": f"{self.start:%Y-%m-%d}",
            "end": f"{self.end:%Y-%m-%d}",
            "speeches": len(self.frame),
            "thin_months": list(self.thin_months),
            "text": self.coverage_text(),
        }


def calendar_of(table: pd.DataFrame, origin: str, scope: str) -> SpeechCalendar:
    """Wrap a checked table (see :func:`check_speeches_table`) with its coverage."""
    months = table["date"].dt.to_period("M")
    first, last = months.min(), months.max()
    counts = months.value_counts()
    thin = tuple(
        str(m) for m in pd.period_range(first, last, freq="M")
        if int(counts.get(m, 0)) < THIN_BELOW
    )
    return SpeechCalendar(
        frame=table.copy(),
        start=first.start_time.normalize(),
        end=last.end_time.normalize(),
        origin=origin,
        scope=scope,
        thin_months=thin,
    )


# ---------------------------------------------------------------- validation
def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _dates(raw: pd.Series, name: str, lines: Sequence[int] | None) -> pd.Series:
    """``raw`` as midnight datetime64[ns]; DataError naming the first bad row."""
    return date_column(raw, name, lines, column="date", earliest=_EARLIEST)


def check_speeches_table(
    frame: pd.DataFrame,
    name: str,
    *,
    lines: Sequence[int] | None = None,
    allow_empty: bool = False,
) -> pd.DataFrame:
    """Validate and normalise a speeches table.

    Parameters
    ----------
    frame
        Columns ``date``, ``speaker``, ``title`` and optionally ``url`` (names
        case-insensitive; other columns are ignored). Dates are ``YYYY-MM-DD``
        text or datetimes; the other cells may be empty.
    name
        File or series name used in error messages.
    lines
        File line number of each row, added to error messages when given.
    allow_empty
        Accept a table without rows (e.g. a fetch that found nothing).

    Returns
    -------
    pandas.DataFrame
        ``date`` (datetime64[ns], midnight), ``speaker``, ``title``, ``url``
        (str, stripped, ``""`` when empty), duplicate rows dropped, sorted by
        date (ties keep their order), with a fresh ``RangeIndex``.

    Raises
    ------
    DataError
        Naming ``name`` and the problem: not a table, a missing or repeated
        column, no rows, an empty, unparsable or out-of-range date (1913-01-01
        to a year from today), with its row number.
    """
    names = table_columns(frame, name, COLUMNS, REQUIRED, allow_empty=allow_empty)
    out = pd.DataFrame({"date": _dates(frame[names["date"]], name, lines)})
    for column in COLUMNS[1:]:
        values = frame[names[column]].map(_text) if column in names else [""] * len(frame)
        out[column] = pd.array(list(values), dtype="str")
    out = out.drop_duplicates().sort_values("date", kind="stable")
    return out.reset_index(drop=True)


def merge_fed_speeches(old: pd.DataFrame | None, new: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Union of two speeches tables; a speech already known (same url) is never duplicated.

    A speech is a fact: a known row is kept as it is, except that an empty
    speaker or title is filled in from the new row of the same url (the
    shipped calendar has a row without speaker). Rows without url are
    compared whole.

    Parameters
    ----------
    old, new
        Tables accepted by :func:`check_speeches_table` (``old`` may be ``None``).

    Returns
    -------
    tuple
        The merged table (sorted by date) and the number of old rows that had
        a field filled in.
    """
    new = check_speeches_table(new, f"{SPEECHES_ID} (new rows)", allow_empty=True)
    if old is None:
        return new, 0
    old = check_speeches_table(old, f"{SPEECHES_ID} (old rows)", allow_empty=True).copy()
    fresh = new.loc[new["url"] != ""].drop_duplicates("url", keep="first").set_index("url")
    known = (old["url"] != "") & old["url"].isin(fresh.index)
    filled = pd.Series(False, index=old.index)
    for column in ("speaker", "title"):
        donor = old["url"].map(fresh[column]).fillna("")
        gets = known & (old[column] == "") & (donor != "")
        old.loc[gets, column] = donor[gets]
        filled |= gets
    added = new.loc[~((new["url"] != "") & new["url"].isin(set(old["url"])))]
    merged = pd.concat([old, added], ignore_index=True).drop_duplicates()
    return merged.sort_values("date", kind="stable").reset_index(drop=True), int(filled.sum())


# ---------------------------------------------------------------- storage form
def _to_stored(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {c: table[c].to_numpy() for c in COLUMNS[1:]},
        index=pd.DatetimeIndex(table["date"].to_numpy(), name="date"),
    )


def _from_stored(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    plain = frame.reset_index()
    return check_speeches_table(plain, label, allow_empty=True)


def dated_view(table: pd.DataFrame) -> pd.DataFrame:
    """The table indexed by speech date, as :func:`flowdesk.data.load` returns tables."""
    return _to_stored(table)


@lru_cache(maxsize=1)
def _snapshot_table() -> pd.DataFrame:
    label = f"snapshot {SPEECHES_ID}"
    return _from_stored(frame_from_parquet_bytes(snapshot_bytes(SPEECHES_ID), label), label)


def _decode(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return _from_stored(frame, f"cache {key}")


def _stored(store: Store, key: str) -> pd.DataFrame | None:
    return stored_table(store, key, _decode)


def resolve_table(store: Store) -> tuple[pd.DataFrame, str, str]:
    """The table in effect, its origin (``user``, ``cache``, ``snapshot``) and scope.

    The frame is shared (cached): callers must copy before changing it.

    Raises
    ------
    DataError
        If there is no table anywhere (no import, no cache, no snapshot entry).
    """
    user = _stored(store, USER_KEY)
    if user is not None:
        entry = store.entry(USER_KEY)
        file = entry.meta.get("file", "a file") if entry is not None else "a file"
        return user, "user", f"as listed in your import {file}"
    cached = _stored(store, SPEECHES_ID)
    if cached is not None:
        return cached, "cache", BOARD_SCOPE
    if has_snapshot(SPEECHES_ID):
        return _snapshot_table(), "snapshot", BOARD_SCOPE
    raise DataError(
        f"series {SPEECHES_ID}: no data in the cache or the embedded snapshot;"
        f" `flowdesk data import {SPEECHES_ID} file.csv` (columns date,speaker,title,url) adds it"
    )


# ---------------------------------------------------------------- public API
def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else get_settings()


def load_fed_speeches(settings: Settings | None = None) -> SpeechCalendar:
    """The speeches calendar in effect (user import > cache > snapshot), with its coverage.

    Parameters
    ----------
    settings
        Settings (cache directory); default from the environment.

    Returns
    -------
    SpeechCalendar
        Every row; use :meth:`SpeechCalendar.speech_days` with ``asof`` for a
        point-in-time view.

    Raises
    ------
    DataError
        If no table is available or the one in effect has no rows.
    """
    table, origin, scope = resolve_table(Store(_settings(settings).cache_dir))
    if table.empty:
        raise DataError(f"series {SPEECHES_ID} ({origin}): the table has no rows")
    return calendar_of(table, origin, scope)


def save_fed_speeches(
    frame: pd.DataFrame, *, settings: Settings | None = None, origin: str, url: str = ""
) -> MergeOutcome:
    """Merge fetched speeches into the cache copy (built on the snapshot) and write it.

    A user-imported table is neither read nor changed: it keeps precedence.

    Parameters
    ----------
    frame
        Fetched rows, checked by :func:`check_speeches_table`.
    settings
        Settings (cache directory); default from the environment.
    origin
        Provenance recorded with the cache copy, e.g. ``"fedboard"``.
    url
        Where the rows were fetched from.

    Returns
    -------
    MergeOutcome
        The cache entry, rows added, rows revised (an empty field filled in)
        and rows kept.

    Raises
    ------
    DataError
        If ``frame`` is not a valid table or there is nothing to save.
    """
    new = check_speeches_table(frame, f"{SPEECHES_ID} ({origin})", allow_empty=True)
    store = Store(_settings(settings).cache_dir)
    base = _stored(store, SPEECHES_ID)
    if base is None and has_snapshot(SPEECHES_ID):
        base = _snapshot_table()
    merged, revised = merge_fed_speeches(base, new)
    if merged.empty:
        raise DataError(f"{SPEECHES_ID} ({origin}): nothing to save (no rows fetched or stored)")
    entry = store.write(SPEECHES_ID, _to_stored(merged), source=origin, url=url)
    old = 0 if base is None else len(base)
    return MergeOutcome(entry=entry, added=len(merged) - old, revised=revised, kept=old - revised)


def read_speeches_csv(path: str | Path) -> pd.DataFrame:
    """Read and check a ``date,speaker,title,url`` CSV file.

    Raises
    ------
    DataError
        Naming the file: missing, not UTF-8, empty, no data rows, missing
        columns, or a bad row (with its row and line number).
    """
    return _read_file(Path(path))[0]


def _read_file(path: Path) -> tuple[pd.DataFrame, DroppedRows]:
    """The checked table and the rows left out (blank lines, over-long rows, duplicates)."""
    cells = read_table_cells(path, SPEECHES_ID, COLUMNS)
    table = check_speeches_table(cells.frame, cells.name, lines=cells.lines)
    count_duplicates(cells, {c: (lambda col: col.str.strip()) for c in COLUMNS})
    return table, cells.dropped


def import_fed_speeches(
    path: str | Path, *, settings: Settings | None = None, replace: bool = False
) -> ImportOutcome:
    """Import a user CSV (``date,speaker,title,url``) that overrides cache and snapshot.

    Replacing the table in effect (snapshot, cache copy or an earlier import)
    needs ``replace=True``; the replaced import is kept for ``flowdesk data
    restore``. Nothing is written unless the whole file passes
    :func:`read_speeches_csv` and the replacement is allowed.

    Returns
    -------
    ImportOutcome
        The stored entry; ``added`` counts rows absent from the table in effect
        before, ``kept`` the rows shared with it, ``removed`` its rows now gone.

    Raises
    ------
    DataError
        For a bad file or a replacement without ``replace``.
    """
    path = Path(path)
    table, dropped = _read_file(path)
    store = Store(_settings(settings).cache_dir)
    try:
        before, origin, _ = resolve_table(store)
    except DataError:
        before, origin = table.iloc[:0], ""
    previous = store.entry(USER_KEY)
    if origin == "user" and previous is not None:
        what = f"your import of {previous.meta.get('file') or previous.url}"
    else:
        what = {"cache": "the cached table", "snapshot": "the built-in table"}.get(origin, "")
    old = Coverage.of(pd.DatetimeIndex(before["date"]))
    check_replace(SPEECHES_ID, str(path), replace=replace, what=what, old=old,
                  new=Coverage.of(pd.DatetimeIndex(table["date"])))
    shared = len(table.merge(before, on=list(COLUMNS), how="inner"))
    keep_version(store, USER_KEY)
    entry = store.write(
        USER_KEY, _to_stored(table), source=f"import:{path.name}",
        url=str(path.resolve()), meta={"file": path.name},
    )
    return ImportOutcome(
        entry=entry, added=len(table) - shared, revised=0, kept=shared,
        removed=len(before) - shared, replaced_what=what, replaced=old, dropped=dropped,
    )
