"""VIX term structure: the daily input frame and inversion episodes.

Pure computation, no I/O. Input is one DataFrame whose columns are catalog ids
(``VIX`` and ``SP500`` required; ``VIX3M``, ``VIX9D``, ``VVIX``, ``SKEW`` and the
``PCR_*`` put/call ratios optional: missing ones become NaN columns), outer-joined
on session dates, NaN where a series has no close.

Conventions
-----------
* Calendar: sessions where both VIX and the S&P 500 closed. Cboe has printed
  VIX on a few US holidays (global trading hours); those dates are dropped.
* Every column is point in time: the value at ``t`` uses observations dated
  ``<= t`` only (rolling windows look back, percentiles are expanding).
* S&P 500 inputs are computed on the S&P 500's own sessions, then aligned:
  ``drawdown`` = ``100 * (P_t / max(P over the last 252 sessions) - 1)`` in %
  (fewer sessions at the start of the data); ``ret_5``, ``ret_10`` = simple
  returns over 5 and 10 sessions in %; ``rv_21`` = sample standard deviation
  of the last 21 close-to-close log returns x sqrt(252) x 100, in annualised
  vol points like the VIX; ``rv_iv`` = ``rv_21 / VIX``.
* Put/call ratios: prints that are <= 0, >= 4, or equal to a known glitch
  value (4.22, 11.0, 21.0 recur across unrelated days in the compiled file) are
  treated as missing. ``pcr_10d`` is the 10-session mean of cleaned
  ``PCR_TOTAL`` (at least 7 valid prints).
* Percentiles (0-100, ties count half) rank a value against its own history up
  to ``t``, once at least ``min_history`` values exist.
* Inversion: ``VIX / VIX3M > 1`` on a session where both closed. An episode is
  a run of consecutive such sessions (sessions where the ratio is missing are
  skipped, not counted as breaks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from flowdesk.errors import DataError
from flowdesk.flows.common import expanding_percentile

__all__ = [
    "OPTIONAL",
    "PCR_GLITCHES",
    "PCR_IDS",
    "REQUIRED",
    "SEVERITY",
    "clean_put_call",
    "inversion_episodes",
    "term_structure_frame",
    "validate_input",
]

REQUIRED = ("VIX", "SP500")
PCR_IDS = ("PCR_TOTAL", "PCR_INDEX", "PCR_EQUITY", "PCR_SPX", "PCR_VIX")
#: Optional inputs; without VIX3M (before 2009-09-18) no session can be classified.
OPTIONAL = ("VIX3M", "VIX9D", "VVIX", "SKEW", *PCR_IDS)

#: Values that recur on unrelated days in the compiled put/call file: data-entry glitches.
PCR_GLITCHES = (4.22, 11.0, 21.0)
#: No Cboe put/call ratio in the file is plausibly this high except the glitches.
_PCR_CAP = 4.0

#: Severity order of inverted labels; an episode takes its most severe session label.
SEVERITY = ("hedging_inversion", "stress_inversion", "panic_inversion")

_LEVELS = ("VIX", "VIX3M", "VIX9D", "VVIX", "SKEW", "SP500")


def validate_input(data: pd.DataFrame) -> pd.DataFrame:
    """Check the model input and return a float64 copy.

    Raises
    ------
    DataError
        Not a DataFrame, index not sorted unique dates, a required column
        missing or empty, non-numeric or infinite values, or a non-positive
        index level (names the series and the date).
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"vol input: expected a DataFrame, got {type(data).__name__}")
    if not isinstance(data.index, pd.DatetimeIndex):
        raise DataError("vol input: index must be session dates (DatetimeIndex)")
    if data.index.tz is not None:
        raise DataError("vol input: dates must be tz-naive")
    if not data.index.is_monotonic_increasing or not data.index.is_unique:
        raise DataError("vol input: dates must be sorted and unique")
    missing = [c for c in REQUIRED if c not in data.columns or data[c].notna().sum() == 0]
    if missing:
        raise DataError(f"vol input: required series missing or empty: {', '.join(missing)}")
    known = [c for c in (*REQUIRED, *OPTIONAL) if c in data.columns]
    try:
        frame = data[known].astype("float64")
    except (TypeError, ValueError) as exc:
        raise DataError(f"vol input: values are not numeric ({exc})") from None
    for column in frame.columns:
        values = frame[column]
        if np.isinf(values.to_numpy()).any():
            raise DataError(f"vol input: series {column} has an infinite value")
        if column in _LEVELS:
            bad = values[values <= 0]
            if len(bad):
                raise DataError(
                    f"vol input: series {column} has a non-positive level {bad.iloc[0]:g} "
                    f"on {bad.index[0]:%Y-%m-%d}"
                )
    return frame


def clean_put_call(series: pd.Series) -> pd.Series:
    """Put/call ratio with glitch prints set to NaN (see the module conventions)."""
    values = series.astype("float64")
    glitch = np.isclose(values.to_numpy()[:, None], np.asarray(PCR_GLITCHES)[None, :]).any(1)
    bad = (values <= 0) | (values >= _PCR_CAP) | glitch
    return values.mask(bad)


def _sp500_inputs(sp500: pd.Series) -> pd.DataFrame:
    prices = sp500.dropna()
    log_ret = np.log(prices).diff()
    return pd.DataFrame(
        {
            "drawdown": 100.0 * (prices / prices.rolling(252, min_periods=1).max() - 1.0),
            "ret_5": 100.0 * (prices / prices.shift(5) - 1.0),
            "ret_10": 100.0 * (prices / prices.shift(10) - 1.0),
            "rv_21": log_ret.rolling(21).std() * np.sqrt(252.0) * 100.0,
        }
    )


def _percentile(series: pd.Series, min_history: int) -> pd.Series:
    values = series.dropna()
    if values.empty:
        return pd.Series(np.nan, index=series.index)
    return expanding_percentile(values, min_periods=min_history).reindex(series.index)


def _inversion_runs(ratio: pd.Series, inversion_ratio: float) -> pd.Series:
    """Episode number of every inverted session (the module's inversion convention).

    Only sessions with a ratio count: an episode is a run of consecutive
    inverted ones, and a session without a ratio neither breaks nor extends it.
    The result is indexed by the inverted sessions, numbers increasing.
    """
    known = ratio.dropna()
    inverted = known > inversion_ratio
    return (inverted != inverted.shift()).cumsum()[inverted]


def term_structure_frame(
    data: pd.DataFrame, *, min_history: int = 252, inversion_ratio: float = 1.0
) -> pd.DataFrame:
    """Daily term-structure and classifier-input frame (see the module conventions).

    Parameters
    ----------
    data
        Columns named by catalog ids on session dates (see the module docstring).
    min_history
        Observations needed before a percentile is reported.
    inversion_ratio
        VIX/VIX3M above this marks an inverted session (1 by definition).

    Returns
    -------
    pandas.DataFrame
        Indexed by session date, columns: ``vix``, ``vix3m``, ``vix9d``, ``vvix``,
        ``skew``, ``sp500`` (levels), ``pcr_total`` ... ``pcr_vix`` (cleaned
        ratios), ``ratio`` (VIX/VIX3M), ``ratio_9d`` (VIX9D/VIX), ``drawdown``,
        ``ret_5``, ``ret_10`` (%), ``rv_21`` (annualised vol points), ``rv_iv``,
        ``vvix_pct``, ``pcr_10d``, ``pcr_pct`` (0-100), ``inverted`` (bool;
        False where the ratio is missing) and ``inverted_sessions`` (length of
        the inversion run up to and including the session, 0 if not inverted).
    """
    frame = validate_input(data)
    column = {c: frame[c] if c in frame else pd.Series(np.nan, index=frame.index)
              for c in (*REQUIRED, *OPTIONAL)}
    sessions = frame.index[frame["VIX"].notna() & frame["SP500"].notna()]
    if len(sessions) == 0:
        raise DataError("vol input: VIX and SP500 have no session in common")

    pcr = {sid: clean_put_call(column[sid].dropna()) for sid in PCR_IDS}
    pcr_10d = pcr["PCR_TOTAL"].rolling(10, min_periods=7).mean()
    out = pd.DataFrame(index=sessions)
    for sid in _LEVELS:
        out[sid.lower()] = column[sid].reindex(sessions)
    for sid in PCR_IDS:
        out[sid.lower()] = pcr[sid].reindex(sessions)
    out["ratio"] = out["vix"] / out["vix3m"]
    out["ratio_9d"] = out["vix9d"] / out["vix"]
    out = out.join(_sp500_inputs(column["SP500"]).reindex(sessions))
    out["rv_iv"] = out["rv_21"] / out["vix"]
    out["vvix_pct"] = _percentile(column["VVIX"], min_history).reindex(sessions)
    out["pcr_10d"] = pcr_10d.reindex(sessions)
    out["pcr_pct"] = _percentile(pcr_10d, min_history).reindex(sessions)
    out["inverted"] = out["ratio"] > inversion_ratio  # False where the ratio is NaN
    runs = _inversion_runs(out["ratio"], inversion_ratio)
    sessions_so_far = runs.groupby(runs).cumcount() + 1
    out["inverted_sessions"] = sessions_so_far.reindex(sessions).fillna(0).astype("int64")
    out.index.name = "date"
    return out


def inversion_episodes(
    frame: pd.DataFrame,
    labels: pd.Series | None = None,
    *,
    severity: Sequence[str] = SEVERITY,
    inversion_ratio: float = 1.0,
) -> pd.DataFrame:
    """Inversion episodes: runs of consecutive sessions with ``VIX / VIX3M > 1``.

    Parameters
    ----------
    frame
        Needs ``ratio``; ``drawdown`` is used when present.
    labels
        Optional daily regime labels; an episode's ``regime`` is its most severe
        label in ``severity`` order (an inversion that turned into panic is a
        panic episode).
    severity
        Inverted labels from least to most severe.
    inversion_ratio
        VIX/VIX3M above this is an inverted session (1 by definition).

    Returns
    -------
    pandas.DataFrame
        One row per episode, oldest first: ``start``, ``end``, ``peak_date``
        (first session at the peak ratio), ``peak_ratio``, ``sessions`` (count of
        inverted sessions), ``drawdown_at_peak`` (S&P 500 drawdown from its
        252-session high on ``peak_date``, %), ``regime`` and ``ongoing``
        (the episode includes the last session with a ratio).
    """
    columns = ["start", "end", "peak_date", "peak_ratio", "sessions", "drawdown_at_peak",
               "regime", "ongoing"]
    ratio = frame["ratio"].dropna()
    if ratio.empty:
        return pd.DataFrame(columns=columns)
    run_id = _inversion_runs(ratio, inversion_ratio)
    drawdown = frame["drawdown"] if "drawdown" in frame else pd.Series(np.nan, index=frame.index)
    rank = {label: i for i, label in enumerate(severity)}
    rows = []
    for _, dates in run_id.groupby(run_id):
        values = ratio.loc[dates.index]
        peak_date = values.idxmax()
        regime = None
        if labels is not None:
            seen = [lab for lab in labels.reindex(dates.index) if lab in rank]
            regime = max(seen, key=rank.__getitem__) if seen else None
        rows.append(
            {
                "start": dates.index[0],
                "end": dates.index[-1],
                "peak_date": peak_date,
                "peak_ratio": float(values.loc[peak_date]),
                "sessions": len(dates),
                "drawdown_at_peak": float(drawdown.get(peak_date, np.nan)),
                "regime": regime,
                "ongoing": dates.index[-1] == ratio.index[-1],
            }
        )
    return pd.DataFrame(rows, columns=columns)
