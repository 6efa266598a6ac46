"""JSON-ready values for the CLI's ``--format json`` and the web API (one encoder for both)."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["jsonable"]


def jsonable(value: Any) -> Any:
    """Make ``value`` JSON-ready: NaN/inf and NaT -> ``None``, dates -> ISO text.

    Parameters
    ----------
    value
        Nested dicts, lists and tuples of Python, numpy and pandas scalars.

    Returns
    -------
    Any
        The same structure with string keys and only JSON types.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if value is None or isinstance(value, str | bool | int):
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return jsonable(value.item())
    if hasattr(value, "isoformat"):
        import pandas as pd  # only reached for dates, after the cheap cases

        return None if value is pd.NaT else value.isoformat()
    return value
