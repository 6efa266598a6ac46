"""Forward S&P 500 returns by regime, with moving-block bootstrap intervals.

Forward returns are *outcomes*: they describe what followed each session in the
historical table and are never an input of the classifier.

Conventions
-----------
* Forward return over ``h`` sessions: simple return in percent,
  ``100 * (P[t+h] / P[t] - 1)``, counted in S&P 500 sessions from the close of
  ``t``; missing for the last ``h`` sessions of the data.
* Sample: for each horizon, the sessions from the first to the last one that
  is eligible (classified, forward return known). A group's estimate is the mean
  over its sessions in that sample; the unconditional baseline is the mean over
  all eligible sessions.
* Interval: moving-block bootstrap. Overlapping forward windows make
  consecutive values strongly autocorrelated (and regimes come in spells), so
  the resampled series is a concatenation of blocks of ``max(h, 21)``
  consecutive sessions of the whole timeline, starts drawn uniformly, cut to the
  sample length. Each resample's group mean uses the group's sessions inside
  it; resamples containing none of them are skipped (``n_boot_used`` counts the
  rest). The 95% interval is the 2.5th and 97.5th percentiles of the resampled
  means. Draws come from ``numpy.random.default_rng(seed)``, in horizon order.
* ``episodes``: number of distinct spells (runs of consecutive sessions of the
  timeline) in the group; for all inversions that is the number of inversion
  episodes. Few spells mean few independent observations, whatever ``n`` says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from flowdesk.errors import ConfigError

__all__ = [
    "HORIZONS",
    "MIN_BLOCK",
    "block_bootstrap_means",
    "block_length",
    "block_starts",
    "count_spells",
    "forward_return_table",
    "forward_returns",
]

HORIZONS: tuple[int, ...] = (5, 21, 63)
#: Shortest block, sessions: a month keeps volatility clustering inside blocks.
MIN_BLOCK = 21
_LEVEL = 0.95


def forward_returns(prices: pd.Series, horizons: Sequence[int] = HORIZONS) -> pd.DataFrame:
    """Simple forward returns, percent, over each horizon in sessions of ``prices``.

    Returns
    -------
    pandas.DataFrame
        One column per horizon (named by the integer), ``100 * (P[t+h] / P[t] - 1)``.
    """
    values = prices.dropna()
    return pd.DataFrame(
        {h: 100.0 * (values.shift(-h) / values - 1.0) for h in horizons}, index=values.index
    )


def block_length(horizon: int, min_block: int = MIN_BLOCK) -> int:
    """Block length for a horizon: ``max(horizon, min_block)`` sessions."""
    return max(int(horizon), int(min_block))


def block_starts(n: int, length: int, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform block starts for ``n_boot`` resamples of a length-``n`` series.

    Returns an ``(n_boot, ceil(n / length))`` integer array with values in
    ``[0, n - length]``.
    """
    n_blocks = -(-n // length)
    return rng.integers(0, n - length + 1, size=(n_boot, n_blocks))


def block_bootstrap_means(
    values: np.ndarray, masks: np.ndarray, starts: np.ndarray, length: int
) -> np.ndarray:
    """Mean of ``values`` over each mask's sessions in every block resample.

    Parameters
    ----------
    values
        Series of length ``n`` (entries outside every mask may be NaN).
    masks
        ``(n_groups, n)`` booleans: which sessions belong to each group.
    starts
        Block starts from :func:`block_starts`; the resample is the blocks
        ``values[s : s + length]`` concatenated and cut to ``n``.
    length
        Block length.

    Returns
    -------
    numpy.ndarray
        ``(n_groups, n_boot)`` means; NaN where a resample has no session of the group.
    """
    n = values.shape[0]
    masks = np.atleast_2d(masks)
    weights = masks.astype(np.float64)
    sums = np.where(masks, np.nan_to_num(values), 0.0)
    # Cumulative sums turn each block's total into one subtraction: O(blocks), not O(n).
    c_val = np.concatenate([np.zeros((len(masks), 1)), np.cumsum(sums, axis=1)], axis=1)
    c_cnt = np.concatenate([np.zeros((len(masks), 1)), np.cumsum(weights, axis=1)], axis=1)
    last = n - (starts.shape[1] - 1) * length  # the final block is cut to this length
    full, tail = starts[:, :-1], starts[:, -1]
    total = (c_val[:, full + length] - c_val[:, full]).sum(axis=2)
    total += c_val[:, tail + last] - c_val[:, tail]
    count = (c_cnt[:, full + length] - c_cnt[:, full]).sum(axis=2)
    count += c_cnt[:, tail + last] - c_cnt[:, tail]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)


def count_spells(mask: np.ndarray) -> int:
    """Number of runs of consecutive True values."""
    flags = np.asarray(mask, dtype=bool)
    if flags.size == 0:
        return 0
    return int(flags[0]) + int(np.count_nonzero(flags[1:] & ~flags[:-1]))


def forward_return_table(
    prices: pd.Series,
    groups: Mapping[str, pd.Series],
    eligible: pd.Series,
    *,
    horizons: Sequence[int] = HORIZONS,
    n_boot: int = 1000,
    seed: int | None = 0,
    min_block: int = MIN_BLOCK,
    baseline: str = "unconditional",
) -> pd.DataFrame:
    """Mean forward return of each group and horizon, with 95% block-bootstrap intervals.

    Parameters
    ----------
    prices
        S&P 500 closes on its sessions.
    groups
        Group name -> boolean Series on the session index (e.g. one per regime).
    eligible
        Boolean Series on the same index: sessions that may enter the sample.
    horizons
        Forward horizons, sessions.
    n_boot
        Bootstrap resamples per horizon.
    seed
        Seed of ``numpy.random.default_rng``.
    min_block
        Shortest block (see :func:`block_length`).
    baseline
        Name of the added all-eligible-sessions group.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``(group, horizon)``; columns ``mean``, ``ci_low``, ``ci_high``
        (percent), ``n`` (sessions), ``episodes`` (spells), ``n_boot_used`` and
        ``block_length`` (sessions); ``start``/``end`` bound the sample.
    """
    if n_boot < 1:
        raise ConfigError(f"n_boot: expected at least 1, got {n_boot}")
    index = eligible.index
    fwd = forward_returns(prices, horizons).reindex(index)
    names = [*groups, baseline]
    rng = np.random.default_rng(seed)
    rows = []
    for h in horizons:
        ok = eligible.to_numpy(dtype=bool) & fwd[h].notna().to_numpy()
        where = np.flatnonzero(ok)
        span = slice(where[0], where[-1] + 1) if where.size else slice(0, 0)
        values = fwd[h].to_numpy()[span]
        masks = np.vstack(
            [groups[g].reindex(index, fill_value=False).to_numpy(dtype=bool)[span] & ok[span]
             for g in groups] + [ok[span]]
        )
        n = values.shape[0]
        length = block_length(h, min_block)
        boot = np.full((len(names), n_boot), np.nan)
        if n >= length:
            boot = block_bootstrap_means(values, masks, block_starts(n, length, n_boot, rng),
                                         length)
        dates = index[span]
        for g, name in enumerate(names):
            sample = values[masks[g]]
            used = boot[g][~np.isnan(boot[g])]
            low, high = (np.quantile(used, [(1 - _LEVEL) / 2, (1 + _LEVEL) / 2])
                         if used.size else (np.nan, np.nan))
            rows.append(
                {
                    "group": name,
                    "horizon": int(h),
                    "mean": float(sample.mean()) if sample.size else np.nan,
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "n": int(sample.size),
                    "episodes": count_spells(masks[g]),
                    "n_boot_used": int(used.size),
                    "block_length": length,
                    "start": dates[0] if n else pd.NaT,
                    "end": dates[-1] if n else pd.NaT,
                }
            )
    return pd.DataFrame(rows).set_index(["group", "horizon"])
