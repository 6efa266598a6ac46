"""Reproduce the desk defaults of docs/calibration.md: trigger filters and tape volatility.

1. Trigger filters. For each family (EMA, SMA) and horizon (short, medium, long), the
   window on a fixed grid of common lengths whose S&P 500 trigger level is closest,
   by median absolute percent error, to the published levels of the public cases.
   One family and one window per horizon for all dates (three numbers per family,
   never one per date), with the leave-one-case-out error printed beside the
   in-sample one: the window chosen on the other cases, scored on the one left out.
2. Tape volatility. In the S&P 500's own history, realised volatility over windows
   of 21 sessions whose return was about -1 sigma (up: +1 sigma), relative to windows
   with about no return. A linear vol path from 1 to ``m`` averages ``(1 + m) / 2``,
   so ``m = 2 x ratio - 1``.

Usage: ``python scripts/calibrate_desk.py [--cases FILE]`` (offline, embedded data).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from flowdesk.data import load
from flowdesk.flows.cta_triggers import TrendFilter, trigger_levels

GRID = (10, 15, 20, 30, 40, 50, 63, 80, 100, 126, 150, 175, 200, 252, 300, 350, 400)
TERMS = ("short", "medium", "long")


def _default_cases() -> Path:
    from importlib import resources

    shipped = resources.files("flowdesk") / "validation" / "published_desk_estimates.csv"
    if shipped.is_file():
        return Path(str(shipped))
    shared = Path(__file__).resolve().parents[2] / "shared/data/desk_public"
    return shared / "published_desk_estimates.csv"


def trigger_errors(sp: pd.Series, cases: pd.DataFrame) -> dict[tuple[str, int, str], np.ndarray]:
    """Percent error of our level vs the published one, per (family, window, term)."""
    out = {}
    for family in ("ema", "sma"):
        for n in GRID:
            levels = []
            for day in cases["date"]:
                hist = sp.loc[:day].to_frame().to_numpy()
                levels.append(trigger_levels(hist, TrendFilter("x", family, n))[-1, 0])  # type: ignore[arg-type]
            for term in TERMS:
                pub = cases[f"pivot_{term}"].to_numpy()
                out[family, n, term] = 100.0 * (np.array(levels) - pub) / pub
    return out


def _best(err: dict[tuple[str, int, str], np.ndarray], family: str, term: str,
          keep: np.ndarray) -> int:
    return min(GRID, key=lambda n: np.median(np.abs(err[family, n, term][keep])))


def report_triggers(sp: pd.Series, cases: pd.DataFrame) -> None:
    err = trigger_errors(sp, cases)
    n_cases = len(cases)
    print(f"Trigger levels: {n_cases} public cases with S&P 500 levels "
          f"({', '.join(f'{d:%Y-%m-%d}' for d in cases['date'])})\n")
    print("| family | term | window | in-sample median abs error % | leave-one-out median abs "
          "error % | leave-one-out windows |")
    print("|---|---|---|---|---|---|")
    for family in ("ema", "sma"):
        for term in TERMS:
            everything = np.ones(n_cases, dtype=bool)
            n = _best(err, family, term, everything)
            loo, picks = [], []
            for i in range(n_cases):
                keep = everything.copy()
                keep[i] = False
                pick = _best(err, family, term, keep)
                picks.append(pick)
                loo.append(abs(err[family, pick, term][i]))
            print(f"| {family.upper()} | {term} | {n} | "
                  f"{np.median(np.abs(err[family, n, term])):.2f} | {np.median(loo):.2f} | "
                  f"{'/'.join(map(str, picks))} |")


def report_tape_vol(sp: pd.Series, horizon: int = 21) -> None:
    r = np.log(sp).diff().dropna()
    before = np.sqrt((r**2).rolling(63).mean())
    ret = r.rolling(horizon).sum().shift(-horizon)
    vol = np.sqrt((r**2).rolling(horizon).mean()).shift(-horizon)
    frame = pd.DataFrame({"z": ret / (before * np.sqrt(horizon)), "ratio": vol / before}).dropna()

    def mean_ratio(lo: float, hi: float) -> tuple[float, int]:
        sel = frame[(frame.z > lo) & (frame.z < hi)]
        return float(sel.ratio.mean()), len(sel)

    flat, n_flat = mean_ratio(-0.5, 0.5)
    print(f"\nTape volatility: S&P 500 {sp.index[0]:%Y}-{sp.index[-1]:%Y}, windows of {horizon} "
          "sessions, realised RMS vol / the 63-session RMS vol before the window\n")
    print("| window return | windows | mean vol ratio | relative to flat "
          "| implied end multiplier |")
    print("|---|---|---|---|---|")
    for name, lo, hi in (("about -1 sigma (down)", -1.5, -0.5), ("about 0 (flat)", -0.5, 0.5),
                         ("about +1 sigma (up)", 0.5, 1.5)):
        ratio, count = mean_ratio(lo, hi)
        rel = ratio / flat
        print(f"| {name} | {count} | {ratio:.3f} | {rel:.3f} | {2 * rel - 1:.2f} |")
    del n_flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=None)
    args = parser.parse_args()
    cases = pd.read_csv(args.cases or _default_cases(), parse_dates=["date"])
    cases = cases.dropna(subset=[f"pivot_{t}" for t in TERMS]).reset_index(drop=True)
    sp = load("SP500")
    report_triggers(sp, cases)
    report_tape_vol(sp)


if __name__ == "__main__":
    main()
