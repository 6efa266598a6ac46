"""The VIX regime model (see :mod:`flowdesk.vol` for the overview).

:class:`VixRegimes` estimates; its frozen result, :class:`VixRegimesResult`, lives in
:mod:`flowdesk.vol.result` and is re-exported here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.dates import DateLike, parse_date
from flowdesk.errors import ConfigError
from flowdesk.stats import last_observations
from flowdesk.vol.forward import forward_return_table
from flowdesk.vol.regimes import (
    DEFAULT_THRESHOLDS,
    INVERTED,
    REGIMES,
    Thresholds,
    classify,
)
from flowdesk.vol.result import METHOD, VixRegimesResult
from flowdesk.vol.termstructure import (
    OPTIONAL,
    REQUIRED,
    inversion_episodes,
    term_structure_frame,
)

if TYPE_CHECKING:
    from flowdesk.config import Settings

# The package (flowdesk.vol) re-exports these with the thresholds and horizons.
__all__ = ["ALL_INVERSIONS", "BASELINE", "METHOD", "SERIES", "VixRegimes", "VixRegimesResult"]

#: Series the model loads, required first.
SERIES = (*REQUIRED, *OPTIONAL)
#: Group names of the forward-return table beyond the regimes.
ALL_INVERSIONS = "all_inversions"
BASELINE = "unconditional"


class VixRegimes:
    """Classify VIX term-structure regimes and tabulate forward S&P 500 returns.

    Parameters
    ----------
    thresholds
        Rule thresholds (:class:`~flowdesk.vol.regimes.Thresholds`).
    n_boot
        Bootstrap resamples per horizon (>= 1).
    seed
        Seed of ``numpy.random.default_rng`` for the bootstrap.
    """

    def __init__(
        self, thresholds: Thresholds = DEFAULT_THRESHOLDS, *, n_boot: int = 1000,
        seed: int | None = 0,
    ) -> None:
        if not isinstance(thresholds, Thresholds):
            raise ConfigError(f"thresholds: expected Thresholds, got {type(thresholds).__name__}")
        if isinstance(n_boot, bool) or not isinstance(n_boot, int) or n_boot < 1:
            raise ConfigError(f"n_boot: expected an integer >= 1, got {n_boot!r}")
        self.thresholds = thresholds
        self.n_boot = n_boot
        self.seed = seed

    def __repr__(self) -> str:
        return f"VixRegimes(thresholds={self.thresholds!r}, n_boot={self.n_boot}, seed={self.seed})"

    def fit(self, data: pd.DataFrame, *, asof: DateLike | None = None) -> VixRegimesResult:
        """Classify every session of ``data`` and tabulate forward returns (no I/O).

        Parameters
        ----------
        data
            Columns named by catalog ids (:data:`SERIES`; ``VIX`` and ``SP500``
            required) on session dates, NaN where a series has no close.
        asof
            As-of date: rows dated after it are dropped (no look-ahead); default
            the last date of ``data``.

        Raises
        ------
        DataError
            If the input fails validation.
        """
        th = self.thresholds
        stamp = parse_date(asof, "asof")
        if stamp is not None and isinstance(data, pd.DataFrame):
            data = data.loc[data.index <= stamp]
        daily = term_structure_frame(data, min_history=th.min_history,
                                     inversion_ratio=th.inversion_ratio)
        daily = daily.join(classify(daily, th))
        labels = daily["regime"]
        episodes = inversion_episodes(daily, labels, inversion_ratio=th.inversion_ratio)
        groups = {r: labels == r for r in REGIMES}
        groups[ALL_INVERSIONS] = labels.isin(INVERTED)
        forward = forward_return_table(
            data["SP500"].astype("float64"), groups, labels != "unclassified",
            n_boot=self.n_boot, seed=self.seed, baseline=BASELINE,
        )
        classified = labels.index[labels != "unclassified"]
        regime_date = classified[-1] if len(classified) else None
        obs = last_observations(data, SERIES)
        notes = []
        absent = [sid for sid in SERIES if obs[sid] is None]
        if absent:
            notes.append(f"No data by the as-of date for: {', '.join(absent)}.")
        if regime_date is None:
            notes.append("No session has both VIX and VIX3M closes (VIX3M starts 2009-09-18): "
                         "no regime.")
        elif regime_date < daily.index[-1]:
            notes.append(f"Last VIX session {daily.index[-1]:%Y-%m-%d} has no VIX3M close; "
                         f"the regime is as of {regime_date:%Y-%m-%d}.")
        return VixRegimesResult(
            asof=stamp if stamp is not None else data.index[-1],
            regime=labels.loc[regime_date] if regime_date is not None else "unclassified",
            regime_date=regime_date, thresholds=th, daily=daily, episodes=episodes,
            forward=forward, last_obs=obs, n_boot=self.n_boot, seed=self.seed,
            notes=tuple(notes),
        )

    def estimate(
        self, asof: DateLike | None = None, *, settings: Settings | None = None
    ) -> VixRegimesResult:
        """Load the inputs published by ``asof`` and :meth:`fit` them.

        Parameters
        ----------
        asof
            As-of date; default the last VIX close.
        settings
            Settings (cache directory); default from the environment.

        Raises
        ------
        DataError
            If VIX or the S&P 500 has nothing published by ``asof``. Optional
            series that are missing are noted in the result.
        """
        from flowdesk.data.api import load
        from flowdesk.data.inputs import load_inputs

        asof_ts = parse_date(asof, "asof")
        if asof_ts is None:
            asof_ts = load("VIX", settings=settings).index[-1]
        series, _ = load_inputs(SERIES, asof=asof_ts, settings=settings, required=REQUIRED)
        data = pd.concat(series, axis=1, sort=True)
        return self.fit(data, asof=asof_ts)
