"""The desk summary: the answer to "who must trade, how much, at which levels" on one screen.

It sits above every section of the report and at the top of the dashboard's
Overview. Nothing is estimated here: the numbers are read from the flows, VIX
and policy results the sections were built from, so the summary and the
sections can never disagree. Each part says where it comes from:

* **who must trade**: CTA global equities, CTA S&P 500, vol-control and
  buybacks, 1w and 1m flows in the flat, up and down tapes (base AUM, with the
  low-high AUM band), USD bn, positive = buying;
* **key levels**: S&P 500 spot, the CTA trigger levels with their distance,
  the down move that forces a given amount of vol-control selling, and the
  nearest stop-cluster levels on each side;
* **regimes**: one line each for volatility, policy and buybacks;
* **freshness**: the oldest input behind any number shown, flagged when stale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from flowdesk.formatting import missing, signed, signed_pct
from flowdesk.i18n import N_
from flowdesk.report.sections.base import FreshnessRow, Section, freshness_rows, last_obs

__all__ = ["SUMMARY_MODELS", "DeskSummary", "FlowRow", "Level", "Phrase", "desk_summary",
           "summary_from_results"]

HORIZONS = ("1w", "1m")
TAPES = (N_("flat"), N_("up"), N_("down"))
#: The vol-control selling amount quoted among the key levels (USD bn); the
#: nearest amount the trigger table holds is used.
TRIGGER_AMOUNT_BN = 10.0
#: The models the summary reads.
SUMMARY_MODELS = ("flows", "vix", "fed")
#: Inputs of each summarised number, per section: only these judge freshness.
_INPUTS = {"flows": ("SP500", "NDX"), "vix": ("VIX", "VIX3M"), "fed": ("DGS3MO", "DFF")}


Gettext = Callable[[str], str]


def _identity(message: str) -> str:
    return message


@dataclass(frozen=True)
class Phrase:
    """Text as English message ids with their values: the language is chosen when shown.

    ``parts`` are ``(message, values)`` pairs joined in order; a value that is
    itself a :class:`Phrase` is translated too. Numbers are formatted before
    they go in, so a translation only moves them.
    """

    parts: tuple[tuple[str, Mapping[str, Any]], ...]

    @classmethod
    def of(cls, message: str, **values: Any) -> Phrase:
        """A one-part phrase."""
        return cls(((message, values),))

    def __add__(self, other: Phrase) -> Phrase:
        return Phrase(self.parts + other.parts)

    def __call__(self, gettext: Gettext = _identity) -> str:
        """The text in the language of ``gettext`` (default: English)."""
        out = []
        for message, values in self.parts:
            text = gettext(message)
            if values:
                text = text % {k: v(gettext) if isinstance(v, Phrase) else v
                               for k, v in values.items()}
            out.append(text)
        return "".join(out)

    def __str__(self) -> str:
        return self()


@dataclass(frozen=True)
class FlowRow:
    """One actor's projected flows, USD bn (base AUM), with the low/high AUM band.

    ``flows[(horizon, tape)]`` is ``(base, low, high)``; ``None`` where unknown.
    """

    actor: str
    flows: Mapping[tuple[str, str], tuple[float | None, float | None, float | None]]
    aum: str


@dataclass(frozen=True)
class Level:
    """A price level with its distance from spot in percent of spot."""

    label: str
    value: float | None
    distance_pct: float | None = None
    detail: Phrase = field(default_factory=lambda: Phrase(()))


@dataclass(frozen=True)
class DeskSummary:
    """What the first screen shows; see the module docstring."""

    asof: pd.Timestamp
    spot: float | None
    rows: tuple[FlowRow, ...]
    levels: tuple[Level, ...]
    regimes: tuple[tuple[str, Phrase], ...]
    oldest: FreshnessRow | None
    missing: tuple[str, ...] = field(default=())
    stale: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``report --format json`` key ``desk_summary``)."""
        def num(v: float | None, digits: int = 2) -> float | None:
            return None if v is None else round(float(v), digits)

        oldest = None if self.oldest is None else {
            "series": self.oldest.series_id,
            "last": None if self.oldest.last is None else f"{self.oldest.last:%Y-%m-%d}",
            "age_days": self.oldest.age_days, "stale": self.oldest.stale}
        return {
            "asof": f"{self.asof:%Y-%m-%d}",
            "spot": num(self.spot),
            "who_must_trade": [
                {"actor": r.actor, "aum": r.aum,
                 "flows_bn": {f"{h}_{t}": dict(zip(("base", "low", "high"),
                                                   (num(x) for x in r.flows[(h, t)]),
                                                   strict=True))
                              for h in HORIZONS for t in TAPES}}
                for r in self.rows],
            "levels": [{"label": lv.label, "value": num(lv.value),
                        "distance_pct": num(lv.distance_pct), "detail": str(lv.detail)}
                       for lv in self.levels],
            "regimes": {name: str(line) for name, line in self.regimes},
            "oldest_input": oldest,
            "stale_inputs": list(self.stale),
            "missing": list(self.missing),
        }


def _band(band: Mapping[str, Any] | None) -> tuple[float | None, float | None, float | None]:
    band = band or {}
    return (band.get("base"), band.get("low"), band.get("high"))


def _aum_text(band: Mapping[str, Any] | None, unit: str = "USD bn") -> str:
    base, low, high = _band(band)
    if base is None:
        return "n/a"
    return f"{base:,.0f} ({low:,.0f}-{high:,.0f}) {unit}" if low is not None else f"{base:,.0f}"


def _flow_rows(flows: Mapping[str, Any]) -> list[FlowRow]:
    cta, vc, bb = flows["cta"], flows["vol_control"], flows["buybacks"]

    def from_tapes(by_h: Mapping[str, Any]) -> dict[tuple[str, str], Any]:
        return {(h, t): _band((by_h.get(h) or {}).get(t)) for h in HORIZONS for t in TAPES}

    cta_flows = {h: cta.get("flows", {}).get(h, {}) for h in HORIZONS}
    rows = [
        FlowRow(N_("CTA global equities"),
                from_tapes({h: cta_flows[h].get("equities") or {} for h in HORIZONS}),
                _aum_text(cta.get("aum_bn"))),
    ]
    if "SP500" in cta_flows["1w"].get("by_asset", {}):
        rows.append(FlowRow(N_("CTA S&P 500"),
                            from_tapes({h: cta_flows[h]["by_asset"]["SP500"]
                                        for h in HORIZONS}),
                            _aum_text(cta.get("aum_bn"))))
    rows.append(FlowRow(N_("Vol-control"), from_tapes(vc.get("flows", {})),
                        _aum_text(vc.get("aum_bn"))))
    # Buyback demand follows the company calendar, not the tape: the same in all three.
    calendar = bb.get("flows_bn", {})
    rows.append(FlowRow(
        N_("Buybacks"), {(h, t): (calendar.get(h), None, None) for h in HORIZONS for t in TAPES},
        f"{bb['annual_bn']:,.0f} USD bn/yr" if bb.get("annual_bn") is not None else "n/a"))
    return rows


_HORIZON_LABELS = {"short": N_("CTA short-term trigger"),
                   "medium": N_("CTA medium-term trigger"),
                   "long": N_("CTA long-term trigger")}
_STOP_KINDS = {"round": N_("round number, step %(label)s"),
               "swing_high": N_("swing high %(label)s"), "swing_low": N_("swing low %(label)s")}


def _stop_detail(stop: Mapping[str, Any]) -> Phrase:
    """A stop level's description; the kind's words are translated, its date or step kept."""
    kind, label = str(stop.get("kind", "extra")), str(stop.get("label", ""))
    words = {"round": "round ", "swing_high": "swing high ", "swing_low": "swing low "}
    rest = label.removeprefix(words.get(kind, ""))
    if kind == "extra":
        return Phrase.of(label)
    return Phrase.of(_STOP_KINDS.get(kind, "%(label)s"), label=rest)


def _levels(flows: Mapping[str, Any]) -> list[Level]:
    spot = flows.get("spot")
    levels = [Level(N_("S&P 500"), spot, None, Phrase.of(N_("spot")))]
    sp = flows["cta"]["assets"].get("SP500", {})
    for horizon, label in _HORIZON_LABELS.items():
        value = sp.get("pivots", {}).get(horizon)
        levels.append(Level(label, value, sp.get("pivot_distance_pct", {}).get(horizon),
                            Phrase.of(N_("trend filter"))))
    sells = [t for t in flows["vol_control"].get("triggers", {}).get("sell", [])
             if t.get("down", {}).get("level") is not None]
    if sells:
        pick = min(sells, key=lambda t: abs(t["amount_bn"] - TRIGGER_AMOUNT_BN))
        down = pick["down"]
        levels.append(Level(N_("Vol-control sell trigger"), down["level"],
                            100.0 * down["return"],
                            Phrase.of(N_("a one-day fall this size forces %(amount)s USD bn of"
                                         " selling"), amount=f"{pick['amount_bn']:,.0f}")))
    stops = flows.get("stops", [])
    for side, word in (("below", N_("Nearest stop cluster below")),
                       ("above", N_("Nearest stop cluster above"))):
        near = [s for s in stops if s.get("side") == side]
        if near:
            best = min(near, key=lambda s: abs(s.get("distance_pct") or 0.0))
            sign = -1.0 if side == "below" else 1.0
            levels.append(Level(word, best["level"], sign * abs(best["distance_pct"]),
                                _stop_detail(best)))
    return levels


def _fixed(value: float | None, digits: int) -> str:
    """``value`` with ``digits`` decimals; ``n/a`` when missing (early dates lack VIX3M)."""
    return "n/a" if missing(value) else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if missing(value) else f"{100.0 * value:.0f}%"


_REGIME_NAMES = {"calm_contango": N_("calm contango"),
                 "elevated_contango": N_("elevated contango"),
                 "hedging_inversion": N_("hedging inversion"),
                 "stress_inversion": N_("stress inversion"),
                 "panic_inversion": N_("panic inversion")}


def _vol_line(vix: Mapping[str, Any]) -> Phrase:
    regime = str(vix.get("regime", ""))
    line = Phrase.of(N_("%(regime)s: VIX %(vix)s vs VIX3M %(vix3m)s (ratio %(ratio)s)"),
                     regime=Phrase.of(_REGIME_NAMES.get(regime, regime.replace("_", " "))),
                     vix=_fixed(vix.get("vix"), 1), vix3m=_fixed(vix.get("vix3m"), 1),
                     ratio=_fixed(vix.get("ratio_vix_vix3m"), 2))
    after = vix.get("forward_returns", {}).get(regime, {}).get("21")
    if after:
        line += Phrase.of(
            N_("; S&P 500 over the next month after such days %(mean)s [%(low)s, %(high)s]"
               " (%(n)s episodes)"),
            mean=signed_pct(after["mean"]), low=signed(after["ci_low"]),
            high=signed(after["ci_high"]), n=after["episodes"])
    return line


#: Labels of the policy result's sources, for translation.
_POLICY_LABELS = (N_("curve-implied proxy"), N_("fed funds futures (CME FedWatch method)"))


def _policy_line(fed: Mapping[str, Any]) -> Phrase:
    meetings = fed.get("meetings") or []
    if not meetings:
        return Phrase.of(N_("no scheduled meeting within the curve"))
    m = meetings[0]
    label = str(fed.get("label") or fed.get("source", ""))
    return Phrase.of(N_("next FOMC %(date)s: cut %(cut)s / hold %(hold)s / hike %(hike)s"
                        " (%(label)s)"), date=m["date"], cut=_pct(m.get("p_cut")),
                     hold=_pct(m.get("p_hold")), hike=_pct(m.get("p_hike")),
                     label=Phrase.of(label))


def _buyback_line(bb: Mapping[str, Any]) -> Phrase:
    band = bb.get("blackout_share_band") or {}
    line = Phrase.of(N_("%(share)s of S&P 500 members in blackout"),
                     share=_pct(bb.get("blackout_share")))
    if band.get("low") is not None:
        line += Phrase.of(N_(" (band %(low)s-%(high)s)"), low=_pct(band["low"]),
                          high=_pct(band["high"]))
    if bb.get("reopen"):
        line += Phrase.of(N_("; the window reopens %(date)s"), date=bb["reopen"])
    elif bb.get("next_close"):
        line += Phrase.of(N_("; the window closes %(date)s"), date=bb["next_close"])
    return line


def desk_summary(sections: Sequence[Section], asof: pd.Timestamp) -> DeskSummary:
    """The desk summary of a built page.

    Parameters
    ----------
    sections
        The page's sections; the ``flows``, ``vix`` and ``fed`` ones are read
        (through :attr:`Section.result`). A missing or unavailable one leaves its
        part out and is named in :attr:`DeskSummary.missing`.
    asof
        The page's as-of date (freshness is judged at it).

    Returns
    -------
    DeskSummary
    """
    return summary_from_results(
        {s.id: s.result for s in sections if s.ok and s.result is not None}, asof)


def summary_from_results(results: Mapping[str, Any], asof: pd.Timestamp) -> DeskSummary:
    """The desk summary from model results by name (``flows``, ``vix``, ``fed``).

    The dashboard's Overview uses this with the results it shares with the API.
    """
    dicts = {name: results[name].to_dict() for name in SUMMARY_MODELS if name in results}
    flows = dicts.get("flows")
    rows = tuple(_flow_rows(flows)) if flows else ()
    levels = tuple(_levels(flows)) if flows else ()
    regimes: list[tuple[str, Phrase]] = []
    if "vix" in dicts:
        regimes.append((N_("Volatility"), _vol_line(dicts["vix"])))
    if "fed" in dicts:
        regimes.append((N_("Policy"), _policy_line(dicts["fed"])))
    if flows:
        regimes.append((N_("Buybacks"), _buyback_line(flows["buybacks"])))
    used: dict[str, pd.Timestamp | None] = {}
    for name, ids in _INPUTS.items():
        if name in results:
            known = last_obs(results[name])
            used |= {i: known[i] for i in ids if i in known}
    rows_fresh = freshness_rows(used, asof)
    oldest = min(rows_fresh, key=lambda r: (r.last is not None, r.last or asof), default=None)
    return DeskSummary(
        asof=asof, spot=flows.get("spot") if flows else None, rows=rows, levels=levels,
        regimes=tuple(regimes), oldest=oldest,
        stale=tuple(r.series_id for r in rows_fresh if r.stale),
        missing=tuple(n for n in SUMMARY_MODELS if n not in dicts))
