"""Full-history recomputation of the daily models (VIX regimes, Fed policy, drivers, flows desk).

Each estimate recomputes its whole history from the embedded snapshot (the
classifier, the proxy history and attribution, the rolling and whole-sample
Shapley regressions, the flows desk with its Monte Carlo). The in-process memo
is cleared before every run, so these are full recomputations. Baseline measured
in the same run: loading the inputs the models read (the data-layer floor).

Run: python benchmarks/run.py models
"""

from __future__ import annotations

from _util import median_time, report
from flowdesk import memo
from flowdesk.config import get_settings
from flowdesk.data import load

ASOF = "2024-12-31"
INPUTS = ("SP500", "NDX", "VIX", "VIX3M", "VIX9D", "VVIX", "DGS10", "DGS2", "T10Y3M", "DFF",
          "TLT", "GLD", "DCOILWTICO", "DEXUSEU", "DEXJPUS", "DEXUSUK", "BTC")


def main() -> None:
    from flowdesk.drivers import Drivers
    from flowdesk.flows.desk import FlowsDesk
    from flowdesk.policy.model import FedPolicy
    from flowdesk.vol import VixRegimes

    settings = get_settings(offline=True)

    def fresh(estimate):  # type: ignore[no-untyped-def]
        def run() -> None:
            memo.clear()
            estimate(ASOF, settings=settings)
        return run

    floor = median_time(lambda: [load(s, asof=ASOF, settings=settings) for s in INPUTS], 5)
    rows = [
        (f"load the {len(INPUTS)} input series (floor)", floor, "s"),
        ("VixRegimes().estimate", median_time(fresh(VixRegimes().estimate), 5), "s"),
        ("FedPolicy().estimate (curve proxy)", median_time(fresh(FedPolicy().estimate), 5), "s"),
        ("Drivers().estimate", median_time(fresh(Drivers().estimate), 3), "s"),
        ("FlowsDesk().estimate", median_time(fresh(FlowsDesk().estimate), 3), "s"),
    ]
    report(f"full-history recomputation as of {ASOF} (medians)", rows,
           baseline=rows[0][0])


if __name__ == "__main__":
    main()
