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
    update,
    update_plan,
)
from flowdesk.data.asof import latest_asof, resolve_asof
from flowdesk.data.catalog import CATALOG, SeriesSpec, catalog_frame, get_spec, series_ids

__all__ = [
    "CATALOG",
    "SeriesSpec",
    "UpdateOutcome",
    "catalog_frame",
    "export_series",
    "get_spec",
    "import_series",
    "latest_asof",
    "list_series",
    "load",
    "resolve_asof",
    "resolve_spec",
    "series_ids",
    "update",
    "update_plan",
]
