"""FRED (Federal Reserve Bank of St. Louis) series.

With an API key (``FLOWDESK_FRED_API_KEY`` or ``FRED_API_KEY``) the official
JSON API is used; without one, the keyless CSV download behind FRED's graph
pages. If the API is down (timeouts, 5xx) the CSV download is tried once as a
fallback; client errors (bad key, unknown series) are reported as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import httpx
import numpy as np
import pandas as pd

from flowdesk.data.catalog import SeriesSpec
from flowdesk.data.formats import MISSING_MARKERS, parse_series_csv
from flowdesk.data.sources.base import Query
from flowdesk.data.sources.http import HTTPSource, HTTPSourceError, redact_url
from flowdesk.errors import SourceError

__all__ = ["FRED_API_URL", "FRED_CSV_URL", "FredPayload", "FredSource"]

FRED_API_URL = "https://api.stlouisfed.org/fred/series/observations"
FRED_CSV_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
_KEY_HINT = (
    "setting FLOWDESK_FRED_API_KEY (free at https://fred.stlouisfed.org/docs/api/api_key.html)"
    " enables the FRED API"
)


@dataclass(frozen=True)
class FredPayload:
    """What :meth:`FredSource.extract` returns: the body, its format and origin.

    ``url`` is the redacted address actually read, which differs from the
    query's when the CSV fallback was used.
    """

    format: Literal["json", "csv"]
    text: str
    url: str


def _fred_error_message(response: httpx.Response) -> str | None:
    """Pull FRED's own explanation out of an API error body."""
    try:
        body = response.json()
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("error_message"):
        return f"FRED says: {str(body['error_message']).strip()}"
    return None


class FredSource(HTTPSource):
    """Fetch FRED series through the JSON API (with a key) or the CSV download.

    Parameters
    ----------
    settings, client, sleep
        See :class:`~flowdesk.data.sources.http.HTTPSource`.
    """

    name: ClassVar[str] = "fred"

    @staticmethod
    def _csv_query(series_id: str, fred_id: str) -> Query:
        params = {"id": fred_id}
        return Query(series_id, FRED_CSV_URL, params, redact_url(FRED_CSV_URL, params))

    def transform_query(self, spec: SeriesSpec) -> Query:
        """Build the API request when a key is set, else the CSV download."""
        fred_id = spec.source_id or spec.id
        key = self.settings.fred_api_key
        if not key:
            return self._csv_query(spec.id, fred_id)
        params = {"series_id": fred_id, "api_key": key, "file_type": "json"}
        return Query(spec.id, FRED_API_URL, params, redact_url(FRED_API_URL, params))

    def _download_csv(self, query: Query, *, retries: int | None = None) -> FredPayload:
        response = self._get(query, retries=retries)
        self._reject_html(response, query, "CSV", " (FRED may be busy or the id may be wrong)")
        return FredPayload("csv", response.text, query.public_url)

    def extract(self, query: Query) -> FredPayload:
        """Download the observations, falling back from the API to the CSV.

        Raises
        ------
        SourceError
            When the download fails; without a key the message says that a key
            enables the API, after a failed fallback it reports both failures.
        """
        if "api_key" not in query.params:
            try:
                return self._download_csv(query)
            except SourceError as exc:
                if self.settings.offline:
                    raise
                raise SourceError(f"{exc}; {_KEY_HINT}") from exc
        try:
            response = self._get(query, describe_error=_fred_error_message)
        except HTTPSourceError as api_exc:
            if not api_exc.transient:
                raise
            fallback = self._csv_query(query.series_id, str(query.params["series_id"]))
            try:
                # One attempt only: the API already spent the retry budget.
                return self._download_csv(fallback, retries=0)
            except SourceError as csv_exc:
                raise SourceError(
                    f"fred series {query.series_id}: the API failed ({api_exc}) and the keyless"
                    f" CSV fallback failed too ({csv_exc})"
                ) from csv_exc
        self._reject_html(response, query, "JSON")
        return FredPayload("json", response.text, query.public_url)

    def transform_data(self, raw: FredPayload, spec: SeriesSpec) -> pd.Series:
        """Parse API JSON or CSV into a float series; ``.`` and empty become NaN."""
        label = f"fred series {spec.id}"
        if raw.format == "csv":
            return parse_series_csv(
                raw.text,
                label,
                value_column=spec.source_id or spec.id,
                positive=spec.positive,
                name=spec.id,
            )
        return _parse_observations(raw.text, label, spec.id)

    def provenance_url(self, query: Query, raw: Any) -> str:
        """The address actually read: the API's public URL, or the CSV fallback's."""
        return raw.url  # type: ignore[no-any-return]


def _parse_observations(text: str, label: str, name: str) -> pd.Series:
    """Parse the API's ``{"observations": [{"date", "value"}, ...]}`` body."""
    try:
        body: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{label}: the API answer is not valid JSON ({exc.msg} at char {exc.pos})"
        ) from None
    if isinstance(body, dict) and "error_message" in body:
        raise SourceError(f"{label}: FRED says: {body['error_message']}")
    observations = body.get("observations") if isinstance(body, dict) else None
    if not isinstance(observations, list):
        raise SourceError(f"{label}: the API answer has no 'observations' list")
    if not observations:
        raise SourceError(f"{label}: the API returned no observations")
    dates: list[str] = []
    values = np.empty(len(observations), dtype="float64")
    for i, obs in enumerate(observations):
        if not isinstance(obs, dict) or "date" not in obs or "value" not in obs:
            raise SourceError(f"{label}: observation {i + 1} lacks a date or a value: {obs!r}")
        dates.append(str(obs["date"]))
        cell = str(obs["value"]).strip()
        if cell in MISSING_MARKERS:
            values[i] = np.nan
            continue
        try:
            values[i] = float(cell)
        except ValueError:
            raise SourceError(
                f"{label}: observation {i + 1} ({obs['date']}) has non-numeric value {cell!r}"
            ) from None
    index = pd.to_datetime(pd.Index(dates), format="%Y-%m-%d", errors="coerce")
    if index.hasnans:
        bad = int(np.flatnonzero(index.isna())[0])
        raise SourceError(f"{label}: observation {bad + 1} has invalid date {dates[bad]!r}")
    return pd.Series(values, index=pd.DatetimeIndex(index, name="date"), name=name)
