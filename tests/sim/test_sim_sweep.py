"""Sweeps: TOML grids, and the same numbers in-process, in local processes and on Dask.

The Dask test starts a real ``LocalCluster`` with two worker processes on a tiny
2 x 2 grid (4 tasks of 8 paths x 1 year), so it stays within seconds; every
wait is bounded by ``timeout``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from flowdesk.errors import ConfigError
from flowdesk.sim.params import SimParams
from flowdesk.sim.sweep import SweepSpec, run_sweep, run_task

GRID = """
[simulation]
paths = 8
years = 1
seed = 11

[grid]
cta = [0.0, 1.0]
dealer_gamma_bn = [-5.0, 5.0]
"""


@pytest.fixture
def grid_file(tmp_path: Path) -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(GRID, encoding="utf-8")
    return path


def test_toml_grid_is_read_in_order(grid_file: Path) -> None:
    spec = SweepSpec.from_toml(grid_file)
    assert spec.paths == 8 and spec.years == 1.0 and spec.seed == 11 and spec.n_days == 252
    assert spec.points() == [
        {"cta": 0.0, "dealer_gamma_bn": -5.0}, {"cta": 0.0, "dealer_gamma_bn": 5.0},
        {"cta": 1.0, "dealer_gamma_bn": -5.0}, {"cta": 1.0, "dealer_gamma_bn": 5.0},
    ]
    params = spec.point_params()
    assert params[1].scale_of("cta") == 0.0 and params[1].dealer_gamma_bn == 5.0
    tasks = spec.tasks()
    assert len(tasks) == 4 and {t.entropy for t in tasks} == {11} and tasks[0].threads == 1


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("[grid]\nnot_a_param = [1.0]\n", "unknown simulator parameter"),
        ("[grid]\ncta = ['a']\n", "numbers"),
        ("[grid]\n", "empty"),
        ("[simulation]\npaths = 8\nspeed = 2\n[grid]\ncta = [1.0]\n", "unknown keys"),
        ("[grid\n", "invalid TOML"),
        ("[simulation]\nblock_paths = 100\n[grid]\ncta = [1.0]\n", "multiple of 256"),
    ],
)
def test_bad_grids(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        SweepSpec.from_toml(path)


def test_missing_grid_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        SweepSpec.from_toml(tmp_path / "nope.toml")


def test_task_returns_summaries_not_paths() -> None:
    spec = SweepSpec(grid={"cta": (1.0,)}, paths=5, years=1.0, seed=3)
    out = run_task(spec.tasks()[0])
    assert out["values"].shape == (5, len(out["columns"]))
    assert "realized_vol" in out["columns"] and "acf_abs_100" in out["columns"]


def test_grid_points_share_common_random_numbers() -> None:
    spec = SweepSpec(grid={"stops": (1.0, 1.0)}, paths=4, years=1.0, seed=2)
    res = run_sweep(spec, scheduler="inprocess")
    a = res.per_path[res.per_path["point"] == 0].drop(columns="point").reset_index(drop=True)
    b = res.per_path[res.per_path["point"] == 1].drop(columns="point").reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_summary_shows_each_point_with_its_interval() -> None:
    spec = SweepSpec(grid={"cta": (0.0, 2.0)}, paths=4, years=1.0, seed=5)
    res = run_sweep(spec, scheduler="inprocess")
    text = res.summary()
    row = res.table.iloc[1]
    vol = (f"{row['realized_vol']:.4f} [{row['realized_vol_ci_low']:.4f}, "
           f"{row['realized_vol_ci_high']:.4f}]")
    line = next(ln for ln in text.splitlines() if ln.startswith("realized_vol"))
    assert line.split(None, 1)[1].rstrip().endswith(vol)
    assert "2.0" in next(ln for ln in text.splitlines() if ln.startswith("cta"))
    assert all(len(ln) < 120 for ln in text.splitlines()[1:])


@pytest.mark.slow
def test_processes_and_dask_equal_the_in_process_run(grid_file: Path) -> None:
    distributed = pytest.importorskip("distributed")
    started = time.perf_counter()
    calls: list[tuple[int, int]] = []
    inproc = run_sweep(grid_file, scheduler="inprocess")
    local = run_sweep(grid_file, workers=2, progress=lambda d, t: calls.append((d, t)),
                      timeout=120)
    assert calls[-1] == (4, 4) and len(calls) == 4
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster:
        dask = run_sweep(grid_file, scheduler=cluster.scheduler_address, timeout=120)
    assert dask.backend.startswith("tcp://") and local.backend == "processes"
    for other in (local, dask):
        pd.testing.assert_frame_equal(other.table, inproc.table, check_exact=True)
        pd.testing.assert_frame_equal(other.per_path, inproc.per_path, check_exact=True)
    # the CTA and the dealers' gamma changed the outcome, so the grid is not trivial
    vols = inproc.table["realized_vol"].to_numpy()
    assert np.unique(vols).size == 4
    assert time.perf_counter() - started < 180


def test_unreachable_scheduler_is_a_config_error() -> None:
    pytest.importorskip("distributed")
    spec = SweepSpec(grid={"cta": (1.0,)}, paths=2, years=0.1)
    with pytest.raises(ConfigError, match="Dask scheduler"):
        run_sweep(spec, scheduler="tcp://127.0.0.1:1", timeout=2)


def test_spec_validation() -> None:
    with pytest.raises(ConfigError):
        SweepSpec(grid={"cta": ()})
    with pytest.raises(ConfigError):
        SweepSpec(grid={"cta": (1.0,)}, paths=1)
    spec = SweepSpec(grid={"cta_lag": (1.0, 2.0)}, base=SimParams())
    assert [p.cta_lag for p in spec.point_params()] == [1, 2]
