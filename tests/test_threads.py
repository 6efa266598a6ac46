"""Thread and compile-cache defaults: one BLAS thread set by ``import flowdesk`` before
numpy loads, and the CLI finding numba's cache wherever numba put it."""

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


def test_first_run_check_finds_numbas_per_user_cache(tmp_path, monkeypatch) -> None:
    # A system-wide install: __pycache__ beside the kernels is not where numba wrote,
    # its per-user cache (XDG_CACHE_HOME/numba/...) is.
    import importlib.util
    from types import SimpleNamespace

    from numba.core.caching import _CacheLocator

    from flowdesk import cli

    source = tmp_path / "site" / "flowdesk" / "sim" / "kernel.py"
    source.parent.mkdir(parents=True)
    source.write_text("", encoding="utf-8")
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name: SimpleNamespace(origin=str(source)))
    assert not cli._numba_cache_warm()
    user = tmp_path / "cache" / "numba" / _CacheLocator.get_suitable_cache_subpath(str(source))
    user.mkdir(parents=True)
    (user / "kernel._advance_block-86.py311.nbi").write_bytes(b"")
    assert cli._numba_cache_warm()
