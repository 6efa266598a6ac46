"""Cboe index histories (VIX, VIX3M, VIX9D, VVIX, SKEW).

Cboe publishes each index's full daily history as one CSV on its CDN, either
``DATE,OPEN,HIGH,LOW,CLOSE`` (the value is the close) or two columns named
after the index (``DATE,VVIX``, ``DATE,SKEW``); dates are MM/DD/YYYY.
"""

from __future__ import annotations

import csv
import io
from typing import Any, ClassVar

import pandas as pd

from flowdesk.data.catalog import SeriesSpec
from flowdesk.data.formats import parse_series_csv
from flowdesk.data.sources.base import Query
from flowdesk.data.sources.http import HTTPSource
from flowdesk.errors import DataError

__all__ = ["CBOE_URL", "CboeSource", "cboe_url"]

CBOE_URL = "https://cdn.cboe.com/api/global/us_indices/daily_prices/{symbol}_History.csv"


def cboe_url(symbol: str) -> str:
    """Address of the daily history file of Cboe index ``symbol`` (e.g. ``VIX3M``)."""
    return CBOE_URL.format(symbol=symbol.upper())


def _value_column(text: str, symbol: str, label: str) -> str:
    """Pick ``CLOSE`` in OHLC files, the column named after the index otherwise."""
    first = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])
    header = [h.strip().upper() for h in first]
    if "CLOSE" in header:
        return "CLOSE"
    if symbol.upper() in header:
        return symbol.upper()
    raise DataError(f"{label}: expected a CLOSE or {symbol.upper()} column, found header {first!r}")


class CboeSource(HTTPSource):
    """Fetch a Cboe index history from ``cdn.cboe.com``.

    Parameters
    ----------
    settings, client, sleep
        See :class:`~flowdesk.data.sources.http.HTTPSource`.
    """

    name: ClassVar[str] = "cboe"

    def transform_query(self, spec: SeriesSpec) -> Query:
        """Point at ``<SYMBOL>_History.csv``; SYMBOL is the catalog's source id."""
        url = cboe_url(spec.source_id or spec.id)
        return Query(spec.id, url, {}, url)

    def extract(self, query: Query) -> str:
        """Download the CSV text.

        Raises
        ------
        SourceError
            On HTTP failure or when an HTML page comes back instead of CSV.
        """
        response = self._get(query)
        self._reject_html(response, query, "CSV")
        return response.text

    def transform_data(self, raw: Any, spec: SeriesSpec) -> pd.Series:
        """Parse the history file; the value is the close."""
        label = f"cboe series {spec.id}"
        text = str(raw)
        if not text.strip():
            raise DataError(f"{label}: the file is empty")
        column = _value_column(text, spec.source_id or spec.id, label)
        return parse_series_csv(
            text, label, value_column=column, positive=spec.positive, name=spec.id
        )
