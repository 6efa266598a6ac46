"""Kernels on a 10,000 x 5,000 float64 panel vs pandas and the memory floor.

Baselines measured in the same run: ``np.copyto`` of the panel into a
preallocated array (the memory-bandwidth floor: one read, one write), and the
pandas expression each kernel equals. Run: python benchmarks/run.py kernels
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from _util import median_time, report
from flowdesk.flows import kernels as k

N_T, N_A = 10_000, 5_000


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N_T, N_A))
    x[rng.random(x.shape) < 0.01] = np.nan
    out = np.empty_like(x)
    frame = pd.DataFrame(x)
    alpha = k.span_to_alpha(32)

    floor = median_time(lambda: np.copyto(out, x), repeat=5)
    rows = [("np.copyto (memory floor)", floor, "s")]
    cases = [
        ("ewm mean span 32", lambda: k.ewm_mean_into(x, alpha, True, False, 0, out),
         lambda: frame.ewm(span=32).mean()),
        ("ewm var span 32", lambda: k.ewm_var_into(x, alpha, True, False, 0, False, out),
         lambda: frame.ewm(span=32).var()),
        ("rolling sum 63", lambda: k.rolling_sum_into(x, 63, 63, out),
         lambda: frame.rolling(63).sum()),
        ("rolling var 63", lambda: k.rolling_var_into(x, 63, 63, 1, out),
         lambda: frame.rolling(63).var()),
        ("pct_change 21", lambda: k.lagged_return_into(x, 21, False, out),
         lambda: frame.pct_change(21, fill_method=None)),
    ]
    for name, ours, theirs in cases:
        ours_t = median_time(ours, repeat=5)
        pandas_t = median_time(theirs, repeat=1, warmup=0)
        rows.append((f"{name}: numba", ours_t, "s"))
        rows.append((f"{name}: pandas", pandas_t, "s"))
    report(f"kernels on a {N_T:,} x {N_A:,} float64 panel ({x.nbytes / 1e6:.0f} MB)", rows,
           baseline="np.copyto (memory floor)")
    for name, _, _ in cases:
        ours_t = next(v for n, v, _ in rows if n == f"{name}: numba")
        pandas_t = next(v for n, v, _ in rows if n == f"{name}: pandas")
        print(f"  {name:20s} pandas / numba = {pandas_t / ours_t:6.1f}x")


if __name__ == "__main__":
    main()
