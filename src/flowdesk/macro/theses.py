"""The seven theses and their indicators.

Each thesis is a claim plus the indicators that test it; the verdict rules are
in :mod:`flowdesk.macro.rules`. Units: GDP, profits and investment are nominal
SAAR USD bn; hyperscaler capex is converted from USD to USD bn; WALCL and
WTREGEN are USD mn (divided by 1000), RRPONTSYD and NETLIQ are USD bn.

AI capex is the annual capital expenditure of Microsoft, Alphabet, Amazon and
Meta from their 10-K filings. Apple is left out by default: it runs no public
cloud, its capex (about USD 10-13 bn a year, flat for a decade) goes mostly to
product tooling, retail and corporate facilities, and adding it would dilute
the growth being measured. ``build_theses(capex_tickers=...)`` changes the set.
A calendar year Y sums each company's fiscal year that ends in Y (Microsoft's
ends in June) and counts only when every company in the set reported one; the
series therefore starts in 2013, Alphabet's first year in the table. Capex is
spending, not value added: some of it is imported equipment and land, so its
"contribution to GDP growth" is an upper bound on the direct effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd

from flowdesk.macro import transforms as tf
from flowdesk.macro.indicators import Indicator, IndicatorValue
from flowdesk.macro.transforms import DEFAULT_CAPEX_TICKERS
from flowdesk.stats import drawdown_from_peak

__all__ = [
    "DEFAULT_CAPEX_TICKERS",
    "THESES",
    "DriversShares",
    "Thesis",
    "build_theses",
    "get_thesis",
]


@dataclass(frozen=True)
class Thesis:
    """A structural claim made testable.

    Attributes
    ----------
    id, number, title
        Stable key, position in the scorecard (1-7) and display name.
    claim
        What would have to be true in the data, in one or two sentences.
    indicators
        The indicators shown and used by the thesis' rule.
    chart
        Ids of the indicators drawn on the left and (optionally) right axis.
    """

    id: str
    number: int
    title: str
    claim: str
    indicators: tuple[Indicator, ...]
    chart: tuple[str, ...] = ()


@dataclass(frozen=True)
class DriversShares:
    """What thesis 7 needs from a drivers decomposition of index moves.

    Attributes
    ----------
    flows, fundamentals
        Shares (0-1) of the variance of index returns that the causal drivers
        explain, attributed to mechanical flows and to fundamentals.
    asof
        Last date of the decomposition's window.
    """

    flows: float
    fundamentals: float
    asof: pd.Timestamp
    #: Optional daily history of the two shares (columns ``flows``,
    #: ``fundamentals``), so earlier dates can be judged from one decomposition.
    history: pd.DataFrame | None = None

    #: Age in days after which the decomposition is stale.
    STALE_AFTER_DAYS = 31

    @classmethod
    def from_result(cls, result: Any) -> DriversShares:
        """Shares from a :class:`flowdesk.drivers.DriversResult` (duck-typed).

        Uses the rolling shares of variance of the groups ``flows``,
        ``policy``, ``data``, ``volatility`` and ``other`` (``result.rolling``,
        point in time: each row uses only the window ending that day) and
        ``result.asof``. Only the causal groups count: VIX changes are a symptom
        of the move and ``other`` is unexplained, so ``flows`` and
        ``fundamentals`` (= ``data``, the payroll/CPI-day moves) are shares of
        ``flows + policy + data``.

        Raises
        ------
        ModelError
            If the causal groups explain nothing on the last day.
        """
        from flowdesk.errors import ModelError

        rolling = result.rolling.dropna()
        causal = rolling[["flows", "policy", "data"]].sum(axis=1)
        history = pd.DataFrame(
            {"flows": rolling["flows"] / causal, "fundamentals": rolling["data"] / causal}
        ).where(causal > 0).dropna()
        if history.empty or history.index[-1] != rolling.index[-1]:
            raise ModelError("drivers: flows, policy and data explain none of the variance")
        last = history.iloc[-1]
        return cls(
            flows=float(last["flows"]),
            fundamentals=float(last["fundamentals"]),
            asof=pd.Timestamp(result.asof),
            history=history,
        )

    def values(self, asof: pd.Timestamp) -> dict[str, IndicatorValue]:
        """The shares as thesis-7 indicator values (percent) at ``asof``.

        With a history, the last row on or before ``asof`` is used; without one,
        nothing is known before the decomposition's own date. Stale when that
        row is more than :attr:`STALE_AFTER_DAYS` days before ``asof``.
        """
        if self.history is not None:
            known = self.history.loc[:asof]
            if known.empty:
                return {}
            when = pd.Timestamp(known.index[-1])
            flows, fundamentals = float(known["flows"].iloc[-1]), float(
                known["fundamentals"].iloc[-1]
            )
            trail = known
        else:
            if self.asof > asof:
                return {}
            when, flows, fundamentals = self.asof, self.flows, self.fundamentals
            trail = pd.DataFrame(
                {"flows": [flows], "fundamentals": [fundamentals]},
                index=pd.DatetimeIndex([when]),
            )
        stale = int((asof - when).days) > self.STALE_AFTER_DAYS
        out = {}
        for key, what, column, share in (
            ("flows_share", "Flows", "flows", flows),
            ("fundamentals_share", "Fundamentals", "fundamentals", fundamentals),
        ):
            ind = Indicator(key, f"{what} share of explained variance", "percent", (),
                            tf.level, "daily", "From the drivers decomposition.")
            out[key] = IndicatorValue(
                ind, value=100.0 * share, obs_date=when, stale=stale,
                status="stale" if stale else "ok",
                reasons=(f"drivers decomposition is from {when:%Y-%m-%d}",) if stale else (),
                history=100.0 * trail[column], asof=asof,
            )
        return out


# ------------------------------------------------------------------ the theses
def build_theses(capex_tickers: Sequence[str] = DEFAULT_CAPEX_TICKERS) -> tuple[Thesis, ...]:
    """The seven theses, with AI capex measured on ``capex_tickers``."""
    tk = tuple(capex_tickers)
    names = "+".join(tk)
    cx = "HYPERSCALER_CAPEX"

    def ind(id: str, title: str, unit: str, inputs: tuple[str, ...], fn: Any, freq: Any,
            desc: str, extra: Any = None) -> Indicator:
        return Indicator(id, title, unit, inputs, fn, freq, desc, extra)

    def level(id: str, title: str, unit: str, series: str, freq: Any) -> Indicator:
        # The indicator is one series as published.
        return ind(id, title, unit, (series,), tf.level, freq, f"{series} level.")

    def yoy(id: str, title: str, series: str) -> Indicator:
        # The indicator is the 12-month percent change of one monthly series.
        return ind(id, title, "percent", (series,), tf.yoy, "monthly",
                   f"{series}, 12-month percent change.")

    capex_growth = ind("capex_growth", "AI capex growth", "percent", (cx,),
                       partial(tf.capex_growth, tickers=tk), "annual",
                       f"Year-on-year growth of {names} capex by calendar year.")
    profits = ind("profits_share", "Corporate profits, % of GDP", "% of GDP", ("CP", "GDP"),
                  tf.share_of_gdp, "quarterly", "After-tax corporate profits (CP) / nominal GDP.")
    btc_liq = ind("netliq_btc_corr", "Net liquidity vs Bitcoin, rolling correlation",
                  "correlation", ("NETLIQ", "BTC"), tf.liquidity_corr, "weekly",
                  "104-week correlation of 4-week log changes (Wednesdays).",
                  tf.liquidity_lead_lag)
    ai = Thesis(
        "ai_capex", 1, "AI capex holds GDP up while labour weakens",
        "Hyperscaler AI capex adds a meaningful slice to nominal GDP growth while payroll"
        " growth slows or unemployment rises.",
        (
            ind("capex_share_gdp", "AI capex, % of nominal GDP", "% of GDP", (cx, "GDP"),
                partial(tf.capex_share, tickers=tk), "annual",
                f"{names} capex by calendar year / nominal GDP (mean of 4 quarters)."),
            capex_growth,
            ind("capex_contribution", "AI capex contribution to nominal GDP growth",
                "percentage points", (cx, "GDP"), partial(tf.capex_contribution, tickers=tk),
                "annual", "(capex_Y - capex_Y-1) / GDP_Y-1 x 100."),
            ind("gdp_growth_ex_capex", "Nominal GDP growth without AI capex", "percent",
                (cx, "GDP"), partial(tf.gdp_ex_capex_growth, tickers=tk), "annual",
                "Growth of (GDP - AI capex), calendar years."),
            yoy("payrolls_yoy", "Nonfarm payrolls, year-on-year", "PAYEMS"),
            ind("unrate", "Unemployment rate (U-3)", "percent", ("UNRATE",), tf.level, "monthly",
                "UNRATE level; change over 1 year in pp."),
            ind("bea_ai_investment", "BEA IT equipment + software investment, % of GDP",
                "% of GDP", ("Y034RC1Q027SBEA", "B985RC1Q027SBEA", "GDP"), tf.bea_ai_share,
                "quarterly", "Live FRED only: information-processing equipment plus software"
                " investment / nominal GDP."),
        ),
        ("capex_share_gdp", "payrolls_yoy"),
    )
    consumer = ind("consumer_stress", "Consumer stress index", "z-score",
                   ("DRCCLACBS", "PSAVERT", "ICSA"), tf.consumer_stress, "monthly",
                   "Mean 10-year z-score of card delinquency, minus saving rate, log claims.")
    two = Thesis(
        "two_economies", 2, "Two economies: AI economy vs squeezed real economy",
        "The AI-heavy Nasdaq-100 outruns the S&P 500 and profits take a high share of GDP"
        " while the labour-heavy economy weakens (U-6, participation, consumer stress).",
        (
            ind("ndx_vs_spx", "Nasdaq-100 vs S&P 500, 1-year relative return", "percent",
                ("NDX", "SP500"), tf.relative_return, "daily",
                "100 x ((NDX/NDX_1y ago) / (SPX/SPX_1y ago) - 1)."),
            profits,
            level("participation", "Labour force participation, 16+", "percent", "CIVPART",
                  "monthly"),
            level("u6", "U-6 underemployment rate", "percent", "U6RATE", "monthly"),
            consumer,
        ),
        ("ndx_vs_spx", "u6"),
    )
    ineq = Thesis(
        "inequality", 3, "Inequality and affordability become a constraint",
        "Young adults fall behind prime-age workers and household finances are strained;"
        " with live data, housing and childcare/rent costs outrun incomes and prices.",
        (
            ind("youth_gap", "Participation gap: age 20-24 minus 25-54", "percentage points",
                ("LNS11300036", "LNS11300060"), tf.difference, "monthly",
                "LNS11300036 - LNS11300060."),
            level("older_participation", "Participation, age 55+", "percent", "LNS11324230",
                  "monthly"),
            level("saving_rate", "Personal saving rate", "percent", "PSAVERT", "monthly"),
            level("cc_delinquency", "Credit-card delinquency rate", "percent", "DRCCLACBS",
                  "quarterly"),
            ind("housing_affordability", "Mortgage payment on median house, % of income",
                "% of income", ("MORTGAGE30US", "MSPUS", "MEHOINUSA646N"),
                tf.housing_affordability, "quarterly",
                "Live FRED only: 30-year payment, 20% down, / median household income."),
            ind("childcare_rent_inflation", "Childcare and rent inflation minus CPI",
                "percentage points", ("CUUR0000SEEB03", "CUSR0000SEHA", "CPIAUCSL"),
                tf.childcare_rent_inflation, "monthly",
                "Live FRED only: mean YoY of day-care and rent CPI minus headline CPI YoY."),
        ),
        ("youth_gap", "cc_delinquency"),
    )
    energy = Thesis(
        "energy", 4, "Energy, not GPUs, is the AI bottleneck",
        "Electricity prices outpace inflation and power output grows far slower than AI"
        " capex, with grid and energy commodities tightening.",
        (
            ind("electricity_real", "Electricity CPI minus headline CPI, YoY",
                "percentage points", ("CUSR0000SEHF01", "CPIAUCSL"), tf.real_inflation,
                "monthly", "YoY of CPI electricity minus YoY of CPI all items."),
            yoy("kwh_price_yoy", "Average price per kWh, YoY", "APU000072610"),
            ind("power_output_yoy", "Electric power output, YoY (12-month average)", "percent",
                ("IPG2211S",), tf.power_output_yoy, "monthly",
                "IPG2211S 12-month average, year-on-year."),
            ind("capex_vs_power", "AI capex growth minus power output growth",
                "percentage points", (cx, "IPG2211S"), partial(tf.capex_vs_power, tickers=tk),
                "annual", "Calendar-year growth of AI capex minus growth of mean power output."),
            yoy("copper_yoy", "Copper price, YoY", "PCOPPUSDM"),
            ind("crude_yoy", "WTI crude, YoY (monthly average)", "percent", ("DCOILWTICO",),
                tf.monthly_mean_yoy, "monthly", "Monthly mean of DCOILWTICO, 12-month change."),
        ),
        ("power_output_yoy", "electricity_real"),
    )
    liq = Thesis(
        "liquidity", 5, "Treasury-led liquidity replaces QE",
        "Over the last year the Treasury/reverse-repo side, not Fed asset purchases, adds"
        " net liquidity; liquidity is expanding and risk assets move with it.",
        (
            ind("netliq", "Net liquidity (Fed assets - TGA - RRP)", "USD bn", ("NETLIQ",),
                tf.level, "weekly", "NETLIQ = WALCL/1000 - WTREGEN/1000 - RRPONTSYD."),
            ind("netliq_13w", "Net liquidity, 13-week change", "USD bn", ("NETLIQ",),
                partial(tf.change_over_weeks, weeks=13), "weekly",
                "NETLIQ minus its value 13 weeks earlier."),
            ind("fed_assets_52w", "Fed balance sheet, 52-week change", "USD bn", ("WALCL",),
                partial(tf.change_over_weeks, weeks=52, scale=1000.0), "weekly",
                "WALCL (USD mn) / 1000, change over 52 weeks: QE > 0, QT < 0."),
            ind("treasury_rrp_52w", "Treasury + reverse-repo contribution, 52 weeks",
                "USD bn", ("NETLIQ", "WALCL"), partial(tf.treasury_rrp_change, weeks=52),
                "weekly", "Change of -(TGA + RRP) = NETLIQ - WALCL/1000 over 52 weeks."),
            yoy("m2_yoy", "M2 money stock, YoY", "M2SL"),
            ind("netliq_spx_corr", "Net liquidity vs S&P 500, rolling correlation",
                "correlation", ("NETLIQ", "SP500"), tf.liquidity_corr, "weekly",
                "104-week correlation of 4-week log changes (Wednesdays).", tf.liquidity_lead_lag),
            btc_liq,
        ),
        ("netliq", "netliq_13w"),
    )
    crypto = Thesis(
        "crypto", 6, "Crypto as the generational asset",
        "Bitcoin outgrows the money stock and matures (lower volatility, shallower"
        " drawdowns) as a distinct, liquidity-driven asset. Ownership by age is not in the"
        " data; these are the market implications.",
        (
            ind("btc_vs_m2", "Bitcoin 1-year return minus M2 growth", "percentage points",
                ("BTC", "M2SL"), tf.btc_vs_m2, "daily", "BTC YoY minus the latest M2 YoY."),
            ind("btc_drawdown", "Bitcoin drawdown from peak", "percent", ("BTC",),
                drawdown_from_peak, "daily", "100 x (BTC / running max - 1)."),
            ind("btc_vol", "Bitcoin 90-day realized volatility", "percent", ("BTC",),
                partial(tf.realized_vol, window=90, periods_per_year=365.0), "daily",
                "Std of daily log returns over 90 days x sqrt(365)."),
            ind("btc_ndx_corr", "Bitcoin vs Nasdaq-100, 90-day correlation", "correlation",
                ("BTC", "NDX"), tf.btc_ndx_corr, "daily",
                "Correlation of daily log returns on Nasdaq trading days."),
            btc_liq,
        ),
        ("btc_drawdown", "btc_vol"),
    )
    flows = Thesis(
        "flows", 7, "Markets follow flows more than fundamentals",
        "A drivers decomposition attributes more of the index's moves to mechanical flows"
        " than to fundamentals.",
        (),
    )
    return (ai, two, ineq, energy, liq, crypto, flows)


#: The default theses (AI capex without Apple).
THESES: tuple[Thesis, ...] = build_theses()




def get_thesis(thesis_id: str, theses: Sequence[Thesis] = THESES) -> Thesis:
    """The thesis with id ``thesis_id``.

    Raises
    ------
    ConfigError
        If no thesis has that id (the message lists the ids).
    """
    from flowdesk.errors import ConfigError

    for thesis in theses:
        if thesis.id == thesis_id:
            return thesis
    raise ConfigError(
        f"unknown thesis {thesis_id!r}; choose one of {', '.join(t.id for t in theses)}"
    )
