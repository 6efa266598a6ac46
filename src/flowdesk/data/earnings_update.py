"""`flowdesk data update EARNINGS_DATES`: refresh company report dates from SEC EDGAR.

The tickers are those of the current table (the snapshot's S&P 500 members, plus any
added since). Only filings from a year before the latest known date are read, which
skips each company's older pages; the fetched dates are merged into the cache copy,
which never loses an old date (:func:`flowdesk.data.earnings.save_earnings_dates`).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from flowdesk.data.earnings import EARNINGS_ID, earnings_dates, save_earnings_dates
from flowdesk.data.outcomes import UpdateOutcome
from flowdesk.errors import DataError, FlowdeskWarning, SourceError

if TYPE_CHECKING:
    import httpx

    from flowdesk.config import Settings

__all__ = ["update_earnings_dates"]

#: Read filings from this long before the latest known release: a refresh also
#: catches a release the previous one missed.
_LOOKBACK = pd.Timedelta(days=365)


def update_earnings_dates(
    *,
    settings: Settings | None = None,
    client: httpx.Client | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> UpdateOutcome:
    """Fetch recent Item 2.02 filing dates for every ticker and merge them into the cache.

    Parameters
    ----------
    settings
        Settings (SEC User-Agent and rate, cache directory).
    client
        Optional ``httpx.Client`` (tests pass one with a mock transport).
    progress
        ``progress(done, total, ticker)`` after each company.

    Returns
    -------
    UpdateOutcome
        ``updated`` / ``unchanged`` with the rows added, or ``failed`` (with a
        warning) when SEC could not be reached; companies that failed alone are
        named in the message.
    """
    from flowdesk.data.sources.sec import fetch_earnings_dates

    current = earnings_dates(settings=settings)
    tickers = sorted(current["ticker"].unique())
    since = current["report_date"].max() - _LOOKBACK
    try:
        fetched = fetch_earnings_dates(tickers, settings=settings, client=client,
                                       progress=progress, since=since)
        merged = save_earnings_dates(fetched.dates, settings=settings, origin="sec")
    except (SourceError, DataError) as exc:
        warnings.warn(f"{EARNINGS_ID}: update failed ({exc}); keeping the cached/snapshot "
                      "report dates", FlowdeskWarning, stacklevel=2)
        return UpdateOutcome(id=EARNINGS_ID, status="failed", source="sec", message=str(exc))
    problems = []
    if fetched.failed:
        first = ", ".join(f"{t} ({why})" for t, why in list(fetched.failed.items())[:3])
        problems.append(f"{len(fetched.failed)} companies failed, e.g. {first}")
    if fetched.unknown:
        problems.append(f"{len(fetched.unknown)} tickers not in SEC's ticker map, e.g. "
                        f"{', '.join(fetched.unknown[:3])}")
    return UpdateOutcome(
        id=EARNINGS_ID, status="updated" if merged.added else "unchanged", source="sec",
        added=merged.added, revised=0, last=merged.entry.last, message="; ".join(problems))
