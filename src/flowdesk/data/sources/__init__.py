"""Live data sources and the registry that picks one for a catalog row."""

from __future__ import annotations

from flowdesk.config import Settings
from flowdesk.data.catalog import SeriesSpec
from flowdesk.data.sources.base import FetchResult, LiveSource, Query
from flowdesk.data.sources.cboe import CboeSource
from flowdesk.data.sources.fred import FredSource
from flowdesk.data.sources.yahoo import YahooSource
from flowdesk.errors import DataError

__all__ = [
    "SOURCES",
    "CboeSource",
    "FetchResult",
    "FredSource",
    "LiveSource",
    "Query",
    "YahooSource",
    "source_for",
]

#: Live source classes by catalog ``source`` name.
SOURCES: dict[str, type[LiveSource]] = {
    FredSource.name: FredSource,
    CboeSource.name: CboeSource,
    YahooSource.name: YahooSource,
}

_NOT_LIVE = {"snapshot": "snapshot-only", "derived": "derived", "user": "user-imported"}


def source_for(spec: SeriesSpec, *, settings: Settings | None = None) -> LiveSource:
    """Return a live source able to refresh ``spec``.

    Parameters
    ----------
    spec
        Catalog row.
    settings
        Settings handed to the source (default: read at fetch time).

    Raises
    ------
    DataError
        If the series has no live source (snapshot-only, derived or user data).
    """
    cls = SOURCES.get(spec.source)
    if cls is None:
        kind = _NOT_LIVE.get(spec.source, f"{spec.source}-only")
        inputs = (
            f" or refresh its inputs ({', '.join(spec.derived_from)})" if spec.derived_from else ""
        )
        raise DataError(
            f"series {spec.id} cannot be refreshed from a live source (it is {kind});"
            f" use `flowdesk data import`{inputs}"
        )
    return cls(settings)  # type: ignore[call-arg]
