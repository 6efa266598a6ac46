"""User imports as a layer over the built-in data, with the history ``data restore`` undoes.

An import never writes into the built-in data (the snapshot and the cache that
``data update`` fills). It writes a *user layer*:

* a catalog series ``ID`` gets ``ID.USER``; its rows win on their dates and
  the built-in rows are used elsewhere (:func:`overlay`);
* an id outside the catalog is a user series stored under ``ID`` itself;
* ``EARNINGS_DATES`` gets ``EARNINGS_DATES.USER``, which replaces the table.

Before a layer is replaced its current version is copied to
``history/<KEY>/series/V<n>.parquet`` (the highest ``n`` is the newest), so
:func:`restore_layer` can bring it back, and removing the last layer makes the
built-in data load again. Every file goes through :class:`~flowdesk.data.store.Store`:
atomic, checksummed, locked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from flowdesk.data.dropped import DroppedRows
from flowdesk.data.sources.snapshot import has_snapshot, read_snapshot
from flowdesk.data.store import Store, StoreEntry
from flowdesk.errors import DataError

__all__ = [
    "USER_SUFFIX",
    "Coverage",
    "ImportOutcome",
    "builtin_data",
    "change_counts",
    "check_replace",
    "history_depth",
    "keep_version",
    "overlay",
    "restore_layer",
    "user_key",
    "user_layer",
]

USER_SUFFIX = ".USER"


def user_key(series_id: str, *, builtin: bool) -> str:
    """Store key of the user layer of ``series_id`` (``builtin``: a catalog id)."""
    return f"{series_id}{USER_SUFFIX}" if builtin else series_id


@dataclass(frozen=True)
class Coverage:
    """Rows and date range of a version of some data, for messages and JSON."""

    rows: int
    first: str
    last: str

    @classmethod
    def of(cls, index: pd.Index) -> Coverage | None:
        """Coverage of a date index (``None`` if empty)."""
        if len(index) == 0:
            return None
        stamps = pd.DatetimeIndex(index)
        return cls(len(stamps), f"{stamps.min():%Y-%m-%d}", f"{stamps.max():%Y-%m-%d}")

    @classmethod
    def of_entry(cls, entry: StoreEntry) -> Coverage:
        """Coverage recorded in a store entry."""
        return cls(entry.rows, entry.first, entry.last)

    def describe(self) -> str:
        """E.g. ``10,466 rows 1985-01-02 to 2026-09-25``."""
        return f"{self.rows:,} row{'s' if self.rows != 1 else ''} {self.first} to {self.last}"

    def to_dict(self) -> dict[str, object]:
        """JSON form: ``rows``, ``first``, ``last``."""
        return {"rows": self.rows, "first": self.first, "last": self.last}


@dataclass(frozen=True)
class ImportOutcome:
    """What an import stored, what it replaced and what it left out.

    Attributes
    ----------
    entry
        The stored user layer.
    added, revised, kept, removed
        Dates (rows, for a table) new to the data in effect, values changed,
        old ones still in effect, old ones no longer in effect.
    replaced_what
        ``"the built-in data"``, ``"your import of <file>"`` or ``""`` (nothing).
    replaced
        Coverage of the data in effect before (``None``: there was none).
    dropped
        Rows of the file that were not imported, by reason.
    """

    entry: StoreEntry
    added: int
    revised: int
    kept: int
    removed: int = 0
    replaced_what: str = ""
    replaced: Coverage | None = None
    dropped: DroppedRows = field(default_factory=DroppedRows)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the CLI's ``data import --format json``)."""
        return {
            "id": self.entry.id.removesuffix(USER_SUFFIX),
            "rows": self.entry.rows,
            "first": self.entry.first,
            "last": self.entry.last,
            "added": self.added,
            "revised": self.revised,
            "kept": self.kept,
            "removed": self.removed,
            "replaced": None
            if not self.replaced_what
            else {"what": self.replaced_what,
                  **(self.replaced.to_dict() if self.replaced else {"rows": 0})},
            "dropped": self.dropped.to_dict(),
        }


def check_replace(
    series_id: str, path: str, *, replace: bool, what: str, old: Coverage | None,
    new: Coverage | None,
) -> None:
    """Refuse to shadow ``what`` (built-in data or an earlier import) without ``replace``.

    Raises
    ------
    DataError
        One line naming what would be replaced (rows and dates, old and new).
    """
    if replace or not what:
        return
    before = old.describe() if old is not None else "no data yet"
    after = new.describe() if new is not None else "no rows"
    raise DataError(
        f"{series_id}: importing {path} would replace {what} ({before}) with {after};"
        f" add --replace to do it (`flowdesk data restore {series_id}` undoes it)"
    )


def change_counts(old: pd.Series | None, new: pd.Series, after: pd.Series) -> tuple[int, ...]:
    """(added, revised, kept, removed) dates going from ``old`` to ``after`` via ``new``."""
    if old is None:
        return len(new), 0, 0, 0
    overlap = old.index.intersection(new.index)
    a, b = old.loc[overlap].to_numpy(), new.loc[overlap].to_numpy()
    revised = int(((a != b) & ~(pd.isna(a) & pd.isna(b))).sum())
    added = len(new.index.difference(old.index))
    kept = len(old.index.intersection(after.index).difference(new.index))
    removed = len(old.index.difference(after.index))
    return added, revised, kept, removed


# ---------------------------------------------------------------- reading
def builtin_data(series_id: str, store: Store, *, table: bool) -> pd.Series | pd.DataFrame | None:
    """The catalog data without any user layer: the cache over the snapshot (``None``: none)."""
    cached = store.read(series_id)
    snap = read_snapshot(series_id) if has_snapshot(series_id) else None
    if cached is None:
        return snap
    if snap is None or table or not isinstance(cached, pd.Series):
        return cached
    # The cache normally contains the snapshot; combining also covers a cache
    # older than a newer installed snapshot.
    return cached.combine_first(snap)


def user_layer(series_id: str, store: Store) -> pd.Series | None:
    """The user's rows that shadow catalog series ``series_id`` (``None``: no import)."""
    key = user_key(series_id, builtin=True)
    if store.entry(key) is None:
        return None
    data = store.read(key)
    return data.rename(series_id) if isinstance(data, pd.Series) else None


def overlay(layer: pd.Series | None, base: pd.Series | None) -> pd.Series | None:
    """The user's rows where they exist, the built-in rows elsewhere."""
    if layer is None:
        return base
    if base is None:
        return layer
    return layer.combine_first(base).rename(base.name)


# ---------------------------------------------------------------- history
def _history(store: Store, key: str) -> Store:
    return Store(store.root / "history" / key, lock_timeout=store.lock_timeout)


def _versions(history: Store) -> list[int]:
    return sorted(int(i[1:]) for i in history.ids() if i.startswith("V") and i[1:].isdigit())


def history_depth(store: Store, key: str) -> int:
    """How many earlier versions of layer ``key`` ``data restore`` can bring back."""
    return len(_versions(_history(store, key)))


def keep_version(store: Store, key: str) -> None:
    """Copy the current version of layer ``key`` into its history (before replacing it).

    Raises
    ------
    DataError
        If the current version exists but cannot be read (it is quarantined by
        the store); the import must then stop rather than lose it silently.
    """
    entry = store.entry(key)
    if entry is None:
        return
    data = store.read(key)
    if data is None:
        raise DataError(
            f"{key}: the current import cannot be read, so it cannot be kept for"
            " `flowdesk data restore`; nothing was imported"
        )
    history = _history(store, key)
    number = max(_versions(history), default=0) + 1
    history.write(
        f"V{number}",
        data,
        source=entry.source,
        url=entry.url,
        fetched_at=entry.fetched,
        meta={**entry.meta, "imported_at": entry.updated_at},
    )


def restore_layer(store: Store, key: str) -> tuple[StoreEntry | None, StoreEntry]:
    """Undo the last import into layer ``key``.

    Returns
    -------
    tuple
        The entry brought back from the history (``None`` if there was none and
        the layer was removed, so the built-in data are used again), and the
        entry of the version that was undone.

    Raises
    ------
    DataError
        If there is no layer ``key``, or its previous version is unreadable
        (nothing is changed then).
    """
    undone = store.entry(key)
    if undone is None:
        raise DataError(f"{key}: nothing to restore (no import)")
    history = _history(store, key)
    versions = _versions(history)
    if not versions:
        store.delete(key)
        return None, undone
    version = f"V{versions[-1]}"
    data = history.read(version)
    kept = history.entry(version)
    if data is None or kept is None:
        raise DataError(
            f"{key}: the previous import is unreadable (moved to"
            f" {history.quarantine_dir}); nothing was restored"
        )
    meta = dict(kept.meta)
    meta.pop("imported_at", None)
    restored = store.write(key, data, source=kept.source, url=kept.url,
                           fetched_at=kept.fetched, meta=meta)
    # The store kept the undone import as the fallback for a corrupted file;
    # it must not come back that way.
    store.drop_previous(key)
    history.delete(version)
    return restored, undone
