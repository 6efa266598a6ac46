"""Flow projections: what systematic books must trade along hypothetical price paths.

Tapes (:class:`TapeSpec`)
    Over a horizon of ``h`` sessions each asset drifts by ``0`` (flat), ``+k sigma
    sqrt(h)`` (up) or ``-k sigma sqrt(h)`` (down) in log price, spread evenly over
    the sessions, plus daily dispersion: standardised historical shocks (each
    day's return over its RiskMetrics vol the day before, unit RMS per asset),
    drawn in blocks of whole dates (so cross-asset correlation and clustering
    stay) and scaled by today's daily sigma times a volatility path. The path
    runs linearly from 1 to ``vol_up``/``vol_down`` over the horizon (1 in the
    flat tape): volatility rises in sell-offs and eases in rallies, as it does
    in the S&P 500's history (``docs/calibration.md``). Draws come in antithetic
    pairs (``z`` and ``-z``), so the shocks add no drift of their own. A tape's flow
    is the average over its paths. With ``shocks="none"`` a tape is the single
    drift path (flat = prices unchanged), the desks' literal definition, under
    which realised volatility collapses to zero.

Monte Carlo
    A moving-block bootstrap of historical daily returns (blocks keep volatility
    clustering and cross-asset correlation, since whole dates are resampled).

A model plugs in through a *position function*: given paths of shape
``(n_paths, horizon, n_assets)`` it returns the positions (fractions of AUM)
it would hold after each session. The projected flow over the horizon is
``(position at the end - position now) x AUM``, in USD bn with the AUM band.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from flowdesk.errors import ModelError
from flowdesk.flows.common import AumBand, Band

__all__ = [
    "HORIZONS",
    "PositionFunction",
    "ScenarioFlows",
    "TapeSpec",
    "bootstrap_paths",
    "project",
    "standardised_shocks",
    "tape_paths",
]

PositionFunction = Callable[[np.ndarray], np.ndarray]
Tape = Literal["flat", "up", "down"]
ShockSource = Literal["bootstrap", "none"]

#: Projection horizons in sessions.
HORIZONS: dict[str, int] = {"1w": 5, "1m": 21}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
_SIGN = {"flat": 0.0, "up": 1.0, "down": -1.0}
_RISKMETRICS = 0.94


@dataclass(frozen=True)
class TapeSpec:
    """How the flat/up/down tapes are built (module docstring).

    Attributes
    ----------
    k
        Size of the up/down move over the horizon in sigmas of that horizon
        (``k sigma sqrt(h)``), in (0, 10).
    shocks
        ``"bootstrap"`` (standardised historical shocks) or ``"none"`` (drift only).
    vol_up, vol_down
        Daily volatility at the end of the up/down tape relative to today's, > 0.
    n_paths
        Paths per tape (even: antithetic pairs); 1 path when ``shocks="none"``.
    block
        Block length of the shock bootstrap, sessions.
    """

    k: float = 1.0
    shocks: ShockSource = "bootstrap"
    vol_up: float = 0.9
    vol_down: float = 1.5
    n_paths: int = 256
    block: int = 5

    def __post_init__(self) -> None:
        if not (np.isfinite(self.k) and 0 < self.k < 10):
            raise ModelError(f"tape k must be in (0, 10), got {self.k!r}")
        if self.shocks not in ("bootstrap", "none"):
            raise ModelError(f"tape shocks must be 'bootstrap' or 'none', got {self.shocks!r}")
        for name in ("vol_up", "vol_down"):
            value = getattr(self, name)
            if not (np.isfinite(value) and 0 < value <= 5):
                raise ModelError(f"tape {name} must be in (0, 5], got {value!r}")
        if self.n_paths < 2 or self.n_paths % 2:
            raise ModelError(f"tape n_paths must be an even number >= 2, got {self.n_paths}")
        if self.block < 1:
            raise ModelError(f"tape block must be >= 1, got {self.block}")

    def vol_end(self, tape: Tape) -> float:
        """Volatility multiplier reached at the end of ``tape``."""
        return {"flat": 1.0, "up": self.vol_up, "down": self.vol_down}[tape]

    def describe(self) -> str:
        """One line naming the definition (shown beside every tape flow)."""
        if self.shocks == "none":
            return (f"drift only: up/down = +/-{self.k:g} sigma x sqrt(h) over h sessions, "
                    "flat = prices unchanged (no dispersion)")
        return (f"up/down = +/-{self.k:g} sigma x sqrt(h) log drift over h sessions plus "
                f"block-bootstrapped standardised shocks (block {self.block}, "
                f"{self.n_paths} antithetic paths); daily vol goes from today's to "
                f"x{self.vol_up:g} (up), x1 (flat), x{self.vol_down:g} (down)")

    def to_dict(self) -> dict[str, Any]:
        """Options and the one-line definition."""
        return {**asdict(self), "definition": self.describe()}


def standardised_shocks(returns: np.ndarray) -> np.ndarray:
    """Daily shocks in units of their own ex-ante volatility, unit RMS per asset.

    ``z_t = r_t / s_{t-1}`` with ``s`` the RiskMetrics EWMA (lambda 0.94) of
    squared returns seeded with the first return, i.e. ``np.sqrt((r**2).ewm(
    alpha=0.06, adjust=False).mean()).shift(1)``; the first 20 days (seeding)
    and rows with a missing asset are dropped, then each column is divided by
    its RMS.

    Parameters
    ----------
    returns
        ``(n_days, n_assets)`` simple daily returns.

    Returns
    -------
    numpy.ndarray
        ``(n_kept, n_assets)`` shocks.
    """
    r = np.asarray(returns, dtype=float)
    frame = pd.DataFrame(r)
    s = np.sqrt((frame**2).ewm(alpha=1 - _RISKMETRICS, adjust=False).mean()).shift(1)
    z = (frame / s.where(s > 0)).iloc[20:]
    z = z[np.isfinite(z).all(axis=1)].to_numpy()
    if len(z) == 0:
        return np.empty((0, r.shape[1] if r.ndim == 2 else 0))
    rms = np.sqrt(np.mean(z**2, axis=0))
    return z / np.where(rms > 0, rms, 1.0)


def tape_paths(
    last_prices: np.ndarray,
    daily_sigma: np.ndarray,
    horizon: int,
    tape: Tape,
    k: float = 1.0,
    *,
    shocks: np.ndarray | None = None,
    vol_end: float = 1.0,
    n_paths: int = 2,
    block: int = 5,
    rng: np.random.Generator | int | None = None,
) -> np.ndarray:
    """Price paths of one tape over ``horizon`` sessions, ``(n, horizon, n_assets)``.

    Log price of a positive price after ``j`` sessions::

        log p_j = log p_0 + sign * k * sigma * sqrt(h) * j / h
                  + sum_{i <= j} sigma * m_i * z_i,   m_i = 1 + (vol_end - 1) * i / h

    with ``z`` blocks of whole dates drawn from ``shocks`` (``n_paths / 2`` draws
    and their negatives). A non-positive price (crude oil in April 2020) moves
    additively by ``|p_0|`` times the same sum. Without ``shocks`` the result is
    the single drift path.

    Parameters
    ----------
    last_prices, daily_sigma
        ``(n_assets,)`` last closes and daily sigmas (fractions, e.g. 0.01).
    horizon
        Sessions, >= 1.
    tape
        ``"flat"``, ``"up"`` or ``"down"``.
    k
        Drift over the horizon in sigmas of the horizon.
    shocks
        ``(n_days, n_assets)`` standardised shocks (:func:`standardised_shocks`) or None.
    vol_end
        Volatility multiplier at the end of the horizon.
    n_paths, block, rng
        Paths (even), bootstrap block length and generator or seed.
    """
    last = np.asarray(last_prices, dtype=float)
    sigma = np.asarray(daily_sigma, dtype=float)
    if last.shape != sigma.shape or last.ndim != 1:
        raise ModelError("tape_paths: last_prices and daily_sigma must be 1-D of equal length")
    if horizon < 1:
        raise ModelError(f"tape_paths: horizon must be >= 1, got {horizon}")
    if tape not in _SIGN:
        raise ModelError(f"tape_paths: unknown tape {tape!r}")
    steps = np.arange(1, horizon + 1, dtype=float)[:, None]
    drift = _SIGN[tape] * k * sigma * np.sqrt(horizon) * steps / horizon  # (h, n)
    cum = np.broadcast_to(drift, (1, horizon, last.size)).copy()
    if shocks is not None:
        z = _draw_blocks(np.asarray(shocks, dtype=float), horizon, n_paths // 2, block, rng)
        z = np.concatenate([z, -z], axis=0)
        scale = (1.0 + (vol_end - 1.0) * steps / horizon) * sigma  # (h, n)
        cum = drift[None] + np.cumsum(z * scale[None], axis=1)
    positive = last > 0
    grown = last * np.exp(cum)
    shifted = last + np.abs(last) * cum
    return np.where(positive, grown, shifted)


def _draw_blocks(hist: np.ndarray, horizon: int, n_draws: int, block: int,
                 rng: np.random.Generator | int | None) -> np.ndarray:
    # (n_draws, horizon, n_assets) rows of `hist` in blocks of consecutive dates.
    if n_draws < 1:
        raise ModelError("tape_paths: n_paths must be >= 2 with shocks (antithetic pairs)")
    if hist.ndim != 2 or hist.shape[0] < block + 1:
        raise ModelError(
            f"tape_paths: {hist.shape[0] if hist.ndim == 2 else 0} days of shocks, need more "
            f"than the block of {block}"
        )
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    n_blocks = -(-horizon // block)
    starts = gen.integers(0, hist.shape[0] - block + 1, size=(n_draws, n_blocks))
    rows = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_draws, -1)
    return hist[rows[:, :horizon]]


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
    tape
        How the tapes were built; a tape's change is the average over its paths.
    n_paths
        Monte Carlo paths.
    """

    assets: tuple[str, ...]
    tapes: dict[str, dict[str, np.ndarray]]
    monte_carlo: dict[str, pd.DataFrame]
    aum: AumBand
    tape: TapeSpec
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
    tape: TapeSpec | None = None,
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
    tape
        Tape definition (default :class:`TapeSpec()`); its shocks are standardised
        from ``returns``.
    n_paths, block, seed
        Monte Carlo settings (the seed makes projections reproducible).
    horizons
        ``{label: sessions}``; default 1 week (5) and 1 month (21).

    Returns
    -------
    ScenarioFlows
    """
    horizons = horizons or HORIZONS
    spec = tape or TapeSpec()
    current = np.asarray(current, dtype=float)
    longest = max(horizons.values())
    shocks = standardised_shocks(returns) if spec.shocks == "bootstrap" else None
    notes: tuple[str, ...] = ()
    if shocks is not None and len(shocks) <= spec.block:
        # Too little history with non-zero volatility to draw shocks from: say so and
        # fall back to the drift-only tapes rather than fail the whole projection.
        notes = (f"tapes: only {len(shocks)} days of standardised shocks; drift-only tapes "
                 "used",)
        shocks = None
    tapes: dict[str, dict[str, np.ndarray]] = {h: {} for h in horizons}
    for label, n in horizons.items():
        for name in ("flat", "up", "down"):
            # The same draws for every tape of a horizon: tapes differ by drift and vol only.
            path = tape_paths(last_prices, daily_sigma, n, name, spec.k, shocks=shocks,  # type: ignore[arg-type]
                              vol_end=spec.vol_end(name), n_paths=spec.n_paths,  # type: ignore[arg-type]
                              block=spec.block, rng=np.random.default_rng([seed, n]))
            held = _positions(positions_along, path)
            tapes[label][name] = held[:, n - 1].mean(axis=0) - current
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
        tape=spec,
        n_paths=n_paths,
        notes=notes,
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
