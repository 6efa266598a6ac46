"""What moved the market: systematic flows vs policy vs data vs volatility.

Daily S&P 500 log returns (percent) are regressed on four groups of regressors:

``flows``
    Trades of the mechanical actors that were decided before the day opened:
    the vol-control rebalancing executed today (a target computed from closes
    up to yesterday and lagged) and the CTA equity trade decided at yesterday's
    close (S&P 500 + Nasdaq-100 positions, executed with a one-session lag).
    Both in USD bn at base AUM. Predetermined, so they are not the market's
    reaction to today's news.
``policy``
    The change in the 2-year Treasury yield (bp) on days without a payroll or
    CPI release (FOMC days included): policy-expectation moves.
``data``
    The change in the 2-year yield on payroll and CPI days (a proxy for the
    data surprise) and a data-day indicator.
``volatility``
    The change in the VIX (points): contemporaneous and jointly determined with
    returns (the leverage effect), so it is a symptom as much as a driver; it is
    reported as its own group so it cannot be mistaken for anything else.

Whatever the four groups do not explain is reported as ``other`` (fundamentals,
earnings, news, noise) -- often the largest share, and said so.

Shares of variance are Shapley decompositions of the R^2 over the four groups
(every order of adding groups, averaged), so they add up to the R^2.
Everything is point in time: the rolling shares at ``t`` use the 63 sessions
ending at ``t``; out-of-sample forecasts use coefficients fitted on data before
the forecast block; monthly attributions use coefficients from the 252
sessions before the month.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import DataError, ModelError
from flowdesk.results import Result
from flowdesk.stats import last_observations

if TYPE_CHECKING:
    from flowdesk.config import Settings

__all__ = ["GROUPS", "REGRESSORS", "Drivers", "DriversResult", "shapley_r2"]

#: Regressor columns and the group each belongs to.
REGRESSORS: dict[str, str] = {
    "vc_flow_bn": "flows",
    "cta_flow_bn": "flows",
    "d2y_policy_bp": "policy",
    "d2y_data_bp": "data",
    "data_day": "data",
    "dvix": "volatility",
}
GROUPS: tuple[str, ...] = ("flows", "policy", "data", "volatility")
OTHER = "other"


def _r2_from_moments(m: np.ndarray, cols: list[int], y: int) -> np.ndarray:
    """R^2 of y on an intercept and ``cols`` from stacked moment matrices.

    ``m`` has shape ``(T, k, k)``: window sums of ``z z'`` with ``z = (1, x..., y)``.
    """
    n = m[:, 0, 0]
    sy = m[:, 0, y]
    syy = m[:, y, y]
    sst = syy - sy * sy / n
    if not cols:
        return np.zeros(len(n))
    idx = [0, *cols]
    xx = m[:, idx][:, :, idx]
    xy = m[:, idx, y]
    # Tiny ridge keeps windows with a constant regressor (no data day) solvable.
    eye = (
        np.eye(len(idx))[None] * 1e-12 * np.maximum(1.0, np.abs(xx).max(axis=(1, 2)))[:, None, None]
    )
    beta = np.linalg.solve(xx + eye, xy[:, :, None])[:, :, 0]
    explained = np.einsum("ti,ti->t", beta, xy) - sy * sy / n
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(sst > 0, explained / sst, np.nan)
    return np.clip(r2, 0.0, 1.0)


def shapley_r2(
    r2_of: dict[frozenset[str], np.ndarray], groups: tuple[str, ...]
) -> dict[str, np.ndarray]:
    """Shapley shares of R^2: each group's average marginal R^2 over all orders.

    Parameters
    ----------
    r2_of
        R^2 for every subset of ``groups`` (the empty set included).
    groups
        The players.

    Returns
    -------
    dict
        Group -> its share; the shares sum to ``r2_of[all groups]``.
    """
    n = len(groups)
    out = {g: np.zeros_like(r2_of[frozenset()], dtype=float) for g in groups}
    for g in groups:
        others = [h for h in groups if h != g]
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in itertools.combinations(others, size):
                s = frozenset(subset)
                out[g] = out[g] + weight * (r2_of[s | {g}] - r2_of[s])
    return out


def _window_moments(z: np.ndarray, window: int) -> np.ndarray:
    """Rolling sums of ``z z'`` over ``window`` rows, shape ``(T, k, k)`` (NaN before full)."""
    outer = z[:, :, None] * z[:, None, :]
    csum = np.cumsum(outer, axis=0)
    out = np.full_like(csum, np.nan)
    out[window - 1] = csum[window - 1]
    out[window:] = csum[window:] - csum[:-window]
    return out


def _rounded(values: pd.Series, digits: int = 4) -> dict[str, float]:
    return {str(k): round(float(v), digits) for k, v in values.items()}


def _ols(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    design = np.column_stack([np.ones(len(y)), x])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    return beta


@dataclass(frozen=True)
class DriversResult(Result):
    """The decomposition of S&P 500 returns into driver groups.

    Attributes
    ----------
    asof
        Last session used.
    data
        The regression frame: ``ret_pct`` and the regressors (see :data:`REGRESSORS`).
    rolling
        Rolling (63-session) in-sample shares of variance per group and ``other``.
    full_sample
        Whole-sample shares of variance per group, with the R^2.
    coefficients
        Whole-sample OLS coefficients and plain t-statistics.
    oos
        Out-of-sample R^2: all groups, each group alone, and each group's
        drop-one contribution.
    monthly
        Per month: actual log return (%) and the part attributed to each group
        and to ``other``.
    window
        Sessions of the rolling window.
    notes
        Dropped sessions and caveats of the inputs.
    last_obs
        Input id -> date of its last observation used (empty when the frame
        was handed to :meth:`Drivers.fit` directly).
    """

    asof: pd.Timestamp
    data: pd.DataFrame
    rolling: pd.DataFrame
    full_sample: pd.Series
    coefficients: pd.DataFrame
    oos: pd.DataFrame
    monthly: pd.DataFrame
    window: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    last_obs: dict[str, pd.Timestamp | None] = field(default_factory=dict)

    def latest_shares(self) -> pd.Series:
        """Rolling shares on the last session (fractions summing to 1)."""
        return (
            self.rolling.dropna().iloc[-1] if self.rolling.dropna().size else pd.Series(dtype=float)
        )

    def winner(self) -> str:
        """The group with the largest rolling share on the last session (``other`` included)."""
        shares = self.latest_shares()
        return str(shares.idxmax()) if len(shares) else "n/a"

    def to_frame(self) -> pd.DataFrame:
        """Whole-sample and latest rolling shares side by side."""
        return pd.DataFrame(
            {"full_sample": self.full_sample.drop("r2"), "rolling_latest": self.latest_shares()}
        )

    def _payload(self, **options: Any) -> dict[str, Any]:
        """Shares (rolling latest, full sample), OOS R^2, last months, freshness."""
        months = self.monthly.tail(12)
        return {
            "model": "Drivers",
            "asof": self.asof,
            "window": self.window,
            "groups": [*GROUPS, OTHER],
            "rolling_latest": _rounded(self.latest_shares()),
            "winner": self.winner(),
            "full_sample": _rounded(self.full_sample),
            "out_of_sample_r2": _rounded(self.oos["r2"]),
            "coefficients": {
                k: {"coef": float(r["coef"]), "t": float(r["t"])}
                for k, r in self.coefficients.iterrows()
            },
            "monthly": [
                {"month": m.strftime("%Y-%m"), **_rounded(row, 3)} for m, row in months.iterrows()
            ],
            "sample": {
                "start": self.data.index[0],
                "end": self.data.index[-1],
                "sessions": len(self.data),
            },
            "notes": list(self.notes),
            "last_obs": dict(self.last_obs),
        }

    def summary(self) -> str:
        """Plain-text summary with units and conventions."""
        share = self.latest_shares()
        lines = [
            f"What moved the S&P 500, as of {self.asof:%Y-%m-%d}",
            f"Sample {self.data.index[0]:%Y-%m-%d} to {self.data.index[-1]:%Y-%m-%d}"
            f" ({len(self.data)} sessions); returns are daily log returns in %.",
            "",
            f"Share of return variance, last {self.window} sessions (Shapley R^2):",
            *(f"  {g:11s} {100 * share.get(g, np.nan):6.1f}%" for g in (*GROUPS, OTHER)),
            "",
            "Whole sample:",
            *(f"  {g:11s} {100 * self.full_sample[g]:6.1f}%" for g in (*GROUPS, OTHER)),
            f"  R^2 {self.full_sample['r2']:.3f}",
            "",
            "Out-of-sample R^2 (expanding fit, refit monthly; 0 = no better than the mean):",
            self.oos.round(4).to_string(),
            "",
            "Coefficients (whole sample, OLS, plain t):",
            self.coefficients.round(4).to_string(),
            "",
            f"Largest group now: {self.winner()}"
            + (
                " -- the four measured groups explain less than what is left over"
                if self.winner() == OTHER
                else ""
            ),
            "",
            "Conventions: flows are trades decided before the session (USD bn, base AUM);"
            " policy and data are 2-year yield changes (bp) off and on payroll/CPI days;"
            " volatility is the VIX change (points). 'other' includes the average drift.",
        ]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


class Drivers:
    """Decompose daily S&P 500 returns into flows, policy, data and volatility.

    Parameters
    ----------
    window
        Rolling window (sessions) of the in-sample shares.
    min_train
        Sessions before the first out-of-sample forecast.
    refit_every
        Sessions between out-of-sample refits.
    attribution_window
        Sessions of the trailing fit used for monthly attributions.
    start
        First session of the sample (flows need warm-up; the 2-year yield
        starts in 2000).
    """

    def __init__(
        self,
        *,
        window: int = 63,
        min_train: int = 504,
        refit_every: int = 21,
        attribution_window: int = 252,
        start: DateLike = "2001-01-02",
    ) -> None:
        if window < 10 or min_train < 2 * window or refit_every < 1 or attribution_window < 30:
            raise ModelError(
                "Drivers: need window >= 10, min_train >= 2*window, refit_every >= 1,"
                " attribution_window >= 30"
            )
        self.window = window
        self.min_train = min_train
        self.refit_every = refit_every
        self.attribution_window = attribution_window
        self.start = parse_date(start, "start")

    def fit(self, frame: pd.DataFrame) -> DriversResult:
        """Decompose ``frame`` (``ret_pct`` plus the :data:`REGRESSORS` columns).

        Pure computation; rows with any missing value are dropped.

        Raises
        ------
        DataError
            Missing columns or fewer sessions than ``min_train + window``.
        """
        needed = ["ret_pct", *REGRESSORS]
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise DataError(f"drivers: missing columns {missing}")
        data = frame[needed].astype(float).replace([np.inf, -np.inf], np.nan).dropna()
        if len(data) < self.min_train + self.window:
            raise DataError(
                f"drivers: {len(data)} complete sessions, need {self.min_train + self.window}"
            )
        names = list(REGRESSORS)
        z = np.column_stack(
            [np.ones(len(data)), data[names].to_numpy(), data["ret_pct"].to_numpy()]
        )
        y_col = z.shape[1] - 1
        cols_of = {
            g: [1 + names.index(c) for c, grp in REGRESSORS.items() if grp == g] for g in GROUPS
        }

        def shares(moments: np.ndarray) -> dict[str, np.ndarray]:
            r2 = {}
            for size in range(len(GROUPS) + 1):
                for subset in itertools.combinations(GROUPS, size):
                    cols = sorted(c for g in subset for c in cols_of[g])
                    r2[frozenset(subset)] = _r2_from_moments(moments, cols, y_col)
            out = shapley_r2(r2, GROUPS)
            out[OTHER] = 1.0 - r2[frozenset(GROUPS)]
            out["r2"] = r2[frozenset(GROUPS)]
            return out

        rolling_moments = _window_moments(z, self.window)
        valid = ~np.isnan(rolling_moments[:, 0, 0])
        roll = {k: np.full(len(data), np.nan) for k in (*GROUPS, OTHER)}
        got = shares(rolling_moments[valid])
        for k in roll:
            roll[k][valid] = got[k]
        rolling = pd.DataFrame(roll, index=data.index)

        whole = shares((z.T @ z)[None])
        full = pd.Series({k: float(v[0]) for k, v in whole.items()})

        return DriversResult(
            asof=data.index[-1], data=data, rolling=rolling, full_sample=full,
            coefficients=self._coefficients(data, names), oos=self._oos(data, names),
            monthly=self._monthly(data, names), window=self.window,
        )

    @staticmethod
    def _coefficients(data: pd.DataFrame, names: list[str]) -> pd.DataFrame:
        x = data[names].to_numpy()
        y = data["ret_pct"].to_numpy()
        design = np.column_stack([np.ones(len(y)), x])
        beta, *_ = np.linalg.lstsq(design, y, rcond=None)
        resid = y - design @ beta
        sigma2 = resid @ resid / max(len(y) - design.shape[1], 1)
        cov = sigma2 * np.linalg.pinv(design.T @ design)
        se = np.sqrt(np.diag(cov))
        return pd.DataFrame(
            {"coef": beta, "t": beta / se, "group": ["intercept", *(REGRESSORS[n] for n in names)]},
            index=["intercept", *names],
        )

    def _oos(self, data: pd.DataFrame, names: list[str]) -> pd.DataFrame:
        y = data["ret_pct"].to_numpy()
        x = data[names].to_numpy()
        sets: dict[str, list[str]] = {"all": list(GROUPS)}
        sets |= {f"only_{g}": [g] for g in GROUPS}
        sets |= {f"without_{g}": [h for h in GROUPS if h != g] for g in GROUPS}
        preds = {k: np.full(len(y), np.nan) for k in sets}
        bench = np.full(len(y), np.nan)
        for start in range(self.min_train, len(y), self.refit_every):
            stop = min(start + self.refit_every, len(y))
            bench[start:stop] = y[:start].mean()
            for key, groups in sets.items():
                cols = [i for i, n in enumerate(names) if REGRESSORS[n] in groups]
                beta = _ols(x[:start, cols], y[:start])
                preds[key][start:stop] = beta[0] + x[start:stop, cols] @ beta[1:]
        mask = ~np.isnan(bench)
        sst = np.sum((y[mask] - bench[mask]) ** 2)
        r2 = {k: 1.0 - np.sum((y[mask] - p[mask]) ** 2) / sst for k, p in preds.items()}
        rows = {k: {"r2": v} for k, v in r2.items()}
        for g in GROUPS:
            rows[f"without_{g}"]["drop_one_loss"] = r2["all"] - r2[f"without_{g}"]
        return pd.DataFrame(rows).T

    def _monthly(self, data: pd.DataFrame, names: list[str]) -> pd.DataFrame:
        months = data.index.to_period("M")
        out = []
        x_all = data[names].to_numpy()
        y_all = data["ret_pct"].to_numpy()
        for month in months.unique():
            rows = np.flatnonzero(months == month)
            first = rows[0]
            if first < self.attribution_window:
                continue
            train = slice(first - self.attribution_window, first)
            beta = _ols(x_all[train], y_all[train])
            contrib = x_all[rows] * beta[1:]
            entry = {"actual": float(y_all[rows].sum())}
            for g in GROUPS:
                cols = [i for i, n in enumerate(names) if REGRESSORS[n] == g]
                entry[g] = float(contrib[:, cols].sum())
            entry[OTHER] = entry["actual"] - sum(entry[g] for g in GROUPS)
            out.append(pd.Series(entry, name=month.to_timestamp()))
        return pd.DataFrame(out)

    def estimate(
        self, asof: DateLike | None = None, *, settings: Settings | None = None
    ) -> DriversResult:
        """Load the inputs published by ``asof``, build the regressors and fit.

        Raises
        ------
        DataError
            If inputs are missing or the sample is too short.
        """
        from flowdesk.data.asof import resolve_asof
        from flowdesk.memo import memoized

        when = resolve_asof(asof, settings=settings)
        key = (
            "drivers",
            when,
            self.window,
            self.min_train,
            self.refit_every,
            self.attribution_window,
            self.start,
        )

        def compute() -> DriversResult:
            frame, notes, last_obs = build_driver_frame(when, settings=settings, start=self.start)
            result = self.fit(frame)
            return replace(result, notes=tuple(notes), last_obs=last_obs)

        return memoized(key, settings, compute)


def build_driver_frame(
    asof: DateLike | None, *, settings: Settings | None = None, start: pd.Timestamp | None = None
) -> tuple[pd.DataFrame, list[str], dict[str, pd.Timestamp | None]]:
    """Load data and run the flow models to build the regression frame (point in time).

    Returns the frame, notes, and the last observation date of each input.
    """
    from flowdesk.calendars import fomc_decision_dates
    from flowdesk.config import get_settings
    from flowdesk.data import load
    from flowdesk.data.asof import resolve_asof
    from flowdesk.flows.cta import CTA, CTA_UNIVERSE, align_to_sessions
    from flowdesk.flows.volcontrol import VolControl
    from flowdesk.policy.attribution import classify_dates, event_calendar

    when = resolve_asof(asof, settings=settings)
    sp = load("SP500", asof=when, settings=settings)
    sessions = sp.index
    notes: list[str] = []

    # The same vol-control estimator as the flows desk, so the regressor is the desk's flow.
    cfg = settings or get_settings()
    vc = VolControl(demean=cfg.volcontrol_demean).fit(sp)
    vc_flow = vc.flow["base"]

    panel = align_to_sessions(
        {sid: load(sid, asof=when, settings=settings) for sid in CTA_UNIVERSE}, sessions
    )
    cta = CTA().fit(panel)
    equity = [c for c in ("SP500", "NDX") if c in cta.flows.columns]
    # Decided at yesterday's close, executed today: shift the trade by one session.
    cta_flow = cta.flows[equity].sum(axis=1, min_count=1).shift(1) * cta.aum.base_bn

    dgs2_raw = load("DGS2", asof=when, settings=settings)
    vix_raw = load("VIX", asof=when, settings=settings)
    d2y = dgs2_raw.reindex(sessions).diff() * 100.0
    vix = vix_raw.reindex(sessions)
    last_obs = last_observations({"SP500": sp, "DGS2": dgs2_raw, "VIX": vix_raw})
    events = event_calendar(sessions[0], sessions[-1], fomc_decision_dates(settings=settings))
    kind = classify_dates(sessions, events)
    data_day = kind.isin(["payrolls", "cpi"]).astype(float)

    frame = pd.DataFrame(
        {
            "ret_pct": 100.0 * np.log(sp).diff(),
            "vc_flow_bn": vc_flow,
            "cta_flow_bn": cta_flow,
            "d2y_policy_bp": d2y * (1.0 - data_day),
            "d2y_data_bp": d2y * data_day,
            "data_day": data_day,
            "dvix": vix.diff(),
        },
        index=sessions,
    )
    if start is not None:
        frame = frame.loc[start:]
    dropped = int(frame.isna().any(axis=1).sum())
    if dropped:
        notes.append(
            f"{dropped} sessions dropped for a missing input (yield or VIX holidays, warm-up)"
        )
    notes.append(
        "CPI dates follow an approximate publication rule; see flowdesk.policy.attribution"
    )
    return frame, notes, last_obs
