"""Fed funds futures (ZQ) history: daily closes per contract month, accumulated in the cache.

Yahoo serves only recent bars of live contracts, and an expired contract
disappears, so the curve as it stood on past days exists only if it was kept.
``flowdesk data update FF_FUTURES`` therefore merges each fetch into one cache
table (``FF_FUTURES``) that only grows: new days are appended, a known day is
never dropped, and a changed close for a known day is kept as the newest value
and counted in a warning (Yahoo sometimes replaces a provisional close with the
settlement).

The table is live only, never in the snapshot. On disk it is long: indexed by
observation date, with ``contract_month`` (``YYYY-MM``) and ``price`` columns.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from flowdesk.config import Settings, get_settings
from flowdesk.data.outcomes import UpdateOutcome
from flowdesk.data.store import MergeOutcome, Store
from flowdesk.dates import DateLike, parse_date, today
from flowdesk.errors import DataError, FlowdeskWarning, SourceError

__all__ = [
    "FUTURES_ID",
    "contract_months",
    "futures_on",
    "load_futures_history",
    "merge_futures",
    "save_futures",
    "update_futures",
]

FUTURES_ID = "FF_FUTURES"
#: Contracts fetched: the current month and this many after it (the policy
#: path a year and a half out covers the next dozen meetings).
MONTHS_AHEAD = 18
_COLUMNS = ("date", "contract_month", "price")


def _settings(settings: Settings | None) -> Settings:
    return settings if settings is not None else get_settings()


def contract_months(start: DateLike | None = None, ahead: int = MONTHS_AHEAD) -> list[str]:
    """Contract months ``YYYY-MM`` from the month of ``start`` (default today) ``ahead`` more.

    Raises
    ------
    ConfigError
        If ``start`` is not a valid date.
    """
    first = parse_date(start, "start") if start is not None else today()
    assert first is not None
    return [str(p) for p in pd.period_range(first.to_period("M"), periods=ahead + 1, freq="M")]


# ---------------------------------------------------------------- the long table
def check_futures_table(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Validate a long futures table: ``date``, ``contract_month``, ``price``.

    Returns
    -------
    pandas.DataFrame
        Those columns (midnight datetime64[ns], ``YYYY-MM`` str, float64),
        sorted by date then month, with a fresh ``RangeIndex``.

    Raises
    ------
    DataError
        Naming ``name``: a missing column, an unparsable date or month, a
        price that is not a finite number in 90-100, or a repeated
        (date, contract_month) pair.
    """
    missing = [c for c in _COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{name}: missing column(s) {', '.join(missing)}")
    try:
        dates = pd.to_datetime(frame["date"]).dt.normalize().astype("datetime64[ns]")
        months = pd.PeriodIndex(frame["contract_month"].astype(str), freq="M").astype(str)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name}: bad date or contract_month ({exc})") from None
    prices = pd.to_numeric(frame["price"], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(prices) | (prices < 90.0) | (prices > 100.0)
    if bad.any():
        row = int(bad.argmax())
        raise DataError(f"{name}: row {row + 1}: price {frame['price'].iloc[row]} for"
                        f" {months[row]} is not a number in 90-100")
    out = pd.DataFrame({"date": dates.to_numpy(), "contract_month": pd.array(months, dtype="str"),
                        "price": prices})
    repeated = out.duplicated(["date", "contract_month"]).to_numpy()
    if repeated.any():
        row = int(repeated.argmax())
        raise DataError(f"{name}: {out['contract_month'].iloc[row]} is listed twice on"
                        f" {out['date'].iloc[row]:%Y-%m-%d}")
    out = out.sort_values(["date", "contract_month"], kind="stable")
    return out.reset_index(drop=True)


def merge_futures(
    old: pd.DataFrame | None, new: pd.DataFrame
) -> tuple[pd.DataFrame, int, int]:
    """Append ``new`` closes to ``old``; a known (date, month) with a new price takes the new one.

    Returns
    -------
    tuple
        The merged table, the number of (date, month) pairs added and the
        number whose price changed.
    """
    new = check_futures_table(new, f"{FUTURES_ID} (new rows)")
    if old is None or old.empty:
        return new, len(new), 0
    old = check_futures_table(old, f"{FUTURES_ID} (cached rows)")
    keys = ["date", "contract_month"]
    both = old.merge(new, on=keys, how="inner", suffixes=("_old", "_new"))
    revised = int((both["price_old"] != both["price_new"]).sum())
    added = len(new) - len(both)
    merged = pd.concat([old, new], ignore_index=True).drop_duplicates(keys, keep="last")
    merged = merged.sort_values(keys, kind="stable").reset_index(drop=True)
    return merged, added, revised


def _to_stored(table: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {"contract_month": table["contract_month"].to_numpy(), "price": table["price"].to_numpy()},
        index=pd.DatetimeIndex(table["date"].to_numpy(), name="date"),
    )


def _cached(store: Store) -> pd.DataFrame | None:
    data = store.read(FUTURES_ID)
    if not isinstance(data, pd.DataFrame):
        return None
    return check_futures_table(data.reset_index(), f"cache {FUTURES_ID}")


def save_futures(
    frame: pd.DataFrame, *, settings: Settings | None = None, source: str = "yahoo"
) -> MergeOutcome:
    """Merge fetched closes into the cache table and write it.

    A changed close for a day already stored is kept as the newest and
    counted in a :class:`~flowdesk.errors.FlowdeskWarning`.

    Parameters
    ----------
    frame
        Long rows ``date``, ``contract_month``, ``price`` (other columns ignored).
    settings
        Settings (cache directory); default from the environment.
    source
        Provenance recorded with the cache table.

    Returns
    -------
    MergeOutcome
        The cache entry and the (date, month) pairs added, revised and kept.

    Raises
    ------
    DataError
        If ``frame`` is not a valid table.
    """
    store = Store(_settings(settings).cache_dir)
    old = _cached(store)
    merged, added, revised = merge_futures(old, frame)
    if revised:
        warnings.warn(
            f"{FUTURES_ID}: {revised} stored close(s) changed in the new fetch; the newest"
            " values are kept", FlowdeskWarning, stacklevel=2)
    entry = store.write(FUTURES_ID, _to_stored(merged), source=source,
                        url="https://finance.yahoo.com/quote/ZQ=F/futures")
    kept = 0 if old is None else len(old) - revised
    return MergeOutcome(entry=entry, added=added, revised=revised, kept=kept)


# ---------------------------------------------------------------- public API
def load_futures_history(settings: Settings | None = None) -> pd.DataFrame | None:
    """The accumulated ZQ closes, one row per observation date, one column per contract month.

    Parameters
    ----------
    settings
        Settings (cache directory); default from the environment.

    Returns
    -------
    pandas.DataFrame or None
        Index: observation dates (``date``); columns: ``pandas.Period`` months
        (``freq="M"``) in order; values: prices (100 minus the rate, percent),
        NaN where a contract had no close that day. ``None`` when nothing has
        been fetched yet (``flowdesk data update FF_FUTURES``).
    """
    table = _cached(Store(_settings(settings).cache_dir))
    if table is None or table.empty:
        return None
    wide = table.pivot(index="date", columns="contract_month", values="price")
    wide.columns = pd.PeriodIndex(wide.columns, freq="M", name="contract_month")
    wide = wide.sort_index(axis=1)
    wide.index = pd.DatetimeIndex(wide.index, name="date")
    return wide


def futures_on(history: pd.DataFrame, asof: DateLike) -> pd.Series | None:
    """The curve known at ``asof``: the last observation dated on or before it.

    Parameters
    ----------
    history
        A frame from :func:`load_futures_history`.
    asof
        The day the curve is wanted for (a close dated ``d`` is known at ``d``).

    Returns
    -------
    pandas.Series or None
        Prices indexed by ``Period`` month, contracts without a close dropped,
        named by the observation date; ``None`` if no observation is that old.

    Raises
    ------
    ConfigError
        If ``asof`` is not a valid date.
    """
    cut = parse_date(asof, "asof")
    assert cut is not None
    known = history.loc[history.index <= cut]
    if known.empty:
        return None
    row = known.iloc[-1].dropna()
    row.name = known.index[-1]
    return row


def update_futures(
    *, settings: Settings | None = None, months: list[str] | None = None
) -> UpdateOutcome:
    """Fetch ZQ closes from Yahoo (current month + :data:`MONTHS_AHEAD`) and merge them.

    Returns
    -------
    UpdateOutcome
        ``updated``/``unchanged`` with the pairs added and revised, or
        ``failed`` with a warning when Yahoo gave nothing (the cache is kept).
    """
    from flowdesk.data.sources.yahoo import fed_funds_history

    wanted = months if months is not None else contract_months()
    try:
        fetched = fed_funds_history(wanted, settings=settings)
        merged = save_futures(fetched, settings=settings)
    except (SourceError, DataError) as exc:
        warnings.warn(f"{FUTURES_ID}: update failed ({exc}); keeping the cached closes",
                      FlowdeskWarning, stacklevel=2)
        return UpdateOutcome(id=FUTURES_ID, status="failed", source="yahoo", message=str(exc))
    got = sorted(set(fetched["contract_month"]))
    message = f"{len(got)} of {len(wanted)} contracts ({got[0]} to {got[-1]})"
    return UpdateOutcome(
        id=FUTURES_ID, status="updated" if merged.added or merged.revised else "unchanged",
        source="yahoo", added=merged.added, revised=merged.revised, last=merged.entry.last,
        message=message)
