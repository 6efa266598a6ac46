"""Series computed from other series at load time.

Each function receives its inputs (already filtered to what was published by
the as-of date) in the order of the catalog's ``derived_from`` and returns the
derived series. The formulas are also written in the catalog.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

__all__ = ["DERIVATIONS", "net_liquidity", "three_month_bill"]

# The Fed's overnight reverse-repo facility started daily operations in
# September 2013; before that, a date without an operation means zero RRP.
ON_RRP_START = pd.Timestamp("2013-09-23")


def three_month_bill(dgs10: pd.Series, t10y3m: pd.Series) -> pd.Series:
    """DGS3MO = DGS10 - T10Y3M on dates where both are observed (percent)."""
    both = pd.concat([dgs10, t10y3m], axis=1, join="inner").dropna()
    # Both inputs have two decimals; rounding removes binary noise, not information.
    return (both.iloc[:, 0] - both.iloc[:, 1]).round(6).rename("DGS3MO")


def net_liquidity(walcl: pd.Series, wtregen: pd.Series, rrp: pd.Series) -> pd.Series:
    """Net liquidity in USD bn on each Wednesday with a Fed balance sheet and a TGA level.

    ``WALCL/1000 - WTREGEN/1000 - RRPONTSYD``. From the start of the overnight
    RRP facility (:data:`ON_RRP_START`) the reverse-repo value is the last one
    published on or up to five days before the Wednesday; before it, the value
    on that Wednesday, or zero when there was no operation.
    """
    weekly = pd.concat([walcl, wtregen], axis=1, join="inner").dropna()
    dates = weekly.index
    rrp = rrp.dropna()
    # Before the facility, reverse repos were occasional operations: a Wednesday
    # without one had none. Afterwards a missing day is a holiday, so carry the
    # last print forward a few days.
    exact = rrp.reindex(dates).fillna(0.0)
    carried = rrp.reindex(dates, method="ffill", tolerance=pd.Timedelta(days=5))
    rrp_on = exact.where(dates < ON_RRP_START, carried)
    value = weekly.iloc[:, 0] / 1000.0 - weekly.iloc[:, 1] / 1000.0 - rrp_on
    return value.dropna().rename("NETLIQ")


DERIVATIONS: dict[str, Callable[..., pd.Series]] = {
    "DGS3MO": three_month_bill,
    "NETLIQ": net_liquidity,
}
