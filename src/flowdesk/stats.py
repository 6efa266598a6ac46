"""Small statistics shared by the models: resampling with dependence kept, drawdowns, freshness."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from flowdesk.errors import ModelError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["block_bootstrap_sums", "drawdown_from_peak", "last_observations"]


def block_bootstrap_sums(
    columns: np.ndarray, *, block: int, n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Moving-block bootstrap of column sums.

    Each replicate concatenates ``ceil(n / block)`` blocks of ``block``
    consecutive observations with uniformly drawn starts (the last one cut so
    the replicate has ``n`` observations) and sums each row of ``columns``.

    Parameters
    ----------
    columns
        ``(g, n)`` array; pass ``values * mask`` and ``mask`` to get group means.
    block, n_boot, rng
        Block length, number of replicates and the random generator.

    Returns
    -------
    numpy.ndarray
        ``(n_boot, g)`` resampled sums.
    """
    columns = np.atleast_2d(np.asarray(columns, dtype=float))
    n = columns.shape[1]
    if block < 1 or n < 2 * block:
        raise ModelError(f"block bootstrap: {n} observations, need at least 2 blocks of {block}")
    k = -(-n // block)
    lengths = np.full(k, block)
    lengths[-1] = n - (k - 1) * block
    starts = rng.integers(0, n - block + 1, size=(n_boot, k))
    ends = starts + lengths
    out = np.empty((n_boot, columns.shape[0]))
    for j, col in enumerate(columns):
        cum = np.concatenate([[0.0], np.cumsum(col)])
        out[:, j] = (cum[ends] - cum[starts]).sum(axis=1)
    return out


def drawdown_from_peak(prices: pd.Series) -> pd.Series:
    """Percent distance of each price below its running maximum.

    Parameters
    ----------
    prices
        Positive prices on a sorted index.

    Returns
    -------
    pandas.Series
        ``100 * (prices / prices.cummax() - 1)``: 0 at a new high, negative
        otherwise, in percent.
    """
    return (prices / prices.cummax() - 1.0) * 100.0


def last_observations(
    data: Mapping[str, Any] | pd.DataFrame, ids: Iterable[str] | None = None
) -> dict[str, pd.Timestamp | None]:
    """Date of the last observation of each input: the ``last_obs`` of every model result.

    Parameters
    ----------
    data
        Series (or tables) by id, or a frame with one column per id, already
        cut to what was published by the as-of date.
    ids
        Ids to report (default: every key of ``data``); an id absent from
        ``data`` gets ``None``.

    Returns
    -------
    dict
        Id -> date of its last non-missing value (``None`` when there is none:
        a NaN row is not an observation).
    """
    keys = list(data.keys()) if ids is None else list(ids)
    return {sid: (data[sid].last_valid_index() if sid in data else None) for sid in keys}
