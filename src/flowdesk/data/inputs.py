"""A model's inputs at one as-of date, loaded together so that a missing one is not fatal.

Models that can still say something without some of their series (the macro
scorecard, the market overview, the VIX regimes) all load the same way: each
series as published by ``asof``, a :class:`~flowdesk.errors.DataError` kept
for the caller to report, and only the series the model cannot do without
allowed to stop it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.data.api import load
from flowdesk.errors import DataError

if TYPE_CHECKING:
    from flowdesk.config import Settings

__all__ = ["load_inputs"]


def load_inputs(
    series_ids: Iterable[str],
    *,
    asof: pd.Timestamp,
    settings: Settings | None = None,
    required: Collection[str] = (),
) -> tuple[dict[str, pd.Series | pd.DataFrame], dict[str, DataError]]:
    """Load each series as published by ``asof``, going on past the ones that fail.

    Parameters
    ----------
    series_ids
        Catalog ids, loaded in this order.
    asof
        Point-in-time cut passed to :func:`~flowdesk.data.api.load`.
    settings
        Settings (cache directory); default from the environment.
    required
        Ids whose failure is fatal: the error is raised at once, before any
        later id is loaded.

    Returns
    -------
    loaded
        Id -> series (or table), in ``series_ids`` order, for those that loaded.
    missing
        Id -> the :class:`~flowdesk.errors.DataError` of each one that did not.

    Raises
    ------
    DataError
        If one of ``required`` cannot be loaded.
    """
    loaded: dict[str, pd.Series | pd.DataFrame] = {}
    missing: dict[str, DataError] = {}
    for sid in series_ids:
        try:
            loaded[sid] = load(sid, asof=asof, settings=settings)
        except DataError as exc:
            if sid in required:
                raise
            missing[sid] = exc
    return loaded, missing
