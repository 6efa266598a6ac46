"""One BLAS thread by default, set by ``import flowdesk`` before numpy loads."""

from __future__ import annotations

import os
import subprocess
import sys


def _blas_env_after_import(extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS",)} | extra
    code = ("import sys, os, flowdesk; assert 'numpy' not in sys.modules; "
            "print(os.environ['OPENBLAS_NUM_THREADS'])")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def test_import_sets_one_blas_thread_before_numpy() -> None:
    assert _blas_env_after_import({}) == "1"


def test_a_users_setting_wins() -> None:
    assert _blas_env_after_import({"OPENBLAS_NUM_THREADS": "3"}) == "3"
