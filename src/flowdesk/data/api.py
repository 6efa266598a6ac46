"""The data layer's public functions: load, list, update, import, export.

Data flow one way: live sources -> store (cache) -> :func:`load` -> models.
:func:`load` never touches the network; only :func:`update` does.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from flowdesk.config import Settings, get_settings
from flowdesk.data.catalog import CATALOG, SeriesSpec, get_spec
from flowdesk.data.derived import DERIVATIONS
from flowdesk.data.earnings import (
    EARNINGS_ID,
    USER_KEY,
    dated_view,
    resolve_table,
    undated_view,
)
from flowdesk.data.futures import FUTURES_ID
from flowdesk.data.imports import import_series, restore_series
from flowdesk.data.outcomes import UpdateOutcome
from flowdesk.data.shadow import builtin_data, overlay, user_key, user_layer
from flowdesk.data.sources.snapshot import has_snapshot, read_snapshot, snapshot_manifest
from flowdesk.data.speeches import SPEECHES_ID
from flowdesk.data.speeches import USER_KEY as SPEECHES_USER_KEY
from flowdesk.data.speeches import dated_view as speeches_view
from flowdesk.data.speeches import resolve_table as resolve_speeches
from flowdesk.data.store import Store, check_series_id
from flowdesk.data.validate import validate_series
from flowdesk.dates import DateLike, parse_date, today
from flowdesk.errors import ConfigError, DataError, FlowdeskWarning, SourceError
from flowdesk.output_paths import atomic_write, check_output_path

__all__ = [
    "UpdateOutcome",
    "export_series",
    "import_series",
    "list_series",
    "load",
    "resolve_spec",
    "restore_series",
    "series_payload",
    "update",
    "update_plan",
]


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else get_settings()


def _store(settings: Settings) -> Store:
    return Store(settings.cache_dir)


def _user_spec(key: str, store: Store) -> SeriesSpec | None:
    entry = store.entry(key)
    if entry is None or entry.source != "user":
        return None
    meta = entry.meta
    return SeriesSpec(
        id=key,
        description=str(meta.get("description") or f"user series imported from {meta.get('file')}"),
        units=str(meta.get("units") or "unknown"),
        frequency=meta.get("frequency", "daily"),
        source="user",
        source_id=None,
        category="user",
        license="user-supplied",
        attribution=str(meta.get("file", "")),
        positive=bool(meta.get("positive", False)),
    )


def resolve_spec(series_id: str, settings: Settings | None = None) -> SeriesSpec:
    """Catalog row of ``series_id``, or the row of a user-imported series.

    Raises
    ------
    DataError
        If the id is neither in the catalog nor imported.
    """
    try:
        return get_spec(series_id)
    except DataError:
        if not isinstance(series_id, str) or not series_id.strip():
            raise
        try:
            key = check_series_id(series_id)
        except DataError:
            raise DataError(
                f"unknown series id {series_id!r}; `flowdesk data list` shows all ids"
            ) from None
        user = _user_spec(key, _store(_settings(settings)))
        if user is None:
            raise
        return user


def _merge_base(series_id: str) -> pd.Series | None:
    """The snapshot series a merge into the cache builds on (``None`` for none or a table)."""
    base = read_snapshot(series_id) if has_snapshot(series_id) else None
    return base if isinstance(base, pd.Series) else None


def _published_by(data: pd.Series | pd.DataFrame, spec: SeriesSpec, asof: pd.Timestamp):
    """Keep the observations published on or before ``asof``."""
    if spec.kind == "table" and spec.frequency == "event" and spec.id != SPEECHES_ID:
        # Calendars are schedules announced ahead of time, not observations;
        # a speech, though, is on record only once it has been given.
        return data
    cutoff = asof - pd.Timedelta(days=spec.release_lag_days)
    return data.loc[data.index <= cutoff]


def _raw(spec: SeriesSpec, store: Store) -> pd.Series | pd.DataFrame:
    if spec.id == EARNINGS_ID:
        # Its own precedence (user import > cache > snapshot), see flowdesk.data.earnings.
        return dated_view(resolve_table(store)[0])
    if spec.id == SPEECHES_ID:
        # Same precedence, see flowdesk.data.speeches.
        return speeches_view(resolve_speeches(store)[0])
    data = builtin_data(spec.id, store, table=spec.kind == "table")
    # A user import (`flowdesk data import`) wins on its dates.
    layer = user_layer(spec.id, store) if spec.kind == "series" else None
    if layer is not None:
        return overlay(layer, data if isinstance(data, pd.Series) else None)
    if data is None:
        if spec.live:
            hint = (
                " (FRED; set FLOWDESK_FRED_API_KEY to use the FRED API)"
                if spec.source == "fred"
                else ""
            )
            raise DataError(
                f"series {spec.id} is live-only: it is not in the embedded snapshot and has not"
                f" been fetched yet; run `flowdesk data update {spec.id}`{hint}"
            )
        raise DataError(f"series {spec.id}: no data in the cache or the embedded snapshot")
    return data


def load(
    series_id: str,
    start: DateLike | None = None,
    end: DateLike | None = None,
    asof: DateLike | None = None,
    *,
    settings: Settings | None = None,
) -> pd.Series | pd.DataFrame:
    """Load a validated series (or table) from the cache and the embedded snapshot.

    Parameters
    ----------
    series_id
        Catalog id (case-insensitive), e.g. ``"SP500"``, ``"DGS10"``, ``"NETLIQ"``,
        or the id of a user-imported series.
    start, end
        Inclusive observation-date bounds (``YYYY-MM-DD`` or date-like).
    asof
        Point-in-time cut: keep only observations published on or before this
        date (observation date + the series' publication lag). Default: all.
    settings
        Settings to use (cache directory); default from the environment.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        float64 values on a sorted, unique, tz-naive ``DatetimeIndex`` named
        ``date``, named after the id; tables come back as DataFrames.

    Raises
    ------
    DataError
        Unknown id, no data, or nothing in the requested window.
    ConfigError
        Malformed dates, or ``start`` after ``end``.
    """
    settings = _settings(settings)
    start_ts = parse_date(start, "start", supported=True)
    end_ts = parse_date(end, "end", supported=True)
    asof_ts = parse_date(asof, "asof")
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        raise ConfigError(f"start {start_ts.date()} is after end {end_ts.date()}")
    spec = resolve_spec(series_id, settings)
    data = _load_full(spec, asof_ts, _store(settings))
    window = data.loc[start_ts:end_ts] if (start_ts is not None or end_ts is not None) else data
    if len(window) == 0:
        span = f"{data.index[0].date()} to {data.index[-1].date()}" if len(data) else "nothing"
        cut = f" published by {asof_ts.date()}" if asof_ts is not None else ""
        raise DataError(
            f"series {spec.id}: no observations{cut} between "
            f"{start_ts.date() if start_ts is not None else 'the start'} and "
            f"{end_ts.date() if end_ts is not None else 'the end'} (available: {span})"
        )
    return window


def _load_full(
    spec: SeriesSpec, asof: pd.Timestamp | None, store: Store
) -> pd.Series | pd.DataFrame:
    if spec.source == "derived":
        inputs = [_load_full(get_spec(i), asof, store) for i in spec.derived_from]
        data = DERIVATIONS[spec.id](*inputs)
        data = validate_series(data, spec.id, positive=spec.positive, require_values=False)
    else:
        data = _raw(spec, store)
        if isinstance(data, pd.Series):
            data = validate_series(data.dropna(), spec.id, positive=spec.positive)
    if asof is not None:
        data = _published_by(data, spec, asof)
    return data


#: Tables with their own updater, refreshed only when named: one request per
#: company (SEC), or a table rather than a series (speeches, futures curve).
NAMED_ONLY = (EARNINGS_ID, SPEECHES_ID, FUTURES_ID)


def _update_named(series_id: str, settings: Settings) -> UpdateOutcome:
    """Run the own updater of a :data:`NAMED_ONLY` table (it warns and reports failures)."""
    if series_id == SPEECHES_ID:
        from flowdesk.data.speeches_update import update_fed_speeches

        return update_fed_speeches(settings=settings)
    if series_id == FUTURES_ID:
        from flowdesk.data.futures import update_futures

        return update_futures(settings=settings)
    from flowdesk.data.earnings_update import update_earnings_dates

    return update_earnings_dates(settings=settings)


def update_plan(ids: Iterable[str] | None = None) -> list[SeriesSpec]:
    """The live series :func:`update` would fetch for ``ids`` (checked, deduplicated).

    Without ``ids``: every live series except the :data:`NAMED_ONLY` tables,
    which are planned only when named.

    Raises
    ------
    DataError
        For unknown ids or ids that no live source can refresh.
    """
    if ids is None:
        return [s for s in CATALOG if s.live and s.id not in NAMED_ONLY]
    specs: list[SeriesSpec] = []
    for series_id in ids:
        spec = get_spec(series_id)
        if spec.id in NAMED_ONLY:
            specs.append(spec)
        elif spec.source == "derived":
            specs.extend(get_spec(i) for i in spec.derived_from)
        elif not spec.live:
            # A catalog source like "sec" may name where new rows come from
            # before its fetcher is registered.
            why = (
                "it is snapshot-only"
                if spec.source == "snapshot"
                else f"no fetcher for its source {spec.source!r} is installed"
            )
            raise DataError(
                f"series {spec.id} cannot be refreshed from a live source ({why});"
                " use `flowdesk data import`"
            )
        else:
            specs.append(spec)
    unique: dict[str, SeriesSpec] = {s.id: s for s in specs}
    return list(unique.values())


def update(
    ids: Iterable[str] | None = None,
    *,
    settings: Settings | None = None,
    on_done: Callable[[UpdateOutcome], None] | None = None,
) -> list[UpdateOutcome]:
    """Fetch series from their live sources and merge them into the cache.

    A failed fetch leaves the cache untouched, emits a
    :class:`~flowdesk.errors.FlowdeskWarning` and is reported as ``failed``; the
    other series still update.

    Parameters
    ----------
    ids
        Series to refresh (derived ids refresh their inputs; the
        :data:`NAMED_ONLY` tables run their own updaters); default: every live
        series in the catalog but those tables.
    settings
        Settings (API keys, cache directory, offline flag).
    on_done
        Called after each series, e.g. to advance a progress bar.

    Raises
    ------
    ConfigError
        In offline mode.
    DataError
        For unknown or snapshot-only ids (before anything is fetched).
    """
    from flowdesk.data.sources import source_for

    settings = _settings(settings)
    if settings.offline:
        raise ConfigError("offline mode: `update` needs the network (unset FLOWDESK_OFFLINE)")
    specs = update_plan(ids)
    store = _store(settings)
    outcomes: list[UpdateOutcome] = []
    for spec in specs:
        if spec.id in NAMED_ONLY:
            outcomes.append(_update_named(spec.id, settings))
            if on_done is not None:
                on_done(outcomes[-1])
            continue
        try:
            result = source_for(spec, settings=settings).fetch(spec)
            merged = store.merge(
                spec.id,
                result.data,
                source=result.source,
                url=result.url,
                fetched_at=result.fetched_at,
                base=_merge_base(spec.id),
            )
            changed = merged.added + merged.revised
            outcome = UpdateOutcome(
                id=spec.id,
                status="updated" if changed else "unchanged",
                source=result.source,
                added=merged.added,
                revised=merged.revised,
                last=merged.entry.last,
            )
        except (SourceError, DataError) as exc:
            warnings.warn(
                f"{spec.id}: update failed ({exc}); keeping the cached/snapshot data",
                FlowdeskWarning,
                stacklevel=2,
            )
            outcome = UpdateOutcome(
                id=spec.id, status="failed", source=spec.source, message=str(exc)
            )
        outcomes.append(outcome)
        if on_done is not None:
            on_done(outcome)
    return outcomes


def series_payload(spec: SeriesSpec, data: pd.Series | pd.DataFrame) -> dict[str, Any]:
    """A series with its provenance, as the CLI (``data show --format json``) and the API print it.

    Parameters
    ----------
    spec
        The series' catalog entry.
    data
        Its observations (a series, or a frame for multi-column series).

    Returns
    -------
    dict
        ``id``, ``description``, ``units``, ``frequency``, ``source``, ``attribution``
        and ``observations``: one record per date, dates as ``YYYY-MM-DD``.
    """
    frame = data.to_frame(spec.id) if isinstance(data, pd.Series) else data
    if spec.id == EARNINGS_ID:
        records = undated_view(frame)
        records["report_date"] = records["report_date"].dt.strftime("%Y-%m-%d")
    else:
        records = frame.reset_index()
        records["date"] = records["date"].dt.strftime("%Y-%m-%d")
    return {
        "id": spec.id,
        "description": spec.description,
        "units": spec.units,
        "frequency": spec.frequency,
        "source": spec.source,
        "attribution": spec.attribution,
        "observations": records.to_dict(orient="records"),
    }


def export_series(
    series_id: str,
    path: str | Path,
    start: DateLike | None = None,
    end: DateLike | None = None,
    asof: DateLike | None = None,
    *,
    settings: Settings | None = None,
    force: bool = False,
) -> Path:
    """Write a series to ``.csv`` or ``.parquet`` (chosen by the file suffix).

    The file is written to a temporary name and renamed, so an interrupted
    export never leaves a half-written file. The destination is checked
    before the series is loaded; an existing symlink, FIFO or device is
    refused unless ``force`` (:mod:`flowdesk.output_paths`).

    Raises
    ------
    ConfigError
        Unsupported suffix or a destination that cannot be written (named ``--to``).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ConfigError(f"--to {path}: use a .csv or .parquet suffix")
    check_output_path(path, force=force, argument="--to")
    data = load(series_id, start, end, asof, settings=settings)
    frame = data.to_frame() if isinstance(data, pd.Series) else data
    # Earnings dates leave as ticker,report_date: the file `data import` reads back.
    plain = undated_view(frame) if resolve_spec(series_id, settings).id == EARNINGS_ID else None

    def write(tmp: Path) -> None:
        if plain is not None and suffix == ".csv":
            plain.to_csv(tmp, index=False, date_format="%Y-%m-%d")
        elif plain is not None:
            plain.to_parquet(tmp, index=False)
        elif suffix == ".csv":
            frame.to_csv(tmp, index_label="date", date_format="%Y-%m-%d")
        else:
            frame.reset_index().to_parquet(tmp, index=False)

    return atomic_write(path, write, force=force, argument="--to")


def _freshness(
    spec: SeriesSpec, last: pd.Timestamp | None, now: pd.Timestamp
) -> tuple[int | None, str]:
    if last is None:
        return None, "missing"
    age = int((now - last).days)
    if spec.frequency == "event":
        return age, "n/a"
    return age, "fresh" if age <= spec.stale_after_days else "stale"


def list_series(*, settings: Settings | None = None) -> pd.DataFrame:
    """Every known series with its coverage, origin and freshness.

    Returns
    -------
    pandas.DataFrame
        One row per id: ``description``, ``units``, ``frequency``, ``source``,
        ``category``, ``first``, ``last``, ``rows``, ``origin`` (user, cache,
        snapshot, derived, or none, joined by ``+``), ``shadowed`` (a user
        import replaces built-in data; ``flowdesk data restore`` undoes it),
        ``fetched_at``, ``age_days`` and ``freshness`` (``fresh``/``stale``/``missing``).
    """
    settings = _settings(settings)
    store = _store(settings)
    manifest = snapshot_manifest()
    now = today()
    specs = list(CATALOG)
    catalog_ids = {s.id for s in specs}
    for key in store.ids():
        if key not in catalog_ids:
            user = _user_spec(key, store)
            if user is not None:
                specs.append(user)
    rows = []
    for spec in specs:
        entry = store.entry(spec.id)
        snap = manifest.get(spec.id)
        first = last = None
        rows_n: int | None = None
        origin = "none"
        fetched_at = None
        shadowed = False
        if spec.source == "derived":
            try:
                data = load(spec.id, settings=settings)
                first, last, rows_n = data.index[0], data.index[-1], len(data)
                origin = "derived"
            except DataError:
                pass
        else:
            firsts, lasts = [], []
            table_user = {EARNINGS_ID: USER_KEY, SPEECHES_ID: SPEECHES_USER_KEY}.get(spec.id)
            imported = store.entry(table_user) if table_user else None
            if imported is not None:
                # The user's table overrides the others: its coverage is what loads.
                entry, snap = imported, None
            if entry is not None:
                firsts.append(pd.Timestamp(entry.first))
                lasts.append(pd.Timestamp(entry.last))
                fetched_at = entry.fetched_at
                rows_n = entry.rows
            if snap is not None:
                firsts.append(pd.Timestamp(snap["first"]))
                lasts.append(pd.Timestamp(snap["last"]))
                rows_n = max(rows_n or 0, snap["rows"])
            origin = "+".join(o for o, x in (("cache", entry), ("snapshot", snap)) if x) or "none"
            if imported is not None:
                origin = "user"
            if firsts:
                first, last = min(firsts), max(lasts)
            layer = store.entry(user_key(spec.id, builtin=True)) if spec.source != "user" else None
            if layer is not None and spec.kind == "series":
                # Shadowed: count what loads (user rows over the built-in ones).
                shadowed = True
                data = _raw(spec, store)
                first, last, rows_n = data.index[0], data.index[-1], len(data)
                origin = f"user+{origin}" if origin != "none" else "user"
                fetched_at = layer.fetched_at
            elif imported is not None:
                shadowed = True
        age, fresh = _freshness(spec, last, now)
        rows.append(
            {
                "id": spec.id,
                "description": spec.description,
                "units": spec.units,
                "frequency": spec.frequency,
                "source": spec.source,
                "category": spec.category,
                "first": first.strftime("%Y-%m-%d") if first is not None else None,
                "last": last.strftime("%Y-%m-%d") if last is not None else None,
                "rows": rows_n,
                "origin": origin,
                "shadowed": shadowed,
                "fetched_at": fetched_at,
                "age_days": age,
                "freshness": fresh,
            }
        )
    return pd.DataFrame(rows).set_index("id")
