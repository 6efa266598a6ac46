"""MarketSimulator front, counterfactual arithmetic, the JSON shape and the honesty line."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

import flowdesk
from flowdesk.errors import ConfigError
from flowdesk.sim.counterfactual import CounterfactualRun, amplification_table
from flowdesk.sim.model import MarketSimulator, MarketSimulatorResult, long_memory_verdict
from flowdesk.sim.pathstats import path_stats


@pytest.fixture(scope="module")
def result() -> MarketSimulatorResult:
    return MarketSimulator(seed=3).estimate(paths=24, years=1.0, moment_paths=24)


def test_to_dict_shape(result: MarketSimulatorResult) -> None:
    d = result.to_dict()
    json.dumps(d)  # JSON-ready
    assert d["paths"] == 24 and d["days"] == 252 and d["seed"] == 3
    assert d["path_days_per_s"] > 0
    assert set(d["amplification"]) == {"volcontrol", "cta", "buyback", "dealer", "stops",
                                       "systematic"}
    for entry in d["amplification"].values():
        for key in ("vol_ratio", "drawdown_ratio"):
            v = entry[key]
            assert set(v) == {"value", "ci_low", "ci_high"}
            assert v["ci_low"] <= v["value"] <= v["ci_high"]
        assert set(entry["down_days_per_year"]) == {"with", "without", "diff", "ci_low",
                                                    "ci_high"}
    m = d["moments"]
    for key in ("model", "data", "null"):
        assert set(m[key]) == set(m["labels"]) and len(m[key]) == 11
    assert 0.0 <= m["coverage"]["model"] <= 1.0
    assert m["objective"]["model"] >= 0 and m["objective"]["null"] >= 0
    assert m["long_memory"]["beats_null"] in (True, False)
    # Freshness: calibrated to a fixed window, whatever the as-of date.
    assert d["asof"] == "2018-12-31" and d["last_obs"] == {"SP500": "2018-12-31"}
    later = MarketSimulator(seed=3).estimate("2024-06-28", paths=4, years=0.2, moments=False)
    assert later.asof == pd.Timestamp("2024-06-28")
    assert later.last_obs == {"SP500": pd.Timestamp("2018-12-31")}


def test_without_removes_a_class_everywhere() -> None:
    res = MarketSimulator(seed=3).estimate(paths=6, years=0.5, without=["cta"], moments=False)
    assert "cta" not in res.amplification.index and res.without == ("cta",)
    assert res.params.scale_of("cta") == 0.0
    assert res.to_dict()["moments"]["model"] is None
    with pytest.raises(ConfigError):
        MarketSimulator(seed=3).estimate(paths=6, years=0.5, classes=["cta"], without=["cta"],
                                    moments=False)


def test_summary_states_the_long_memory_verdict_plainly(result: MarketSimulatorResult) -> None:
    assert result.moments is not None
    text = result.summary()
    assert "ACF(|r|,100)" in text and "Kernel throughput" in text
    table = result.moments.copy()
    # a model far from the data must be reported as NOT beating the null
    table.loc["acf_abs_100", ["data", "model", "null"]] = [0.12, 0.0, 0.044]
    worse = dataclasses.replace(result, moments=table)
    assert worse.long_memory()["beats_null"] is False  # type: ignore[index]
    assert "does NOT beat the GJR-GARCH-t null" in worse.summary()
    table.loc["acf_abs_100", "model"] = 0.11
    better = dataclasses.replace(result, moments=table)
    assert "closer to the data than the GJR-GARCH-t null" in better.summary()


def test_long_memory_verdict_by_hand() -> None:
    t = pd.DataFrame({"data": [0.12], "model": [0.10], "null": [0.04]}, index=["acf_abs_100"])
    assert long_memory_verdict(t) == {"data": 0.12, "model": 0.10, "null": 0.04,
                                      "beats_null": True}


def test_amplification_arithmetic_by_hand() -> None:
    base = pd.DataFrame({"realized_vol": [0.2, 0.4], "max_drawdown": [0.3, 0.5],
                         "down_days_per_year": [1.0, 3.0], "down_weeks_per_year": [0.0, 2.0],
                         "tail_index": [3.0, 4.0]})
    half = base / 2.0
    run = CounterfactualRun(base=base, without={"x": half}, samples={})
    t = amplification_table(run)
    # all-on is exactly twice the counterfactual path by path: ratio 2, zero spread
    assert t.loc["x", "vol_ratio"] == pytest.approx(2.0)
    assert t.loc["x", "vol_ratio_ci_low"] == pytest.approx(2.0)
    assert t.loc["x", "drawdown_ratio_ci_high"] == pytest.approx(2.0)
    # paired differences: [0.5, 1.5] -> mean 1, sd sqrt(0.5), se 0.5, CI 1 +- 1.96 * 0.5
    assert t.loc["x", "down_days_per_year_diff"] == pytest.approx(1.0)
    assert t.loc["x", "down_days_per_year_diff_ci_high"] == pytest.approx(1.0 + 1.959964 * 0.5,
                                                                         rel=1e-6)
    assert t.loc["x", "tail_index_with"] == pytest.approx(3.5)


def test_path_stats_by_hand() -> None:
    r = np.log(np.array([1.1, 0.5, 1.2, 0.94, 1.0] * 2))  # 10 days
    s = path_stats(r[:, None]).iloc[0]
    levels = np.exp(np.cumsum(np.concatenate([[0.0], r])))
    peak = np.maximum.accumulate(levels)
    assert s["max_drawdown"] == pytest.approx(np.max(1 - levels / peak))
    years = 10 / 252
    assert s["down_days_per_year"] == pytest.approx(4 / years)  # 0.5 and 0.94, twice each
    # two 5-day blocks, each 1.1*0.5*1.2*0.94*1.0 = 0.6204: down >= 5%
    assert s["down_weeks_per_year"] == pytest.approx(2 / years)
    assert s["realized_vol"] == pytest.approx(np.std(r, ddof=1) * math.sqrt(252))


def test_counterfactuals_use_common_random_numbers() -> None:
    from flowdesk.sim.counterfactual import run_counterfactuals
    from flowdesk.sim.engine import run_paths
    from flowdesk.sim.params import SimParams

    p = SimParams()
    run = run_counterfactuals(p, 6, 100, entropy=8, classes=["cta"], group=False, chunk=4)
    # each configuration is a plain run of the same seed and path indices (chunks of 4 + 2)
    base = path_stats(run_paths(p, 6, 100, entropy=8).returns)
    no_cta = path_stats(run_paths(p.without("cta"), 6, 100, entropy=8).returns)
    pd.testing.assert_frame_equal(run.base, base)
    pd.testing.assert_frame_equal(run.without["cta"], no_cta)


def test_repr_html_and_frame(result: MarketSimulatorResult) -> None:
    assert "<pre>" in result._repr_html_()
    assert result.to_frame() is result.amplification
    fig = flowdesk.plot(result)
    assert len(fig.data) >= 2
