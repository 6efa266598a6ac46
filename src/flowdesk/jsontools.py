"""The package's one JSON encoder: results' ``to_dict()``, the CLI's ``--format json`` and the API.

Dates come out one way everywhere: a tz-naive midnight timestamp (the package's
session dates, see :mod:`flowdesk.dates`) or a ``date`` as ``YYYY-MM-DD``, any
other timestamp as full ISO 8601 text.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

__all__ = ["jsonable"]


def _date_text(value: dt.date) -> str | None:
    if isinstance(value, dt.datetime):
        if value != value:  # NaT compares unequal to itself
            return None
        if value.tzinfo is None and value.time() == dt.time(0):
            return f"{value:%Y-%m-%d}"
        return value.isoformat()
    return value.isoformat()


def jsonable(value: Any) -> Any:
    """Make ``value`` JSON-ready: NaN/inf, NaT and NA -> ``None``, dates -> ISO text.

    Parameters
    ----------
    value
        Nested dicts, lists and tuples of Python, NumPy and pandas scalars.

    Returns
    -------
    Any
        The same structure with string keys and only JSON types. Session dates
        (tz-naive midnight) become ``YYYY-MM-DD``; other timestamps full ISO text.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.date):  # datetime and pandas Timestamp/NaT included
        return _date_text(value)
    type_name = type(value).__name__
    if type_name == "datetime64":  # NumPy's .item() would give nanoseconds as an int
        import pandas as pd

        return _date_text(pd.Timestamp(value))
    if type_name in ("NAType", "NaTType"):
        return None
    if hasattr(value, "item") and callable(value.item):  # other NumPy scalars
        return jsonable(value.item())
    return value
