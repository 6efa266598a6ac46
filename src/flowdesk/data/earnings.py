"""Company earnings report dates (SEC Form 8-K Item 2.02 filing dates).

One table, ``EARNINGS_DATES``: columns ``ticker`` and ``report_date``. It comes
from three places, used in this order:

1. a table the user imported (``flowdesk data import EARNINGS_DATES file.csv``),
   kept in the cache under its own key so that live updates never overwrite it;
2. the cache copy written by a live update (:func:`save_earnings_dates`), which
   always contains the snapshot's rows as well;
3. the embedded snapshot (current S&P 500 members only: survivorship).

On disk (snapshot and cache) the table uses the shared layout of
:mod:`flowdesk.data.parquet_io`: the report date as the ``date`` column (date32)
and the ticker as a dictionary-encoded string column, rows sorted by date.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from flowdesk.config import Settings, get_settings
from flowdesk.data.dropped import DroppedRows
from flowdesk.data.shadow import USER_SUFFIX, Coverage, ImportOutcome, check_replace, keep_version
from flowdesk.data.sources.snapshot import has_snapshot, snapshot_bytes
from flowdesk.data.store import MergeOutcome, Store, StoreEntry, stored_table
from flowdesk.data.table_csv import (
    count_duplicates,
    date_column,
    is_blank,
    read_table_cells,
    table_columns,
    where,
)
from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import DataError

__all__ = [
    "EARNINGS_ID",
    "check_earnings_table",
    "earnings_dates",
    "import_earnings_dates",
    "merge_earnings_dates",
    "read_earnings_csv",
    "save_earnings_dates",
]

EARNINGS_ID = "EARNINGS_DATES"
#: Cache key of the user-imported table; separate from the live cache copy so
#: that a live update can never overwrite what the user supplied.
USER_KEY = f"{EARNINGS_ID}{USER_SUFFIX}"
COLUMNS = ("ticker", "report_date")
#: SEC EDGAR electronic filing began in 1993: an earlier date is a typo.
_EARLIEST = pd.Timestamp("1993-01-01")
_NS_PER_DAY = 86_400 * 10**9


# ---------------------------------------------------------------- validation
def _dates(raw: pd.Series, name: str, lines: Sequence[int] | None) -> pd.Series:
    """``raw`` as tz-naive midnight datetime64[ns]; DataError at the first bad row."""
    return date_column(raw, name, lines, column="report_date", earliest=_EARLIEST,
                       range_note="SEC filings; at most a year ahead")


def check_earnings_table(
    frame: pd.DataFrame,
    name: str,
    *,
    lines: Sequence[int] | None = None,
    allow_empty: bool = False,
) -> pd.DataFrame:
    """Validate and normalise an earnings-dates table.

    Parameters
    ----------
    frame
        Columns ``ticker`` and ``report_date`` (names case-insensitive; other
        columns are ignored). Dates are ``YYYY-MM-DD`` text or datetimes.
    name
        File or series name used in error messages.
    lines
        File line number of each row, added to error messages when given.
    allow_empty
        Accept a table without rows (e.g. a fetch that found nothing new).

    Returns
    -------
    pandas.DataFrame
        ``ticker`` (str, stripped, upper-case) and ``report_date``
        (datetime64[ns], midnight), sorted by ticker then date, duplicate rows
        dropped, with a fresh ``RangeIndex``.

    Raises
    ------
    DataError
        Naming ``name`` and the problem: not a table, missing columns, no rows,
        an empty ticker, an unparsable date or one outside 1993-01-01 to a year
        from today (with its row number).
    """
    names = table_columns(frame, name, COLUMNS, COLUMNS, allow_empty=allow_empty)
    raw_tickers = frame[names["ticker"]]
    blank = raw_tickers.map(is_blank).to_numpy(dtype=bool)
    if blank.any():
        raise DataError(f"{name}: {where(int(blank.argmax()), lines)}: empty ticker")
    tickers = raw_tickers.map(lambda v: str(v).strip().upper()).astype("str")
    out = pd.DataFrame(
        {
            "ticker": tickers.reset_index(drop=True),
            "report_date": _dates(frame[names["report_date"]], name, lines),
        }
    )
    out = out.drop_duplicates().sort_values(list(COLUMNS), kind="stable")
    return out.reset_index(drop=True)


def merge_earnings_dates(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Union of two earnings tables: every old row is kept, new rows are added.

    Parameters
    ----------
    old, new
        Tables accepted by :func:`check_earnings_table` (``old`` may be ``None``).

    Returns
    -------
    pandas.DataFrame
        The union, duplicates dropped, sorted by ticker then date. Report dates
        are facts, not revisable values, so nothing is ever replaced or removed.
    """
    parts = [check_earnings_table(new, f"{EARNINGS_ID} (new rows)", allow_empty=True)]
    if old is not None:
        parts.insert(0, check_earnings_table(old, f"{EARNINGS_ID} (old rows)", allow_empty=True))
    merged = pd.concat(parts, ignore_index=True).drop_duplicates()
    return merged.sort_values(list(COLUMNS), kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------- storage form
def _to_stored(table: pd.DataFrame) -> pd.DataFrame:
    """The on-disk form: indexed by report date (``date``), sorted by date then ticker."""
    ordered = table.sort_values(["report_date", "ticker"], kind="stable")
    return pd.DataFrame(
        {"ticker": ordered["ticker"].to_numpy()},
        index=pd.DatetimeIndex(ordered["report_date"].to_numpy(), name="date"),
    )


def _from_stored(frame: pd.DataFrame) -> pd.DataFrame:
    """Inverse of :func:`_to_stored`: columns ticker, report_date, sorted by ticker."""
    out = pd.DataFrame(
        {
            "ticker": frame["ticker"].astype("str").to_numpy(),
            "report_date": pd.DatetimeIndex(frame.index).astype("datetime64[ns]"),
        }
    )
    return out.sort_values(list(COLUMNS), kind="stable").reset_index(drop=True)


def dated_view(table: pd.DataFrame) -> pd.DataFrame:
    """The table indexed by report date, as :func:`flowdesk.data.load` returns tables."""
    return _to_stored(table)


def undated_view(frame: pd.DataFrame) -> pd.DataFrame:
    """A date-indexed table from :func:`flowdesk.data.load` back to ticker, report_date."""
    return _from_stored(frame)


def _table_from_parquet(raw: bytes, label: str) -> pd.DataFrame:
    """Read the stored layout straight into ticker, report_date order.

    Faster than the generic reader (which builds 37k Python strings and then
    sorts them): tickers stay dictionary codes until the rows are ordered.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(raw), read_dictionary=["ticker"])
        ticker = table.column("ticker").combine_chunks()
        days = table.column("date").cast(pa.int32()).to_numpy()
    except (pa.ArrowException, OSError, ValueError, KeyError) as exc:
        raise DataError(f"{label}: not a readable earnings table ({exc})") from exc
    codes = ticker.indices.to_numpy()
    names = np.asarray(ticker.dictionary.to_pylist(), dtype=object)
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.argsort(names)] = np.arange(len(names))
    order = np.lexsort((days, rank[codes]))
    return pd.DataFrame(
        {
            "ticker": pd.array(names[codes[order]], dtype="str"),
            "report_date": (days[order].astype("int64") * _NS_PER_DAY).view("datetime64[ns]"),
        }
    )


@lru_cache(maxsize=1)
def _snapshot_table() -> pd.DataFrame:
    return _table_from_parquet(snapshot_bytes(EARNINGS_ID), f"snapshot {EARNINGS_ID}")


def _decode(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return _from_stored(frame)


def _stored(store: Store, key: str) -> pd.DataFrame | None:
    return stored_table(store, key, _decode)


def resolve_table(store: Store) -> tuple[pd.DataFrame, str]:
    """The table in effect and where it came from (``user``, ``cache``, ``snapshot``).

    The frame is shared (cached): callers must copy before changing it.

    Raises
    ------
    DataError
        If there is no table anywhere (no import, no cache, no snapshot entry).
    """
    for key, origin in ((USER_KEY, "user"), (EARNINGS_ID, "cache")):
        table = _stored(store, key)
        if table is not None:
            return table, origin
    if has_snapshot(EARNINGS_ID):
        return _snapshot_table(), "snapshot"
    raise DataError(
        f"series {EARNINGS_ID}: no data in the cache or the embedded snapshot;"
        f" `flowdesk data import {EARNINGS_ID} file.csv` (columns ticker,report_date) adds it"
    )


# ---------------------------------------------------------------- public API
def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else get_settings()


def earnings_dates(
    asof: DateLike | None = None, *, settings: Settings | None = None
) -> pd.DataFrame:
    """Earnings report dates per ticker, point in time.

    Parameters
    ----------
    asof
        Keep only rows with ``report_date <= asof`` (an 8-K is public on its
        filing date). Default: every row.
    settings
        Settings (cache directory); default from the environment.

    Returns
    -------
    pandas.DataFrame
        Columns ``ticker`` (str) and ``report_date`` (datetime64[ns], midnight),
        sorted by ticker then date, unique rows. ``attrs["source"]`` is
        ``"user"``, ``"cache"`` or ``"snapshot"``; ``attrs["last_known"]`` is the
        latest ``report_date`` returned (``None`` if no row).

    Raises
    ------
    ConfigError
        If ``asof`` is not a valid date.
    DataError
        If no table is available.
    """
    cut = parse_date(asof, "asof")
    table, origin = resolve_table(Store(_settings(settings).cache_dir))
    if cut is not None:
        table = table.loc[table["report_date"] <= cut].reset_index(drop=True)
    out = table.copy()
    out.attrs = {
        "source": origin,
        "last_known": out["report_date"].max() if len(out) else None,
    }
    return out


def save_earnings_dates(
    frame: pd.DataFrame, *, settings: Settings | None = None, origin: str
) -> MergeOutcome:
    """Merge fetched report dates into the cache copy and write it.

    The rows are merged with the current cache copy, or with the snapshot if
    nothing is cached, so a live update never loses an old date. A user-imported
    table is neither read nor changed (it keeps precedence); callers that merge
    with :func:`earnings_dates` while such an import exists copy the user's rows
    into the cache.

    Parameters
    ----------
    frame
        Fetched rows (``ticker``, ``report_date``), checked by
        :func:`check_earnings_table`.
    settings
        Settings (cache directory); default from the environment.
    origin
        Provenance recorded with the cache copy, e.g. ``"sec"``.

    Returns
    -------
    MergeOutcome
        The cache entry and the rows added and kept.

    Raises
    ------
    DataError
        If ``frame`` is not a valid table.
    """
    new = check_earnings_table(frame, f"{EARNINGS_ID} ({origin})", allow_empty=True)
    store = Store(_settings(settings).cache_dir)
    base = _stored(store, EARNINGS_ID)
    if base is None and has_snapshot(EARNINGS_ID):
        base = _snapshot_table()
    merged = merge_earnings_dates(base, new)
    if merged.empty:
        raise DataError(f"{EARNINGS_ID} ({origin}): nothing to save (no rows fetched or stored)")
    entry = store.write(EARNINGS_ID, _to_stored(merged), source=origin)
    kept = 0 if base is None else len(base)
    return MergeOutcome(entry=entry, added=len(merged) - kept, revised=0, kept=kept)


def read_earnings_csv(path: str | Path) -> pd.DataFrame:
    """Read and check a ``ticker,report_date`` CSV file.

    Raises
    ------
    DataError
        Naming the file: missing, not UTF-8, empty, no data rows, missing
        columns, or a bad row (with its row and line number).
    """
    return _read_earnings_file(Path(path))[0]


def _read_earnings_file(path: Path) -> tuple[pd.DataFrame, DroppedRows]:
    """The checked table and the rows left out: blank lines, over-long rows, duplicates.

    Fatal: an empty ticker, an empty, unparsable, non-ASCII or out-of-range
    report date (see :func:`check_earnings_table`).
    """
    cells = read_table_cells(path, EARNINGS_ID, COLUMNS)
    table = check_earnings_table(cells.frame, cells.name, lines=cells.lines)
    # check_earnings_table folds case and drops repeats; count them here.
    count_duplicates(cells, {"ticker": lambda c: c.str.strip().str.upper(),
                             "report_date": lambda c: c.str.strip()})
    return table, cells.dropped


def import_earnings_dates(
    path: str | Path, *, settings: Settings | None = None, replace: bool = False
) -> ImportOutcome:
    """Import a user CSV (``ticker,report_date``) that overrides cache and snapshot.

    The file replaces the table in effect, which needs ``replace=True`` when
    that is the snapshot, the cache copy or an earlier import; the replaced
    import is kept for ``flowdesk data restore``. Nothing is written unless the
    whole file passes :func:`read_earnings_csv` and the replacement is allowed.

    Returns
    -------
    ImportOutcome
        The stored entry; ``added`` counts rows absent from the table in effect
        before, ``kept`` the rows it shared with it, ``removed`` its rows that
        are gone; what was replaced and the rows dropped.

    Raises
    ------
    DataError
        For a bad file (see :func:`read_earnings_csv`) or a replacement without
        ``replace``.
    """
    path = Path(path)
    table, dropped = _read_earnings_file(path)
    store = Store(_settings(settings).cache_dir)
    try:
        before, origin = resolve_table(store)
    except DataError:
        before, origin = table.iloc[:0], ""
    previous = store.entry(USER_KEY)
    if origin == "user" and previous is not None:
        what = f"your import of {previous.meta.get('file') or previous.url}"
    else:
        what = {"cache": "the cached table", "snapshot": "the built-in table"}.get(origin, "")
    old = Coverage.of(pd.DatetimeIndex(before["report_date"]))
    check_replace(EARNINGS_ID, str(path), replace=replace, what=what, old=old,
                  new=Coverage.of(pd.DatetimeIndex(table["report_date"])))
    shared = len(table.merge(before, on=list(COLUMNS), how="inner"))
    keep_version(store, USER_KEY)
    entry = store.write(
        USER_KEY,
        _to_stored(table),
        source=f"import:{path.name}",
        url=str(path.resolve()),
        meta={"file": path.name},
    )
    return ImportOutcome(
        entry=entry, added=len(table) - shared, revised=0, kept=shared,
        removed=len(before) - shared, replaced_what=what, replaced=old, dropped=dropped,
    )


def user_entry(store: Store) -> StoreEntry | None:
    """Provenance of the user-imported table, if any."""
    return store.entry(USER_KEY)
