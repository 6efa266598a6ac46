"""Market overview: S&P 500 drawdown, VIX term structure, rates and net liquidity.

A small model in the package's style: options in :class:`MarketOverview`,
:meth:`MarketOverview.estimate` loads point-in-time data and returns a frozen
:class:`MarketOverviewResult`. Nothing here fetches from the network or renders HTML.

Conventions
-----------
Every metric has a *last observation*: the latest value published on or before
``asof`` (its ``obs_date`` may be earlier than ``asof`` for series with a
publication lag or a stale source). Changes over a horizon ``h`` (1w = 7
calendar days, 1m = 1 calendar month, 1y = 1 calendar year) compare that last
observation, dated ``t0``, with the last observation dated on or before
``t0 - h``:

- S&P 500 level: percent change, ``100 * (x[t0] / x[ref] - 1)`` (unit ``%``);
- drawdown and yields (percent): difference in percentage points (``pp``);
- VIX, VIX3M (index points) and the VIX/VIX3M ratio: difference in points
  (``pts``);
- net liquidity (USD bn): difference in USD bn.

A change is missing (NaN) when no observation exists on or before ``t0 - h``.
The drawdown is ``100 * (P[t] / max(P[s], s <= t) - 1)`` in percent (zero at a
new high, negative below it), with the running peak taken over the full S&P 500
history available by ``asof`` (from 1985 in the embedded data), not just the
charted window.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from flowdesk.dates import ChangeKind, DateLike, horizon_change
from flowdesk.errors import ConfigError
from flowdesk.results import Result, notes_lines
from flowdesk.stats import drawdown_from_peak, last_observations

if TYPE_CHECKING:
    from flowdesk.config import Settings

__all__ = [
    "CONVENTIONS",
    "METRICS",
    "MarketOverview",
    "MarketOverviewResult",
    "Metric",
]

#: Human-readable version of the module docstring's conventions (printed by ``summary()``).
CONVENTIONS = (
    "Point-in-time: only observations published by the as-of date are used; 'Observed' is "
    "the date of the last observation used. Changes compare that observation with the "
    "last one dated on or before 7 calendar days (1w), 1 calendar month (1m) and 1 "
    "calendar year (1y) earlier: S&P 500 in percent (%); drawdown and yields as "
    "differences in percentage points (pp); VIX, VIX3M and VIX/VIX3M as differences in "
    "points (pts); net liquidity as a difference in USD bn. Drawdown = 100 x (close / "
    "running maximum close - 1), with the running maximum over the full S&P 500 history "
    "available. VIX/VIX3M is computed on dates where both indices closed; above 1 the "
    "term structure is inverted."
)

_INPUTS = ("SP500", "VIX", "VIX3M", "DGS3MO", "DGS2", "DGS10", "DFF", "NETLIQ")
_RATES = ("DGS3MO", "DGS2", "DGS10", "DFF")
_JSON_DIGITS = 4


@dataclass(frozen=True, slots=True)
class Metric:
    """One row of the overview's latest-values table.

    Attributes
    ----------
    key
        Stable identifier used in :meth:`MarketOverviewResult.to_dict` and DOM ids.
    label
        Display name.
    source
        Series id, or the expression it is computed from.
    unit
        Unit of the value.
    change
        ``"pct"`` for percent changes, ``"diff"`` for differences.
    change_unit
        Unit of the changes (``%``, ``pp``, ``pts``, ``USD bn``).
    digits
        Decimals used when the value and its changes are displayed.
    """

    key: str
    label: str
    source: str
    unit: str
    change: ChangeKind
    change_unit: str
    digits: int = 2


METRICS: tuple[Metric, ...] = (
    Metric("sp500", "S&P 500", "SP500", "index points", "pct", "%"),
    Metric("sp500_drawdown", "S&P 500 drawdown from peak", "SP500", "percent", "diff", "pp"),
    Metric("vix", "VIX", "VIX", "index points", "diff", "pts"),
    Metric("vix3m", "VIX3M", "VIX3M", "index points", "diff", "pts"),
    Metric("vix_ratio", "VIX / VIX3M", "VIX/VIX3M", "ratio", "diff", "pts", 3),
    Metric("dgs3mo", "3-month T-bill yield", "DGS3MO", "percent", "diff", "pp"),
    Metric("dgs2", "2-year Treasury yield", "DGS2", "percent", "diff", "pp"),
    Metric("dgs10", "10-year Treasury yield", "DGS10", "percent", "diff", "pp"),
    Metric("dff", "Effective fed funds rate", "DFF", "percent", "diff", "pp"),
    Metric("netliq", "Net liquidity", "NETLIQ", "USD bn", "diff", "USD bn", 0),
)

_COLUMNS = [
    "label",
    "source",
    "value",
    "unit",
    "obs_date",
    "change_1w",
    "change_1m",
    "change_1y",
    "change_unit",
]


def _rounded(value: Any) -> float | None:
    # NaN and inf survive round() and become None in the encoder.
    return None if value is None else round(float(value), _JSON_DIGITS)


def _observed(value: Any) -> str:
    return "none published" if value is None or pd.isna(value) else f"{value:%Y-%m-%d}"


def _format_number(value: Any, digits: int, *, signed: bool = False) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return f"{float(value):{'+' if signed else ''},.{digits}f}"


def _format_change(value: Any, digits: int, unit: str) -> str:
    text = _format_number(value, digits, signed=True)
    if text == "n/a":
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


@dataclass(frozen=True, eq=False)
class MarketOverviewResult(Result):
    """Market overview as of one date (see the module docstring for conventions).

    Series are trimmed to the last ``history_years`` years for charts; the
    latest table and the drawdown's running peak use the full history.

    Attributes
    ----------
    asof
        As-of date: only data published by then were used.
    history_years
        Length of the charted window, years.
    latest
        The latest-values table (also :meth:`to_frame`), one row per
        :data:`METRICS` entry, indexed by metric key.
    sp500
        S&P 500 closes, index points.
    drawdown
        S&P 500 drawdown from its running peak, percent (<= 0).
    vix, vix3m
        VIX and VIX3M closes, index points.
    vix_ratio
        VIX / VIX3M on dates where both closed (ratio; > 1 is an inversion).
    rates
        Columns DGS3MO, DGS2, DGS10, DFF in percent (NaN where a series has no
        observation on that date).
    net_liquidity
        NETLIQ (Fed assets - TGA - reverse repo), USD bn, weekly.
    peak, peak_date
        Running-peak S&P 500 close as of ``asof`` (index points) and its date.
    history_start
        First S&P 500 close in the running-peak history.
    last_obs
        Series id -> date of its last observation published by ``asof`` (None
        when nothing was published yet).
    notes
        Warnings about missing inputs.
    """

    asof: pd.Timestamp
    history_years: int
    latest: pd.DataFrame
    sp500: pd.Series
    drawdown: pd.Series
    vix: pd.Series
    vix3m: pd.Series
    vix_ratio: pd.Series
    rates: pd.DataFrame
    net_liquidity: pd.Series
    peak: float
    peak_date: pd.Timestamp
    history_start: pd.Timestamp
    last_obs: Mapping[str, pd.Timestamp | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Return the latest-values table (a copy).

        Columns: ``label``, ``source``, ``value``, ``unit``, ``obs_date``,
        ``change_1w``, ``change_1m``, ``change_1y`` and ``change_unit``; the
        index is the metric key.
        """
        return self.latest.copy()

    def _html_frame(self) -> pd.DataFrame:
        return self._display_frame()

    def _payload(self, **options: Any) -> dict[str, Any]:
        """Stable keys; floats rounded to 4 decimals (NaN -> None by the encoder)."""
        metrics = [
            {
                "key": str(key),
                "label": row["label"],
                "source": row["source"],
                "value": _rounded(row["value"]),
                "unit": row["unit"],
                "obs_date": row["obs_date"],
                "change_1w": _rounded(row["change_1w"]),
                "change_1m": _rounded(row["change_1m"]),
                "change_1y": _rounded(row["change_1y"]),
                "change_unit": row["change_unit"],
            }
            for key, row in self.latest.iterrows()
        ]
        return {
            "model": "MarketOverview",
            "asof": self.asof,
            "history_years": self.history_years,
            "sp500_peak": {"value": _rounded(self.peak), "date": self.peak_date},
            "history_start": self.history_start,
            "metrics": metrics,
            "last_obs": dict(self.last_obs),
            "notes": list(self.notes),
        }

    def _display_frame(self) -> pd.DataFrame:
        digits = {m.key: m.digits for m in METRICS}
        rows = []
        for key, row in self.latest.iterrows():
            d = digits.get(str(key), 2)
            rows.append(
                {
                    "Metric": row["label"],
                    "Value": _format_number(row["value"], d),
                    "Unit": row["unit"],
                    "Observed": _observed(row["obs_date"]),
                    "1w": _format_change(row["change_1w"], d, row["change_unit"]),
                    "1m": _format_change(row["change_1m"], d, row["change_unit"]),
                    "1y": _format_change(row["change_1y"], d, row["change_unit"]),
                }
            )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """Plain-text table of the latest values, with units and conventions."""
        lines = [
            f"Market overview as of {self.asof:%Y-%m-%d}",
            "",
            self._display_frame().to_string(index=False),
            "",
            f"S&P 500 running peak: {self.peak:,.2f} index points on {self.peak_date:%Y-%m-%d}"
            f" (history from {self.history_start:%Y-%m-%d}).",
            "",
            CONVENTIONS,
        ]
        lines += notes_lines(self.notes)
        return "\n".join(lines)



def _empty(name: str) -> pd.Series:
    return pd.Series([], index=pd.DatetimeIndex([], name="date"), dtype="float64", name=name)


class MarketOverview:
    """Point-in-time market overview: drawdown, VIX term structure, rates, liquidity.

    Parameters
    ----------
    history_years
        Years of history kept in the result's series for charts (>= 1). The
        latest table and the drawdown's running peak always use the full history.

    Notes
    -----
    Inputs: SP500, VIX, VIX3M, DGS3MO, DGS2, DGS10, DFF, NETLIQ, each loaded with
    ``asof`` so publication lags apply. See the module docstring for the change
    and drawdown conventions.
    """

    def __init__(self, *, history_years: int = 5) -> None:
        if isinstance(history_years, bool) or not isinstance(history_years, int):
            raise ConfigError(f"history_years: expected an integer, got {history_years!r}")
        if history_years < 1:
            raise ConfigError(f"history_years: must be at least 1, got {history_years}")
        self.history_years = history_years

    def __repr__(self) -> str:
        return f"MarketOverview(history_years={self.history_years})"

    def estimate(
        self, asof: DateLike | None = None, *, settings: Settings | None = None
    ) -> MarketOverviewResult:
        """Compute the overview from data published by ``asof``.

        Parameters
        ----------
        asof
            As-of date (``YYYY-MM-DD`` or date-like); default: the last S&P 500 close.
        settings
            Settings (cache directory); default from the environment.

        Returns
        -------
        MarketOverviewResult

        Raises
        ------
        DataError
            If ``asof`` is outside the S&P 500 data, or the S&P 500 cannot be loaded.
            Other inputs that are missing become NaN rows and a note.
        ConfigError
            If ``asof`` is not a valid date.
        """
        # The data layer loads here, not at import: the report's figures register this
        # result type, and importing them must not pull in the HTTP clients.
        from flowdesk.data.asof import resolve_asof
        from flowdesk.data.inputs import load_inputs

        asof_ts = resolve_asof(asof, settings=settings)

        loaded, missing = load_inputs(_INPUTS, asof=asof_ts, settings=settings,
                                      required=("SP500",))
        # One missing input should not blank the whole overview.
        data = {sid: loaded[sid] if sid in loaded else _empty(sid) for sid in _INPUTS}
        notes = [str(exc) for exc in missing.values()]

        sp500 = data["SP500"]
        drawdown = drawdown_from_peak(sp500).rename("drawdown")
        both = pd.concat([data["VIX"], data["VIX3M"]], axis=1, join="inner").dropna()
        vix_ratio = (both.iloc[:, 0] / both.iloc[:, 1]).rename("VIX/VIX3M")
        peak = float(sp500.max())
        # The most recent close at the peak level (a level can be matched again).
        peak_date = sp500.index[sp500.to_numpy() == peak][-1]

        by_metric = {
            "sp500": sp500,
            "sp500_drawdown": drawdown,
            "vix": data["VIX"],
            "vix3m": data["VIX3M"],
            "vix_ratio": vix_ratio,
            "dgs3mo": data["DGS3MO"],
            "dgs2": data["DGS2"],
            "dgs10": data["DGS10"],
            "dff": data["DFF"],
            "netliq": data["NETLIQ"],
        }
        latest = pd.DataFrame(
            [_latest_row(m, by_metric[m.key]) for m in METRICS],
            index=pd.Index([m.key for m in METRICS], name="metric"),
            columns=_COLUMNS,
        )

        start = asof_ts - pd.DateOffset(years=self.history_years)

        def window(series: pd.Series) -> pd.Series:
            return series.loc[series.index > start]

        rates = pd.concat([window(data[sid]).rename(sid) for sid in _RATES], axis=1, sort=True)
        return MarketOverviewResult(
            asof=asof_ts,
            history_years=self.history_years,
            latest=latest,
            sp500=window(sp500),
            drawdown=window(drawdown),
            vix=window(data["VIX"]),
            vix3m=window(data["VIX3M"]),
            vix_ratio=window(vix_ratio),
            rates=rates,
            net_liquidity=window(data["NETLIQ"]),
            peak=peak,
            peak_date=pd.Timestamp(peak_date),
            history_start=sp500.index[0],
            last_obs=last_observations(data),
            notes=tuple(notes),
        )


def _latest_row(metric: Metric, series: pd.Series) -> dict[str, Any]:
    values = series.dropna()
    has = not values.empty
    return {
        "label": metric.label,
        "source": metric.source,
        "value": float(values.iloc[-1]) if has else math.nan,
        "unit": metric.unit,
        "obs_date": values.index[-1] if has else pd.NaT,
        "change_1w": horizon_change(values, "1w", metric.change),
        "change_1m": horizon_change(values, "1m", metric.change),
        "change_1y": horizon_change(values, "1y", metric.change),
        "change_unit": metric.change_unit,
    }
