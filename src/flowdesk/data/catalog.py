"""The series catalog: one table naming every series flowdesk knows.

Each row says what a series is (description, units, frequency), where it comes
from (live source and that source's own id), under which license it may be
shipped, how long after its observation date it is normally published (used
for point-in-time filtering), and, for derived series, the formula.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Literal

from flowdesk.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CATALOG",
    "Frequency",
    "SeriesSpec",
    "SourceName",
    "catalog_frame",
    "get_spec",
    "series_ids",
]

Frequency = Literal["daily", "weekly", "monthly", "quarterly", "annual", "event"]
SourceName = Literal["fred", "cboe", "yahoo", "snapshot", "derived", "user"]

_FRED = "Source: FRED, Federal Reserve Bank of St. Louis"
_PD = "Public domain (US government data)"
_CBOE = "Cboe Global Markets index data, published freely without an explicit license"
_YAHOO = "Yahoo Finance data (index levels proprietary to the index provider); demonstration sample"


@dataclass(frozen=True, slots=True)
class SeriesSpec:
    """One catalog row.

    Attributes
    ----------
    id
        flowdesk's id for the series (FRED ids are kept as they are).
    description
        What the numbers are.
    units
        Units of the values, e.g. ``"percent"``, ``"USD bn"``, ``"index"``.
    frequency
        Native observation frequency.
    source
        Live source that can refresh the series (``snapshot`` means it cannot be
        refreshed automatically; ``derived`` means it is computed from others).
    source_id
        The id the live source uses (FRED id, Cboe symbol, Yahoo ticker).
    category
        Theme used to group series in listings and reports.
    license
        Terms under which the values are shipped.
    attribution
        Credit line to show next to the data.
    release_lag_days
        Calendar days between an observation's date and its publication; an
        estimate for date ``t`` sees an observation dated ``d`` only if
        ``d + release_lag_days <= t``. Approximate and conservative; revisions
        are not modelled (the data are the latest vintage).
    positive
        Values must be strictly positive (prices, index levels).
    kind
        ``"series"`` (one value column) or ``"table"`` (several columns).
    derived_from
        Ids of the inputs of a derived series.
    formula
        Human-readable derivation.
    notes
        Anything a user should know (known bad prints, unit quirks).
    """

    id: str
    description: str
    units: str
    frequency: Frequency
    source: SourceName
    source_id: str | None
    category: str
    license: str
    attribution: str
    release_lag_days: int = 0
    positive: bool = False
    kind: Literal["series", "table"] = "series"
    derived_from: tuple[str, ...] = field(default_factory=tuple)
    formula: str | None = None
    notes: str = ""

    @property
    def live(self) -> bool:
        """Whether a live source can refresh this series."""
        return self.source in ("fred", "cboe", "yahoo")

    @property
    def stale_after_days(self) -> int:
        """Age (calendar days) of the last observation beyond which it is stale.

        The usual spacing of observations plus the publication lag plus a grace
        period of one spacing.
        """
        spacing = {
            "daily": 4,
            "weekly": 7,
            "monthly": 31,
            "quarterly": 92,
            "annual": 366,
            "event": 400,
        }[self.frequency]
        return 2 * spacing + self.release_lag_days + 3


def _fred(
    sid: str,
    description: str,
    *,
    units: str,
    frequency: Frequency,
    category: str,
    lag: int = 0,
    positive: bool = False,
    notes: str = "",
    source_id: str | None = None,
) -> SeriesSpec:
    return SeriesSpec(
        id=sid,
        description=description,
        units=units,
        frequency=frequency,
        source="fred",
        source_id=source_id or sid,
        category=category,
        license=_PD,
        attribution=_FRED,
        release_lag_days=lag,
        positive=positive,
        notes=notes,
    )


def _cboe(sid: str, description: str, *, notes: str = "") -> SeriesSpec:
    return SeriesSpec(
        id=sid,
        description=description,
        units="index points",
        frequency="daily",
        source="cboe",
        source_id=sid,
        category="volatility",
        license=_CBOE,
        attribution="Source: Cboe Global Markets",
        positive=True,
        notes=notes,
    )


def _yahoo(sid: str, ticker: str, description: str, units: str, category: str) -> SeriesSpec:
    return SeriesSpec(
        id=sid,
        description=description,
        units=units,
        frequency="daily",
        source="yahoo",
        source_id=ticker,
        category=category,
        license=_YAHOO,
        attribution="Source: Yahoo Finance",
        positive=True,
    )


def _pcr(sid: str, what: str) -> SeriesSpec:
    return SeriesSpec(
        id=sid,
        description=f"Cboe {what} put/call volume ratio",
        units="ratio",
        frequency="daily",
        source="snapshot",
        source_id=None,
        category="volatility",
        license=_CBOE,
        attribution="Source: Cboe Global Markets daily market statistics",
        notes="Compiled daily by a third party from Cboe statistics; a few prints are 0 or"
        " implausibly large (e.g. 11.0) and should be treated as missing by models.",
    )


_BLS_LAG = 40  # first Friday of the next month, occasionally the 10th
_CPI_LAG = 45  # mid-month after the reference month
_GDP_LAG = 120  # advance estimate ~30 days after the quarter ends

# What a block of FRED rows has in common is said once, so each row states only
# its own id, description and exceptions (keywords override the block's values).
_rates = partial(_fred, category="rates", frequency="daily", units="percent")
_liquidity = partial(_fred, category="liquidity", frequency="weekly", units="USD mn", lag=1)
_growth = partial(_fred, category="growth", frequency="quarterly", units="USD bn", lag=_GDP_LAG)
_labour = partial(_fred, category="labour", frequency="monthly", units="percent", lag=_BLS_LAG)
_households = partial(_fred, category="households", units="percent")
_cpi = partial(
    _fred, category="prices", frequency="monthly", units="index 1982-84=100", lag=_CPI_LAG
)
_energy = partial(_fred, category="energy", frequency="monthly")
_fx = partial(_fred, category="fx", frequency="daily", lag=1, positive=True)

CATALOG: tuple[SeriesSpec, ...] = (
    # Markets
    _yahoo("SP500", "^GSPC", "S&P 500 index, daily close", "index points", "markets"),
    _yahoo("NDX", "^NDX", "Nasdaq-100 index, daily close", "index points", "markets"),
    _yahoo(
        "TLT",
        "TLT",
        "iShares 20+ Year Treasury Bond ETF, dividend-adjusted close",
        "USD",
        "markets",
    ),
    _yahoo(
        "IEF",
        "IEF",
        "iShares 7-10 Year Treasury Bond ETF, dividend-adjusted close",
        "USD",
        "markets",
    ),
    _yahoo("GLD", "GLD", "SPDR Gold Shares ETF, close", "USD", "markets"),
    _yahoo(
        "DBMF",
        "DBMF",
        "iMGP DBi Managed Futures ETF (CTA replication), adjusted close",
        "USD",
        "markets",
    ),
    _yahoo(
        "BTC", "BTC-USD", "Bitcoin in USD, daily close (UTC day, 7 days a week)", "USD", "crypto"
    ),
    _energy(
        "DCOILWTICO",
        "WTI crude oil spot price, Cushing OK",
        frequency="daily",
        units="USD per barrel",
        notes="Negative print on 2020-04-20 (-36.98) is real.",
    ),
    # Volatility
    _cboe("VIX", "Cboe Volatility Index (30-day S&P 500 implied vol), close"),
    _cboe("VIX3M", "Cboe 3-Month Volatility Index, close"),
    _cboe("VIX9D", "Cboe 9-Day Volatility Index, close"),
    _cboe(
        "VVIX", "Cboe VIX of VIX index, close", notes="Known bad Cboe print on 2006-03-15 (15.71)."
    ),
    _cboe("SKEW", "Cboe SKEW index (S&P 500 tail-risk pricing), close"),
    _pcr("PCR_TOTAL", "total"),
    _pcr("PCR_INDEX", "index options"),
    _pcr("PCR_EQUITY", "equity options"),
    _pcr("PCR_SPX", "SPX + SPXW options"),
    _pcr("PCR_VIX", "VIX options"),
    # Rates and policy
    _rates("DFF", "Effective federal funds rate, daily (weekends carry Friday's rate)", lag=1),
    _rates("DGS10", "10-year Treasury constant-maturity yield"),
    _rates("DGS2", "2-year Treasury constant-maturity yield"),
    _rates("T10Y2Y", "10-year minus 2-year Treasury yield spread", units="percentage points"),
    _rates("T10Y3M", "10-year minus 3-month Treasury yield spread", units="percentage points"),
    _rates("DFII10", "10-year TIPS real yield"),
    _rates("T10YIE", "10-year breakeven inflation"),
    _rates("DFEDTARU", "Federal funds target range, upper limit (live only, not in the snapshot)"),
    _rates("DFEDTARL", "Federal funds target range, lower limit (live only, not in the snapshot)"),
    SeriesSpec(
        id="DGS3MO",
        description="3-month Treasury bill yield (derived: 10-year yield minus the 10y-3m spread)",
        units="percent",
        frequency="daily",
        source="derived",
        source_id=None,
        category="rates",
        license=_PD,
        attribution=_FRED,
        derived_from=("DGS10", "T10Y3M"),
        formula="DGS3MO = DGS10 - T10Y3M",
        notes="Exact by construction: FRED defines T10Y3M as DGS10 - DGS3MO.",
    ),
    # Liquidity
    _liquidity("WALCL", "Federal Reserve total assets, Wednesday level"),
    _liquidity("WTREGEN", "Treasury General Account at the Fed, Wednesday level"),
    _liquidity(
        "RRPONTSYD",
        "Overnight reverse repurchase agreements (Fed ON RRP), daily",
        frequency="daily",
        units="USD bn",
        lag=0,
    ),
    _liquidity(
        "M2SL", "M2 money stock, seasonally adjusted", frequency="monthly", units="USD bn", lag=56
    ),
    SeriesSpec(
        id="NETLIQ",
        description="Net liquidity: Fed balance sheet minus TGA minus reverse repo (weekly, Wed)",
        units="USD bn",
        frequency="weekly",
        source="derived",
        source_id=None,
        category="liquidity",
        license=_PD,
        attribution=_FRED,
        release_lag_days=1,
        derived_from=("WALCL", "WTREGEN", "RRPONTSYD"),
        formula="NETLIQ = WALCL/1000 - WTREGEN/1000 - RRPONTSYD (RRP on or before each Wednesday)",
        notes="WALCL and WTREGEN are USD millions; RRPONTSYD is USD billions.",
    ),
    # Growth, labour, households
    _growth("GDP", "Gross domestic product, nominal, SAAR"),
    _growth("GDPC1", "Real gross domestic product, SAAR", units="USD bn (chained 2017)"),
    _growth("CP", "Corporate profits after tax, SAAR", lag=150),
    _labour("UNRATE", "Unemployment rate (U-3)"),
    _labour("U6RATE", "U-6 unemployment rate (incl. marginally attached and part-time)"),
    _labour("PAYEMS", "Nonfarm payrolls", units="thousands of persons"),
    _labour(
        "ICSA",
        "Initial jobless claims, week ending Saturday",
        frequency="weekly",
        units="persons",
        lag=5,
    ),
    _labour("CIVPART", "Labour force participation rate, 16+"),
    _labour("LNS11300036", "Labour force participation rate, age 20-24"),
    _labour("LNS11300060", "Labour force participation rate, age 25-54 (prime age)"),
    _labour("LNS11324230", "Labour force participation rate, age 55+"),
    _households("PSAVERT", "Personal saving rate", frequency="monthly", lag=60),
    _households(
        "DRCCLACBS",
        "Credit-card delinquency rate, all commercial banks",
        frequency="quarterly",
        lag=140,
    ),
    # Prices and energy
    _cpi("CPIAUCSL", "Consumer price index, all items, SA"),
    _cpi("CUSR0000SEHF01", "CPI: electricity, SA", category="energy"),
    _cpi(
        "APU000072610",
        "Average price of electricity, US city average",
        category="energy",
        units="USD per kWh",
    ),
    _energy(
        "IPG2211S",
        "Industrial production: electric power generation",
        units="index 2017=100",
        lag=47,
    ),
    _energy(
        "PCOPPUSDM",
        "Global price of copper (IMF)",
        units="USD per metric ton",
        lag=40,
        positive=True,
    ),
    # FX (H.10, noon buying rates in New York)
    _fx("DEXUSEU", "US dollars per euro", units="USD per EUR"),
    _fx("DEXJPUS", "Japanese yen per US dollar", units="JPY per USD"),
    _fx("DEXUSUK", "US dollars per British pound", units="USD per GBP"),
    # Live-only series of the thesis monitor (ids and evidence in flowdesk.macro.live_series)
    _growth(
        "Y034RC1Q027SBEA",
        "Private fixed investment: information processing equipment,"
        " nominal, SAAR (live only, not in the snapshot)",
        positive=True,
        notes="BEA NIPA table 5.5.5.",
    ),
    _growth(
        "B985RC1Q027SBEA",
        "Private fixed investment: software, nominal, SAAR (live only, not in the snapshot)",
        positive=True,
        notes="BEA NIPA table 5.6.5.",
    ),
    _households(
        "MORTGAGE30US",
        "30-year fixed-rate mortgage average, Freddie Mac PMMS, weekly"
        " (live only, not in the snapshot)",
        frequency="weekly",
        positive=True,
    ),
    _households(
        "MSPUS",
        "Median sales price of houses sold, quarterly (live only, not in the snapshot)",
        frequency="quarterly",
        units="USD",
        lag=_GDP_LAG,
        positive=True,
        notes="Census/HUD New Residential Sales; not seasonally adjusted.",
    ),
    _households(
        "MEHOINUSA646N",
        "Median household income, current dollars, annual (live only, not in the snapshot)",
        frequency="annual",
        units="USD",
        lag=620,
        positive=True,
        notes="Census CPS ASEC; dated 1 January of the income year, published the"
        " following September.",
    ),
    _cpi(
        "CUSR0000SEHA",
        "CPI: rent of primary residence, SA (live only, not in the snapshot)",
        positive=True,
    ),
    _cpi(
        "CUUR0000SEEB03",
        "CPI: day care and preschool, not seasonally adjusted (live only, not in the snapshot)",
        units="index",
        positive=True,
        notes="Not seasonally adjusted: use year-on-year changes only.",
    ),
    # Tables
    SeriesSpec(
        id="FOMC_DECISIONS",
        description="FOMC policy decision dates 1990-2028 (scheduled and unscheduled)",
        units="date; scheduled flag (1/0)",
        frequency="event",
        source="snapshot",
        source_id=None,
        category="calendar",
        license="Public facts (Federal Reserve calendar; CME FedWatch schedule, MIT package)",
        attribution="Federal Reserve Board; Bauer-Lakdawala-Mueller replication data; CME",
        kind="table",
        notes="Dates before 2021 are the first trading day that reflects the decision.",
    ),
    SeriesSpec(
        id="FOMC_TARGETS",
        description="FOMC decisions 2023-2026 with the resulting target range",
        units="percent (target range bounds), bp (change)",
        frequency="event",
        source="snapshot",
        source_id=None,
        category="calendar",
        license="MIT (bellwether-mcp package); facts from Federal Reserve press releases",
        attribution="Federal Reserve press releases, curated in bellwether-mcp",
        kind="table",
    ),
    SeriesSpec(
        id="HYPERSCALER_CAPEX",
        description="Annual revenue and capital expenditure of large cloud/AI spenders"
        " (AAPL, MSFT, GOOGL, AMZN, META) by fiscal-year end",
        units="USD",
        frequency="annual",
        source="snapshot",
        source_id=None,
        category="corporate",
        license="Public facts from SEC XBRL filings",
        attribution="Source: SEC EDGAR filings (compiled)",
        release_lag_days=60,
        kind="table",
        notes="Index is the fiscal-year end; 10-K filings follow within about 60 days.",
    ),
)

_BY_ID: dict[str, SeriesSpec] = {spec.id: spec for spec in CATALOG}


def series_ids() -> list[str]:
    """Return every catalog id, in catalog order."""
    return [spec.id for spec in CATALOG]


def get_spec(series_id: str) -> SeriesSpec:
    """Return the catalog row for ``series_id`` (case-insensitive).

    Raises
    ------
    DataError
        If the id is unknown; the message suggests close matches.
    """
    if not isinstance(series_id, str) or not series_id.strip():
        raise DataError(f"series id must be a non-empty string, got {series_id!r}")
    key = series_id.strip().upper()
    spec = _BY_ID.get(key)
    if spec is None:
        close = difflib.get_close_matches(key, list(_BY_ID), n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise DataError(
            f"unknown series id {series_id!r}{hint}; `flowdesk data list` shows all ids"
        )
    return spec


def catalog_frame() -> pd.DataFrame:
    """Return the catalog as a DataFrame indexed by id."""
    import pandas as pd

    rows = [asdict(spec) | {"live": spec.live} for spec in CATALOG]
    frame = pd.DataFrame(rows).set_index("id")
    frame["derived_from"] = frame["derived_from"].map(lambda ids: ",".join(ids))
    return frame
