"""The flows desk: who must buy or sell, how much, and at what levels, on one date.

The package's orchestrator and its only module that reads data:
:meth:`FlowsDesk.estimate` loads the series published by ``asof`` through
:mod:`flowdesk.data`, fits the models beside it (:mod:`~flowdesk.flows.volcontrol`,
:mod:`~flowdesk.flows.cta`, :mod:`~flowdesk.flows.buybacks`,
:mod:`~flowdesk.flows.stops`) and projects their flows with
:func:`~flowdesk.flows.scenarios.project`. No model arithmetic lives here, and no
pictures: the desk's charts are in :mod:`flowdesk.report.figures_flows`.

Conventions (printed by ``summary()`` and returned by ``to_dict()``: :data:`CONVENTIONS`)
-----------------------------------------------------------------------------------
Positions are fractions of AUM; dollars are USD bn as ``{low, base, high}`` AUM
cases. Tapes (:class:`~flowdesk.flows.scenarios.TapeSpec`, from settings) drift every
asset by ``+/-k`` sigmas of the horizon with bootstrapped daily dispersion around it,
sigma being the std of the last :data:`SIGMA_WINDOW` simple returns (price
differences over ``|price|`` when the window holds a non-positive price); the Monte
Carlo resamples blocks of the last :data:`MC_SESSIONS` sessions. CTA flows are the
book's trades (:func:`flowdesk.flows.cta.flows_along`), vol-control flows the change
in exposure x AUM. The CTA book is sized as a share of a many-market trend book
(:mod:`flowdesk.flows.cta_weights`); ``cta.equities`` is its global-equities
aggregate (carried equity indices scaled to the whole equity class). A *stale* CTA
asset (no price on the last session) keeps its last position, flagged, with zero
flows; an asset with no position at all gets a note. Point in time: only data
published by ``asof``; every seed is fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from flowdesk.dates import DateLike
from flowdesk.errors import ConfigError, DataError
from flowdesk.flows.common import AumBand, expanding_percentile
from flowdesk.results import Result, notes_lines, price_text

if TYPE_CHECKING:
    from flowdesk.config import Settings
    from flowdesk.flows.buyback_events import EventStudyResult
    from flowdesk.flows.buybacks import BuybackResult, Buybacks
    from flowdesk.flows.company_buybacks import CompanyBuybackResult, CompanyBuybacks
    from flowdesk.flows.cta import CTA, CTAResult
    from flowdesk.flows.earnings_calendar import ProjectionBacktest
    from flowdesk.flows.scenarios import ScenarioFlows, TapeSpec
    from flowdesk.flows.volcontrol import VolControl, VolControlResult

__all__ = ["CONVENTIONS", "MC_SESSIONS", "SIGMA_WINDOW", "FlowsDesk", "FlowsDeskResult",
           "buyback_calendar", "buyback_event_study", "earnings_projection_backtest"]

#: Daily returns behind each asset's tape sigma.
SIGMA_WINDOW = 63
#: Sessions of history the Monte Carlo resamples (ten years, or all there is).
MC_SESSIONS = 2520
_PAST_DAYS = 400  # buyback calendar kept behind the as-of date (the strip shows 3 months)
_AHEAD_DAYS = 100  # and ahead of it: covers the 1m flows and a 2-month strip
_TAPES = ("flat", "up", "down")
_HORIZONS = ("1w", "1m")
_CASES = ("low", "base", "high")
_PIVOTS = ("short", "medium", "long")

CONVENTIONS: dict[str, str] = {
    "units": "positions: fraction of AUM; flows and positions in dollars: USD bn; "
    "percentiles: 0-100, point in time vs the series' own history",
    "bands": "{low, base, high} = the low/base/high AUM cases, not sorted numbers: a "
    "negative flow has its smallest magnitude in 'low'",
    "tapes": "over h sessions (1w = 5, 1m = 21) each asset drifts 0 (flat) or +/- k sigma "
    "sqrt(h) (up/down) in log price plus block-bootstrapped standardised daily shocks; vol "
    "rises in the down tape and eases in the up tape; sigma = std of the last 63 daily "
    "returns; a tape's flow is the mean over its paths (definition: params.tape)",
    "monte_carlo": "moving-block bootstrap (block 5 sessions) of the last 2520 sessions of "
    "daily returns, fixed seed; quantiles q05-q95 of the total flow",
    "vol_control": "flow = change in aggregate exposure x AUM (AUM fixed)",
    "cta": "flow = trades (change in units held x price) summed over the horizon; pivots = "
    "next-session close where each horizon's trend filter flips (trigger levels); "
    "crossover_pivots / tsmom_pivots = where each window's EWMAC / TSMOM signal flips; "
    "equities = global equities: carried equity indices scaled to the equity class of a "
    "many-market book; total = all carried assets",
    "buybacks": "blackout_share = share of S&P 500 members in blackout (0-1), from each "
    "company's SEC 8-K Item 2.02 release dates (closed from 30 sessions before a release to "
    "2 after; band 25/35 sessions); a date not yet announced (10 sessions ahead) is "
    "projected from the company's own history and counted in projected_share; share_1w/"
    "share_2w = expected share 5/10 sessions ahead; reopen = first session below 50%; "
    "demand in USD bn per session; 1w/1m = sum over the next 5/21 sessions",
    "stops": "round numbers, recent swing highs/lows and CTA S&P 500 pivots within 5% of "
    "spot (index points; distance in percent)",
}


@dataclass(frozen=True, eq=False)
class FlowsDeskResult(Result):
    """One date's positioning and projected flows (conventions: :data:`CONVENTIONS`).

    Attributes
    ----------
    asof, session, spot
        Requested date; last S&P 500 session on or before it and its close (points).
    vol_control, cta, buybacks
        The fitted model results; ``vc_snapshot``/``cta_snapshot``/``buyback_snapshot``
        are their JSON-ready ``at``/``latest`` snapshots on ``session``.
    vc_flows, cta_flows
        Projections (``cta_flows.assets``: the assets with a position on ``session``).
    buyback_flows
        ``{"1w", "1m"}``: buyback demand over the next 5/21 sessions, USD bn.
    stops
        Candidate stop levels near spot (:func:`flowdesk.flows.stops.candidate_levels`).
    equity_scale
        Global-equities aggregate / carried equity positions (book weights).
    stale
        Stale CTA assets and the date of the position they hold.
    history
        Per session: ``vc_exposure``, ``vc_percentile``, ``cta_sp500_position``,
        ``cta_sp500_pct_of_max``, ``cta_sp500_percentile``, ``cta_net_equity``,
        ``cta_net_equity_percentile`` (fractions of AUM, percent of max, 0-100).
    daily_sigma
        Tape sigma per CTA asset (fraction).
    last_obs
        Series id -> date of its last observation published by ``asof`` (``None``:
        nothing published yet); the freshness of every input.
    universe, asset
        CTA universe; the asset the per-asset output is filtered to (``None``: all).
    notes, params
        Missing inputs and caveats; desk options.
    """

    asof: pd.Timestamp
    session: pd.Timestamp
    spot: float
    vol_control: VolControlResult
    cta: CTAResult
    buybacks: BuybackResult
    vc_flows: ScenarioFlows
    cta_flows: ScenarioFlows
    vc_snapshot: dict[str, Any]
    cta_snapshot: dict[str, Any]
    buyback_snapshot: dict[str, Any]
    buyback_flows: dict[str, float]
    stops: pd.DataFrame
    history: pd.DataFrame
    daily_sigma: pd.Series
    last_obs: dict[str, pd.Timestamp | None]
    universe: tuple[str, ...]
    equity_scale: float = float("nan")
    stale: dict[str, pd.Timestamp] = field(default_factory=dict)
    asset: str | None = None
    notes: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def shown_assets(self) -> list[str]:
        """CTA assets in the per-asset output (``asset`` or the whole universe)."""
        return [self.asset] if self.asset else list(self.universe)

    def _asset_entry(self, asset: str) -> dict[str, Any]:
        entry = self.cta_snapshot["assets"].get(asset)
        if entry is not None:
            return entry
        windows = dict.fromkeys(("short", "medium", "6m", "long"))
        reason = f"no observations published by {self.asof:%Y-%m-%d}"
        return {"price": None, "position": None, "position_pct": None, "percentile": None,
                "position_bn": dict.fromkeys(_CASES), "pivots": dict.fromkeys(_PIVOTS),
                "pivot_distance_pct": dict.fromkeys(_PIVOTS),
                "pivot_distance_sigma": dict.fromkeys(_PIVOTS),
                "crossover_pivots": windows, "tsmom_pivots": dict(windows), "stale": False,
                "last_obs": None, "reason": reason}

    @property
    def equity_assets(self) -> list[str]:
        """Carried equity indices behind the ``equities`` aggregate."""
        return [a for a in self.cta.model.equity_assets if a in self.cta.assets]

    def _cta_flows_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = self.cta_flows.to_dict()
        missing = {tape: dict.fromkeys(_CASES) for tape in _TAPES}
        held = {tape: dict.fromkeys(_CASES, 0.0) for tape in _TAPES}  # stale: no trades
        for entry in out.values():
            by_asset = entry["by_asset"]
            full = {a: by_asset.get(a, held if a in self.stale else missing)
                    for a in self.universe}
            entry["equities"] = {
                tape: {c: _scaled_sum([full[a][tape][c] for a in self.equity_assets],
                                      self.equity_scale) for c in _CASES}
                for tape in _TAPES
            }
            entry["by_asset"] = {a: full[a] for a in self.shown_assets}
        return out

    def _equities(self) -> dict[str, Any]:
        held = self.cta.held_position()
        position = _scaled_sum([held[a] for a in self.equity_assets], self.equity_scale)
        pct = self.history["cta_net_equity_percentile"].iloc[-1]
        return {
            "position": position,
            "position_bn": self.cta.aum.dollars(position).to_dict(),
            "percentile": None if pd.isna(pct) else float(pct),
            "carried": list(self.equity_assets),
            "scale": self.equity_scale,
            "scope": "global equities: the carried equity indices scaled to the whole equity "
                     "class of a many-market trend book (markets not carried proxied by "
                     "them, per unit of risk weight)",
        }

    def _payload(self, **options: Any) -> dict[str, Any]:
        """The desk output behind :meth:`~flowdesk.results.Result.to_dict`.

        Returns
        -------
        dict
            ``{"model", "asof", "session", "spot", "last_obs", "vol_control": {"exposure",
            "percentile", "exposure_bn", "by_cohort", "vol", "flow_1d", "aum_bn", "triggers",
            "daily_sigma", "flows"}, "cta": {"assets": {id: {"position", "position_pct",
            "percentile", "pivots": {"short", "medium", "6m", "long"}, "tsmom_pivots",
            "reason", ...}}, "net_equity_exposure", "net_equity_bn", "net_equity_percentile",
            "gross_exposure", "ex_ante_vol", "aum_bn", "daily_sigma", "flows"}, "buybacks":
            {"blackout_share", "daily_demand_bn", "window", "next_change", "flows_bn", ...},
            "stops", "notes", "conventions", "params"}``; ``flows`` = ``{"1w"|"1m":
            {"flat"|"up"|"down": {"low", "base", "high"}, "by_asset", "monte_carlo"}}``.
        """
        vc, cta = self.vc_snapshot, self.cta_snapshot
        vol_control = {k: vc[k] for k in ("exposure", "percentile", "by_cohort", "vol",
                                          "flow_1d", "aum_bn", "triggers")}
        held = float(self.vol_control.exposure["aggregate"].iloc[-1])
        vol_control["exposure_bn"] = self.vol_control.aum.dollars(held).to_dict()
        vol_control["daily_sigma"] = float(self.daily_sigma["SP500"])
        vol_control["flows"] = self.vc_flows.to_dict()
        cta_out = {key: cta[key] for key in ("net_equity_exposure", "net_equity_bn",
                                             "gross_exposure", "ex_ante_vol", "aum_bn")}
        cta_out["net_equity_percentile"] = self.history["cta_net_equity_percentile"].iloc[-1]
        cta_out["equities"] = self._equities()
        cta_out["trigger_filters"] = cta["trigger_filters"]
        cta_out["book"] = (self.cta.model.book.to_dict(self.cta.assets)
                           if self.cta.model.book is not None else None)
        cta_out["stale"] = dict(self.stale)
        cta_out["assets"] = {a: self._asset_entry(a) for a in self.shown_assets}
        cta_out["daily_sigma"] = {a: self.daily_sigma.get(a, np.nan) for a in self.shown_assets}
        cta_out["flows"] = self._cta_flows_dict()
        buybacks = {**self.buyback_snapshot, "flows_bn": dict(self.buyback_flows)}
        return {
            "model": "FlowsDesk", "asof": self.asof, "session": self.session,
            "spot": round(self.spot, 2), "last_obs": dict(self.last_obs),
            "vol_control": vol_control, "cta": cta_out, "buybacks": buybacks,
            "stops": self.stops.round(4).to_dict("records"), "notes": list(self.notes),
            "conventions": dict(CONVENTIONS), "params": dict(self.params),
        }

    def to_frame(self) -> pd.DataFrame:
        """The desk table: one row per actor and CTA asset, flows in USD bn by AUM case.

        Rows: ``Vol-control``, ``CTA equities`` (global-equities aggregate), ``CTA <id>``
        per asset (the S&P 500 first), ``CTA (all assets)``, ``Buybacks``. Columns:
        ``measure``, ``value``, ``unit``, ``position_bn`` (base), ``percentile``,
        ``price``, ``position_pct``, ``pivot_{short|medium|long}`` (trigger levels, price units) and
        ``dist_{short|medium|long}`` (percent of price), ``sigma_{short|medium|long}``
        (the same distance in daily standard deviations), ``stale``, then
        ``{1w|1m}_{flat|up|down}_{low|base|high}`` and ``{1w|1m}_mc_{q05|q95}`` (base).
        """
        d = self.to_dict()
        vc, cta, bb = d["vol_control"], d["cta"], d["buybacks"]
        calendar = {h: {t: {"base": bb["flows_bn"][h]} for t in _TAPES} for h in _HORIZONS}
        eq = cta["equities"]
        specs: list[tuple[str, str, Any, Any, Any, dict[str, Any], dict[str, Any]]] = [
            ("Vol-control", "aggregate exposure", vc["exposure"], vc["exposure_bn"]["base"],
             vc["percentile"], {}, vc["flows"]),
            ("CTA equities", "global equities position", eq["position"],
             eq["position_bn"]["base"], eq["percentile"], {},
             {h: cta["flows"][h]["equities"] for h in _HORIZONS})]
        order = sorted(cta["assets"], key=lambda a: a != "SP500")
        specs += [(f"CTA {a}", "position", cta["assets"][a]["position"],
                   cta["assets"][a]["position_bn"]["base"], cta["assets"][a]["percentile"],
                   cta["assets"][a], {h: cta["flows"][h]["by_asset"][a] for h in _HORIZONS})
                  for a in order]
        specs.append(("CTA (all assets)", "net equity exposure", cta["net_equity_exposure"],
                      cta["net_equity_bn"]["base"], cta["net_equity_percentile"], {},
                      cta["flows"]))
        specs.append(("Buybacks", "blackout share", bb["blackout_share"], None, None, {},
                      calendar))
        rows = {}
        for actor, measure, value, dollars, pct, entry, flows in specs:
            unit = "share of companies (0-1)" if actor == "Buybacks" else "fraction of AUM"
            row = {"measure": measure, "value": value, "unit": unit, "position_bn": dollars,
                   "percentile": pct, "price": entry.get("price"),
                   "position_pct": entry.get("position_pct")}
            row |= {f"pivot_{p}": entry.get("pivots", {}).get(p) for p in _PIVOTS}
            row |= {f"dist_{p}": entry.get("pivot_distance_pct", {}).get(p) for p in _PIVOTS}
            row |= {f"sigma_{p}": entry.get("pivot_distance_sigma", {}).get(p) for p in _PIVOTS}
            row["stale"] = float(bool(entry.get("stale")))
            for h in _HORIZONS:
                row |= {f"{h}_{t}_{c}": flows[h][t].get(c) for t in _TAPES for c in _CASES}
                mc = flows[h].get("monte_carlo", {})
                row |= {f"{h}_mc_{q}": mc.get(q, {}).get("base") for q in ("q05", "q95")}
            rows[actor] = row
        frame = pd.DataFrame.from_dict(rows, orient="index").rename_axis("actor")
        numeric = [c for c in frame.columns if c not in ("measure", "unit")]
        frame[numeric] = frame[numeric].astype(float)
        return frame

    def _buyback_strip_lines(self) -> list[str]:
        """The buyback calendar strip of the text summary: weekly shares around today."""
        ext = self.buybacks.extended["blackout_share"]
        weeks = [self.session + pd.Timedelta(weeks=w) for w in range(-6, 9)]
        cells = []
        for when in weeks:
            past = ext.loc[:when]
            if past.empty:
                continue
            mark = "[" if when == self.session else ""
            cells.append(f"{mark}{when:%m-%d} {past.iloc[-1]:.0%}{']' if mark else ''}")
        bb = self.buyback_snapshot
        band = bb.get("blackout_share_band")
        lines = ["Buyback blackout by week (share of members; [today]): " + " | ".join(cells)]
        if band:
            def pct(v: float | None) -> str:
                return "n/a" if v is None else f"{v:.0%}"

            lines.append(
                f"Blackout now {pct(band['base'])} (lead band {pct(band['low'])} to "
                f"{pct(band['high'])}); in 1 week {pct(bb.get('share_1w'))}, in 2 weeks "
                f"{pct(bb.get('share_2w'))}; reopens {bb.get('reopen') or 'n/a'}; season peak "
                f"{pct(bb.get('season_peak_share'))} on {bb.get('season_peak') or 'n/a'}; "
                f"{pct(bb.get('projected_share'))} of members closed around projected dates.")
        return lines

    def summary(self) -> str:
        """Desk-style text: who must trade, the per-asset CTA table, units and conventions."""
        d = self.to_dict()
        frame = self.to_frame()

        def num(value: Any, fmt: str) -> str:
            return "n/a" if value is None or pd.isna(value) else format(value, fmt)

        def cell(row: pd.Series, h: str, tape: str) -> str:
            base, lo, hi = (row[f"{h}_{tape}_{c}"] for c in ("base", "low", "high"))
            band = "" if pd.isna(lo) else f" [{lo:+,.1f}, {hi:+,.1f}]"
            return "n/a" if pd.isna(base) else f"{base:+,.1f}{band}"

        def level(row: pd.Series, p: str) -> str:
            lv, dist, sigma = row[f"pivot_{p}"], row[f"dist_{p}"], row[f"sigma_{p}"]
            if pd.isna(lv):
                return "n/a"
            return f"{price_text(lv)} ({dist:+.1f}%" + (
                ")" if pd.isna(sigma) else f", {sigma:+.1f}σ)")

        actors = ["Vol-control", "CTA equities", "CTA SP500", "CTA (all assets)", "Buybacks"]
        who = frame.loc[[a for a in actors if a in frame.index]]
        who_table = pd.DataFrame({
            "measure": who["measure"],
            "value": [num(v, "+.3f") for v in who["value"]],
            "USD bn": [num(v, "+,.1f") for v in who["position_bn"]],
            "pctile": [num(v, ".0f") for v in who["percentile"]],
            **{f"{h} {t}": [cell(r, h, t) for _, r in who.iterrows()]
               for h in _HORIZONS for t in _TAPES},
        }, index=who.index)
        assets = frame.loc[[i for i in frame.index
                            if i == "CTA equities" or (i.startswith("CTA ") and i not in
                                                        ("CTA (all assets)",))]]
        asset_table = pd.DataFrame({
            "price": [price_text(v) for v in assets["price"]],
            "USD bn": [num(v, "+,.1f") for v in assets["position_bn"]],
            "% max": [num(v, "+.0f") for v in assets["position_pct"]],
            "pctile": [num(v, ".0f") for v in assets["percentile"]],
            **{p: [level(r, p) for _, r in assets.iterrows()] for p in _PIVOTS},
            **{f"{h} {t}": [num(r[f"{h}_{t}_base"], "+,.1f") for _, r in assets.iterrows()]
               for h in _HORIZONS for t in _TAPES},
        }, index=[i.removeprefix("CTA ") + (" (stale)" if r["stale"] else "")
                  for i, r in assets.iterrows()])
        vc, bb = d["vol_control"], d["buybacks"]
        filters = ", ".join(f"{k} {v}" for k, v in d["cta"]["trigger_filters"].items())
        lines = [
            f"Flows desk as of {self.asof:%Y-%m-%d} (S&P 500 {self.spot:,.2f} on "
            f"{self.session:%Y-%m-%d})",
            f"Vol-control exposure {num(vc['exposure'], '.3f')} of AUM (percentile "
            f"{num(vc['percentile'], '.0f')}); CTA global equities "
            f"{num(d['cta']['equities']['position_bn']['base'], '+,.0f')} USD bn; buybacks: "
            f"{num(bb['blackout_share'], '.0%')} of companies in blackout, demand "
            f"{num(bb['daily_demand_bn'], '.2f')} USD bn/session, next window change "
            f"{bb['next_change']}.",
            *self._buyback_strip_lines(),
            "Flows in USD bn, base [low AUM, high AUM]; positive = buying.",
            "",
            "Who must trade",
            who_table.to_string(),
            "",
            f"CTA by asset (trigger levels: price vs trend filter, {filters}; distance in % "
            "of price and in daily sigma of price changes; flows base case, USD bn)",
            asset_table.to_string(),
            "",
            f"Tapes: {self.cta_flows.tape.describe()}.",
            *(f"{k}: {v}" for k, v in CONVENTIONS.items()),
        ]
        lines += notes_lines(self.notes)
        return "\n".join(lines)


class FlowsDesk:
    """Run the flow models on one date and project their flows.

    Parameters
    ----------
    n_paths
        Monte Carlo paths per book.
    tape
        Tape definition; default from settings (``tape_*``).
    seed
        Monte Carlo seed (fixed, so estimates are reproducible).
    vol_control, cta, buybacks
        Model instances with their options; default: the models' defaults with
        the AUM and buyback figures of ``settings``.
    """

    def __init__(
        self, *, n_paths: int = 2000, tape: TapeSpec | None = None, seed: int = 0,
        vol_control: VolControl | None = None, cta: CTA | None = None,
        buybacks: Buybacks | CompanyBuybacks | None = None,
    ) -> None:
        if isinstance(n_paths, bool) or not isinstance(n_paths, int) or n_paths < 1:
            raise ConfigError(f"n_paths must be a positive integer, got {n_paths!r}")
        self.n_paths = n_paths
        self.tape = tape
        self.seed = int(seed)
        self.vol_control = vol_control
        self.cta = cta
        self.buybacks = buybacks

    def __repr__(self) -> str:
        return f"FlowsDesk(n_paths={self.n_paths}, tape={self.tape!r}, seed={self.seed})"

    def _fit_buybacks(self, sessions: pd.DatetimeIndex, session: pd.Timestamp, cfg: Settings,
                      settings: Settings | None) -> tuple[BuybackResult, str]:
        """The buyback model on ``sessions``, from company report dates where they exist.

        Returns the result and the note that says where its dates came from.
        """
        from flowdesk.flows.buybacks import Buybacks
        from flowdesk.flows.company_buybacks import REAL_FROM, CompanyBuybacks

        model = self.buybacks or _company_model(cfg)
        amount = f"{cfg.buyback_annual_bn:,.1f} USD bn a year (settings) for every year"
        if isinstance(model, Buybacks):
            return model.fit(sessions), (f"Buybacks: {amount}, from the synthetic report-date "
                                         "calendar (a model, not company filings).")
        synthetic = model.fallback
        if session < REAL_FROM:
            return synthetic.fit(sessions), (
                f"Buybacks: {amount}; {session:%Y-%m-%d} is before 2004, when 8-K Item 2.02 "
                "release dates begin, so the synthetic report-date calendar is used.")
        from flowdesk.data.earnings import earnings_dates

        try:
            table = earnings_dates(settings=settings)
        except DataError as exc:
            return synthetic.fit(sessions), (
                f"Buybacks: company report dates unavailable ({exc}); the synthetic "
                "report-date calendar is used instead.")
        assert isinstance(model, CompanyBuybacks)
        result = model.fit(sessions, table, asof=session)
        last = result.last_known
        projected = result.latest(session).get("projected_share")
        return result, (
            f"Buybacks: {amount}; windows from the SEC 8-K Item 2.02 release dates of "
            f"{len(result.tickers)} current S&P 500 members ({table.attrs.get('source', 'data')}"
            f", latest release {last:%Y-%m-%d}); "
            + (f"{projected:.0%} of members are closed around a projected date."
               if projected is not None else "later dates are projected."))

    def estimate(
        self, asof: DateLike | None = None, *, asset: str | None = None,
        settings: Settings | None = None,
    ) -> FlowsDeskResult:
        """Positioning and projected flows on ``asof`` (default: the last S&P 500 close).

        Parameters
        ----------
        asof
            As-of date; only data published by then are used.
        asset
            Restrict the CTA per-asset output to this id (totals stay all assets).
        settings
            Settings for the data layer and the AUM/buyback defaults.

        Raises
        ------
        ConfigError
            Unknown ``asset`` (the message lists the valid ids), malformed date.
        DataError
            ``asof`` outside the S&P 500 data, or too little history for a model (the
            CTA needs 253 sessions: the embedded data support dates from 1986-01).
        """
        from flowdesk.calendars import nyse_sessions
        from flowdesk.config import get_settings
        from flowdesk.data import load
        from flowdesk.data.asof import resolve_asof
        from flowdesk.flows.cta import CTA, CTA_UNIVERSE, align_to_sessions
        from flowdesk.flows.cta_triggers import trigger_filters
        from flowdesk.flows.cta_weights import DEFAULT_BOOK
        from flowdesk.flows.scenarios import TapeSpec, project
        from flowdesk.flows.stops import candidate_levels
        from flowdesk.flows.volcontrol import VolControl

        universe = tuple(CTA_UNIVERSE)
        chosen = _check_asset(asset, universe)
        cfg = settings if settings is not None else get_settings()
        when = resolve_asof(asof, settings=settings)
        sp = load("SP500", asof=when, settings=settings)
        session = sp.index[-1]
        obs: dict[str, pd.Timestamp | None] = {}
        notes: list[str] = []
        raw: dict[str, pd.Series] = {}
        for sid in universe:
            try:
                raw[sid] = sp if sid == "SP500" else load(sid, asof=when, settings=settings)
                obs[sid] = raw[sid].index[-1]
            except DataError:
                obs[sid] = None
                notes.append(f"CTA {sid}: no observations published by {when:%Y-%m-%d}; "
                             "left out of the book.")
        panel = align_to_sessions(raw, sp.index)

        vc = (self.vol_control or VolControl(aum=_aum(cfg, "volcontrol"),
                                             demean=cfg.volcontrol_demean)).fit(sp)
        cta_model = self.cta or CTA(
            aum=_aum(cfg, "cta"), book=DEFAULT_BOOK.with_scale(cfg.cta_uncarried_weight_scale),
            triggers=trigger_filters(cfg.cta_trigger_filter, cfg.cta_trigger_windows))
        cta = cta_model.fit(panel)
        tape = self.tape or TapeSpec(k=cfg.tape_k, shocks=cfg.tape_shocks,  # type: ignore[arg-type]
                                     vol_up=cfg.tape_vol_up, vol_down=cfg.tape_vol_down)
        day = pd.Timedelta(days=1)
        ahead = nyse_sessions(session + day, session + _AHEAD_DAYS * day)
        past = sp.index[sp.index >= session - _PAST_DAYS * day]
        bb, bb_note = self._fit_buybacks(pd.DatetimeIndex(past.append(ahead)), session, cfg,
                                         settings)
        demand = bb.daily.loc[bb.daily.index > session, "daily_demand_bn"]

        sigma = _daily_sigma(panel)
        returns = (panel / panel.shift(1) - 1.0).iloc[-MC_SESSIONS:]
        spot = float(sp.iloc[-1])

        def book(along: Callable[[np.ndarray], np.ndarray], now: np.ndarray, assets: list[str],
                 aum: AumBand) -> ScenarioFlows:
            return project(along, now, tuple(assets), panel.iloc[-1][assets].to_numpy(),
                           sigma[assets].to_numpy(), returns[assets].to_numpy(), aum,
                           tape=tape, n_paths=self.n_paths, seed=self.seed)

        vc_flows = book(vc.positions_along, vc.exposure["aggregate"].iloc[-1:].to_numpy(),
                        ["SP500"], vc.aum)
        last_pos = cta.position.iloc[-1]
        live = [a for a in cta.assets if np.isfinite(last_pos[a]) and np.isfinite(sigma[a])]
        cta_flows = book(_trades_along(cta, live), last_pos[live].to_numpy(), live, cta.aum)

        notes += [f"{who}: {n}" for who, fl in (("Vol-control", vc_flows), ("CTA", cta_flows))
                  for n in fl.notes]
        cta_snap = cta.latest()
        stale = {str(a): d for a, d in cta.stale_assets().items()}
        for sid, entry in cta_snap["assets"].items():
            if sid in stale:
                notes.append(f"CTA {sid}: stale, no price on {session:%Y-%m-%d}; it keeps its "
                             f"position of {stale[sid]:%Y-%m-%d} with no trades projected.")
            elif entry["reason"]:
                reason = entry["reason"]
                if obs.get(sid) and reason.startswith("no price on"):
                    # The book carries a price forward a few sessions; name the real
                    # observation date rather than the last carried-forward one.
                    reason = (f"no price on {when:%Y-%m-%d}: the last observation "
                              f"({obs[sid]:%Y-%m-%d}) is older than the book carries prices "
                              "forward")
                elif obs.get(sid):
                    reason += f"; series last observed {obs[sid]:%Y-%m-%d}"
                notes.append(f"CTA {sid}: {reason}; position and flows are NaN.")
        sp_entry = cta_snap["assets"]["SP500"]
        extra = {f"CTA {kind} {h}": v
                 for kind, key in (("trigger", "pivots"), ("TSMOM pivot", "tsmom_pivots"))
                 for h, v in sp_entry[key].items() if v is not None}
        stops = candidate_levels(sp, session, extra_levels=extra)
        minp = cta_model.percentile_min_periods
        history = pd.DataFrame({
            "vc_exposure": vc.exposure["aggregate"], "vc_percentile": vc.percentile,
            "cta_sp500_position": cta.position["SP500"],
            "cta_sp500_pct_of_max": cta.position_pct["SP500"],
            "cta_sp500_percentile": expanding_percentile(cta.position["SP500"], minp),
            "cta_net_equity": cta.net_equity_exposure,
            "cta_net_equity_percentile": expanding_percentile(cta.net_equity_exposure, minp),
        })
        notes.append(bb_note)
        if chosen:
            notes.append(f"CTA per-asset output filtered to {chosen}; CTA flow totals are "
                         "for all assets.")
        return FlowsDeskResult(
            asof=when, session=session, spot=spot, vol_control=vc, cta=cta, buybacks=bb,
            vc_flows=vc_flows, cta_flows=cta_flows, vc_snapshot=vc.at(None),
            cta_snapshot=cta_snap, buyback_snapshot=bb.latest(session),
            buyback_flows={"1w": float(demand.iloc[:5].sum()),
                           "1m": float(demand.iloc[:21].sum())},
            stops=stops, history=history, daily_sigma=sigma, last_obs=obs,
            universe=universe,
            equity_scale=(cta_model.book.sector_scale("equity", cta.assets)
                          if cta_model.book is not None else 1.0),
            stale=stale, asset=chosen, notes=tuple(notes),
            params={"n_paths": self.n_paths, "tape": tape.to_dict(),
                    "seed": self.seed, "sigma_window": SIGMA_WINDOW, "mc_sessions": MC_SESSIONS,
                    "mc_block": 5},
        )


def buyback_calendar(asof: DateLike | None = None, *,
                     settings: Settings | None = None) -> CompanyBuybackResult:
    """The per-company buyback calendar on ``asof`` (``flowdesk buybacks``).

    Fits :class:`~flowdesk.flows.company_buybacks.CompanyBuybacks` with the
    settings' window rule on the sessions from a quarter before ``asof`` to 100
    days after it, point in time at ``asof``.

    Raises
    ------
    DataError
        ``asof`` before 2004 (no company report dates) or outside the S&P 500 data.
    """
    from flowdesk.calendars import nyse_sessions
    from flowdesk.config import get_settings
    from flowdesk.data import load
    from flowdesk.data.asof import resolve_asof
    from flowdesk.data.earnings import earnings_dates
    from flowdesk.flows.company_buybacks import REAL_FROM

    cfg = settings or get_settings()
    when = resolve_asof(asof, settings=settings)
    if when < REAL_FROM:
        raise DataError(f"--asof {when:%Y-%m-%d}: company report dates start in 2004 (SEC 8-K "
                        "Item 2.02); earlier dates have only the synthetic calendar (flowdesk "
                        "flows)")
    sp = load("SP500", asof=when, settings=settings)
    session = sp.index[-1]
    day = pd.Timedelta(days=1)
    sessions = sp.index[sp.index >= session - 120 * day].append(
        nyse_sessions(session + day, session + _AHEAD_DAYS * day))
    return _company_model(cfg).fit(pd.DatetimeIndex(sessions), earnings_dates(settings=settings),
                                   asof=session)


def buyback_event_study(asof: DateLike | None = None, *,
                        settings: Settings | None = None) -> EventStudyResult:
    """S&P 500 returns in open vs blackout windows from 2004, on the company windows.

    The windows are point in time (each session's share uses only the dates known
    on it), so the study is one a desk could have run live.
    """
    from flowdesk.config import get_settings
    from flowdesk.data import load
    from flowdesk.data.asof import resolve_asof
    from flowdesk.data.earnings import earnings_dates
    from flowdesk.flows.buyback_events import blackout_event_study
    from flowdesk.flows.company_buybacks import REAL_FROM

    cfg = settings or get_settings()
    when = resolve_asof(asof, settings=settings)
    sp = load("SP500", asof=when, settings=settings)
    sp = sp.loc[REAL_FROM - pd.Timedelta(days=10):]
    fit = _company_model(cfg).fit(pd.DatetimeIndex(sp.index), earnings_dates(settings=settings))
    return blackout_event_study(sp.pct_change().dropna(), fit, start=REAL_FROM)


def earnings_projection_backtest(*, settings: Settings | None = None) -> ProjectionBacktest:
    """How far projected report dates fall from the real ones, 2015-2025 (days)."""
    from flowdesk.data.earnings import earnings_dates
    from flowdesk.flows.earnings_calendar import projection_backtest

    return projection_backtest(earnings_dates(settings=settings))


def _company_model(cfg: Settings) -> CompanyBuybacks:
    from flowdesk.flows.company_buybacks import CompanyBuybacks

    return CompanyBuybacks(
        annual_bn=cfg.buyback_annual_bn, blackout_lead_sessions=cfg.buyback_lead_sessions,
        lead_band=tuple(cfg.buyback_lead_band),  # type: ignore[arg-type]
        blackout_end_lag_sessions=cfg.buyback_lag_sessions,
        notice_sessions=cfg.buyback_notice_sessions,
        quarter_end_lead_sessions=cfg.buyback_quarter_end_lead_sessions)


def _scaled_sum(values: list[Any], scale: float) -> float | None:
    """``scale x sum(values)``; None when any value is missing (never a partial total)."""
    if not values or any(v is None or not np.isfinite(v) for v in values):
        return None
    return float(scale * sum(values))


def _check_asset(asset: str | None, universe: tuple[str, ...]) -> str | None:
    if asset is None:
        return None
    by_upper = {a.upper(): a for a in universe}
    if not isinstance(asset, str) or asset.strip().upper() not in by_upper:
        raise ConfigError(f"asset {asset!r} is not in the CTA universe; valid ids: "
                          + ", ".join(universe))
    return by_upper[asset.strip().upper()]


def _aum(cfg: Settings, prefix: str) -> AumBand:
    return AumBand(*(getattr(cfg, f"{prefix}_aum_{case}_bn") for case in _CASES))


def _daily_sigma(panel: pd.DataFrame, window: int = SIGMA_WINDOW) -> pd.Series:
    """Std (ddof 1) of the last ``window`` daily simple returns per asset (fraction).

    Where the window holds a non-positive price, returns are meaningless and the
    std of price differences over ``|last price|`` stands in. Fewer than 20
    returns give NaN.
    """
    recent = panel.iloc[-(window + 1):]
    ret = recent / recent.shift(1) - 1.0
    by_diff = recent.diff().std(ddof=1) / recent.iloc[-1].abs()
    sigma = ret.std(ddof=1).where(~(recent <= 0).any(), by_diff)
    return sigma.where(ret.count() >= 20).rename("daily_sigma")


def _trades_along(cta: CTAResult, live: list[str]) -> Callable[[np.ndarray], np.ndarray]:
    """Position function for :func:`project`: start + cumulative CTA trades of ``live``.

    The other assets keep their last price along every path (NaN if they have
    none), as a refit with the path appended would see them.
    """
    cols = list(cta.assets)
    idx = [cols.index(a) for a in live]
    start = cta.position.iloc[-1].to_numpy()[idx]
    held_still = cta.prices.iloc[-1].to_numpy()

    def along(paths: np.ndarray) -> np.ndarray:
        full = np.broadcast_to(held_still, (*paths.shape[:2], len(cols))).copy()
        full[:, :, idx] = paths
        trades = cta.flows_along(full)[:, :, idx]
        return start + np.cumsum(trades, axis=1)

    return along
