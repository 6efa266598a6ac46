"""CTA / trend-following book: forecasts, vol-scaled positions, pivots, projections.

A multi-asset trend book over a price panel (dates x assets), built the way
pysystemtrade builds one, on price *differences* (never log returns) so that
negative prices (WTI, 2020-04-20) go through the signals.

Signals (:mod:`flowdesk.flows.cta_signals`)
    Per window (1m/3m/6m/12m): the EWMAC forecast ``(EWMA_fast - EWMA_slow) /
    sigma_{t-1} * scalar`` capped at +-20, with ``sigma`` the EWMA std (span 35)
    of daily price differences, and the TSMOM sign ``sign(p_t - p_{t-h})``.
    Window forecast = ``0.5 * EWMAC + 0.5 * 10 * TSMOM``; the combined forecast
    is ``fdm * mean over windows``, capped at +-20. The default ``fdm = 1.45``
    brings the average absolute combined forecast to about 10 on the nine-asset
    universe below (1985-2026; a fixed parameter, not re-estimated point in time).

Positions (fraction of AUM, signed notional)
    ``position_i = F_i / 10 * vol_target / vol_i * (1 / n) * IDM``, then the
    whole book is scaled down if gross leverage exceeds ``max_gross``:

    * ``vol_i = sigma_{t-1} / p_t * sqrt(252)``: yesterday's price-difference vol
      relative to today's price, annualised with 252 sessions and floored at
      ``min_vol``. Position in *units* is then ``F / sigma`` (price-free, as
      pysystemtrade's contracts); it needs ``p_t > 0``, so an asset at a zero or
      negative price has forecasts but no position (NaN, reason in ``latest``).
    * ``n`` = assets with a position that day (equal instrument weights).
    * ``IDM = min(max_idm, 1 / sqrt(w' rho+ w))`` with ``w = 1/n``: the
      instrument diversification multiplier from the ex-ante correlation of
      weekly (5-session) price differences, an EWMA over weeks (span 52,
      zero-mean, missing changes count as 0) updated every fifth session,
      floored at 0 (pysystemtrade's convention) and taken as 1 for an asset
      with fewer than 26 weekly observations. Weekly changes sidestep the
      asynchronous closes of FX (noon ET fixings), BTC (UTC midnight) and NYSE.
      With every ``|F| = 10``, all positions the same way, non-negative
      correlations and the IDM under its cap, the book's ex-ante vol is
      ``vol_target``; it scales with average forecast strength, which is what
      a forecast means (1985-2026 realised: about 12% for a 10% target).
    * ``position_pct = 100 * position / position at |F| = cap`` (same IDM and
      weights) ``= 100 * F / 20 * gross scale``, in [-100, 100].
    * Trades (:attr:`CTAResult.flows`) are changes in units held times today's
      price: ``position_t - position_{t-1} * p_t / p_{t-1}``.

Trigger levels (:mod:`flowdesk.flows.cta_triggers`)
    ``pivots``: per horizon (short/medium/long), the next-session close at which
    the price crosses that horizon's trailing trend filter (EMA spans 40/126/350
    by default): the levels desks publish, near spot.

Crossover and TSMOM pivots (:mod:`flowdesk.flows.cta_pivots`)
    ``crossover_pivots``: per window, the next-session price at which the EWMAC
    crossover changes sign (solved exactly from the EWMA states), i.e. the
    one-day shock that would flip it; a 64/256 crossover barely moves in one
    session, so this level is often far from spot. ``tsmom_pivots``: the close
    ``h - 1`` sessions ago.

Sizing from a many-market book (:mod:`flowdesk.flows.cta_weights`)
    With ``book`` set (the desk's default), ``1 / n`` is replaced by each
    market's share of the risk of a diversified trend book that trades many
    markets we do not carry, and the IDM by the whole book's
    (:attr:`~flowdesk.flows.cta_weights.BookWeights.idm`). Without it (the
    model's default) the carried markets share the risk equally, as below.

Projection
    :func:`positions_along` continues every recursion of the fit along
    scenario paths (equal to refitting with the path appended);
    :func:`flows_along` turns that into trades.

Sign conventions: a long position in a column is long that column's price.
``DEXUSEU`` (USD per EUR) long = long EUR vs USD; ``DEXJPUS`` (JPY per USD)
long = long **USD** vs JPY; ``DEXUSUK`` (USD per GBP) long = long GBP. Prices
are spot/ETF closes, so the book ignores carry and roll. ``BTC`` trades seven
days a week: :func:`align_to_sessions` keeps its UTC-day close on NYSE sessions
(weekend moves land on Monday), and forward-fills any series by at most
``max_fill`` sessions; longer gaps stay NaN.

Point in time: every output at ``t`` uses prices up to ``t`` only; appending
rows never changes earlier outputs (tests check it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

from flowdesk.errors import DataError, ModelError
from flowdesk.flows.common import (
    AumBand,
    check_prices,
    expanding_percentile,
    percentile_of_last,
)
from flowdesk.flows.cta_book import BookState, along_kernel, book_kernel
from flowdesk.flows.cta_pivots import pivot_levels
from flowdesk.flows.cta_signals import (
    DEFAULT_WINDOWS,
    HORIZON_LABELS,
    SignalState,
    TrendSpec,
    TrendWindow,
    as_panel,
    forecast_params,
    signal_state,
    trend_forecasts,
    tsmom_signs,
)
from flowdesk.flows.cta_triggers import DEFAULT_TRIGGER_FILTERS, TrendFilter, trigger_levels
from flowdesk.flows.cta_weights import BookWeights
from flowdesk.flows.kernels import span_to_alpha
from flowdesk.jsontools import jsonable
from flowdesk.results import Result

__all__ = [
    "CTA",
    "CTA_UNIVERSE",
    "DEFAULT_WINDOWS",
    "CTAResult",
    "TrendWindow",
    "align_to_sessions",
    "flows_along",
    "positions_along",
]

#: The app's universe: equity indices, long Treasuries, gold, WTI, FX, bitcoin.
CTA_UNIVERSE: tuple[str, ...] = (
    "SP500", "NDX", "TLT", "GLD", "DCOILWTICO", "DEXUSEU", "DEXJPUS", "DEXUSUK", "BTC",
)

_ANNUALISATION = 252  # NYSE sessions a year


def align_to_sessions(
    prices: pd.DataFrame | Mapping[str, pd.Series],
    sessions: pd.DatetimeIndex,
    *,
    max_fill: int = 3,
) -> pd.DataFrame:
    """Put price series on common sessions (e.g. the S&P 500's NYSE sessions).

    Each session takes the series' last observation on or before that date, if
    that observation is at most ``max_fill`` sessions old (a holiday of one
    market, a late fixing); older or missing data stay NaN. Observations on
    non-sessions (BTC weekends) count from the last session before them, so a
    Monday session gets Monday's BTC close.

    Parameters
    ----------
    prices
        A frame or a mapping of named series (indexes need not match).
    sessions
        Target session dates (sorted, unique).
    max_fill
        Maximum staleness in sessions (>= 0).

    Returns
    -------
    pandas.DataFrame
        Sessions x series.
    """
    if max_fill < 0:
        raise ModelError(f"max_fill must be >= 0, got {max_fill}")
    sessions = pd.DatetimeIndex(sessions)
    if not sessions.is_monotonic_increasing or not sessions.is_unique:
        raise DataError("sessions: dates must be sorted and unique")
    columns: dict[Any, np.ndarray] = {}
    rank = np.arange(len(sessions))
    for name, series in prices.items():
        s = series.dropna().sort_index()
        values = s.to_numpy(dtype=float)
        last = s.index.searchsorted(sessions, side="right") - 1  # last obs on/before session
        obs_session = sessions.searchsorted(s.index, side="right") - 1
        aligned = values[np.clip(last, 0, None)] if len(values) else np.full(len(sessions), np.nan)
        stale = rank - (obs_session[np.clip(last, 0, None)] if len(values) else 0)
        columns[name] = np.where((last >= 0) & (stale <= max_fill), aligned, np.nan)
    return pd.DataFrame(columns, index=sessions)


# --- the book: shared numba pieces ---------------------------------------------------------


class CTA:
    """Multi-asset trend-following (CTA) book; see the module docstring for the model.

    Parameters
    ----------
    windows
        Trend windows (default 1m/3m/6m/12m: EWMAC 8/32, 16/64, 32/128, 64/256
        with scalars 5.3/3.75/2.65/1.87 and TSMOM lookbacks 21/63/126/252).
    vol_target
        Annualised volatility target of the book at average forecast strength.
    aum
        CTA industry AUM band in USD bn; default from settings (``cta_aum_*``).
    fdm
        Forecast diversification multiplier on the average window forecast.
    tsmom_weight
        Weight of the ``10 * TSMOM sign`` in each window forecast.
    adjust
        pandas ``adjust`` of the price EWMAs (pivots support both).
    vol_span, vol_min_periods
        EWMA std of daily price differences.
    corr_span, corr_every, corr_min_obs
        Correlation EWMA span (in updates), sessions between updates (and the
        horizon of the price changes), minimum updates before an asset's
        correlations are trusted.
    max_idm, max_gross, min_vol
        IDM cap, gross-leverage cap (sum of absolute positions, fraction of
        AUM), floor of the annualised vol used for sizing.
    equity_assets
        Columns summed into the net equity exposure.
    percentile_min_periods
        Observations before a positioning percentile is reported.
    book
        Risk weights inside a many-market book (:mod:`~flowdesk.flows.cta_weights`);
        ``None``: equal weights over the carried markets and an estimated IDM.
    triggers
        Trend filters of the short/medium/long trigger levels (:attr:`CTAResult.pivots`).
    """

    def __init__(
        self,
        windows: Sequence[TrendWindow] = DEFAULT_WINDOWS,
        *,
        vol_target: float = 0.10,
        aum: AumBand | None = None,
        fdm: float = 1.45,
        tsmom_weight: float = 0.5,
        adjust: bool = True,
        vol_span: int = 35,
        vol_min_periods: int = 10,
        corr_span: int = 52,
        corr_every: int = 5,
        corr_min_obs: int = 26,
        max_idm: float = 2.5,
        max_gross: float = 4.0,
        min_vol: float = 0.01,
        equity_assets: Sequence[str] = ("SP500", "NDX"),
        percentile_min_periods: int = 252,
        book: BookWeights | None = None,
        triggers: Sequence[TrendFilter] = DEFAULT_TRIGGER_FILTERS,
    ) -> None:
        self.spec = TrendSpec(
            windows=tuple(windows),
            vol_span=vol_span,
            vol_min_periods=vol_min_periods,
            adjust=adjust,
            tsmom_weight=tsmom_weight,
            fdm=fdm,
        )
        for name, value in (("vol_target", vol_target), ("max_idm", max_idm),
                            ("max_gross", max_gross)):
            if not (np.isfinite(value) and value > 0):
                raise ModelError(f"{name} must be positive and finite, got {value}")
        if not min_vol >= 0:
            raise ModelError(f"min_vol must be >= 0, got {min_vol}")
        if corr_span < 1 or corr_every < 1 or corr_min_obs < 1:
            raise ModelError("corr_span, corr_every and corr_min_obs must be >= 1")
        self.vol_target = float(vol_target)
        self.aum = aum if aum is not None else _default_aum()
        self.corr_span = int(corr_span)
        self.corr_every = int(corr_every)
        self.corr_min_obs = int(corr_min_obs)
        self.max_idm = float(max_idm)
        self.max_gross = float(max_gross)
        self.min_vol = float(min_vol)
        self.equity_assets = tuple(equity_assets)
        self.percentile_min_periods = int(percentile_min_periods)
        self.book = book
        self.triggers = tuple(triggers)
        if not self.triggers or len({f.name for f in self.triggers}) != len(self.triggers):
            raise ModelError("triggers: need at least one filter, with unique names")

    def weights(self, assets: Sequence[Any]) -> np.ndarray:
        """Risk weight per asset; NaN (equal weights ``1 / n``) without a ``book``."""
        if self.book is None:
            return np.full(len(assets), np.nan)
        return self.book.weights(list(assets))

    @property
    def idm_fixed(self) -> float:
        """The book's fixed IDM, NaN when the IDM is estimated from the carried markets."""
        return float("nan") if self.book is None else self.book.idm

    @property
    def windows(self) -> tuple[TrendWindow, ...]:
        """The trend windows."""
        return self.spec.windows

    @property
    def min_sessions(self) -> int:
        """Sessions an asset needs before its combined forecast exists (longest lookback + 1)."""
        return self.spec.max_lookback + 1

    def __repr__(self) -> str:
        names = "/".join(w.name for w in self.windows)
        return f"CTA(windows={names}, vol_target={self.vol_target:g}, fdm={self.spec.fdm:g})"

    def fit(self, prices: pd.DataFrame | pd.Series) -> CTAResult:
        """Run the book over a price panel.

        Parameters
        ----------
        prices
            Dates x assets (a Series is one asset), e.g. from
            :func:`align_to_sessions`. NaN marks a missing session; zero and
            negative prices are allowed (they get forecasts, not positions).

        Returns
        -------
        CTAResult

        Raises
        ------
        DataError
            Non-date or unsorted index, non-numeric or infinite values, an asset
            with no data, duplicate columns, or fewer rows than the longest
            window needs (``min_sessions``).
        """
        need = self.min_sessions
        longest = max(self.windows, key=lambda w: w.lookback).name
        if len(prices) < need:
            raise DataError(
                f"prices: {len(prices)} sessions, the {longest} window needs at least {need} "
                f"({need - 1}-session lookback + today)"
            )
        frame = check_prices(prices, name="prices", min_rows=need, positive=False)
        if not frame.columns.is_unique:
            raise DataError(f"prices: duplicate asset columns {list(frame.columns)}")
        p = as_panel(frame)
        signals = trend_forecasts(p, self.spec)
        n_t, n_a = p.shape
        vol = np.empty_like(p)
        pos = np.empty_like(p)
        pct = np.empty_like(p)
        idm = np.empty(n_t)
        gross = np.empty(n_t)
        s = np.zeros((n_a, n_a))
        cnt = np.zeros(n_a, dtype=np.int64)
        inv = np.zeros(n_a)
        known = np.zeros(n_a)
        active = np.zeros(n_a, dtype=np.bool_)
        total = book_kernel(
            p, signals.forecast, signals.sigma, self.vol_target, np.sqrt(_ANNUALISATION),
            self.min_vol, self.max_idm, self.max_gross, self.spec.cap,
            1.0 - span_to_alpha(self.corr_span), self.corr_every, self.corr_min_obs,
            self.weights(list(frame.columns)), self.idm_fixed,
            s, cnt, inv, known, active, vol, pos, pct, idm, gross,
        )
        index, cols = frame.index, frame.columns

        def df(a: np.ndarray) -> pd.DataFrame:
            return pd.DataFrame(a, index=index, columns=cols, copy=False)

        position = df(pos)
        equity = [c for c in cols if c in self.equity_assets]
        held = held_positions(position, frame)
        net_equity = (
            held[equity].sum(axis=1, min_count=1) if equity else pd.Series(np.nan, index=index)
        )
        return CTAResult(
            model=self,
            prices=frame,
            sigma=df(signals.sigma),
            ewmac={w.name: df(signals.ewmac[i]) for i, w in enumerate(self.windows)},
            forecast=df(signals.forecast),
            vol=df(vol),
            position=position,
            position_pct=df(pct),
            idm=pd.Series(idm, index=index, name="idm"),
            gross_exposure=pd.Series(gross, index=index, name="gross_exposure"),
            net_equity_exposure=net_equity.rename("net_equity_exposure"),
            aum=self.aum,
            _book=BookState(s=s, cnt=cnt, inv=inv, known=known, active=active,
                             total=float(total)),
        )


def held_positions(position: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """Positions with a stale asset's last position carried over its missing sessions.

    Where an asset has no price, the book cannot trade it: it still holds what it
    held on its last priced session, so totals keep it instead of dropping a NaN.
    Elsewhere (including no position for a non-positive price) the position stands.
    """
    return position.where(prices.notna(), position.ffill())


def _default_aum() -> AumBand:
    from flowdesk.config import get_settings

    cfg = get_settings()
    return AumBand(cfg.cta_aum_low_bn, cfg.cta_aum_base_bn, cfg.cta_aum_high_bn)


def _label(name: str) -> str:
    return HORIZON_LABELS.get(name, name)


@dataclass(frozen=True, eq=False)
class CTAResult(Result):
    """Output of :meth:`CTA.fit`; frames are dates x assets.

    Attributes
    ----------
    model
        The fitted :class:`CTA` (options).
    prices
        The validated input panel.
    sigma
        EWMA std (span 35) of daily price differences through each date, price
        units per session (the forecast at ``t`` divides by ``sigma`` at ``t-1``).
    ewmac
        ``{window: frame}`` capped scaled EWMAC forecasts (+-20); the TSMOM signs
        are :attr:`tsmom`.
    forecast
        Combined forecast, +-20 (average absolute value about 10).
    vol
        Annualised percentage vol used for sizing (fraction, floored).
    position
        Position, fraction of AUM (signed notional; 0.25 = 25% of AUM long).
    position_pct
        Position as percent of the position at ``|forecast| = 20``, [-100, 100].
    idm
        Instrument diversification multiplier.
    gross_exposure, net_equity_exposure
        Sum of absolute positions; sum of equity-index positions (AUM fractions).
    aum
        AUM band (USD bn) behind every dollar figure.
    """

    model: CTA
    prices: pd.DataFrame
    sigma: pd.DataFrame
    ewmac: dict[str, pd.DataFrame]
    forecast: pd.DataFrame
    vol: pd.DataFrame
    position: pd.DataFrame
    position_pct: pd.DataFrame
    idm: pd.Series
    gross_exposure: pd.Series
    net_equity_exposure: pd.Series
    aum: AumBand
    _book: BookState

    @property
    def asof(self) -> pd.Timestamp:
        """Last fitted date."""
        return self.prices.index[-1]

    @property
    def assets(self) -> list[Any]:
        """Asset columns, in the order used by :func:`positions_along`."""
        return list(self.prices.columns)

    @cached_property
    def tsmom(self) -> dict[str, pd.DataFrame]:
        """``{window: frame}`` TSMOM signs ``sign(p_t - p_{t-h})`` (-1/0/+1, NaN where missing)."""
        p = as_panel(self.prices)
        return {
            w.name: pd.DataFrame(
                tsmom_signs(p, self.ewmac[w.name].to_numpy(), w.lookback),
                index=self.prices.index, columns=self.prices.columns,
            )
            for w in self.model.windows
        }

    @cached_property
    def window_forecast(self) -> dict[str, pd.DataFrame]:
        """``{window: (1 - tsmom_weight) * EWMAC + tsmom_weight * 10 * TSMOM}``."""
        wt = self.model.spec.tsmom_weight
        return {n: (1 - wt) * self.ewmac[n] + wt * 10.0 * self.tsmom[n] for n in self.ewmac}

    @cached_property
    def _pivots(self) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
        levels = pivot_levels(as_panel(self.prices), self.model.spec)
        idx, cols = self.prices.index, self.prices.columns
        return {
            name: (pd.DataFrame(e, index=idx, columns=cols),
                   pd.DataFrame(t, index=idx, columns=cols))
            for name, (e, t) in levels.items()
        }

    @cached_property
    def pivots(self) -> dict[str, pd.DataFrame]:
        """``{horizon: frame}`` trigger levels: where the horizon's trend filter flips.

        Keys are the :attr:`CTA.triggers` names (short/medium/long); see
        :mod:`flowdesk.flows.cta_triggers`.
        """
        p = as_panel(self.prices)
        idx, cols = self.prices.index, self.prices.columns
        return {f.name: pd.DataFrame(trigger_levels(p, f), index=idx, columns=cols)
                for f in self.model.triggers}

    @property
    def crossover_pivots(self) -> dict[str, pd.DataFrame]:
        """``{window: frame}`` next-session EWMAC pivot: above it that window's EWMAC is long.

        What a one-day shock would need to flip the crossover; far from spot for
        slow windows (the trigger levels are :attr:`pivots`).
        """
        return {name: pair[0] for name, pair in self._pivots.items()}

    @property
    def tsmom_pivots(self) -> dict[str, pd.DataFrame]:
        """``{window: frame}`` next-session TSMOM pivot: the close ``h - 1`` sessions ago."""
        return {name: pair[1] for name, pair in self._pivots.items()}

    @cached_property
    def percentile(self) -> pd.DataFrame:
        """Point-in-time percentile (0-100) of each position vs its own history."""
        minp = self.model.percentile_min_periods
        return pd.DataFrame(
            {c: expanding_percentile(self.position[c], minp) for c in self.position.columns},
            index=self.position.index,
        )

    @cached_property
    def flows(self) -> pd.DataFrame:
        """Daily trades, fraction of AUM: ``position_t - position_{t-1} * p_t / p_{t-1}``.

        The change in units held times today's price: a position that only
        marks to market is not a trade. NaN where either position is missing.
        """
        growth = self.prices / self.prices.shift(1)
        return self.position - self.position.shift(1) * growth

    def position_bn(self, asset: Any) -> pd.DataFrame:
        """Position of ``asset`` in USD bn, ``low``/``base``/``high`` by the AUM band."""
        return self.aum.dollars_frame(self.position[asset])

    def positions_along(self, paths: np.ndarray) -> np.ndarray:
        """Positions along future price paths; see :func:`positions_along`."""
        return positions_along(self, paths)

    def flows_along(self, paths: np.ndarray) -> np.ndarray:
        """Trades along future price paths; see :func:`flows_along`."""
        return flows_along(self, paths)

    @cached_property
    def _signal_state(self) -> SignalState:
        rows = max(self.model.spec.max_lookback, self.model.corr_every)
        return signal_state(as_panel(self.prices), self.model.spec, rows)

    # --- reporting ----------------------------------------------------------------------

    def _reason(self, col: Any) -> str | None:
        p = self.prices[col]
        last = p.iloc[-1]
        asof = f"{self.asof:%Y-%m-%d}"
        if np.isnan(last):
            seen = p.last_valid_index()
            return f"no price on {asof} (last price on {seen:%Y-%m-%d})"
        if np.isnan(self.forecast[col].iloc[-1]):
            n_obs = int(p.notna().sum())
            need = self.model.min_sessions
            if n_obs < need:
                return f"history too short: {n_obs} sessions, the forecast needs {need}"
            if np.isnan(self.sigma[col].iloc[-2]):
                return "price-difference vol undefined (too few differences)"
            return "a lookback price is missing (gap in the history)"
        if np.isnan(self.position[col].iloc[-1]):
            if not last > 0:
                return f"non-positive price {last:g}: percentage vol undefined, no position"
            return "vol for sizing undefined"
        return None

    def _last_percentile(self, col: Any, row: int = -1) -> float:
        # One value of `percentile` (at `row`) without the O(T^2) history.
        history = self.position[col].iloc[: (row + 1) if row >= 0 else None]
        if np.isnan(history.iloc[-1]) or history.count() < self.model.percentile_min_periods:
            return float("nan")
        return percentile_of_last(history)

    def ex_ante_vol(self) -> float:
        """Ex-ante annualised vol of the last book (weekly correlations, sizing vols)."""
        state = self._book
        pos = self.position.iloc[-1].to_numpy()
        vol = self.vol.iloc[-1].to_numpy()
        ok = ~np.isnan(pos)
        if not ok.any():
            return float("nan")
        diag = np.diag(state.s)
        sd = np.sqrt(np.outer(diag, diag))
        upper = np.triu(state.s) + np.triu(state.s, 1).T
        with np.errstate(invalid="ignore", divide="ignore"):
            rho = np.where(sd > 0, upper / sd, 1.0)
        trusted = state.cnt >= self.model.corr_min_obs
        rho = np.where(np.outer(trusted, trusted), rho, 1.0)
        np.fill_diagonal(rho, 1.0)
        x = (pos * vol)[ok]
        return float(np.sqrt(max(x @ rho[np.ix_(ok, ok)] @ x, 0.0)))

    def _row(self, col: Any) -> int:
        # The row an asset's snapshot reads: the last row, or, for a stale asset (no price
        # on the last session but a position on its own last one), that last position's row.
        last = len(self.prices) - 1
        if np.isfinite(self.position[col].iloc[-1]):
            return last
        seen = self.position[col].last_valid_index()
        if seen is None or np.isfinite(self.prices[col].iloc[-1]):
            return last
        return int(self.prices.index.get_loc(seen))

    def stale_assets(self) -> dict[Any, pd.Timestamp]:
        """Assets with no price on the last session that keep their last position.

        ``{asset: date of that last position}``; the position is held (no trades)
        until the asset prices again.
        """
        out = {}
        for col in self.prices.columns:
            row = self._row(col)
            if row != len(self.prices) - 1:
                out[col] = self.prices.index[row]
        return out

    def held_position(self) -> pd.Series:
        """Position per asset on the last session, stale assets at their last position."""
        return held_positions(self.position, self.prices).iloc[-1].rename("position")

    def _levels(self, levels: dict[str, pd.DataFrame], col: Any, row: int, price: float,
                sig: float, label: bool) -> dict[str, dict[str, float]]:
        lv = {(_label(n) if label else n): _reachable(float(f[col].iloc[row]), price)
              for n, f in levels.items()}
        return {
            "levels": lv,
            "distance_pct": {h: 100.0 * (v - price) / abs(price) if price != 0 else np.nan
                             for h, v in lv.items()},
            "distance_sigma": {h: (v - price) / sig if sig > 0 else np.nan
                               for h, v in lv.items()},
        }

    def latest(self) -> dict[str, Any]:
        """JSON-ready snapshot of the last date.

        ``{"asof", "assets": {id: {"price", "forecast", "signals": {window},
        "ewmac", "tsmom", "position", "position_pct", "position_bn": {"low",
        "base", "high"}, "percentile", "vol", "pivots": {"short", "medium",
        "long"}, "pivot_distance_pct", "pivot_distance_sigma", "crossover_pivots":
        {"short", "medium", "6m", "long"}, "crossover_pivot_distance_pct",
        "crossover_pivot_distance_sigma", "tsmom_pivots", "tsmom_pivot_distance_pct",
        "tsmom_pivot_distance_sigma", "stale", "last_obs", "reason"}},
        "trigger_filters", "gross_exposure", "net_equity_exposure", "net_equity_bn",
        "idm", "ex_ante_vol", "vol_target", "aum_bn", "units"}``. Missing values are
        ``None`` and ``reason`` says why (``None`` when the asset is complete); a
        pivot no positive price can reach (zero or below) is ``None`` too. A stale
        asset (``stale: true``) reports its last position and levels on
        ``last_obs``, the date of its last price.
        """
        assets: dict[str, Any] = {}
        for col in self.prices.columns:
            row = self._row(col)
            price = float(self.prices[col].iloc[row])
            sig = float(self.sigma[col].iloc[row])
            pos = float(self.position[col].iloc[row])
            seen = self.prices[col].last_valid_index()
            entry: dict[str, Any] = {
                "price": price,
                "forecast": float(self.forecast[col].iloc[row]),
                "signals": {n: float(f[col].iloc[row]) for n, f in self.window_forecast.items()},
                "ewmac": {n: float(f[col].iloc[row]) for n, f in self.ewmac.items()},
                "tsmom": {n: float(f[col].iloc[row]) for n, f in self.tsmom.items()},
                "position": pos,
                "position_pct": float(self.position_pct[col].iloc[row]),
                "position_bn": self.aum.dollars(pos).to_dict(),
                "percentile": self._last_percentile(col, row),
                "vol": float(self.vol[col].iloc[row]),
            }
            for key, levels, label in (("pivots", self.pivots, False),
                                       ("crossover_pivots", self.crossover_pivots, True),
                                       ("tsmom_pivots", self.tsmom_pivots, True)):
                part = self._levels(levels, col, row, price, sig, label)
                stem = key.removesuffix("s")
                entry[key] = part["levels"]
                entry[f"{stem}_distance_pct"] = part["distance_pct"]
                entry[f"{stem}_distance_sigma"] = part["distance_sigma"]
            entry["stale"] = row != len(self.prices) - 1
            entry["last_obs"] = seen
            entry["reason"] = self._reason(col)
            if entry["stale"]:
                entry["reason"] = (f"stale: no price on {self.asof:%Y-%m-%d}; last position "
                                   f"held from {self.prices.index[row]:%Y-%m-%d}")
            assets[str(col)] = entry
        net = float(self.net_equity_exposure.iloc[-1])
        out = {
            "asof": self.asof,
            "assets": assets,
            "trigger_filters": {f.name: f.describe() for f in self.model.triggers},
            "gross_exposure": float(self.gross_exposure.iloc[-1]),
            "net_equity_exposure": net,
            "net_equity_bn": self.aum.dollars(net).to_dict(),
            "idm": float(self.idm.iloc[-1]),
            "ex_ante_vol": self.ex_ante_vol(),
            "vol_target": self.model.vol_target,
            "aum_bn": self.aum.to_dict(),
            "units": _UNITS,
        }
        return jsonable(out)

    def _payload(self, **options: Any) -> dict[str, Any]:
        """``{"model": "CTA", **latest()}``: the last date's snapshot (:meth:`latest`)."""
        return {"model": "CTA", **self.latest()}

    def to_frame(self, which: Literal["latest", "history"] = "latest") -> pd.DataFrame:
        """Tables of the result.

        Parameters
        ----------
        which
            ``"latest"``: one row per asset on the last date (price, forecasts
            per window, position, % of max, USD bn base, percentile, pivots).
            ``"history"``: long frame indexed by (date, asset) with price,
            sigma, forecast, position, position_pct, percentile.
        """
        if which == "history":
            parts = {
                "price": self.prices, "sigma": self.sigma, "forecast": self.forecast,
                "position": self.position, "position_pct": self.position_pct,
                "percentile": self.percentile,
            }
            return pd.concat({k: v.stack() for k, v in parts.items()}, axis=1).rename_axis(
                ["date", "asset"]
            )
        if which != "latest":
            raise ModelError(f"which must be 'latest' or 'history', got {which!r}")
        rows = {}
        for col in self.prices.columns:
            row: dict[str, Any] = {"price": self.prices[col].iloc[-1],
                                   "forecast": self.forecast[col].iloc[-1]}
            for n, f in self.window_forecast.items():
                row[f"f_{n}"] = f[col].iloc[-1]
            row["position"] = self.position[col].iloc[-1]
            row["position_pct"] = self.position_pct[col].iloc[-1]
            row["position_bn"] = self.position[col].iloc[-1] * self.aum.base_bn
            row["percentile"] = self._last_percentile(col)
            for n, f in self.pivots.items():
                row[f"pivot_{n}"] = f[col].iloc[-1]
            rows[col] = row
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("asset")

    def summary(self) -> str:
        """Plain-text summary: conventions, the blend, and the latest table."""
        m = self.model
        windows = ", ".join(
            f"{w.name} EWMAC {w.fast}/{w.slow} x{w.scalar:g} + TSMOM {w.lookback}d"
            for w in m.windows
        )
        wt = m.spec.tsmom_weight
        lines = [
            f"CTA trend book as of {self.asof:%Y-%m-%d} ({len(self.prices.columns)} assets)",
            f"Windows: {windows}.",
            f"Window forecast = {1 - wt:g} x EWMAC(+-20) + {wt:g} x 10 x sign(p_t - p_t-h); "
            f"combined = clip({m.spec.fdm:g} x mean over windows, +-20) (target mean |F| = 10).",
            "EWMAC = (EWMA_fast - EWMA_slow) / sigma_{t-1} x scalar, sigma = EWMA std (span "
            f"{m.spec.vol_span}) of daily price differences (price units; works for negative "
            "prices).",
            f"Position (fraction of AUM) = F/10 x {m.vol_target:.0%} / vol x IDM x w (w = 1/n "
            "or the book weight), "
            f"vol = sigma/p x sqrt(252) (floor {m.min_vol:.0%}), IDM <= {m.max_idm:g} from weekly "
            f"correlations floored at 0, gross <= {m.max_gross:g}x AUM.",
            "Position % of max = position / position at |F| = 20. Percentile: point in time vs "
            "the asset's own position history.",
            "Trigger levels (pivot_short/medium/long): next-session close where the price "
            "crosses its trend filter ("
            + ", ".join(f"{f.name} {f.describe()}" for f in m.triggers) + ").",
            "Weights: " + ("equal over the carried markets, IDM from their correlations."
                           if m.book is None else
                           f"shares of a many-market book's risk (uncarried markets x"
                           f"{m.book.uncarried_scale:g}), book IDM {m.book.idm:g}."),
            "Long DEXJPUS = long USD vs JPY; long DEXUSEU/DEXUSUK = long EUR/GBP vs USD.",
            f"AUM band (USD bn): low {self.aum.low_bn:g} / base {self.aum.base_bn:g} / high "
            f"{self.aum.high_bn:g}.",
            f"Gross exposure {self.gross_exposure.iloc[-1]:.2f}x, net equity "
            f"{self.net_equity_exposure.iloc[-1]:+.2f}x, IDM {self.idm.iloc[-1]:.2f}, ex-ante vol "
            f"{self.ex_ante_vol():.1%}.",
            "",
            self.to_frame().to_string(float_format=lambda v: f"{v:,.3g}"),
        ]
        notes = [f"{a}: {r}" for a in self.prices.columns if (r := self._reason(a))]
        if notes:
            lines += ["", "Missing:", *notes]
        return "\n".join(lines)


_UNITS = {
    "price": "asset price units",
    "forecast": "capped forecast, +-20, average |F| about 10",
    "position": "fraction of AUM, signed notional",
    "position_pct": "percent of the position at |forecast| = 20",
    "position_bn": "USD bn by AUM band",
    "percentile": "0-100, point in time vs own history",
    "vol": "annualised, fraction",
    "pivots": "price units: next-session close where each horizon's trend filter flips",
    "crossover_pivots": "price units: next-session close where each EWMAC crossover flips",
    "pivot_distance_pct": "percent of the last price",
    "pivot_distance_sigma": "daily sigma of price differences",
    "gross_exposure": "sum of |position|, fraction of AUM",
    "net_equity_exposure": "sum of equity-index positions, fraction of AUM",
}


def _check_paths(result: CTAResult, paths: np.ndarray) -> np.ndarray:
    arr = np.asarray(paths, dtype=np.float64)
    n_a = len(result.prices.columns)
    if arr.ndim != 3 or arr.shape[2] != n_a:
        raise DataError(
            f"paths: expected shape (n_paths, horizon, {n_a}) in the columns' order "
            f"{result.assets}, got {arr.shape}"
        )
    if np.isinf(arr).any():
        raise DataError("paths: infinite price")
    return np.ascontiguousarray(arr)


def positions_along(result: CTAResult, paths: np.ndarray) -> np.ndarray:
    """Positions (fraction of AUM) the book would hold along future price paths.

    The projection hook for scenarios: every recursion of :meth:`CTA.fit`
    (price EWMAs, the vol EWMA, the TSMOM lookback buffer, the weekly
    correlation and the IDM) continues from the fitted state, so the output
    equals refitting with each path appended (tests check 1e-10).

    Parameters
    ----------
    result
        A fitted :class:`CTAResult`.
    paths
        ``(n_paths, horizon, n_assets)`` prices for the sessions after
        ``result.asof``, assets in ``result.assets`` order. NaN is a missing
        session (as in ``fit``).

    Returns
    -------
    numpy.ndarray
        ``(n_paths, horizon, n_assets)`` positions; NaN where ``fit`` would
        give NaN. ``result.position.iloc[-1]`` is the starting point.
    """
    arr = _check_paths(result, paths)
    out = np.empty_like(arr)
    if arr.size == 0:
        return out
    m = result.model
    spec = m.spec
    st = result._signal_state
    book = result._book
    alphas = np.array([span_to_alpha(s) for s in st.spans])
    new_wt = np.ones_like(alphas) if spec.adjust else alphas
    v_alpha = span_to_alpha(spec.vol_span)
    along_kernel(
        arr, st.history, len(result.prices) - 1,
        st.ewm_mean, st.ewm_weight, 1.0 - alphas, new_wt, spec.adjust,
        st.vol_mean, st.vol_cov, st.vol_sum_wt, st.vol_sum_wt2, st.vol_nobs,
        1.0 - v_alpha, spec.vol_min_periods,
        forecast_params(spec),
        m.vol_target, np.sqrt(_ANNUALISATION), m.min_vol, m.max_idm, m.max_gross,
        book.s, book.cnt, book.inv, book.known, book.active, book.total,
        1.0 - span_to_alpha(m.corr_span), m.corr_every, m.corr_min_obs,
        m.weights(result.assets), m.idm_fixed,
        out,
    )
    return out


def flows_along(result: CTAResult, paths: np.ndarray) -> np.ndarray:
    """Trades (fraction of AUM) along future price paths.

    ``flow_k = position_k - position_{k-1} * p_k / p_{k-1}`` with the fitted
    last position and price as step 0 (:attr:`CTAResult.flows` continued).
    Multiply by ``result.aum`` (``AumBand.dollars``) for USD bn.

    Returns
    -------
    numpy.ndarray
        ``(n_paths, horizon, n_assets)``.
    """
    arr = _check_paths(result, paths)
    pos = positions_along(result, arr)
    last_pos = result.position.iloc[-1].to_numpy()
    last_price = result.prices.iloc[-1].to_numpy()
    prev_pos = np.concatenate([np.broadcast_to(last_pos, (arr.shape[0], 1, arr.shape[2])),
                               pos[:, :-1]], axis=1)
    prev_price = np.concatenate([np.broadcast_to(last_price, (arr.shape[0], 1, arr.shape[2])),
                                 arr[:, :-1]], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pos - prev_pos * (arr / prev_price)


def _reachable(level: float, price: float) -> float:
    """A pivot a positive price cannot reach (zero or below) is no trigger: NaN.

    The pivot algebra allows any real level (spreads and WTI in April 2020 went
    negative), but for an asset trading above zero a negative solution only
    says the signal keeps its sign at every price tomorrow.
    """
    return np.nan if price > 0 and level <= 0 else level
