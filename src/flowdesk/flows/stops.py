"""Stop-loss clusters: candidate price levels, and whether crossing them matters.

Stop orders cluster at round numbers and just beyond recent swing highs and
lows; when price crosses such a level the triggered stops could push it
further. :func:`candidate_levels` lists the levels near spot as of a date;
:func:`crossing_study` measures on history whether the next day's move is larger
after a close-to-close crossing than it would otherwise be.

Conventions: prices are index points; returns are simple and in percent; a
level ``L`` is crossed on day ``t`` when ``P[t-1] < L <= P[t]`` (up) or
``P[t] <= L < P[t-1]`` (down), so closing exactly on a level crosses it and
leaving it does not. Everything used for day ``t`` is known by its close.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import ConfigError, DataError, ModelError
from flowdesk.flows.common import check_prices, ci_verdict
from flowdesk.results import Result
from flowdesk.stats import block_bootstrap_sums

__all__ = [
    "CrossingResult",
    "candidate_levels",
    "crossing_study",
    "round_steps_for",
    "swing_points",
]

LevelKind = Literal["round", "swing"]
_LADDER = (1.0, 2.5, 5.0)
_LEVEL_COLUMNS = ["level", "kind", "label", "distance_pct", "side"]


def round_steps_for(price: float, *, finest_pct: float = 1.5) -> tuple[float, float, float]:
    """Round-number steps that traders watch at a given price.

    The finest step is the largest number on the ladder 1, 2.5, 5 × 10^k that
    is not above ``finest_pct`` percent of the price; the other two are the next
    two rungs. An index near 7,000 gets 100/250/500 points, near 4,000
    50/100/250, near 1,400 10/25/50.
    """
    if not (np.isfinite(price) and price > 0):
        raise DataError(f"round steps: price must be positive, got {price}")
    target = price * finest_pct / 100.0
    k = math.floor(math.log10(target))
    rungs = [m * 10.0**e for e in range(k - 1, k + 3) for m in _LADDER]
    finest = max(i for i, r in enumerate(rungs) if r <= target * (1 + 1e-12))
    return rungs[finest], rungs[finest + 1], rungs[finest + 2]


def _swing_positions(values: np.ndarray, window: int) -> dict[str, np.ndarray]:
    """Positions of swing highs and lows (see :func:`swing_points`), in order."""
    if window < 1:
        raise ConfigError(f"swing window must be >= 1, got {window}")
    s = pd.Series(values)
    span = 2 * window + 1
    high = (s == s.rolling(span, center=True).max()).to_numpy()
    low = (s == s.rolling(span, center=True).min()).to_numpy()
    return {"swing_high": np.flatnonzero(high), "swing_low": np.flatnonzero(low)}


def swing_points(prices: pd.Series, window: int = 20) -> pd.DataFrame:
    """Closes that are the highest (lowest) of the ``window`` sessions on each side.

    A swing at session ``s`` is confirmed only at ``s + window`` (the column
    ``known``), so a point-in-time user keeps rows with ``known <= t``.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``level``, ``kind`` (``"swing_high"``/``"swing_low"``),
        ``known``, in date order.
    """
    s = prices.dropna()
    rows = [
        (s.index[p], float(s.iloc[p]), kind, s.index[p + window])
        for kind, pos in _swing_positions(s.to_numpy(), window).items()
        for p in pos
    ]
    frame = pd.DataFrame(rows, columns=["date", "level", "kind", "known"])
    return frame.sort_values(["date", "kind"], ignore_index=True)


def _recent_swings(
    swings: dict[str, np.ndarray], t: int, window: int, n_swings: int, lookback: int
) -> list[tuple[int, str]]:
    """The ``n_swings`` latest highs and lows confirmed by session ``t`` (position, kind).

    A swing at ``s`` is confirmed at ``s + window <= t``; only ``s >= t - lookback``.
    """
    out = []
    for kind, pos in swings.items():
        lo = np.searchsorted(pos, t - lookback, side="left")
        hi = np.searchsorted(pos, t - window, side="right")
        out += [(int(p), kind) for p in pos[max(lo, hi - n_swings) : hi]]
    return out


def _series(prices: pd.Series, name: str = "prices", min_rows: int = 2) -> pd.Series:
    frame = check_prices(prices, name=name, min_rows=min_rows)
    if frame.shape[1] != 1:
        raise DataError(f"{name}: expected one price series, got {frame.shape[1]} columns")
    return frame.iloc[:, 0].dropna()


def candidate_levels(
    prices: pd.Series,
    asof: DateLike,
    *,
    extra_levels: Mapping[str, float] | None = None,
    round_steps: tuple[float, ...] | None = None,
    swing_window: int = 20,
    n_swings: int = 3,
    band_pct: float = 5.0,
    lookback: int = 252,
) -> pd.DataFrame:
    """Price levels within ``band_pct`` of spot where stop orders may cluster.

    Parameters
    ----------
    prices
        Daily closes indexed by session; only closes up to ``asof`` are used.
    asof
        As-of date; spot is the last close on or before it.
    extra_levels
        Named levels from other models (e.g. CTA trigger levels), kind ``"extra"``.
    round_steps
        Round-number steps in price units; default :func:`round_steps_for` spot.
        A level on several steps is labelled with the coarsest.
    swing_window, n_swings, lookback
        Swing highs/lows (see :func:`swing_points`) confirmed by ``asof`` within
        the last ``lookback`` sessions; the ``n_swings`` latest of each kind.
    band_pct
        Half-width of the band around spot, percent.

    Returns
    -------
    pandas.DataFrame
        Columns ``level``, ``kind`` (``round``/``swing_high``/``swing_low``/
        ``extra``), ``label``, ``distance_pct`` (``100·(level/spot − 1)``),
        ``side`` (``above`` when level >= spot, else ``below``); highest first.
    """
    when = parse_date(asof, "asof")
    history = _series(prices, min_rows=1).loc[:when]
    if history.empty:
        raise DataError(f"prices: no close on or before {when:%Y-%m-%d}")
    spot = float(history.iloc[-1])
    lo, hi = spot * (1 - band_pct / 100.0), spot * (1 + band_pct / 100.0)
    rows: list[tuple[float, str, str]] = []
    seen: set[float] = set()
    steps = round_steps_for(spot) if round_steps is None else tuple(round_steps)
    for step in sorted(steps, reverse=True):
        if not step > 0:
            raise ConfigError(f"round steps must be positive, got {step}")
        for k in range(math.ceil(lo / step), math.floor(hi / step) + 1):
            level = round(k * step, 9)
            if level not in seen:
                seen.add(level)
                rows.append((level, "round", f"round {step:g}"))
    values = history.to_numpy()
    swings = _swing_positions(values, swing_window)
    for pos, kind in _recent_swings(swings, values.size - 1, swing_window, n_swings, lookback):
        if lo <= values[pos] <= hi:
            label = f"{kind.replace('_', ' ')} {history.index[pos]:%Y-%m-%d}"
            rows.append((float(values[pos]), kind, label))
    for name, level in (extra_levels or {}).items():
        if np.isfinite(level) and lo <= level <= hi:
            rows.append((float(level), "extra", str(name)))
    frame = pd.DataFrame(rows, columns=["level", "kind", "label"])
    frame["distance_pct"] = 100.0 * (frame["level"] / spot - 1.0)
    frame["side"] = np.where(frame["level"] >= spot, "above", "below")
    return frame.sort_values("level", ascending=False, ignore_index=True)[_LEVEL_COLUMNS]


def _round_crossings(p: np.ndarray, step: float | None, tier: int) -> np.ndarray:
    """Levels crossed from ``p[t-1]`` to ``p[t]`` (index ``t - 1``), step set on ``p[t-1]``."""
    prev, cur = p[:-1], p[1:]
    steps = np.array([step or round_steps_for(x)[tier] for x in prev])
    up = np.floor(cur / steps) - np.floor(prev / steps)
    down = np.ceil(prev / steps) - np.ceil(cur / steps)
    return np.where(cur > prev, up, np.where(cur < prev, down, 0.0)).astype(int)


def _swing_crossings(p: np.ndarray, window: int, n_swings: int, lookback: int) -> np.ndarray:
    """Swing levels crossed from ``p[t-1]`` to ``p[t]`` (index ``t - 1``)."""
    swings = _swing_positions(p, window)
    out = np.zeros(p.size - 1, dtype=int)
    for t in range(1, p.size):
        # Only swings confirmed by the previous close: stops are placed before the move.
        recent = _recent_swings(swings, t - 1, window, n_swings, lookback)
        levels = p[[pos for pos, _ in recent]]
        a, b = p[t - 1], p[t]
        up, down = (a < levels) & (levels <= b), (b <= levels) & (levels < a)
        out[t - 1] = np.count_nonzero(up | down)
    return out


def _ci(boot: np.ndarray) -> tuple[float, float]:
    low, high = np.nanpercentile(boot, [2.5, 97.5])
    return float(low), float(high)


def _follow_verdict(low: float, high: float) -> str:
    return ci_verdict(
        low, high, 0.0,
        above="moves continue in the crossing direction the next day (95% CI above 0)",
        below="moves reverse the next day (95% CI below 0)",
        across="no next-day continuation or reversal distinguishable from zero (CI includes 0)",
    )


def _ratio_verdict(low: float, high: float, control: str) -> str:
    after = "next-day moves after crossings are"
    return ci_verdict(
        low, high, 1.0,
        above=f"{after} larger than after {control} (95% CI above 1)",
        below=f"{after} smaller than after {control} (95% CI below 1)",
        across=f"{after} not distinguishable from {control} (CI includes 1)",
    )


@dataclass(frozen=True, eq=False)
class CrossingResult(Result):
    """Next-day absolute returns after level crossings vs two controls.

    Attributes
    ----------
    kind
        ``"round"`` or ``"swing"``.
    days
        One row per day ``t``: ``ret_pct`` (close t-1 to t), ``n_levels``
        crossed, ``direction`` (+1 up, −1 down, 0 none), ``next_ret_pct``
        (``r[t+1]``), ``size_bin`` (quantile bin of ``|r[t]|``).
    stats
        Point estimates and 95% block-bootstrap intervals (see :meth:`to_dict`).
    params
        Study options.
    """

    kind: str
    days: pd.DataFrame
    stats: Mapping[str, Any]
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The per-day table (a copy)."""
        return self.days.copy()

    def _payload(self, **options: Any) -> dict[str, Any]:
        """Statistics, verdicts and options."""
        return {
            "model": "crossing_study",
            "kind": self.kind,
            **self.stats,
            "params": dict(self.params),
        }

    def summary(self) -> str:
        """Plain-text results and verdicts derived from the intervals."""
        s = self.stats
        return "\n".join(
            [
                f"Stop-level crossings ({self.kind} levels), {s['start']:%Y-%m-%d} to "
                f"{s['end']:%Y-%m-%d}: {s['n_cross']} crossing days of {s['n_days']}.",
                f"Mean next-day |return|: after crossings {s['mean_abs_next_cross_pct']:.3f}%, "
                f"all days {s['mean_abs_next_all_pct']:.3f}%, similar-sized moves without a "
                f"crossing {s['mean_abs_next_control_pct']:.3f}%.",
                f"Ratio vs all days {s['ratio_all']:.3f} [95% CI {s['ratio_all_ci'][0]:.3f}, "
                f"{s['ratio_all_ci'][1]:.3f}]: {s['verdict_all']}.",
                f"Ratio vs similar-sized moves {s['ratio_matched']:.3f} [95% CI "
                f"{s['ratio_matched_ci'][0]:.3f}, {s['ratio_matched_ci'][1]:.3f}]: "
                f"{s['verdict_matched']}.",
                f"Follow-through (next-day return in the crossing direction) "
                f"{s['follow_through_pct']:+.3f}% [95% CI {s['follow_through_ci'][0]:+.3f}, "
                f"{s['follow_through_ci'][1]:+.3f}]: {s['verdict_follow_through']} (the index's "
                "negative day-to-day autocorrelation reverses any large move a little).",
                "The size-matched control is the fair one: crossing a level needs a move, and "
                "big moves are followed by big moves anyway (volatility clusters).",
            ]
        )

    def _html_frame(self) -> pd.DataFrame:
        return self.days.tail(10)


def crossing_study(
    prices: pd.Series,
    *,
    kind: LevelKind = "round",
    start: DateLike | None = None,
    round_step: float | None = None,
    round_tier: int = 1,
    swing_window: int = 20,
    n_swings: int = 3,
    lookback: int = 252,
    n_size_bins: int = 20,
    min_per_bin: int = 20,
    block: int = 21,
    n_boot: int = 2000,
    seed: int = 0,
) -> CrossingResult:
    """Measure whether moves accelerate after price crosses a round or swing level.

    For each day ``t`` with a next day, compare ``|r[t+1]|`` on crossing days
    with (a) all days - which overstates the effect, because crossing a level
    takes a move and large moves are followed by large moves whatever the
    levels (volatility clusters) - and (b) days whose move ``|r[t]|`` was of a
    similar size (same quantile bin out of ``n_size_bins``) but crossed nothing:
    the control mean is the average over bins weighted by the crossing days'
    bin counts. Ratios above 1 mean larger next-day moves after crossings.
    Intervals: 95% percentile moving-block bootstrap over days.

    Parameters
    ----------
    prices
        Daily closes, indexed by session.
    kind
        ``"round"``: multiples of a step set on the previous close (``round_step``
        if given, else tier ``round_tier`` of :func:`round_steps_for`, 0 finest).
        ``"swing"``: the ``n_swings`` latest swing highs and lows confirmed by
        the previous close within ``lookback`` sessions (see :func:`swing_points`).
    start
        First day ``t`` of the sample (levels still use earlier prices).
    n_size_bins, block, n_boot, seed
        Size bins of the control, bootstrap block length (sessions), replicates
        and seed of ``numpy.random.default_rng``.
    """
    s = _series(prices)
    if kind not in ("round", "swing"):
        raise ConfigError(f"kind must be 'round' or 'swing', got {kind!r}")
    if round_tier not in (0, 1, 2):
        raise ConfigError(f"round_tier must be 0, 1 or 2, got {round_tier}")
    if n_size_bins < 1:
        raise ConfigError("n_size_bins must be >= 1")
    p = s.to_numpy()
    if kind == "round":
        crossed = _round_crossings(p, round_step, round_tier)
    else:
        crossed = _swing_crossings(p, swing_window, n_swings, lookback)
    ret = p[1:] / p[:-1] - 1.0
    days = pd.DataFrame(
        {
            "ret_pct": 100.0 * ret,
            "n_levels": crossed,
            "direction": np.where(crossed > 0, np.sign(ret), 0.0).astype(int),
            "next_ret_pct": np.append(100.0 * ret[1:], np.nan),
        },
        index=s.index[1:],
    )
    lo = parse_date(start, "start")
    days = days.iloc[:-1] if lo is None else days.loc[lo:].iloc[:-1]
    if days.empty:
        raise ModelError("crossing study: no days with a next-day return")
    size = days["ret_pct"].abs().to_numpy()
    edges = np.quantile(size, np.linspace(0, 1, n_size_bins + 1)[1:-1])
    days["size_bin"] = np.searchsorted(edges, size, side="right")
    nxt = days["next_ret_pct"].abs().to_numpy()
    cross = days["n_levels"].to_numpy() > 0
    if cross.sum() < 1 or (~cross).sum() < 1:
        raise ModelError("crossing study: need days with and without crossings")
    follow = days["direction"].to_numpy() * days["next_ret_pct"].to_numpy()
    bins = days["size_bin"].to_numpy()
    # Bins with too few days on either side would let a handful of controls
    # stand for hundreds of crossings; they are left out of the matched ratio.
    kept = [
        b
        for b in range(n_size_bins)
        if min((cross & (bins == b)).sum(), (~cross & (bins == b)).sum()) >= min_per_bin
    ]
    if not kept:
        raise ModelError(f"crossing study: no size bin has {min_per_bin} days of each kind")
    masks = [cross & (bins == b) for b in kept] + [~cross & (bins == b) for b in kept]
    columns = [nxt * cross, cross, nxt, np.ones_like(nxt), follow * cross]
    columns += [nxt * m for m in masks] + [m for m in masks]
    data = np.vstack(columns).astype(float)
    rng = np.random.default_rng(seed)
    boot = block_bootstrap_sums(data, block=block, n_boot=n_boot, rng=rng)

    def estimates(sums: np.ndarray) -> np.ndarray:
        k = len(kept)
        c_sum, c_n, a_sum, a_n, f_sum = (sums[..., i] for i in range(5))
        bs, bn = sums[..., 5 : 5 + 2 * k], sums[..., 5 + 2 * k :]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_c, mean_a = c_sum / c_n, a_sum / a_n
            bin_means = bs / bn
            valid = (bn[..., :k] > 0) & (bn[..., k:] > 0)
            w = np.where(valid, bn[..., :k], 0.0)
            matched_c = np.nansum(np.where(valid, bin_means[..., :k], 0) * w, -1) / w.sum(-1)
            control = np.nansum(np.where(valid, bin_means[..., k:], 0) * w, -1) / w.sum(-1)
            return np.stack(
                [mean_c, mean_a, control, mean_c / mean_a, matched_c / control, f_sum / c_n],
                axis=-1,
            )

    point = estimates(data.sum(axis=1))
    reps = estimates(boot)
    cis = [_ci(reps[:, i]) for i in range(reps.shape[1])]
    stats = {
        "start": days.index[0],
        "end": days.index[-1],
        "n_days": int(days.shape[0]),
        "n_cross": int(cross.sum()),
        "n_levels_crossed": int(days["n_levels"].sum()),
        "n_cross_matched": int(sum(m.sum() for m in masks[: len(kept)])),
        "mean_abs_next_cross_pct": float(point[0]),
        "mean_abs_next_all_pct": float(point[1]),
        "mean_abs_next_control_pct": float(point[2]),
        "ratio_all": float(point[3]),
        "ratio_all_ci": cis[3],
        "ratio_matched": float(point[4]),
        "ratio_matched_ci": cis[4],
        "follow_through_pct": float(point[5]),
        "follow_through_ci": cis[5],
        "verdict_all": _ratio_verdict(*cis[3], "all days"),
        "verdict_matched": _ratio_verdict(*cis[4], "similar-sized moves without a crossing"),
        "verdict_follow_through": _follow_verdict(*cis[5]),
    }
    params = {
        "round_step": round_step,
        "round_tier": round_tier,
        "swing_window": swing_window,
        "n_swings": n_swings,
        "lookback": lookback,
        "n_size_bins": n_size_bins,
        "min_per_bin": min_per_bin,
        "block": block,
        "n_boot": n_boot,
        "seed": seed,
    }
    return CrossingResult(kind=kind, days=days, stats=stats, params=params)
