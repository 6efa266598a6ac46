"""Every verdict rule of the thesis scorecard, in one place.

A thesis is judged by a few *checks*, each a claim with its threshold. A check
combines *conditions* on single indicators (value, 1-year change or
percentile) with ``all_of`` or ``any_of`` in three-valued logic: a condition on
an indicator that is missing or stale is unknown, ``all_of`` is false as soon
as one known condition fails, ``any_of`` true as soon as one known condition
holds; otherwise an unknown makes the check unknown.

Verdicts (:func:`decide`):

- ``insufficient_data`` if a *core* indicator of the thesis is missing or
  stale (the stale-downgrade rule: a value past its usual publication lag says
  nothing about now), or if no check could be evaluated;
- ``supported`` if every evaluated check holds;
- ``not_supported`` if none holds;
- ``mixed`` otherwise.

Checks on non-core indicators that cannot be evaluated are listed as such and
do not count. Thresholds are the module constants below; they are judgement
calls, stated so they can be argued with. Indicators that appear in a thesis
but in no check are context for the reader.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from flowdesk.macro.indicators import IndicatorValue

__all__ = [
    "RULES",
    "VERDICTS",
    "Check",
    "Condition",
    "Ruling",
    "Verdict",
    "ai_capex",
    "all_of",
    "any_of",
    "crypto",
    "decide",
    "energy",
    "flows",
    "inequality",
    "liquidity",
    "two_economies",
]

Verdict = Literal["supported", "mixed", "not_supported", "insufficient_data"]
VERDICTS: tuple[Verdict, ...] = ("supported", "mixed", "not_supported", "insufficient_data")
Evidence = Mapping[str, IndicatorValue]
Ruling = tuple[Verdict, list[str]]

# Thesis 1: AI capex. 0.2 pp is about twice the 2018-2022 yearly contribution.
CAPEX_CONTRIBUTION_MIN_PP = 0.2
PAYROLLS_WEAK_PCT = 1.0  # payroll growth below this, year on year, is weak
UNRATE_RISE_PP = 0.3  # a rise of this much in a year is weakening
# Thesis 2: two economies.
PROFITS_SHARE_HIGH_PCTILE = 80.0
U6_RISE_PP = 0.3
PARTICIPATION_FALL_PP = 0.3
CONSUMER_STRESS_HIGH_Z = 0.5
# Thesis 3: inequality and affordability.
YOUTH_GAP_FALL_PP = 0.5
YOUTH_GAP_LOW_PCTILE = 10.0
SAVING_RATE_LOW_PCTILE = 10.0
DELINQUENCY_HIGH_PCT = 3.5
DELINQUENCY_RISE_PP = 0.3
HOUSING_PAYMENT_UNAFFORDABLE_PCT = 30.0  # the usual 30%-of-income rule
# Thesis 4: energy.
POWER_OUTPUT_SLOW_PCT = 2.0
CAPEX_MINUS_POWER_MIN_PP = 20.0
COMMODITY_TIGHT_PCT = 10.0
# Thesis 5: liquidity.
LIQUIDITY_CORR_MIN = 0.2
# Thesis 6: crypto.
BTC_VOL_MAX_PCTILE = 50.0
BTC_DRAWDOWN_FLOOR_PCT = -50.0
BTC_NDX_CORR_MAX = 0.5
# Thesis 7: flows over fundamentals (shares of explained variance, percent).
FLOWS_SHARE_MIN_PCT = 50.0


# ------------------------------------------------------------------ building blocks
Field = Literal["value", "change_1y", "percentile"]


@dataclass(frozen=True)
class Condition:
    """A test on one or two indicators.

    ``test`` receives the :class:`~flowdesk.macro.indicators.IndicatorValue` of
    each id; ``op`` is the comparison as text (``"< 1"``); ``field`` is what is
    compared, shown in the evidence.
    """

    ids: tuple[str, ...]
    test: Callable[..., bool]
    op: str
    field: Field = "value"


def _r(x: float) -> float:
    # Published data have few decimals: 4.5 - 4.2 must count as a 0.3 rise, not 0.29999.
    return round(x, 9)


def above(id: str, x: float) -> Condition:
    """Value strictly above ``x``."""
    return Condition((id,), lambda v: _r(v.value) > x, f"> {x:g}")


def at_least(id: str, x: float) -> Condition:
    """Value at or above ``x``."""
    return Condition((id,), lambda v: _r(v.value) >= x, f">= {x:g}")


def below(id: str, x: float) -> Condition:
    """Value strictly below ``x``."""
    return Condition((id,), lambda v: _r(v.value) < x, f"< {x:g}")


def rise(id: str, x: float) -> Condition:
    """Change over one year at or above ``x``."""
    return Condition((id,), lambda v: _r(v.change_1y) >= x, f">= {x:+g}", "change_1y")


def fall(id: str, x: float) -> Condition:
    """Change over one year at or below ``-x``."""
    return Condition((id,), lambda v: _r(v.change_1y) <= -x, f"<= {-x:+g}", "change_1y")


def pct_at_least(id: str, p: float) -> Condition:
    """Percentile vs own history at or above ``p``."""
    return Condition((id,), lambda v: _r(v.percentile) >= p, f">= {p:g}", "percentile")


def pct_at_most(id: str, p: float) -> Condition:
    """Percentile vs own history at or below ``p``."""
    return Condition((id,), lambda v: _r(v.percentile) <= p, f"<= {p:g}", "percentile")


def exceeds(a: str, b: str) -> Condition:
    """Value of ``a`` strictly above the value of ``b`` (same unit)."""
    return Condition((a, b), lambda x, y: _r(x.value) > _r(y.value), f"> {b}")


@dataclass(frozen=True)
class Check:
    """A claim with its outcome: ``holds`` is ``None`` when it could not be evaluated."""

    claim: str
    holds: bool | None
    evidence: str

    def reason(self) -> str:
        """One line for the report: claim, outcome and the numbers behind it."""
        outcome = {True: "yes", False: "no", None: "not evaluated"}[self.holds]
        return f"{self.claim}: {outcome} ({self.evidence})"


def _name(v: IndicatorValue | None, id: str) -> str:
    """What a reason calls an indicator: its title, never the internal id (``pcr_pct``)."""
    return v.indicator.title if v is not None else id.replace("_", " ")


def _shown(v: IndicatorValue, field: Field) -> str:
    date = f" ({v.obs_date:%Y-%m-%d})" if v.obs_date is not None else ""
    if field == "percentile":
        return f"{_name(v, v.id)} percentile {v.percentile:.1f}{date}"
    if field == "change_1y":
        return f"{_name(v, v.id)} 1y change {v.change_1y:+.2f} {v.indicator.change_unit}{date}"
    return f"{_name(v, v.id)} {v.value:.2f} {v.indicator.unit}{date}"


def _evaluate(v: Evidence, cond: Condition) -> tuple[bool | None, str]:
    values = [v.get(i) for i in cond.ids]
    bad = [i for i, x in zip(cond.ids, values, strict=True) if x is None or not x.usable]
    if bad:
        states = [
            "missing" if v.get(i) is None else v[i].status.replace("_", " ") for i in bad
        ]
        return None, "; ".join(
            dict.fromkeys(f"{_name(v.get(i), i)} {state}"
                          for i, state in zip(bad, states, strict=True))
        )
    holds = bool(cond.test(*values))
    shown = " ".join(_shown(x, cond.field) for x in values[:1] if x is not None)
    if len(values) > 1 and values[1] is not None:
        other = values[1]
        shown += f" {cond.op[0]} {_name(other, other.id)} {other.value:.2f} {other.indicator.unit}"
        return holds, f"{shown}: {str(holds).lower()}"
    return holds, f"{shown} {cond.op}: {str(holds).lower()}"


def _three_valued(
    claim: str, conds: Sequence[Condition], decisive: bool
) -> Callable[[Evidence], Check]:
    """A check joining ``conds`` in three-valued (Kleene) logic.

    ``decisive`` is the outcome one known condition settles alone (``False``
    for "and", ``True`` for "or"). Otherwise the check has the other outcome
    when every condition is known, and is unknown (``None``) when one is not.
    """

    def run(v: Evidence) -> Check:
        results = [_evaluate(v, c) for c in conds]
        known = [h for h, _ in results if h is not None]
        if decisive in known:
            holds: bool | None = decisive
        else:
            holds = (not decisive) if len(known) == len(results) else None
        return Check(claim, holds, "; ".join(dict.fromkeys(text for _, text in results)))

    return run


def all_of(claim: str, *conds: Condition) -> Callable[[Evidence], Check]:
    """A check that holds when every condition holds (unknown if one is unknown)."""
    return _three_valued(claim, conds, decisive=False)


def any_of(claim: str, *conds: Condition) -> Callable[[Evidence], Check]:
    """A check that holds when some condition holds (unknown if none holds and one is unknown)."""
    return _three_valued(claim, conds, decisive=True)


def decide(
    v: Evidence, core: Sequence[str], checks: Sequence[Callable[[Evidence], Check]]
) -> Ruling:
    """Verdict and reasons from ``checks``, downgraded when a ``core`` indicator is unusable.

    See the module docstring for the verdict rules.
    """
    reasons: list[str] = []
    for i in core:
        value = v.get(i)
        if value is None:
            reasons.append(f"core indicator {i} is missing")
        elif not value.usable:
            why = "; ".join(value.reasons) or value.status
            reasons.append(f"core indicator {i} is {value.status.replace('_', ' ')}: {why}")
    results = [check(v) for check in checks]
    known = [c.holds for c in results if c.holds is not None]
    if reasons or not known:
        if not reasons:
            reasons.append("no check could be evaluated")
        return "insufficient_data", reasons + [f"(context) {c.reason()}" for c in results]
    verdict: Verdict
    if all(known):
        verdict = "supported"
    elif not any(known):
        verdict = "not_supported"
    else:
        verdict = "mixed"
    return verdict, [c.reason() for c in results]


# ------------------------------------------------------------------ the rules
def ai_capex(v: Evidence) -> Ruling:
    """Thesis 1: AI capex holds GDP up while labour weakens."""
    return decide(v, ("capex_contribution", "payrolls_yoy", "unrate"), [
        all_of(f"AI capex adds at least {CAPEX_CONTRIBUTION_MIN_PP} pp a year to nominal GDP"
               " growth", at_least("capex_contribution", CAPEX_CONTRIBUTION_MIN_PP)),
        any_of(f"Labour weakens: payroll growth below {PAYROLLS_WEAK_PCT}% or unemployment up"
               f" {UNRATE_RISE_PP} pp in a year",
               below("payrolls_yoy", PAYROLLS_WEAK_PCT), rise("unrate", UNRATE_RISE_PP)),
        all_of("AI-related investment in the national accounts is not falling (live FRED)",
               rise("bea_ai_investment", 0.0)),
    ])


def two_economies(v: Evidence) -> Ruling:
    """Thesis 2: the economy splits into an AI economy and a squeezed real economy."""
    return decide(v, ("ndx_vs_spx", "u6", "participation"), [
        all_of("The AI-heavy Nasdaq-100 beats the S&P 500 over a year", above("ndx_vs_spx", 0.0)),
        all_of(f"Profits take a historically high share of GDP (percentile >="
               f" {PROFITS_SHARE_HIGH_PCTILE:g})",
               pct_at_least("profits_share", PROFITS_SHARE_HIGH_PCTILE)),
        any_of("The labour-heavy economy is squeezed (U-6 up, participation down, or consumer"
               " stress high)",
               rise("u6", U6_RISE_PP), fall("participation", PARTICIPATION_FALL_PP),
               at_least("consumer_stress", CONSUMER_STRESS_HIGH_Z)),
    ])


def inequality(v: Evidence) -> Ruling:
    """Thesis 3: inequality and affordability become a constraint."""
    return decide(v, ("youth_gap", "saving_rate", "cc_delinquency"), [
        any_of("Young adults fall behind prime-age workers (participation gap falling or"
               " historically low)",
               fall("youth_gap", YOUTH_GAP_FALL_PP),
               pct_at_most("youth_gap", YOUTH_GAP_LOW_PCTILE)),
        any_of("Household finances are strained (saving rate historically low or card"
               " delinquency high or rising)",
               pct_at_most("saving_rate", SAVING_RATE_LOW_PCTILE),
               at_least("cc_delinquency", DELINQUENCY_HIGH_PCT),
               rise("cc_delinquency", DELINQUENCY_RISE_PP)),
        all_of(f"Housing is unaffordable: payment on the median house >="
               f" {HOUSING_PAYMENT_UNAFFORDABLE_PCT:g}% of median income (live FRED)",
               at_least("housing_affordability", HOUSING_PAYMENT_UNAFFORDABLE_PCT)),
        all_of("Childcare and rent inflation outpace headline CPI (live FRED)",
               above("childcare_rent_inflation", 0.0)),
    ])


def energy(v: Evidence) -> Ruling:
    """Thesis 4: energy, not GPUs, is the AI bottleneck."""
    return decide(v, ("electricity_real", "power_output_yoy", "capex_vs_power"), [
        all_of("Electricity prices outpace headline inflation", above("electricity_real", 0.0)),
        all_of(f"Power output grows slowly (< {POWER_OUTPUT_SLOW_PCT}%) while AI capex grows"
               f" at least {CAPEX_MINUS_POWER_MIN_PP:g} pp faster",
               below("power_output_yoy", POWER_OUTPUT_SLOW_PCT),
               at_least("capex_vs_power", CAPEX_MINUS_POWER_MIN_PP)),
        any_of(f"Grid and energy commodities tighten (copper or crude up >"
               f" {COMMODITY_TIGHT_PCT:g}% in a year)",
               above("copper_yoy", COMMODITY_TIGHT_PCT), above("crude_yoy", COMMODITY_TIGHT_PCT)),
    ])


def liquidity(v: Evidence) -> Ruling:
    """Thesis 5: Treasury-led liquidity replaces QE."""
    return decide(v, ("fed_assets_52w", "treasury_rrp_52w", "netliq_13w"), [
        all_of("Over 52 weeks the Treasury/RRP side adds liquidity, and more than the Fed's"
               " balance sheet does",
               above("treasury_rrp_52w", 0.0), exceeds("treasury_rrp_52w", "fed_assets_52w")),
        all_of("Net liquidity is expanding (up over 13 weeks)", above("netliq_13w", 0.0)),
        any_of(f"Risk assets move with liquidity (rolling correlation >= {LIQUIDITY_CORR_MIN:g}"
               " with the S&P 500 or Bitcoin)",
               at_least("netliq_spx_corr", LIQUIDITY_CORR_MIN),
               at_least("netliq_btc_corr", LIQUIDITY_CORR_MIN)),
    ])


def crypto(v: Evidence) -> Ruling:
    """Thesis 6: crypto becomes the young generation's asset (its market implications)."""
    return decide(v, ("btc_vs_m2", "btc_vol", "btc_drawdown"), [
        all_of("Bitcoin outgrows the money stock over a year", above("btc_vs_m2", 0.0)),
        all_of(f"Bitcoin matures: volatility at or below its historical median and drawdown"
               f" shallower than {BTC_DRAWDOWN_FLOOR_PCT:g}%",
               pct_at_most("btc_vol", BTC_VOL_MAX_PCTILE),
               above("btc_drawdown", BTC_DRAWDOWN_FLOOR_PCT)),
        all_of(f"Bitcoin is a distinct asset, not levered tech (90-day correlation with the"
               f" Nasdaq-100 < {BTC_NDX_CORR_MAX:g})", below("btc_ndx_corr", BTC_NDX_CORR_MAX)),
        all_of(f"Bitcoin moves with net liquidity (correlation >= {LIQUIDITY_CORR_MIN:g})",
               at_least("netliq_btc_corr", LIQUIDITY_CORR_MIN)),
    ])


def flows(v: Evidence) -> Ruling:
    """Thesis 7: markets follow flows more than fundamentals (needs a drivers decomposition)."""
    if "flows_share" not in v:
        return "insufficient_data", ["drivers decomposition not available yet"]
    return decide(v, ("flows_share", "fundamentals_share"), [
        all_of("Flows explain more of index moves than fundamentals",
               exceeds("flows_share", "fundamentals_share")),
        all_of(f"Flows explain at least {FLOWS_SHARE_MIN_PCT:g}% of the explained variance",
               at_least("flows_share", FLOWS_SHARE_MIN_PCT)),
    ])


#: Thesis id -> its rule.
RULES: dict[str, Callable[[Evidence], Ruling]] = {
    "ai_capex": ai_capex,
    "two_economies": two_economies,
    "inequality": inequality,
    "energy": energy,
    "liquidity": liquidity,
    "crypto": crypto,
    "flows": flows,
}
