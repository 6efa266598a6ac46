"""Thread defaults set before numpy loads: one BLAS thread per process.

flowdesk's linear algebra is many small problems (the drivers' expanding least
squares solve about 2,800 systems of a few thousand rows and a dozen columns):
handing each to a BLAS thread pool costs more than it saves, and an idle pool
spins on cores other work needs. On 2 loaded cores the drivers fit took 6.1 s
with OpenBLAS' pool and 2.5 s with one thread, with identical numbers. The numba
kernels bring their own threads (:func:`flowdesk.flows.kernels.split_range`).

A value already in the environment wins, and a numpy imported before flowdesk
keeps the pool it started with.
"""

from __future__ import annotations

import os

__all__ = ["BLAS_THREAD_VARIABLES", "configure_blas"]

#: Environment variables that size the BLAS pools numpy may link against.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                         "VECLIB_MAXIMUM_THREADS")


def configure_blas() -> None:
    """Default every BLAS pool to one thread unless the environment sets its size."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
