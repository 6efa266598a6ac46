"""The flows desk for one date and `flowdesk validate` over the shipped cases, warm.

Issue 13's speed targets: `flowdesk flows --asof D` for one date under 2 s warm, and
`validate` over the shipped public cases under 30 s warm. "Warm" = numba kernels
already compiled into the cache; every command runs offline on the embedded data.

`validate` is timed twice: with its per-date figure cache empty (a new cache
directory before every run, so the desk runs once per case date: the cost after
any change of code, data or settings) and with the cache filled (a second run).
In process, the same two costs without the interpreter start.

Baselines measured in the same run: `flowdesk --version` (interpreter + CLI start,
the floor of any command; the import of the desk and validation modules is shown
beside it) and, in process, one FlowsDesk estimate.

Run: python benchmarks/run.py desk
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from _util import median_subprocess, median_time, python, report

DATE = "2024-09-16"


def main() -> None:
    py = python()
    flowdesk = shutil.which("flowdesk") or str(Path(py).with_name("flowdesk"))
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        env = dict(os.environ) | {"FLOWDESK_CACHE_DIR": str(cache), "FLOWDESK_OFFLINE": "1"}

        def wipe() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        # Compile (or load) the numba kernels once, outside the timings.
        median_subprocess([flowdesk, "flows", "--asof", DATE], 1, env=env)
        floor = median_subprocess([flowdesk, "--version"], 5, env=env)
        imports = median_subprocess([py, "-c", "import flowdesk.flows.desk, flowdesk.validation"],
                                    5, env=env)
        flows = median_subprocess([flowdesk, "flows", "--asof", DATE], 5, env=env)
        cold = median_subprocess([flowdesk, "validate"], 3, env=env, setup=wipe)
        median_subprocess([flowdesk, "validate"], 1, env=env)  # fill the figure cache
        hot = median_subprocess([flowdesk, "validate"], 5, env=env)
    report("flowdesk commands, warm numba cache, embedded data (medians)", [
        ("flowdesk --version (CLI start floor)", floor, "s"),
        ("import flowdesk.flows.desk, flowdesk.validation", imports, "s"),
        (f"flowdesk flows --asof {DATE}", flows, "s"),
        ("flowdesk validate, figure cache empty (6 cases)", cold, "s"),
        ("flowdesk validate, figure cache filled", hot, "s"),
    ], baseline="flowdesk --version (CLI start floor)")

    from flowdesk import memo
    from flowdesk.config import get_settings
    from flowdesk.flows.desk import FlowsDesk
    from flowdesk.validation import cache as figures
    from flowdesk.validation import shipped_cases, validate

    cases = shipped_cases()
    with tempfile.TemporaryDirectory() as tmp:
        settings = get_settings(offline=True, cache_dir=Path(tmp) / "cache")

        def one() -> None:
            memo.clear()
            FlowsDesk().estimate(DATE, settings=settings)

        def validate_cold() -> None:
            memo.clear()
            figures.clear()
            shutil.rmtree(Path(tmp) / "cache", ignore_errors=True)
            validate(cases, settings=settings)

        rows = [
            (f"FlowsDesk().estimate({DATE!r})", median_time(one, 5), "s"),
            ("validate(shipped cases), figure cache empty", median_time(validate_cold, 3), "s"),
            ("validate(shipped cases), figure cache filled",
             median_time(lambda: validate(cases, settings=settings), 5), "s"),
        ]
    report("in process (medians)", rows, baseline=rows[0][0])


if __name__ == "__main__":
    main()
