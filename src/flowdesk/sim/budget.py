"""Refuse simulations the machine cannot hold or finish, before any is started.

A run's cost is known from its shape alone, so it is estimated up front:

* **memory**: a chunk of ``min(paths, chunk)`` paths is simulated at a time and
  holds about :data:`BYTES_PER_CHUNK_PATH_DAY` per path and session (shocks,
  returns and path statistics' temporaries; measured with ``tracemalloc``),
  plus :data:`BYTES_PER_PATH_RUN` of kept statistics per path and run;
* **time**: ``runs * paths * (burn_in + n_days)`` path-days at
  :data:`PATH_DAYS_PER_SECOND`.

The limits are settings: ``sim_max_memory_gb`` (default: half the memory
available when the run starts, counted within the container's cgroup limit; see
:mod:`flowdesk.machine`) and ``sim_max_path_days``. Without this check
``--years 1e9`` asked numpy for petabytes and ``--paths 1000000000000`` ran for
days without a word.
"""

from __future__ import annotations

import math

from flowdesk.config import Settings, get_settings
from flowdesk.errors import ConfigError
from flowdesk.machine import available_memory_bytes

__all__ = [
    "BYTES_PER_CHUNK_PATH_DAY",
    "BYTES_PER_PATH_RUN",
    "PATH_DAYS_PER_SECOND",
    "available_memory_bytes",
    "check_budget",
]

#: Peak bytes per path-day of one chunk: 60 B measured for 1024 x 2272 steps, rounded up.
BYTES_PER_CHUNK_PATH_DAY = 64
#: Per-path statistics kept per run (five float64 columns, and a copy while concatenated).
BYTES_PER_PATH_RUN = 96
#: Wall-clock throughput of a whole counterfactual run (kernel, statistics, Python
#: overhead) on one core of a 2-core 2026 cloud machine: 9.1e6 path-days in 3.0 s.
#: The kernel alone does about 1.1e7; a faster machine only makes the estimate safe.
PATH_DAYS_PER_SECOND = 3.0e6
def _bytes(n: float) -> str:
    for unit, scale in (("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= scale:
            return f"{n / scale:.3g} {unit}"
    return f"{n / 2**10:.3g} KiB"


def _duration(seconds: float) -> str:
    for unit, scale in (("years", 365.25 * 86400), ("days", 86400), ("hours", 3600),
                        ("minutes", 60)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds:.3g} s"


def check_budget(
    paths: int,
    years: float,
    *,
    runs: int,
    burn_in: int,
    chunk: int = 1024,
    names: tuple[str, str] = ("paths", "years"),
    settings: Settings | None = None,
) -> float:
    """Estimate a simulation's memory and time and refuse it above the limits.

    Parameters
    ----------
    paths, years
        Paths per run and years (252 sessions) per path.
    runs
        Simulated configurations (the baseline and each counterfactual).
    burn_in
        Sessions simulated before the recorded ones.
    chunk
        Paths simulated at once.
    names
        How the two arguments are called in messages (``("--paths", "--years")``
        on the command line).
    settings
        Limits ``sim_max_memory_gb`` and ``sim_max_path_days``; default from the
        environment.

    Returns
    -------
    float
        The estimated path-days.

    Raises
    ------
    ConfigError
        If the estimated memory or path-days exceed the limits; the message
        names the arguments, the estimate and the limit.
    """
    settings = settings or get_settings()
    what = f"{names[0]} {paths} x {names[1]} {years:g}"
    steps = 252.0 * float(years) + burn_in
    path_days = float(runs) * float(paths) * steps
    memory = (BYTES_PER_CHUNK_PATH_DAY * steps * min(paths, chunk)
              + BYTES_PER_PATH_RUN * float(paths) * runs)
    limit_gb = settings.sim_max_memory_gb
    limit = limit_gb * 2**30 if limit_gb is not None else available_memory_bytes() / 2
    source = "sim_max_memory_gb" if limit_gb is not None else (
        "half the available memory; set FLOWDESK_SIM_MAX_MEMORY_GB to change")
    if not math.isfinite(memory):
        raise ConfigError(f"{what}: needs more memory than any machine has ({source})")
    if memory > limit:
        raise ConfigError(
            f"{what}: needs an estimated {_bytes(memory)} of memory, above the limit of"
            f" {_bytes(limit)} ({source})"
        )
    if not math.isfinite(path_days) or path_days > settings.sim_max_path_days:
        seconds = path_days / PATH_DAYS_PER_SECOND
        raise ConfigError(
            f"{what}: {runs} runs, {path_days:.3g} path-days in all, about"
            f" {_duration(seconds)} at {PATH_DAYS_PER_SECOND:.2g} path-days/s, above the limit"
            f" of {settings.sim_max_path_days:.3g} path-days (sim_max_path_days)"
        )
    return path_days
