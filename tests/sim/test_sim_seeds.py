"""Reproducibility: seeds, independent block streams, invariance to how paths are split."""

from __future__ import annotations

import numpy as np
import pytest

from flowdesk.errors import ConfigError
from flowdesk.sim.engine import run_paths
from flowdesk.sim.model import MarketSimulator
from flowdesk.sim.params import SimParams
from flowdesk.sim.seeds import BLOCK, block_generator, resolve_entropy, standard_normals


def test_same_seed_same_paths_different_seed_different_paths() -> None:
    p = SimParams()
    a = run_paths(p, 10, 60, entropy=123)
    b = run_paths(p, 10, 60, entropy=123)
    c = run_paths(p, 10, 60, entropy=124)
    np.testing.assert_array_equal(a.prices, b.prices)
    np.testing.assert_array_equal(a.flows, b.flows)
    assert not np.array_equal(a.prices, c.prices)


def test_block_streams_are_spawned_children() -> None:
    # block g, stream s = SeedSequence(entropy).spawn(...)[g].spawn(...)[s]
    entropy = 987654321
    root = np.random.SeedSequence(entropy)
    child = root.spawn(4)[3].spawn(2)[1]
    expected = np.random.Generator(np.random.PCG64(child)).standard_normal(16)
    np.testing.assert_array_equal(block_generator(entropy, 3, 1).standard_normal(16), expected)


def test_blocks_get_independent_streams() -> None:
    z = standard_normals(5, 0, 2 * BLOCK, 400)
    a, b = z[:, 0, :BLOCK].ravel(), z[:, 0, BLOCK:].ravel()
    assert not np.allclose(a[:100], b[:100])
    # 102,400 pairs: a correlation beyond 4 standard errors (4 / sqrt(n)) would be a bug
    corr = np.corrcoef(a, b)[0, 1]
    assert abs(corr) < 4.0 / np.sqrt(a.size)
    # and the two shocks of one path are independent too
    c = z[:, 1, :BLOCK].ravel()
    assert abs(np.corrcoef(a, c)[0, 1]) < 4.0 / np.sqrt(a.size)
    assert abs(z.mean()) < 4.0 / np.sqrt(z.size) and abs(z.std() - 1.0) < 0.01


def test_shocks_do_not_depend_on_the_split_or_the_horizon() -> None:
    full = standard_normals(77, 0, 700, 50)
    part = standard_normals(77, 300, 150, 50)
    np.testing.assert_array_equal(part, full[:, :, 300:450])
    longer = standard_normals(77, 0, 700, 80)
    np.testing.assert_array_equal(longer[:50], full)  # day-major draws: prefix property


def test_paths_do_not_depend_on_how_they_are_split() -> None:
    p = SimParams()
    whole = run_paths(p, 600, 40, entropy=31)
    first = run_paths(p, 260, 40, entropy=31, first_path=0)
    second = run_paths(p, 340, 40, entropy=31, first_path=260)
    np.testing.assert_array_equal(whole.returns, np.hstack([first.returns, second.returns]))
    np.testing.assert_array_equal(whole.flows, np.concatenate([first.flows, second.flows],
                                                              axis=2))


def test_seed_and_rng_handling() -> None:
    assert resolve_entropy(42) == 42
    assert resolve_entropy(np.random.SeedSequence(7)) == 7
    g1, g2 = np.random.default_rng(1), np.random.default_rng(1)
    assert resolve_entropy(rng=g1) == resolve_entropy(rng=g2)
    assert resolve_entropy() != resolve_entropy()  # fresh entropy each time
    with pytest.raises(ConfigError):
        resolve_entropy(1, np.random.default_rng(1))
    with pytest.raises(ConfigError):
        resolve_entropy(-3)
    with pytest.raises(ConfigError):
        resolve_entropy(rng=np.random.RandomState(1))  # type: ignore[arg-type]


def test_simulator_seed_reproduces_the_result() -> None:
    a = MarketSimulator(seed=5).estimate(paths=8, years=0.5, moments=False)
    b = MarketSimulator(seed=5).estimate(paths=8, years=0.5, moments=False)
    c = MarketSimulator(rng=np.random.default_rng(5)).estimate(paths=8, years=0.5, moments=False)
    da, db = a.to_dict(), b.to_dict()
    da.pop("path_days_per_s")
    db.pop("path_days_per_s")
    assert da == db
    assert c.entropy != a.entropy
