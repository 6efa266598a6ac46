"""``data import`` and ``data restore``: user files as a layer over the built-in data.

The policy, in one place:

* importing onto a catalog id (built-in data) or onto an id that already holds
  an import needs ``replace=True``; without it nothing is written and the
  error says what would be replaced;
* the replaced version is kept, and :func:`restore_series` undoes the last
  import (the previous import comes back, or the built-in data are used again);
* a whole file is validated before anything is written; rows it leaves out are
  counted in the outcome (:class:`~flowdesk.data.dropped.DroppedRows`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from flowdesk.config import Settings, get_settings
from flowdesk.data.catalog import SeriesSpec, get_spec
from flowdesk.data.earnings import EARNINGS_ID, import_earnings_dates
from flowdesk.data.formats import read_series_csv, read_text
from flowdesk.data.shadow import (
    USER_SUFFIX,
    Coverage,
    ImportOutcome,
    builtin_data,
    change_counts,
    check_replace,
    history_depth,
    keep_version,
    overlay,
    restore_layer,
    user_key,
)
from flowdesk.data.speeches import SPEECHES_ID, import_fed_speeches
from flowdesk.data.store import Store, StoreEntry, check_series_id
from flowdesk.data.validate import validate_series
from flowdesk.errors import DataError

__all__ = ["ImportOutcome", "RestoreOutcome", "import_series", "restore_series"]


def _catalog_spec(key: str) -> SeriesSpec | None:
    try:
        return get_spec(key)
    except DataError:
        return None


def _replaced_what(entry: StoreEntry | None, builtin: bool) -> str:
    if entry is not None:
        return f"your import of {entry.meta.get('file') or entry.url or 'a file'}"
    return "the built-in data" if builtin else ""


def import_series(
    series_id: str,
    path: str | Path,
    *,
    value_column: str | None = None,
    description: str | None = None,
    units: str | None = None,
    replace: bool = False,
    settings: Settings | None = None,
) -> ImportOutcome:
    """Import a user-supplied CSV (``date,value``), validated, as a user layer.

    A catalog id gets a layer whose rows win on their dates over the built-in
    data (snapshot and cache); any other id becomes a user series that
    :func:`flowdesk.data.load` can read. ``EARNINGS_DATES`` takes a
    ``ticker,report_date`` file that replaces the table
    (:func:`flowdesk.data.earnings.import_earnings_dates`); ``FED_SPEECHES`` a
    ``date,speaker,title,url`` file (:func:`flowdesk.data.speeches.import_fed_speeches`).

    Parameters
    ----------
    series_id
        Catalog id or a new id (letters, digits, ``_``, ``.``, ``-``).
    path
        The CSV file.
    value_column
        Column holding the values if there are several.
    description, units
        Shown for a user series.
    replace
        Allow shadowing built-in data or replacing an earlier import; the
        replaced version is kept for :func:`restore_series`.
    settings
        Settings (cache directory); default from the environment.

    Returns
    -------
    ImportOutcome
        The stored layer, the counts of dates added/revised/kept/removed, what
        was replaced and the rows dropped.

    Raises
    ------
    DataError
        A malformed file (nothing is written), a derived or table id, or a
        replacement without ``replace`` (nothing is written).
    """
    settings = settings if settings is not None else get_settings()
    path = Path(path)
    key = check_series_id(series_id)
    if key == EARNINGS_ID:
        return import_earnings_dates(path, settings=settings, replace=replace)
    if key == SPEECHES_ID:
        return import_fed_speeches(path, settings=settings, replace=replace)
    if key.endswith(USER_SUFFIX):
        raise DataError(f"series id {key}: ids ending in {USER_SUFFIX} are reserved for imports")
    spec = _catalog_spec(key)
    if spec is not None and (spec.source == "derived" or spec.kind == "table"):
        raise DataError(
            f"series {spec.id} is {'derived' if spec.source == 'derived' else 'a table'}"
            " and cannot be imported"
        )
    store = Store(settings.cache_dir)
    layer_key = user_key(key, builtin=spec is not None)
    existing = store.entry(layer_key)
    if spec is None and existing is not None and existing.source != "user":
        raise DataError(f"series id {key} is in use by the cache and cannot be imported")
    positive = (
        spec.positive if spec is not None else bool(existing and existing.meta.get("positive"))
    )
    parsed = read_series_csv(
        read_text(path), str(path), value_column=value_column, positive=positive, name=key
    )
    values = parsed.series.dropna()
    if values.empty:
        raise DataError(f"{path}: no values to import ({parsed.dropped.describe()})")
    series = validate_series(values, key, positive=positive)
    old_layer = store.read(layer_key) if existing is not None else None
    base = builtin_data(key, store, table=False) if spec is not None else None
    base = base if isinstance(base, pd.Series) else None
    before = overlay(old_layer if isinstance(old_layer, pd.Series) else None, base)
    what = _replaced_what(existing, builtin=spec is not None)
    old_cov = Coverage.of(before.index) if before is not None else None
    check_replace(key, str(path), replace=replace, what=what, old=old_cov,
                  new=Coverage.of(series.index))
    after = overlay(series, base)
    assert after is not None  # series is not empty (validate_series)
    added, revised, kept, removed = change_counts(before, series, after)
    meta: dict[str, Any] = {"file": path.name}
    if spec is None:
        meta = {**(existing.meta if existing is not None else {}), **meta}
        meta["frequency"] = _infer_frequency(series.index)
        if description:
            meta["description"] = description
        if units:
            meta["units"] = units
    keep_version(store, layer_key)
    entry = store.write(
        layer_key,
        series,
        source="user" if spec is None else f"import:{path.name}",
        url=str(path.resolve()),
        meta=meta,
    )
    return ImportOutcome(
        entry=entry, added=added, revised=revised, kept=kept, removed=removed,
        replaced_what=what, replaced=old_cov, dropped=parsed.dropped,
    )


def _infer_frequency(index: pd.DatetimeIndex) -> str:
    if len(index) < 2:
        return "daily"
    gap = float(pd.Series(index).diff().dt.days.median())
    for limit, name in ((4, "daily"), (10, "weekly"), (45, "monthly"), (120, "quarterly")):
        if gap <= limit:
            return name
    return "annual"


@dataclass(frozen=True)
class RestoreOutcome:
    """What ``data restore`` did.

    Attributes
    ----------
    id
        The series id.
    undone
        The import that was undone.
    restored
        The earlier import now in effect, or ``None`` if the built-in data are
        used again (or, for a user series, the series is gone).
    builtin
        Whether the id is a catalog series.
    remaining
        Earlier imports still kept for further restores.
    """

    id: str
    undone: StoreEntry
    restored: StoreEntry | None
    builtin: bool
    remaining: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the CLI's ``data restore --format json``)."""

        def version(entry: StoreEntry | None) -> dict[str, Any] | None:
            if entry is None:
                return None
            return {"file": entry.meta.get("file"), **Coverage.of_entry(entry).to_dict()}

        return {
            "id": self.id,
            "undone": version(self.undone),
            "restored": version(self.restored),
            "now_in_effect": "import" if self.restored else (
                "built-in" if self.builtin else "nothing"),
            "earlier_imports_kept": self.remaining,
        }


def restore_series(series_id: str, *, settings: Settings | None = None) -> RestoreOutcome:
    """Undo the last ``data import`` of ``series_id``.

    The previous import comes back if there was one; otherwise the import is
    removed, so a catalog series loads its built-in (snapshot and cache) data
    again and a user series no longer exists.

    Raises
    ------
    DataError
        If ``series_id`` has no import to undo (nothing is changed).
    """
    settings = settings if settings is not None else get_settings()
    key = check_series_id(series_id)
    builtin = key == EARNINGS_ID or _catalog_spec(key) is not None
    layer_key = user_key(key, builtin=builtin)
    store = Store(settings.cache_dir)
    entry = store.entry(layer_key)
    if entry is None or (not builtin and entry.source != "user"):
        raise DataError(
            f"{key}: nothing to restore (no `flowdesk data import` of it in {store.root})"
        )
    restored, undone = restore_layer(store, layer_key)
    return RestoreOutcome(
        id=key, undone=undone, restored=restored, builtin=builtin,
        remaining=history_depth(store, layer_key),
    )
