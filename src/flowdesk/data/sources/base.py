"""What every live source provides.

A source turns a catalog row into a validated series in three small steps, in
the manner of OpenBB's fetchers: ``transform_query`` (catalog row -> request
parameters), ``extract`` (request -> raw payload, the only step doing I/O) and
``transform_data`` (payload -> validated ``pandas.Series``).
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from flowdesk.data.catalog import SeriesSpec
from flowdesk.data.validate import validate_series

__all__ = ["FetchResult", "LiveSource", "Query"]


@dataclass(frozen=True)
class Query:
    """A prepared request: where to go and what to ask for.

    ``params`` may hold secrets (API keys); ``public_url`` never does and is what
    gets recorded as provenance and printed in errors.
    """

    series_id: str
    url: str
    params: dict[str, Any] = field(default_factory=dict)
    public_url: str = ""


@dataclass(frozen=True)
class FetchResult:
    """A fetched series and where it came from."""

    series_id: str
    data: pd.Series
    source: str
    url: str
    fetched_at: dt.datetime


class LiveSource(ABC):
    """Base class of the live fetchers (FRED, Cboe, Yahoo)."""

    name: ClassVar[str]

    @abstractmethod
    def transform_query(self, spec: SeriesSpec) -> Query:
        """Build the request for ``spec``."""

    @abstractmethod
    def extract(self, query: Query) -> Any:
        """Perform the request and return the raw payload."""

    @abstractmethod
    def transform_data(self, raw: Any, spec: SeriesSpec) -> pd.Series:
        """Parse the payload into a series (not yet validated)."""

    def fetch(self, spec: SeriesSpec) -> FetchResult:
        """Fetch the full available history of ``spec``, validated.

        Raises
        ------
        SourceError
            When the request fails or the payload cannot be parsed.
        DataError
            When the payload parses but breaks the data policy.
        """
        query = self.transform_query(spec)
        raw = self.extract(query)
        series = self.transform_data(raw, spec)
        clean = validate_series(series.dropna(), spec.id, positive=spec.positive)
        return FetchResult(
            series_id=spec.id,
            data=clean,
            source=self.name,
            url=self.provenance_url(query, raw),
            fetched_at=dt.datetime.now(dt.UTC),
        )

    def provenance_url(self, query: Query, raw: Any) -> str:
        """The address recorded as the data's origin (secrets never included).

        Parameters
        ----------
        query
            The request that was built.
        raw
            The payload :meth:`extract` returned (a source that may fall back to
            another address reports the one it actually read).
        """
        return query.public_url or query.url
