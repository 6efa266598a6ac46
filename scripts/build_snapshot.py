"""Rebuild the embedded data snapshot from ../shared/data.

Usage::

    python scripts/build_snapshot.py [--shared ../shared/data] [--out src/flowdesk/data/snapshot]

Reads the published files listed in SOURCES, parses them with flowdesk's own
strict parsers, applies the few documented transformations (FX to FRED's
quoting convention, merging the two reverse-repo files, trimming vendor price
histories), writes one zstd parquet file per series, and regenerates
``manifest.json`` (machine-readable coverage and checksums) and
``PROVENANCE.md`` (sources, licenses and attribution) from ../shared/data/MANIFEST.md.
The ICE high-yield spread is never shipped.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from flowdesk.data.catalog import CATALOG, SeriesSpec, get_spec
from flowdesk.data.earnings import dated_view, read_earnings_csv
from flowdesk.data.formats import parse_series_csv, read_text
from flowdesk.data.parquet_io import parquet_bytes, sha256_bytes
from flowdesk.data.speeches import dated_view as speeches_view
from flowdesk.data.speeches import read_speeches_csv
from flowdesk.data.validate import validate_series

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "src" / "flowdesk" / "data" / "snapshot"

# Vendor price histories are shipped from this date only: enough warm-up before
# 1990 for 12-month trend windows and for the 1987 crash, no more.
VENDOR_START = "1985-01-01"
FORBIDDEN = ("BAMLH0A0HYM2", "high_yield", "hy_spread", "ice_bofa")


@dataclass(frozen=True)
class Build:
    """How one snapshot entry is made: the files it reads and the function."""

    files: tuple[str, ...]
    make: Callable[[list[Path], SeriesSpec], pd.Series | pd.DataFrame]
    transform: str = "values unchanged"


def _plain(column: str | None = None, start: str | None = None) -> Callable:
    def make(paths: list[Path], spec: SeriesSpec) -> pd.Series:
        text = read_text(paths[0])
        series = parse_series_csv(
            text, str(paths[0].name), value_column=column, positive=spec.positive, name=spec.id
        )
        if start is not None:
            series = series.loc[start:]
        return series.dropna()

    return make


def _rrp(paths: list[Path], spec: SeriesSpec) -> pd.Series:
    old = parse_series_csv(read_text(paths[0]), paths[0].name, name=spec.id).dropna()
    new = parse_series_csv(read_text(paths[1]), paths[1].name, name=spec.id).dropna()
    overlap = old.index.intersection(new.index)
    if not np.allclose(old[overlap], new[overlap]):
        raise SystemExit("RRPONTSYD: the two source files disagree on their overlap")
    return new.combine_first(old)


def _vix(paths: list[Path], spec: SeriesSpec) -> pd.Series:
    cboe = _plain("CLOSE")(paths[:1], spec)
    fred = _plain()(paths[1:], spec)
    overlap = cboe.index.intersection(fred.index)
    if not np.array_equal(cboe[overlap].to_numpy(), fred[overlap].to_numpy()):
        raise SystemExit("VIX: the Cboe file and FRED's VIXCLS disagree on their overlap")
    # FRED republishes the Cboe close; it only supplies the days after the Cboe file ends.
    return pd.concat([cboe, fred.loc[fred.index > cboe.index[-1]]])


def _earnings(paths: list[Path], spec: SeriesSpec) -> pd.DataFrame:
    # The package's own strict reader; stored by report date (date32), ticker as
    # a dictionary-encoded string column.
    return dated_view(read_earnings_csv(paths[0]))


def _speeches(paths: list[Path], spec: SeriesSpec) -> pd.DataFrame:
    # The package's strict reader, so the snapshot holds what `data import` accepts.
    return speeches_view(read_speeches_csv(paths[0]))


def _fx(country: str, invert: bool) -> Callable:
    def make(paths: list[Path], spec: SeriesSpec) -> pd.Series:
        frame = pd.read_csv(paths[0], dtype={"Exchange rate": "float64"})
        rows = frame[frame["Country"] == country]
        series = pd.Series(
            rows["Exchange rate"].to_numpy(),
            index=pd.DatetimeIndex(pd.to_datetime(rows["Date"], format="%Y-%m-%d"), name="date"),
            name=spec.id,
        ).dropna()
        if invert:
            # H.10 publishes these as USD per unit; the mirror stored the reciprocal.
            # FRED's DEXUSEU/DEXUSUK carry four decimals, so round back to that.
            series = (1.0 / series).round(4)
        return series

    return make


def _fomc_decisions(paths: list[Path], spec: SeriesSpec) -> pd.DataFrame:
    frame = pd.read_csv(paths[0])
    dates = pd.to_datetime(frame["decision_date"], format="%Y-%m-%d")
    out = pd.DataFrame(
        {"scheduled": frame["scheduled"].astype("int8").to_numpy()},
        index=pd.DatetimeIndex(dates, name="date"),
    )
    return out.sort_index()


def _fomc_targets(paths: list[Path], spec: SeriesSpec) -> pd.DataFrame:
    meetings = json.loads(paths[0].read_text(encoding="utf-8"))["meetings"]
    frame = pd.DataFrame(meetings)
    out = pd.DataFrame(
        {
            "meeting_start": pd.to_datetime(frame["meeting_start_date"]).dt.strftime("%Y-%m-%d"),
            "outcome": frame["outcome"].astype(str),
            "bps_change": frame["bps_change"].astype("int16"),
            "target_low": frame["target_range_low_pct"].astype("float64"),
            "target_high": frame["target_range_high_pct"].astype("float64"),
        }
    )
    out.index = pd.DatetimeIndex(pd.to_datetime(frame["decision_date"]), name="date")
    return out.sort_index()


def _hyperscalers(paths: list[Path], spec: SeriesSpec) -> pd.DataFrame:
    frame = pd.read_csv(paths[0])
    out = pd.DataFrame(
        {
            "ticker": frame["ticker"].astype(str),
            "revenue": frame["revenue"].astype("float64"),
            "capex": frame["capex"].astype("float64"),
        }
    )
    out.index = pd.DatetimeIndex(pd.to_datetime(frame["fy_end"], format="%Y-%m-%d"), name="date")
    return out.sort_index(kind="stable")


_PD = "public_domain/"
_V = "vendor_prices/"
_C = "cboe/"
_VENDOR_NOTE = f"Close column only, from {VENDOR_START}"

SOURCES: dict[str, Build] = {
    "SP500": Build(
        (_V + "yahoo_GSPC_close_daily.csv",), _plain("Close", VENDOR_START), _VENDOR_NOTE
    ),
    "NDX": Build((_V + "yahoo_NDX_ohlcv_daily.csv",), _plain("close", VENDOR_START), _VENDOR_NOTE),
    "TLT": Build((_V + "yahoo_TLT_close_daily.csv",), _plain("Close"), "Close column only"),
    "IEF": Build((_V + "yahoo_IEF_close_daily.csv",), _plain("Close"), "Close column only"),
    "GLD": Build((_V + "yahoo_GLD_close_daily.csv",), _plain("Close"), "Close column only"),
    "DBMF": Build(
        (_V + "yahoo_DBMF_ohlcv_2019_2025.csv",), _plain("Adj Close"), "Adj Close column only"
    ),
    "BTC": Build((_V + "yahoo_BTC-USD_close_daily.csv",), _plain("Close"), "Close column only"),
    "DCOILWTICO": Build((_PD + "WTI_daily_DCOILWTICO.csv",), _plain()),
    "VIX": Build(
        (_C + "VIX_daily_datahub.csv", _PD + "VIXCLS.csv"),
        _vix,
        "CLOSE column; days after the Cboe file ends from FRED VIXCLS (identical on the overlap)",
    ),
    "VIX3M": Build((_C + "VIX3M_History.csv",), _plain("CLOSE"), "CLOSE column only"),
    "VIX9D": Build((_C + "VIX9D_History.csv",), _plain("CLOSE"), "CLOSE column only"),
    "VVIX": Build((_C + "VVIX_History.csv",), _plain("VVIX")),
    "SKEW": Build((_C + "SKEW_History.csv",), _plain("SKEW")),
    "PCR_TOTAL": Build(
        (_C + "put_call_ratios_daily.csv",),
        _plain("TOTAL_PUT_CALL_RATIO"),
        "one column of the compiled file",
    ),
    "PCR_INDEX": Build(
        (_C + "put_call_ratios_daily.csv",),
        _plain("INDEX_PUT_CALL_RATIO"),
        "one column of the compiled file",
    ),
    "PCR_EQUITY": Build(
        (_C + "put_call_ratios_daily.csv",),
        _plain("EQUITY_PUT_CALL_RATIO"),
        "one column of the compiled file",
    ),
    "PCR_SPX": Build(
        (_C + "put_call_ratios_daily.csv",),
        _plain("SPX_SPXW_PUT_CALL_RATIO"),
        "one column of the compiled file",
    ),
    "PCR_VIX": Build(
        (_C + "put_call_ratios_daily.csv",),
        _plain("VIX_PUT_CALL_RATIO"),
        "one column of the compiled file",
    ),
    "RRPONTSYD": Build(
        (_PD + "RRPONTSYD_2003_2025.csv", _PD + "RRPONTSYD.csv"),
        _rrp,
        "two files merged (identical on their overlap)",
    ),
    "DEXUSEU": Build(
        (_PD + "fx_H10_daily_EUR_JPY_GBP.csv",),
        _fx("Euro", True),
        "rows Country=Euro; inverted to USD per EUR, rounded to 4 decimals",
    ),
    "DEXJPUS": Build(
        (_PD + "fx_H10_daily_EUR_JPY_GBP.csv",), _fx("Japan", False), "rows Country=Japan"
    ),
    "DEXUSUK": Build(
        (_PD + "fx_H10_daily_EUR_JPY_GBP.csv",),
        _fx("United Kingdom", True),
        "rows Country=United Kingdom; inverted to USD per GBP, rounded to 4 decimals",
    ),
    "FOMC_DECISIONS": Build(
        (_PD + "fomc_decisions_1990_2028.csv",),
        _fomc_decisions,
        "decision_date and scheduled columns",
    ),
    "FOMC_TARGETS": Build(
        ("open_license/fomc_meetings_2023_2026_bellwether.json",),
        _fomc_targets,
        "JSON meetings flattened to a table",
    ),
    "HYPERSCALER_CAPEX": Build((_PD + "hyperscaler_capex_revenue_annual.csv",), _hyperscalers),
    "EARNINGS_DATES": Build(
        (_PD + "sec_8k_item202_earnings_dates.csv",),
        _earnings,
        "rows unchanged; stored by report date, current S&P 500 members only (survivorship)",
    ),
    "FED_SPEECHES": Build(
        (_PD + "fed_speeches_board_2025_2026.csv",),
        _speeches,
        "cells stripped of surrounding blanks, missing speaker as empty text; Board members only,"
        " partial calendar",
    ),
}
for _sid in (
    "DFF",
    "DGS10",
    "DGS2",
    "T10Y2Y",
    "T10Y3M",
    "DFII10",
    "T10YIE",
    "WALCL",
    "WTREGEN",
    "M2SL",
    "GDP",
    "GDPC1",
    "CP",
    "UNRATE",
    "U6RATE",
    "PAYEMS",
    "ICSA",
    "CIVPART",
    "LNS11300036",
    "LNS11300060",
    "LNS11324230",
    "PSAVERT",
    "DRCCLACBS",
    "CPIAUCSL",
    "CUSR0000SEHF01",
    "APU000072610",
    "IPG2211S",
    "PCOPPUSDM",
):
    SOURCES[_sid] = Build((_PD + f"{_sid}.csv",), _plain(), "missing values dropped")


def _manifest_rows(shared: Path) -> dict[str, dict[str, str]]:
    """Parse the provenance table of MANIFEST.md into {file: {origin, license}}.

    Columns are found by their header names (``file``, ``origin ...``,
    ``license ...``, ``sha256[:12]``), not by position: a positional parser
    once expected a tenth column that the table does not have and silently
    left every origin blank.
    """
    rows: dict[str, dict[str, str]] = {}
    where: dict[str, int] | None = None
    for line in (shared / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("| ") or line.startswith("|---"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if cells[0] == "file":
            names = [c.split(" ")[0].lower() for c in cells]
            where = {key: names.index(key) for key in ("file", "origin", "license", "sha256[:12]")}
            continue
        if where is None or len(cells) <= max(where.values()):
            continue
        rows[cells[where["file"]]] = {
            "origin": cells[where["origin"]],
            "license": cells[where["license"]],
            "sha256_12": cells[where["sha256[:12]"]],
        }
    if not rows:
        raise SystemExit(f"{shared / 'MANIFEST.md'}: no provenance table found")
    return rows


def build(shared: Path, out: Path) -> dict[str, dict]:
    """Build every snapshot entry; return the manifest."""
    if not (shared / "MANIFEST.md").exists():
        raise SystemExit(f"{shared}: no MANIFEST.md here; pass --shared PATH/TO/shared/data")
    provenance = _manifest_rows(shared)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.parquet"):
        stale.unlink()
    manifest: dict[str, dict] = {}
    for spec in CATALOG:
        if spec.source == "derived":
            continue
        recipe = SOURCES.get(spec.id)
        if recipe is None and spec.live:
            print(f"{spec.id:18s} live-only, not shipped")
            continue
        if recipe is None:
            raise SystemExit(f"{spec.id}: snapshot-only in the catalog but no recipe in SOURCES")
        if any(word.lower() in f.lower() for f in recipe.files for word in FORBIDDEN):
            raise SystemExit(f"{spec.id}: refusing to ship a forbidden source")
        paths = [shared / f for f in recipe.files]
        data = recipe.make(paths, spec)
        if isinstance(data, pd.Series):
            data = validate_series(data, spec.id, positive=spec.positive)
        blob = parquet_bytes(data)
        (out / f"{spec.id}.parquet").write_bytes(blob)
        origins = [provenance.get(f, {}) for f in recipe.files]
        manifest[spec.id] = {
            "file": f"{spec.id}.parquet",
            "kind": spec.kind,
            "rows": len(data),
            "first": data.index[0].strftime("%Y-%m-%d"),
            "last": data.index[-1].strftime("%Y-%m-%d"),
            "sha256": sha256_bytes(blob),
            "bytes": len(blob),
            "built_from": list(recipe.files),
            "origin": [o.get("origin", "") for o in origins],
            "license": spec.license,
            "attribution": spec.attribution,
            "transform": recipe.transform,
        }
        print(
            f"{spec.id:18s} {len(data):6d} rows {manifest[spec.id]['first']}.."
            f"{manifest[spec.id]['last']} {len(blob) / 1024:7.1f} KiB"
        )
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    (out / "PROVENANCE.md").write_text(_provenance_md(manifest), encoding="utf-8")
    total = sum(entry["bytes"] for entry in manifest.values())
    print(f"{len(manifest)} entries, {total / 1024:.0f} KiB of parquet")
    return manifest


def _provenance_md(manifest: dict[str, dict]) -> str:
    lines = [
        "# Embedded data: provenance and attribution",
        "",
        "flowdesk ships this compressed snapshot so that it works offline and without API keys.",
        "It was built by `scripts/build_snapshot.py` from published files; run",
        "`flowdesk data update` to refresh from the live sources. Point-in-time caveat: these",
        "are the latest vintages, so revised macro series show today's revised values.",
        "",
        "Attribution: FRED data courtesy of the Federal Reserve Bank of St. Louis (FRED), with",
        "values from the Federal Reserve Board, BEA, BLS, the US Treasury, EIA and the IMF.",
        "Volatility indices and put/call ratios: Cboe Global Markets. Index and ETF prices and",
        "Bitcoin: Yahoo Finance; the S&P 500 is a product of S&P Dow Jones Indices and the",
        "Nasdaq-100 of Nasdaq, Inc. These vendor prices are included only as a small",
        "demonstration sample (close prices only) in the way open-source finance libraries ship",
        "sample data; refresh them from the live source for any other use.",
        "Earnings report dates (EARNINGS_DATES): dates of SEC Form 8-K Item 2.02 filings,",
        "public-domain facts (Source: SEC EDGAR). They cover the current S&P 500 members only,",
        "so companies that left the index are missing (survivorship); refresh or import newer",
        "dates with `flowdesk data update`/`flowdesk data import EARNINGS_DATES file.csv`.",
        "Fed speeches (FED_SPEECHES): dates, speakers, titles and page addresses of speeches by",
        "Federal Reserve Board members (US government works, public domain). PARTIAL: Board",
        "members only (no regional Fed presidents) and some thin months; outside its coverage",
        "speech days are unknown. Refresh or replace it with `flowdesk data update FED_SPEECHES`",
        "/`flowdesk data import FED_SPEECHES file.csv` (date,speaker,title,url).",
        "The ICE BofA high-yield spread is deliberately not included (ICE forbids reproduction).",
        "",
        "| id | rows | first | last | built from | transformation | origin | license |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for sid, entry in manifest.items():
        origin = "; ".join(o for o in entry["origin"] if o) or "see ../shared/data/MANIFEST.md"
        origin = re.sub(r"\s+", " ", origin).replace("|", "/")
        lines.append(
            f"| {sid} | {entry['rows']} | {entry['first']} | {entry['last']} | "
            f"{', '.join(entry['built_from'])} | {entry['transform']} | {origin} | "
            f"{entry['license']} |"
        )
    derived = [s for s in CATALOG if s.source == "derived"]
    lines += ["", "Derived at load time (not stored):", ""]
    lines += [f"- `{s.id}`: {s.formula}. {s.notes}".rstrip() for s in derived]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    build(args.shared, args.out)
    get_spec("SP500")  # the catalog must still resolve after a rebuild
    return 0


if __name__ == "__main__":
    sys.exit(main())
