"""Flow projections: what systematic books must trade along hypothetical price paths.

Paths continue from the last close: a flat tape (prices unchanged), an up tape
and a down tape (every asset moves ``k`` daily standard deviations per session
in the same direction, compounding), and a Monte Carlo distribution from a
moving-block bootstrap of historical daily returns (blocks keep volatility
clustering and cross-asset correlation, since whole dates are resampled).

A model plugs in through a *position function*: given paths of shape
``(n_paths, horizon, n_assets)`` it returns the positions (fractions of AUM)
it would hold after each session. The projected flow over the horizon is
``(position at the end - position now) x AUM``, in USD bn with the AUM band.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from flowdesk.errors import ModelError
from flowdesk.flows.common import AumBand, Band

__all__ = [
    "HORIZONS",
    "PositionFunction",
    "ScenarioFlows",
    "bootstrap_paths",
    "project",
    "tape_paths",
]

PositionFunction = Callable[[np.ndarray], np.ndarray]
Tape = Literal["flat", "up", "down"]

#: Projection horizons in sessions.
HORIZONS: dict[str, int] = {"1w": 5, "1m": 21}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def tape_paths(
    last_prices: np.ndarray, daily_sigma: np.ndarray, horizon: int, tape: Tape, k: float = 1.0
) -> np.ndarray:
    """A deterministic path of ``horizon`` sessions, shape ``(1, horizon, n_assets)``.

    ``flat`` keeps every price unchanged; ``up``/``down`` multiply each asset's
    price by ``1 +/- k * daily_sigma`` per session (daily sigma as a fraction,
    e.g. 0.01 for 1%). For assets whose price is not positive (crude oil in
    April 2020) the move is ``k * daily_sigma * |price|`` in the tape's direction.
    """
    last = np.asarray(last_prices, dtype=float)
    sigma = np.asarray(daily_sigma, dtype=float)
    if last.shape != sigma.shape or last.ndim != 1:
        raise ModelError("tape_paths: last_prices and daily_sigma must be 1-D of equal length")
    if horizon < 1:
        raise ModelError(f"tape_paths: horizon must be >= 1, got {horizon}")
    if tape not in ("flat", "up", "down"):
        raise ModelError(f"tape_paths: unknown tape {tape!r}")
    sign = {"flat": 0.0, "up": 1.0, "down": -1.0}[tape]
    steps = np.arange(1, horizon + 1)[:, None]
    positive = last > 0
    growth = np.where(positive, (1.0 + sign * k * sigma) ** steps, 1.0)
    shifted = np.where(positive, last * growth, last + sign * k * sigma * np.abs(last) * steps)
    return shifted[None, :, :]


def bootstrap_paths(
    returns: np.ndarray,
    last_prices: np.ndarray,
    horizon: int,
    n_paths: int,
    *,
    block: int = 5,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Monte Carlo price paths from a moving-block bootstrap of historical returns.

    Parameters
    ----------
    returns
        Historical simple daily returns, shape ``(n_days, n_assets)``; rows with a
        NaN are dropped so every resampled date has all assets.
    last_prices
        Prices to start from, shape ``(n_assets,)``.
    horizon
        Sessions per path.
    n_paths
        Number of paths.
    block
        Length of the resampled blocks of consecutive dates.
    rng
        Generator or seed.

    Returns
    -------
    numpy.ndarray
        Prices, shape ``(n_paths, horizon, n_assets)``.
    """
    hist = np.asarray(returns, dtype=float)
    hist = hist[~np.isnan(hist).any(axis=1)]
    if hist.shape[0] < block + 1:
        raise ModelError(
            f"bootstrap_paths: {hist.shape[0]} complete days of returns, need more than {block}"
        )
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    n_blocks = -(-horizon // block)
    starts = gen.integers(0, hist.shape[0] - block + 1, size=(n_paths, n_blocks))
    offsets = np.arange(block)
    rows = (starts[:, :, None] + offsets[None, None, :]).reshape(n_paths, -1)[:, :horizon]
    sampled = hist[rows]  # (n_paths, horizon, n_assets)
    last = np.asarray(last_prices, dtype=float)
    # Compound from positive prices; a non-positive price moves by return x |price|.
    growth = np.cumprod(1.0 + sampled, axis=1)
    additive = last[None, None, :] + np.cumsum(sampled, axis=1) * np.abs(last)[None, None, :]
    return np.where(last[None, None, :] > 0, last[None, None, :] * growth, additive)


@dataclass(frozen=True)
class ScenarioFlows:
    """Projected flows of one book: per horizon, per tape, per asset, with AUM bands.

    Attributes
    ----------
    assets
        Asset ids, in the order of the position function's last axis.
    tapes
        ``{horizon: {tape: per-asset position change as fraction of AUM}}``.
    monte_carlo
        ``{horizon: DataFrame}`` of total position change (fraction of AUM) at
        the quantiles, rows = quantiles, columns = assets + ``total``.
    aum
        The AUM band turning fractions into USD bn.
    sigmas_per_day
        ``k`` of the up/down tapes.
    n_paths
        Monte Carlo paths.
    """

    assets: tuple[str, ...]
    tapes: dict[str, dict[str, np.ndarray]]
    monte_carlo: dict[str, pd.DataFrame]
    aum: AumBand
    sigmas_per_day: float
    n_paths: int
    notes: tuple[str, ...] = field(default_factory=tuple)

    def tape_band(self, horizon: str, tape: str, asset: str | None = None) -> Band:
        """Flow in USD bn (low/base/high) for one horizon and tape, one asset or all."""
        change = self.tapes[horizon][tape]
        fraction = float(np.nansum(change)) if asset is None else float(
            change[self.assets.index(asset)]
        )
        return self.aum.dollars(fraction)

    def to_dict(self) -> dict[str, object]:
        """``{horizon: {flat|up|down: {low, base, high}, mc: {q05..q95: {..}}, by_asset}}``."""
        out: dict[str, object] = {}
        for horizon, tapes in self.tapes.items():
            entry: dict[str, object] = {
                tape: self.tape_band(horizon, tape).to_dict() for tape in tapes
            }
            entry["by_asset"] = {
                asset: {tape: self.tape_band(horizon, tape, asset).to_dict() for tape in tapes}
                for asset in self.assets
            }
            mc = self.monte_carlo.get(horizon)
            if mc is not None:
                entry["monte_carlo"] = {
                    f"q{round(q * 100):02d}": self.aum.dollars(float(mc.loc[q, "total"])).to_dict()
                    for q in mc.index
                }
            out[horizon] = entry
        return out


def project(
    positions_along: PositionFunction,
    current: np.ndarray,
    assets: tuple[str, ...] | list[str],
    last_prices: np.ndarray,
    daily_sigma: np.ndarray,
    returns: np.ndarray,
    aum: AumBand,
    *,
    sigmas_per_day: float = 1.0,
    n_paths: int = 2000,
    block: int = 5,
    seed: int = 0,
    horizons: dict[str, int] | None = None,
) -> ScenarioFlows:
    """Project a book's flows under flat/up/down tapes and a bootstrap Monte Carlo.

    Parameters
    ----------
    positions_along
        The book's position function (paths -> positions, fractions of AUM).
    current
        Positions held now, shape ``(n_assets,)``.
    assets
        Asset ids in column order.
    last_prices, daily_sigma
        Last closes and daily return standard deviations (fractions), ``(n_assets,)``.
    returns
        Historical daily returns for the bootstrap, ``(n_days, n_assets)``.
    aum
        AUM band for the dollar conversion.
    sigmas_per_day
        Size of the up/down tape moves in daily standard deviations per session.
    n_paths, block, seed
        Monte Carlo settings (the seed makes projections reproducible).
    horizons
        ``{label: sessions}``; default 1 week (5) and 1 month (21).

    Returns
    -------
    ScenarioFlows
    """
    horizons = horizons or HORIZONS
    current = np.asarray(current, dtype=float)
    longest = max(horizons.values())
    tapes: dict[str, dict[str, np.ndarray]] = {h: {} for h in horizons}
    for tape in ("flat", "up", "down"):
        path = tape_paths(last_prices, daily_sigma, longest, tape, sigmas_per_day)  # type: ignore[arg-type]
        held = _positions(positions_along, path)
        for label, n in horizons.items():
            tapes[label][tape] = held[0, n - 1] - current
    rng = np.random.default_rng(seed)
    paths = bootstrap_paths(returns, last_prices, longest, n_paths, block=block, rng=rng)
    held = _positions(positions_along, paths)
    monte_carlo: dict[str, pd.DataFrame] = {}
    for label, n in horizons.items():
        change = held[:, n - 1, :] - current[None, :]
        frame = pd.DataFrame(change, columns=list(assets))
        frame["total"] = change.sum(axis=1)
        monte_carlo[label] = frame.quantile(list(QUANTILES))
    return ScenarioFlows(
        assets=tuple(assets),
        tapes=tapes,
        monte_carlo=monte_carlo,
        aum=aum,
        sigmas_per_day=sigmas_per_day,
        n_paths=n_paths,
    )


def _positions(positions_along: PositionFunction, paths: np.ndarray) -> np.ndarray:
    held = np.asarray(positions_along(paths), dtype=float)
    if held.ndim == 2:  # single-asset books may drop the asset axis
        held = held[:, :, None]
    if held.shape[:2] != paths.shape[:2]:
        raise ModelError(
            f"position function returned shape {held.shape} for paths of shape {paths.shape}"
        )
    return held
