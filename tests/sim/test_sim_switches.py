"""Switching and scaling agent classes; parameter validation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from flowdesk.errors import ConfigError, ModelError
from flowdesk.flows.volcontrol import VolCohort
from flowdesk.sim.engine import run_paths
from flowdesk.sim.params import AGENT_CLASSES, SYSTEMATIC, AgentClass, SimParams, agent_class

N, DAYS = 24, 120


def _run(p: SimParams):
    return run_paths(p, N, DAYS, entropy=17)


@pytest.mark.parametrize("cls", list(AgentClass))
def test_switching_a_class_off_zeroes_its_flows(cls: AgentClass) -> None:
    on = _run(SimParams())
    off = _run(SimParams().without(cls))
    k = AGENT_CLASSES.index(cls)
    assert np.any(on.flows[k] != 0.0)
    assert np.all(off.flows[k] == 0.0)
    # and the class actually mattered for the path
    assert not np.array_equal(on.returns, off.returns)


@pytest.mark.parametrize("cls", list(SYSTEMATIC))
def test_scaling_by_zero_equals_switching_off(cls: AgentClass) -> None:
    a = _run(SimParams().without(cls))
    b = _run(SimParams().scaled({cls.value: 0.0}))
    np.testing.assert_array_equal(a.returns, b.returns)
    np.testing.assert_array_equal(a.flows, b.flows)


def test_scaling_multiplies_the_first_day_flow() -> None:
    # On day 0 the state is the (shared) history, so a class's flow scales exactly.
    p = SimParams(burn_in=0)
    base = _run(p)
    for cls in (AgentClass.DEALER, AgentClass.VOLCONTROL, AgentClass.CTA, AgentClass.NOISE):
        k = AGENT_CLASSES.index(cls)
        doubled = _run(p.scaled({cls.value: 2.0}))
        np.testing.assert_allclose(doubled.flows[k, 0], 2.0 * base.flows[k, 0], rtol=1e-14)


def test_without_accepts_names_and_iterables() -> None:
    p = SimParams()
    q = p.without("cta", ["dealer", AgentClass.STOPS])
    assert q.active() == (AgentClass.FUNDAMENTAL, AgentClass.NOISE, AgentClass.VOLCONTROL,
                          AgentClass.BUYBACK)
    assert q.scale_of("CTA") == 0.0 and p.scale_of("cta") == 1.0
    assert p.scaled(cta=3.0).scaled(cta=0.5).scale_of("cta") == pytest.approx(1.5)


def test_replace_sets_fields_and_scales() -> None:
    p = SimParams().replace(cta=0.0, volcontrol_aum_bn=300.0)
    assert p.scale_of("cta") == 0.0 and p.volcontrol_aum_bn == 300.0
    with pytest.raises(ConfigError, match="unknown simulator parameter"):
        SimParams().replace(not_a_field=1.0)
    with pytest.raises(ConfigError, match="unknown agent class"):
        agent_class("martians")


@pytest.mark.parametrize(
    "changes",
    [
        {"multiplier": 0.0},
        {"sigma_c": -1.0},
        {"cta_lag": 0},
        {"stop_drawdowns": (0.1, 1.5), "stop_sizes_bn": (1.0, 1.0)},
        {"stop_drawdowns": (0.1,), "stop_sizes_bn": (1.0, 2.0)},
        {"scales": (1.0,) * 6},
        {"buyback_offset": 1.5},
        {"cohorts": (VolCohort("x", 0.1, "close21", 1.5, 0, 1.0),)},
    ],
)
def test_invalid_parameters_are_rejected(changes: dict[str, object]) -> None:
    with pytest.raises(ModelError):
        dataclasses.replace(SimParams(), **changes)


def test_to_dict_is_json_ready() -> None:
    import json

    d = SimParams().to_dict()
    json.dumps(d)
    assert d["scales"]["cta"] == 1.0 and len(d["cohorts"]) == 6
    assert d["trend"]["windows"][0]["fast"] == 8
