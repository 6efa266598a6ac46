"""Futures input: read a user's file (``flowdesk fed --futures FILE.csv``) and validate a curve.

Input handling only: :func:`read_futures_csv` reads a file, :func:`futures_curve`
checks prices from any source (file, Yahoo, a dict) and turns them into implied
rates; the engine in :mod:`flowdesk.policy.fedwatch` never reads files.

The file is a CSV with a header naming two columns, in any order and case:
``month`` (contract month, ``YYYY-MM``) and ``price`` (futures price, e.g.
``96.375``; the implied rate is ``100 - price``). Other columns are ignored.
Example::

    month,price
    2026-08,96.3650
    2026-09,96.4100

Like :func:`flowdesk.data.formats.parse_series_csv`, the reader is strict:
every problem raises a :class:`~flowdesk.errors.DataError` naming the file and
the line.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from flowdesk.data.formats import MISSING_MARKERS, read_text
from flowdesk.errors import DataError

__all__ = ["PRICE_RANGE", "futures_curve", "read_futures_csv"]

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
#: Sane futures prices: implied rates from 0% to 10%. A price above 100 (a
#: negative rate) or below 90 is almost always a typo or a different contract.
PRICE_RANGE = (90.0, 100.0)


def read_futures_csv(path: str | Path) -> pd.DataFrame:
    """Parse a ``month,price`` CSV of 30-day fed funds futures.

    Parameters
    ----------
    path
        CSV file with a header line and columns ``month`` (``YYYY-MM``) and
        ``price``.

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (str, ``YYYY-MM``) and ``price`` (float64), one row per
        contract, sorted by month, with ``attrs["source"]`` set to ``path`` so
        later errors (:class:`~flowdesk.policy.model.FedPolicy`) can name the file.

    Raises
    ------
    DataError
        Missing, unreadable or empty file; header only; no ``month``/``price``
        column; a short row; a malformed month; a missing or non-numeric price;
        a duplicated month; a price outside :data:`PRICE_RANGE` -- each with the
        file name and line number; months missing in the middle of the curve.
    """
    label = str(path)
    text = read_text(path, label)
    if not text.strip():
        raise DataError(f"{label}: file is empty")
    numbered = [
        (number, row)
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if any(cell.strip() for cell in row)
    ]
    # csv.reader counts records, not lines; files here have one record per line.
    header_line, header = numbered[0]
    lowered = [h.strip().lower() for h in header]
    for column in ("month", "price"):
        if column not in lowered:
            raise DataError(
                f"{label}: line {header_line}: no {column!r} column in the header"
                f" (found: {', '.join(h.strip() for h in header)})"
            )
    i_month, i_price = lowered.index("month"), lowered.index("price")
    rows = numbered[1:]
    if not rows:
        raise DataError(f"{label}: has a header but no data rows")
    months: list[str] = []
    prices: list[float] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if len(row) <= max(i_month, i_price):
            raise DataError(
                f"{label}: line {line}: expected {len(header)} columns, found {len(row)}"
            )
        month, cell = row[i_month].strip(), row[i_price].strip()
        match = _MONTH.match(month)
        if match is None or not 1 <= int(match[2]) <= 12:
            raise DataError(f"{label}: line {line}: month {month!r} is not YYYY-MM (e.g. 2026-09)")
        if month in seen:
            raise DataError(
                f"{label}: line {line}: month {month} duplicated (first on line {seen[month]})"
            )
        seen[month] = line
        if cell in MISSING_MARKERS:
            raise DataError(f"{label}: line {line}: missing price for {month}")
        try:
            price = float(cell)
        except ValueError:
            raise DataError(
                f"{label}: line {line}: non-numeric price {cell!r} for {month}"
            ) from None
        if not math.isfinite(price):
            raise DataError(f"{label}: line {line}: price {cell!r} for {month} is not finite")
        lo, hi = PRICE_RANGE
        if not lo <= price <= hi:
            raise DataError(
                f"{label}: line {line}: price {cell} for {month} outside the sane range"
                f" {lo:g}-{hi:g} (implied rate {100 - price:.3f}%)"
            )
        months.append(month)
        prices.append(price)
    frame = pd.DataFrame({"month": months, "price": prices})
    frame["price"] = frame["price"].astype("float64")
    frame = frame.sort_values("month", kind="stable").reset_index(drop=True)
    periods = [pd.Period(m, freq="M") for m in frame["month"]]
    for a, b in itertools.pairwise(periods):
        if (b - a).n != 1:
            gap = ", ".join(str(a + k) for k in range(1, (b - a).n))
            raise DataError(
                f"{label}: month(s) {gap} missing between {periods[0]} and {periods[-1]};"
                " meeting probabilities chain month by month"
            )
    # The engine's errors (e.g. a curve not reaching the next meeting) name the file.
    frame.attrs["source"] = label
    return frame


def _parse_month(value: Any) -> pd.Period:
    if isinstance(value, pd.Period):
        return value.asfreq("M")
    if isinstance(value, pd.Timestamp):
        return value.to_period("M")
    text = str(value).strip()
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
        raise DataError(f"futures curve: contract month {value!r} is not YYYY-MM")
    if not 1 <= int(text[5:]) <= 12:
        raise DataError(f"futures curve: contract month {value!r} has no month {text[5:]}")
    return pd.Period(text, freq="M")


def futures_curve(prices: pd.Series | pd.DataFrame | Mapping[Any, float]) -> pd.Series:
    """Validate futures prices and return implied average rates by contract month.

    Parameters
    ----------
    prices
        Price by contract month: a Series or mapping keyed by ``"YYYY-MM"`` (or
        monthly Periods / Timestamps), or a DataFrame with ``month`` and
        ``price`` columns (as returned by :func:`read_futures_csv`
        and :func:`flowdesk.data.sources.yahoo.fed_funds_futures`).

    Returns
    -------
    pandas.Series
        ``100 - price`` in percent on a sorted monthly ``PeriodIndex`` named ``month``.

    Raises
    ------
    DataError
        Empty curve, missing columns, malformed or duplicated months, a price
        that is not a number or lies outside :data:`PRICE_RANGE`, or a gap in
        the months (the chain needs every month from first to last).
    """
    if isinstance(prices, pd.DataFrame):
        missing = {"month", "price"} - set(prices.columns)
        if missing:
            raise DataError(f"futures curve: missing column(s) {sorted(missing)}")
        keys, values = list(prices["month"]), list(prices["price"])
    elif isinstance(prices, pd.Series):
        keys, values = list(prices.index), list(prices.to_numpy())
    else:
        keys, values = list(prices.keys()), list(prices.values())
    if not keys:
        raise DataError("futures curve: no contracts given")
    months: list[pd.Period] = []
    rates: list[float] = []
    for key, value in zip(keys, values, strict=True):
        month = _parse_month(key)
        try:
            price = float(value)
        except (TypeError, ValueError):
            raise DataError(
                f"futures curve: contract {month}: price {value!r} is not a number"
            ) from None
        lo, hi = PRICE_RANGE
        if not math.isfinite(price) or not lo <= price <= hi:
            raise DataError(
                f"futures curve: contract {month}: price {price} outside the sane range {lo}-{hi}"
            )
        if month in months:
            raise DataError(f"futures curve: contract month {month} appears more than once")
        months.append(month)
        rates.append(100.0 - price)
    curve = pd.Series(rates, index=pd.PeriodIndex(months, freq="M", name="month"), name="rate")
    curve = curve.sort_index()
    ordinals = [p.ordinal for p in curve.index]
    for a, b in itertools.pairwise(ordinals):
        if b != a + 1:
            gap = ", ".join(str(pd.Period(ordinal=o, freq="M")) for o in range(a + 1, b))
            raise DataError(
                f"futures curve: month(s) {gap} missing between {curve.index[0]} and"
                f" {curve.index[-1]}; meeting probabilities chain month by month"
            )
    return curve
