"""Data layer: catalog, embedded snapshot, live sources, local cache.

I/O only; nothing here computes a model.
"""

from flowdesk.data.api import (
    UpdateOutcome,
    export_series,
    import_series,
    list_series,
    load,
    resolve_spec,
    restore_series,
    update,
    update_plan,
)
from flowdesk.data.asof import latest_asof, resolve_asof
from flowdesk.data.catalog import CATALOG, SeriesSpec, catalog_frame, get_spec, series_ids
from flowdesk.data.earnings import (
    EARNINGS_ID,
    check_earnings_table,
    earnings_dates,
    merge_earnings_dates,
    save_earnings_dates,
)
from flowdesk.data.futures import FUTURES_ID, futures_on, load_futures_history
from flowdesk.data.speeches import SPEECHES_ID, SpeechCalendar, load_fed_speeches

__all__ = [
    "CATALOG",
    "EARNINGS_ID",
    "FUTURES_ID",
    "SPEECHES_ID",
    "SeriesSpec",
    "SpeechCalendar",
    "UpdateOutcome",
    "catalog_frame",
    "check_earnings_table",
    "earnings_dates",
    "export_series",
    "futures_on",
    "get_spec",
    "import_series",
    "latest_asof",
    "list_series",
    "load",
    "load_fed_speeches",
    "load_futures_history",
    "merge_earnings_dates",
    "resolve_asof",
    "resolve_spec",
    "restore_series",
    "save_earnings_dates",
    "series_ids",
    "update",
    "update_plan",
]
