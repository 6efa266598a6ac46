"""The result of scoring the model against a cases file: per case and figure, and the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from flowdesk.results import Result, notes_lines
from flowdesk.validation.metrics import FLAT_TOLERANCE_BN, SummaryRow, format_number

__all__ = ["DEFINITIONS", "ValidationResult"]

#: What every figure means (printed by ``summary()``, returned by ``to_dict()``).
DEFINITIONS: dict[str, str] = {
    "model": "FlowsDesk() with its defaults, run as of each case date: only data published "
             "by that date (the close of the date itself included)",
    "published": "bank desk estimates as quoted in public reposts (source URL per case); "
                 "they are what users compare against, not ground truth",
    "pivots": "S&P 500 CTA trigger levels, index points; error = 100 * (ours - published) / "
              "published, percent",
    "flows": "CTA flows over 1w/1m in flat/up/down tapes, USD bn at base AUM, + = buying; "
             "global_eq = the model's global equities aggregate, spx = its S&P 500 alone. "
             "A published flow with |value| < the flat tolerance carries no direction: it is "
             "left out of the sign count and the ratio. Signs agree when ours * published > 0; "
             "ratio = |ours| / |published|",
    "position": "CTA global equity position, USD bn at base AUM; error = ours - published; "
                "Spearman rank correlation across the cases",
    "percentile": "that position's percentile (0-100); error = ours - published, points; "
                  "Spearman rank correlation across the cases",
    "blackout": "share of S&P 500 companies in their buyback blackout; error = 100 * (ours - "
                "published), percentage points",
    "statistics": "median and mean over the cases with both figures; n = comparisons used; "
                  "a figure the model does not give is 'no estimate' (n/a) and never counted; "
                  "rank correlations need 3 pairs",
}

_GROUP_TITLES = {
    "pivot": "S&P 500 pivots, index points",
    "flow": "CTA flows, USD bn at base AUM, + = buying",
}


def _text_table(headers: list[str], rows: list[list[str]]) -> str:
    """Left-aligned plain-text table, two spaces between columns."""
    widths = [max(len(str(x)) for x in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=True)).rstrip()
             for line in (headers, *rows)]
    return "\n".join(lines)


def _count(row: SummaryRow) -> str:
    """``n`` plus what was left out, e.g. ``20 (3 flat, 6 n/a)``."""
    extra = [f"{row.n_flat} flat"] if row.n_flat else []
    extra += [f"{row.n_no_estimate} n/a"] if row.n_no_estimate else []
    return f"{row.n} ({', '.join(extra)})" if extra else str(row.n)


def _num(value: Any, spec: str, suffix: str = "") -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return f"{value:{spec}}{suffix}"


@dataclass(frozen=True, eq=False)
class ValidationResult(Result):
    """The model against published desk estimates (definitions: :data:`DEFINITIONS`).

    Attributes
    ----------
    source
        The cases file (its name for the shipped cases).
    shipped
        Whether these are the public cases shipped with the package.
    cases
        One row per case: ``date``, ``desk``, ``source`` (URL), ``line`` (of the
        file), ``session`` and ``spot`` (the model's last S&P 500 session and close,
        ``None`` for a model that does not say), ``figures`` (published figures).
    comparisons
        One row per case and published figure: ``date``, ``desk``, ``line``,
        ``column``, ``group``, ``label``, ``unit``, ``ours``, ``published``, ``error``
        (unit ``error_unit``), ``agree`` and ``ratio`` (flows), ``status`` (``ok``,
        ``no estimate`` or ``flat``).
    summary_rows
        The summary (:class:`~flowdesk.validation.metrics.SummaryRow`), one per figure.
    flat_tolerance_bn
        Published flows smaller than this (USD bn) count as flat.
    until
        When the cases were cut to a date (a point-in-time view): that date.
    model
        What produced our figures.
    notes
        Ignored columns, rows without figures, missing model outputs.
    """

    source: str
    shipped: bool
    cases: pd.DataFrame
    comparisons: pd.DataFrame
    summary_rows: tuple[SummaryRow, ...]
    flat_tolerance_bn: float = FLAT_TOLERANCE_BN
    until: pd.Timestamp | None = None
    model: str = "FlowsDesk()"
    notes: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def n_cases(self) -> int:
        """Number of cases (rows of the file, cut at :attr:`until`)."""
        return len(self.cases)

    def describe_cases(self) -> str:
        """``6 cases, 2022-09-16 to 2024-12-16, from <file> (the public cases...)``."""
        if self.cases.empty:
            cut = f" dated on or before {self.until:%Y-%m-%d}" if self.until is not None else ""
            return f"no cases{cut} in {self.source}"
        first, last = self.cases["date"].min(), self.cases["date"].max()
        span = f"{first:%Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} to {last:%Y-%m-%d}"
        what = "the public cases shipped with flowdesk" if self.shipped else "your file"
        cut = f", those dated on or before {self.until:%Y-%m-%d}" if self.until is not None else ""
        plural = "case" if self.n_cases == 1 else "cases"
        return f"{self.n_cases} {plural}, {span}, from {self.source} ({what}{cut})"

    def summary_frame(self) -> pd.DataFrame:
        """The summary as a table: ``figure``, ``measure``, ``n``, ``n_dates``, ``result``."""
        return pd.DataFrame(
            [{"figure": r.label, "measure": r.measure, "n": r.n, "n_dates": r.n_dates,
              "result": r.text} for r in self.summary_rows],
            columns=["figure", "measure", "n", "n_dates", "result"])

    def to_frame(self) -> pd.DataFrame:
        """The comparisons, one row per case and published figure (see :attr:`comparisons`)."""
        return self.comparisons.copy()

    def _html_frame(self) -> pd.DataFrame:
        return self.summary_frame()

    def _payload(self, **options: Any) -> dict[str, Any]:
        """The JSON content behind :meth:`~flowdesk.results.Result.to_dict`.

        Returns
        -------
        dict
            ``{"model", "estimates", "source", "shipped", "until", "n_cases",
            "flat_tolerance_bn", "definitions", "summary": [SummaryRow.to_dict()],
            "cases": [{"date", "desk", "source", "line", "session", "spot", "figures":
            {column: {"ours", "published", "error", "error_unit", "agree", "ratio",
            "status"}}}], "notes", "params"}``.
        """
        cases = []
        for _, case in self.cases.iterrows():
            mine = self.comparisons[self.comparisons["line"] == case["line"]]
            figures = {
                row["column"]: {k: row[k] for k in ("ours", "published", "error", "error_unit",
                                                    "agree", "ratio", "status")}
                for _, row in mine.iterrows()
            }
            cases.append({"date": case["date"], "desk": case["desk"], "source": case["source"],
                          "line": int(case["line"]), "session": case["session"],
                          "spot": case["spot"], "figures": figures})
        return {
            "model": "validate", "estimates": self.model, "source": self.source,
            "shipped": self.shipped, "until": self.until, "n_cases": self.n_cases,
            "flat_tolerance_bn": self.flat_tolerance_bn, "definitions": dict(DEFINITIONS),
            "summary": [r.to_dict() for r in self.summary_rows], "cases": cases,
            "notes": list(self.notes), "params": dict(self.params),
        }

    def _cell(self, row: pd.Series) -> str:
        """``ours vs published (error)`` for one comparison."""
        group = row["group"]
        spec = {"pivot": ",.0f", "flow": "+,.1f", "position": "+,.0f", "percentile": ".0f",
                "blackout": ".2f"}[group]
        text = f"{_num(row['ours'], spec)} vs {_num(row['published'], spec)}"
        if row["status"] == "flat":
            return f"{text} (flat, left out)"
        if row["status"] != "ok":
            return text
        if group == "flow":
            return f"{text} ({'agree' if row['agree'] else 'DIFFER'}, {row['ratio']:.1f}x)"
        error = {"pivot": "+.2f", "position": "+,.0f", "percentile": "+.0f", "blackout": "+.0f"}
        unit = row["error_unit"]
        shown = format_number(row["error"], error[group], unit if unit == "%" else f" {unit}")
        return f"{text} ({shown})"

    def _tables(self) -> list[str]:
        """The per-case tables: pivots, flows, then positioning and buybacks (– = not published)."""
        frame = self.comparisons.sort_values(["date", "line"], kind="stable")
        if frame.empty:
            return []
        frame = frame.assign(cell=[self._cell(r) for _, r in frame.iterrows()])
        spot = dict(zip(self.cases["line"], self.cases["spot"], strict=True))
        out = []
        pivots = frame[frame["group"] == "pivot"]
        if not pivots.empty:
            rows = [[f"{date:%Y-%m-%d}", _num(spot.get(line), ",.0f"),
                     *(part.set_index("column")["cell"].get(f"pivot_{t}", "–") for t in
                       ("short", "medium", "long"))]
                    for (date, line), part in pivots.groupby(["date", "line"], sort=False)]
            out.append(_GROUP_TITLES["pivot"] + ": ours vs published (error)\n" + _text_table(
                ["date", "S&P 500", "short", "medium", "long"], rows))
        flows = frame[frame["group"] == "flow"]
        if not flows.empty:
            rows = []
            for (date, _line), part in flows.groupby(["date", "line"], sort=False):
                cells = part.set_index("column")["cell"]
                for scope in ("global_eq", "spx"):
                    for horizon in ("1w", "1m"):
                        got = [cells.get(f"flow_{horizon}_{t}_{scope}", "")
                               for t in ("flat", "up", "down")]
                        if any(got):
                            rows.append([f"{date:%Y-%m-%d}", scope, horizon,
                                         *(g or "–" for g in got)])
            out.append(_GROUP_TITLES["flow"] + ": ours vs published (signs, |ours|/|published|)"
                       "\n" + _text_table(["date", "scope", "h", "flat tape", "up tape",
                                           "down tape"], rows))
        other = frame[frame["group"].isin(["position", "percentile", "blackout"])]
        if not other.empty:
            columns = ["cta_global_equity_position_bn", "cta_position_percentile",
                       "buyback_blackout_share"]
            rows = [[f"{date:%Y-%m-%d}", desk,
                     *(part.set_index("column")["cell"].get(c, "–") for c in columns)]
                    for (date, _line, desk), part in other.groupby(["date", "line", "desk"],
                                                                   sort=False)]
            out.append("Positioning and buybacks: ours vs published (error)\n" + _text_table(
                ["date", "desk", "CTA equity position, USD bn", "its percentile",
                 "blackout share"], rows))
        return out

    def summary(self) -> str:
        """The summary table, then every case and figure, the definitions and notes."""
        lines = [f"Model vs published desk estimates: {self.describe_cases()}.",
                 f"Our figures: {self.model} as of each case date. Published figures: bank "
                 "desk estimates quoted in public reposts (not ground truth).", ""]
        if self.summary_rows:
            if self.shipped:
                lines += ["These are the public cases, not a fit: nothing is tuned to them point "
                          "by point; the three trigger-filter windows and the buyback blackout "
                          "lead were chosen on them by the method in docs/calibration.md.", ""]
            lines += ["Summary (public cases, not a fit)" if self.shipped else "Summary",
                      _text_table(["figure", "cases", "result"],
                                  [[r.label, _count(r), r.text] for r in self.summary_rows]),
                      ""]
        for table in self._tables():
            lines += [table, ""]
        lines += [f"Flat tolerance: published flows under {self.flat_tolerance_bn:g} USD bn "
                  "either way are flat. n/a = the model gives no such figure; – = the note "
                  "gave none."]
        lines += [f"{k}: {v}" for k, v in DEFINITIONS.items()]
        lines += notes_lines(self.notes)
        return "\n".join(lines)
