"""Historical replay: the identification reproduces the real path, and the decomposition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import flowdesk
from flowdesk.data import load
from flowdesk.errors import ConfigError, DataError
from flowdesk.sim.engine import buyback_flows, run_kernel
from flowdesk.sim.params import SYSTEMATIC, AgentClass, SimParams
from flowdesk.sim.replay import EPISODES, Replay
from flowdesk.sim.state import KernelParams, initial_state


@pytest.fixture(scope="module")
def closes() -> pd.Series:
    return load("SP500", start="2015-01-01", end="2020-06-30")  # type: ignore[return-value]


def test_backed_out_flow_reproduces_the_real_path(closes: pd.Series) -> None:
    # Identification check: with every systematic class on, driving the agents with the
    # backed-out exogenous flow gives back the real returns.
    p = SimParams().without(AgentClass.FUNDAMENTAL, AgentClass.NOISE)
    first = closes.index.searchsorted(pd.Timestamp("2020-02-19"))
    window = closes.iloc[first:].loc[:"2020-03-23"]
    r = np.diff(np.log(window.to_numpy()))
    hist = closes.iloc[first - 600 : first + 1].to_numpy()
    state = initial_state(p, hist, 1)
    bb = buyback_flows(p, window.index[1:], nyse=True)
    z = np.zeros((r.size, 2, 1))
    kp = KernelParams.from_params(p)
    _, _, flows, _, resid = run_kernel(kp, state.copy(), z, None, bb, forced=r[:, None])
    _, again, _, _, _ = run_kernel(kp, state.copy(), z, None, bb, exo=resid)
    np.testing.assert_allclose(again[:, 0], r, atol=1e-13)
    # the residual is exactly what the systematic flows leave unexplained
    np.testing.assert_allclose(resid[:, 0], r / p.multiplier - flows.sum(axis=(0, 2)),
                               atol=1e-15)
    # and the vol-control funds sold into the Covid crash
    assert flows[list(AgentClass).index(AgentClass.VOLCONTROL)].sum() < 0


def test_replay_decomposition(closes: pd.Series) -> None:
    res = Replay(draws=8, seed=1).run("mar2020", closes=closes)
    assert res.actual_return_pct == pytest.approx(100 * (2237.40 / 3386.15 - 1), abs=0.05)
    t = res.table
    assert list(t.index) == [c.value for c in SYSTEMATIC] + ["systematic"]
    assert (t["added_low"] <= t["added_median"]).all()
    assert (t["added_median"] <= t["added_high"]).all()
    # removing every systematic actor gives the counterfactual close of the base draw
    cf_return = 100 * (res.counterfactual.iloc[-1] / res.counterfactual.iloc[0] - 1)
    assert t.loc["systematic", "added_pp"] == pytest.approx(res.actual_return_pct - cf_return,
                                                            abs=1e-9)
    assert res.actual.index[0] == pd.Timestamp("2020-02-19")
    assert res.actual.index[-1] == pd.Timestamp("2020-03-23")
    d = res.to_dict()
    assert d["episode"] == "mar2020" and "systematic" in d["added_pp"]
    assert "Identification" in res.summary()
    assert len(flowdesk.plot(res).data) == 2


def test_replay_errors(closes: pd.Series) -> None:
    with pytest.raises(ConfigError):
        Replay(draws=1).run("not-an-episode", closes=closes)
    with pytest.raises(DataError):
        Replay(draws=1).run("feb2018", closes=closes.loc["2017-06-01":])
    assert set(EPISODES) == {"feb2018", "mar2020", "aug2024", "apr2025"}


def _perturbed(value: object) -> object:
    # Another valid value of a SimParams field of this type.
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value // 2 + 1
    if isinstance(value, float):
        return value * 0.5 if value else 0.25
    if isinstance(value, tuple) and all(isinstance(v, float) for v in value):
        return tuple(v * 0.5 for v in value)
    if isinstance(value, str):
        return "2019-06-03"
    raise TypeError(f"no perturbation for {value!r}")


def test_fields_outside_the_state_key_leave_the_initial_state_unchanged(
    closes: pd.Series,
) -> None:
    # The replay seeds the agents once for all parameter draws, keyed on STATE_FIELDS:
    # changing any other field must give the same state, array for array.
    import dataclasses

    from flowdesk.sim.state import STATE_FIELDS

    # Ending 38 sessions after the February 2020 high, so that each lookback, lag and
    # window sees different closes.
    hist = closes.loc[:"2020-04-15"].iloc[-700:].to_numpy()
    base = SimParams()
    ref = initial_state(base, hist, 2)
    others = [f.name for f in dataclasses.fields(SimParams) if f.name not in STATE_FIELDS]
    assert {"multiplier", "dealer_gamma_bn", "cta_aum_bn", "volcontrol_aum_bn",
            "stop_sizes_bn"} <= set(others)  # the fields a replay draws
    for name in others:
        state = initial_state(base.replace(**{name: _perturbed(getattr(base, name))}), hist, 2)
        for a, b in zip(ref.args(), state.args(), strict=True):
            np.testing.assert_array_equal(a, b, err_msg=name)
    # and each field inside the key does change it (values chosen so that the floor,
    # the cap and the lag bind on this history)
    inside = {"cta_vol_target": 0.05, "cta_min_vol": 2.0, "cta_equity_weight": 0.5,
              "cta_max_position": 0.001, "cta_lag": 3, "stop_lookback": 32,
              "stop_drawdowns": (0.05, 0.10, 0.15)}
    assert set(inside) | {"cohorts", "trend"} == set(STATE_FIELDS)
    for name, value in inside.items():
        state = initial_state(base.replace(**{name: value}), hist, 2)
        assert not all(np.array_equal(a, b) for a, b in zip(ref.args(), state.args(),
                                                            strict=True)), name
