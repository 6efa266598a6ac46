"""Live-only FRED series the thesis monitor uses when they have been fetched.

These series are not in the embedded snapshot; their rows are in
:data:`flowdesk.data.catalog.CATALOG`. Until ``flowdesk data update <ID>`` has
fetched one, every indicator that needs it reports ``insufficient_data`` with
the reason "not fetched; run `flowdesk data update …`".

Release lags are conservative calendar-day estimates from each observation's
date (FRED dates a quarter by its first day, a year by 1 January):

- BEA NIPA investment lines come with the GDP release (advance estimate about
  30 days after the quarter ends), as for ``GDP`` (120 days from the quarter's
  first day);
- Freddie Mac's survey rate is dated and published on the same Thursday;
- the Census median sales price of houses sold comes with the New Residential
  Sales release about 25 days after the quarter ends (120 days);
- Census median household income for year Y comes in September of Y+1 (about
  620 days after 1 January of Y);
- CPI components come with the CPI release in the middle of the next month
  (45 days, as ``CPIAUCSL``).

Confidence in each FRED id (checked against public code that calls FRED with
these ids; no network access was available to confirm them on FRED itself):

==================  ==========  ==================================================
id                  confidence  evidence
==================  ==========  ==================================================
Y034RC1Q027SBEA     high        NIPA table 5.5.5 line "information processing
                                equipment"; several independent codebases
B985RC1Q027SBEA     high        NIPA table 5.6.5 line "software"
MORTGAGE30US        high        Freddie Mac PMMS 30-year fixed rate, widely used
MSPUS               high        Census/HUD median sales price of houses sold
MEHOINUSA646N       high        Census median household income, current dollars
CUSR0000SEHA        high        CPI rent of primary residence, SA
CUUR0000SEEB03      medium      CPI day care and preschool; BLS also publishes a
                                seasonally adjusted CUSR0000SEEB03, but public
                                code fetches the unadjusted id from FRED, so the
                                NSA series (year-on-year changes only) is used
==================  ==========  ==================================================

Not resolved: a FRED id for data-centre construction. BEA does not publish data
centres as a separate structures line, and the Census C30 "data center"
spending line is read from Census files in the public code found, not from
FRED. No id is guessed here; the AI-capex thesis uses the SEC hyperscaler
capex table and the two BEA lines above instead.
"""

from __future__ import annotations

from flowdesk.data.catalog import SeriesSpec, get_spec
from flowdesk.errors import DataError

__all__ = ["LIVE_IDS", "LIVE_SERIES", "live_spec"]

#: Live-only series used by :mod:`flowdesk.macro` (rows live in the catalog).
LIVE_IDS: tuple[str, ...] = (
    "Y034RC1Q027SBEA",
    "B985RC1Q027SBEA",
    "MORTGAGE30US",
    "MSPUS",
    "MEHOINUSA646N",
    "CUSR0000SEHA",
    "CUUR0000SEEB03",
)
LIVE_SERIES: tuple[SeriesSpec, ...] = tuple(get_spec(sid) for sid in LIVE_IDS)


def live_spec(series_id: str) -> SeriesSpec | None:
    """The catalog row of a live-only macro series (case-insensitive), or ``None``."""
    key = series_id.strip().upper()
    if key not in LIVE_IDS:
        return None
    try:
        return get_spec(key)
    except DataError:
        return None
