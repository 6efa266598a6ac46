"""Vol-control model: hand-worked exposures, estimator checks, properties, triggers, real data.

Expected values come from closed forms written out here, from pandas (an
independent implementation of rolling std), from explicit Python loops, or from
refitting the model on an extended history (for the projection and trigger
solvers, whose answers must agree with the plain fit).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from flowdesk.data import load
from flowdesk.errors import ConfigError, DataError, ModelError
from flowdesk.flows.common import AumBand
from flowdesk.flows.volcontrol import (
    DEFAULT_COHORTS,
    VolCohort,
    VolControl,
    VolControlResult,
)
from flowdesk.flows.volcontrol_trigger import vol_trigger
from flowdesk.report.plotting import plot

AUM = AumBand(200.0, 600.0, 2000.0)
SQRT252 = math.sqrt(252.0)


def _prices(log_returns: np.ndarray, start: str = "2000-01-03", p0: float = 100.0) -> pd.Series:
    levels = p0 * np.exp(np.concatenate([[0.0], np.cumsum(log_returns)]))
    return pd.Series(levels, index=pd.bdate_range(start, periods=len(levels)), name="SP500")


def _alternating(a: float, n: int) -> np.ndarray:
    """Log returns +a, -a, +a, ... (n of them)."""
    return a * np.where(np.arange(n) % 2 == 0, 1.0, -1.0)


def _append(prices: pd.Series, closes: list[float] | np.ndarray) -> pd.Series:
    dates = pd.bdate_range(prices.index[-1], periods=len(closes) + 1)[1:]
    return pd.concat([prices, pd.Series(np.asarray(closes, float), index=dates)])


def _cohort(name: str = "c", **kw: object) -> VolCohort:
    args: dict[str, object] = {
        "target_vol": 0.10,
        "estimator": "close21",
        "cap": 1.5,
        "lag": 1,
        "weight": 1.0,
    }
    args.update(kw)
    return VolCohort(name, **args)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def sp500() -> pd.Series:
    return load("SP500")


@pytest.fixture(scope="module")
def real_fit(sp500: pd.Series) -> VolControlResult:
    return VolControl(aum=AUM).fit(sp500)


# --- validation -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("target_vol", 0.0),
        ("target_vol", -0.1),
        ("target_vol", float("nan")),
        ("target_vol", "10%"),
        ("estimator", "close5"),
        ("cap", 0.0),
        ("cap", 4.0),
        ("cap", True),
        ("lag", -1),
        ("lag", 6),
        ("lag", 1.5),
        ("weight", 0.0),
        ("weight", 1.2),
        ("weight", float("inf")),
    ],
)
def test_cohort_fields_are_validated(field: str, value: object) -> None:
    with pytest.raises(ModelError, match=field):
        _cohort(**{field: value})


def test_cohort_name_and_set_validation() -> None:
    with pytest.raises(ModelError, match="name"):
        _cohort(name="  ")
    with pytest.raises(ModelError, match="sum to 1"):
        VolControl([_cohort(weight=0.5)], aum=AUM)
    with pytest.raises(ModelError, match="unique"):
        VolControl([_cohort(weight=0.5), _cohort(weight=0.5)], aum=AUM)
    with pytest.raises(ModelError, match="at least one"):
        VolControl([], aum=AUM)
    with pytest.raises(ConfigError, match="aum"):
        VolControl(aum=(1, 2, 3))  # type: ignore[arg-type]


def test_default_cohorts_are_sensible() -> None:
    assert math.isclose(sum(c.weight for c in DEFAULT_COHORTS), 1.0, abs_tol=1e-12)
    assert {c.target_vol for c in DEFAULT_COHORTS} == {0.05, 0.10, 0.15}
    assert {c.estimator for c in DEFAULT_COHORTS} == {"close21", "close63", "ewma94", "max21_63"}
    assert all(1.0 <= c.cap <= 1.5 and c.lag in (1, 2) for c in DEFAULT_COHORTS)


def test_default_aum_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from flowdesk.config import clear_settings_cache

    monkeypatch.setenv("FLOWDESK_VOLCONTROL_AUM_BASE_BN", "777")
    clear_settings_cache()
    assert VolControl().aum.base_bn == 777.0


# --- hand-worked exposures ----------------------------------------------------------


def test_alternating_returns_give_rms_vol_exactly() -> None:
    # Zero-mean (RMS) estimators, the default: every squared return is a^2, so every
    # window reads a * sqrt(252) whatever its mix of signs.
    a = 0.20 / math.sqrt(252)
    res = VolControl([_cohort("t10", target_vol=0.10, lag=0, weight=1.0)],
                     aum=AUM).fit(_prices(_alternating(a, 150)))
    for name, window in (("close21", 21), ("close63", 63)):
        est = res.vol_estimates[name]
        assert est.iloc[:window].isna().all()
        np.testing.assert_allclose(est.iloc[window:], 0.20, rtol=1e-12)
    np.testing.assert_allclose(res.exposure["t10"].iloc[63:], 0.5, rtol=1e-12)


def test_steady_down_tape_is_volatile_to_rms_and_calm_to_demeaned() -> None:
    # A -1% log return every session: RMS vol = 1% x sqrt(252) = 15.87%; the
    # mean-subtracted std is 0, so the demeaned fund sees no risk and runs at its cap.
    rets = np.full(150, -0.01)
    cohort = [_cohort("t10", target_vol=0.10, lag=0, weight=1.0)]
    rms = VolControl(cohort, aum=AUM).fit(_prices(rets))
    old = VolControl(cohort, aum=AUM, demean=True).fit(_prices(rets))
    np.testing.assert_allclose(rms.vol_estimates["close21"].iloc[30:], 0.01 * SQRT252, rtol=1e-12)
    np.testing.assert_allclose(old.vol_estimates["close21"].iloc[30:], 0.0, atol=1e-12)
    assert rms.exposure["t10"].iloc[-1] == pytest.approx(0.10 / (0.01 * SQRT252), rel=1e-12)
    assert old.exposure["t10"].iloc[-1] == _cohort("x").cap


def test_alternating_returns_give_known_vol_exposure_cap_and_lag() -> None:
    # The mean-subtracted estimators (demean=True).
    # 21 alternating returns +-a hold 11 of one sign and 10 of the other: mean a/21,
    # sum of squared deviations 21 a^2 - a^2/21, so var = a^2 (441 - 1) / (21 * 20)
    # = a^2 * 22/21. Pick a so that the annualised 21d vol is exactly 20%.
    a = 0.20 / math.sqrt(252 * 22 / 21)
    prices = _prices(_alternating(a, 150))
    cohorts = [
        _cohort("t10_lag0", target_vol=0.10, lag=0, weight=0.5),  # 0.10/0.20 = 0.5
        _cohort("t35_lag1", target_vol=0.35, lag=1, weight=0.5),  # 1.75 capped at 1.5
    ]
    res = VolControl(cohorts, aum=AUM, demean=True).fit(prices)
    vol21 = res.vol_estimates["close21"]
    assert vol21.iloc[:21].isna().all()  # 21 returns need 22 closes
    np.testing.assert_allclose(vol21.iloc[21:], 0.20, rtol=1e-12)
    # 63 alternating returns: 32 vs 31, var = (63 a^2 - a^2/63)/62 = a^2 * 64/63.
    np.testing.assert_allclose(
        res.vol_estimates["close63"].iloc[63:], a * math.sqrt(252 * 64 / 63), rtol=1e-12
    )
    exp0, exp1 = res.exposure["t10_lag0"], res.exposure["t35_lag1"]
    assert exp0.iloc[:21].isna().all() and exp1.iloc[:22].isna().all()
    np.testing.assert_allclose(exp0.iloc[21:], 0.5, rtol=1e-12)
    assert (exp1.iloc[22:] == 1.5).all()
    np.testing.assert_allclose(
        res.exposure["aggregate"].iloc[22:], 0.5 * 0.5 + 0.5 * 1.5, rtol=1e-12
    )
    np.testing.assert_allclose(res.flow.iloc[23:].to_numpy(), 0.0, atol=1e-10)


def test_vol_step_is_seen_after_exactly_the_lag() -> None:
    # Vol jumps from 10% to 40% (close21): exposure of a 10% target falls from 1.0 to
    # 0.25 once the window is all high-vol; a lag-L cohort follows exactly L sessions later.
    a = 0.10 / math.sqrt(252)  # RMS of +-a is a: 10% annualised
    rets = np.concatenate([_alternating(a, 100), _alternating(4 * a, 100)])
    cohorts = [_cohort(f"lag{k}", lag=k, weight=1 / 3) for k in (0, 1, 2)]
    res = VolControl(cohorts, aum=AUM).fit(_prices(rets))
    e0 = res.exposure["lag0"]
    assert e0.iloc[90] == pytest.approx(1.0, rel=1e-12)
    assert e0.iloc[130] == pytest.approx(0.25, rel=1e-12)
    assert e0.iloc[101] < e0.iloc[100]  # first high-vol return enters at close 101
    for k in (1, 2):
        pd.testing.assert_series_equal(res.exposure[f"lag{k}"], e0.shift(k), check_names=False)
    # the flow of the aggregate is the change in exposure times AUM (base and high)
    d = res.exposure["aggregate"].diff()
    np.testing.assert_allclose(res.flow["base"], d * 600.0, equal_nan=True)
    np.testing.assert_allclose(res.flow["high"], d * 2000.0, equal_nan=True)
    assert res.flow["base"].iloc[101:125].sum() < 0  # rising vol: selling


@pytest.mark.parametrize("demean", [False, True])
def test_rolling_estimators_equal_pandas_and_max(real_fit: VolControlResult, demean: bool) -> None:
    if demean:
        real_fit = VolControl(aum=AUM, demean=True).fit(real_fit.prices)
    r = np.log(real_fit.prices).diff()
    for name, window in (("close21", 21), ("close63", 63)):
        expected = (r.rolling(window).std() if demean
                    else np.sqrt((r**2).rolling(window).mean())) * SQRT252
        np.testing.assert_allclose(
            real_fit.vol_estimates[name], expected, rtol=1e-9, equal_nan=True
        )
    v = real_fit.vol_estimates
    expected_max = np.where(v["close21"] > v["close63"], v["close21"], v["close63"])
    np.testing.assert_array_equal(v["max21_63"].iloc[63:], expected_max[63:])


def test_ewma_equals_explicit_riskmetrics_loop() -> None:
    rng = np.random.default_rng(7)
    rets = rng.standard_t(4, 300) * 0.01
    res = VolControl([_cohort(estimator="ewma94")], aum=AUM).fit(_prices(rets))
    s2 = rets[0] ** 2  # seeded with the first squared return
    expected = [math.nan, math.nan]
    for t in range(1, len(rets)):
        s2 = 0.94 * s2 + 0.06 * rets[t] ** 2
        expected.append(math.sqrt(252 * s2) if t + 1 >= 63 else math.nan)
    np.testing.assert_allclose(res.vol_estimates["ewma94"], expected, rtol=1e-12, equal_nan=True)
    assert res.vol_estimates["ewma94"].iloc[63:].notna().all()
    assert res.vol_estimates["ewma94"].iloc[:63].isna().all()


# --- bad input ------------------------------------------------------------------------


def test_bad_prices_raise_clear_errors() -> None:
    model = VolControl(aum=AUM)
    good = _prices(np.full(200, 0.001))
    with pytest.raises(DataError, match="rows, need at least 66"):
        model.fit(good.iloc[: model.min_history - 1])
    model.fit(good.iloc[: model.min_history])  # exactly enough
    for bad_value, message in (
        (0.0, "non-positive"),
        (-5.0, "non-positive"),
        (np.nan, "missing close"),
    ):
        bad = good.copy()
        bad.iloc[120] = bad_value
        with pytest.raises(DataError, match=message):
            model.fit(bad)
    with pytest.raises(DataError, match="dates"):
        model.fit(good.reset_index(drop=True))
    with pytest.raises(DataError, match="one column"):
        model.fit(pd.concat([good, good], axis=1))


# --- properties -----------------------------------------------------------------------

_returns = hnp.arrays(
    np.float64, st.integers(70, 160), elements=st.floats(-0.08, 0.08, allow_nan=False)
)


@settings(max_examples=40, deadline=None)
@given(rets=_returns)
def test_exposure_within_zero_and_cap(rets: np.ndarray) -> None:
    res = VolControl(aum=AUM).fit(_prices(rets))
    for c in DEFAULT_COHORTS:
        e = res.exposure[c.name].dropna()
        assert ((e >= 0) & (e <= c.cap)).all()
    caps = sum(c.weight * c.cap for c in DEFAULT_COHORTS)
    agg = res.exposure["aggregate"].dropna()
    assert len(agg) >= 1 and ((agg >= 0) & (agg <= caps + 1e-12)).all()


@settings(max_examples=20, deadline=None)
@given(rets=_returns)
def test_flat_tape_means_buying_then_exactly_zero_flow(rets: np.ndarray) -> None:
    # After 63 unchanged closes both rolling estimates are exactly 0 (every cohort on
    # them sits at its cap) and the EWMA estimate only decays, so flows are >= 0.
    # EWMA vol after j flat days is 0.94**(j/2) of where it started (<= 0.08 sqrt(252)
    # = 1.27): after 300 days it is below 2e-4, under every target/cap (>= 0.033),
    # so every estimator is pinned and the flow is exactly zero.
    flat = 300
    res = VolControl(aum=AUM).fit(_prices(np.concatenate([rets, np.zeros(flat)])))
    start = len(rets) + 1  # first flat close
    after_windows = res.flow["base"].iloc[start + 63 + 2 :]
    assert (after_windows >= 0).all()
    tail = res.flow.iloc[-50:]
    assert (tail.to_numpy() == 0.0).all()
    for c in DEFAULT_COHORTS:
        assert (res.exposure[c.name].iloc[-50:] == c.cap).all()


@settings(max_examples=25, deadline=None)
@given(rets=_returns, cut=st.integers(66, 200))
def test_point_in_time_appending_changes_nothing_earlier(rets: np.ndarray, cut: int) -> None:
    prices = _prices(np.concatenate([rets, np.random.default_rng(1).normal(0, 0.02, 60)]))
    cut = min(cut, len(prices) - 1)
    model = VolControl(aum=AUM, percentile_start="2000-01-01")
    short, full = model.fit(prices.iloc[:cut]), model.fit(prices)
    for name in ("exposure", "target", "flow", "vol_estimates", "daily_var"):
        pd.testing.assert_frame_equal(
            getattr(short, name), getattr(full, name).iloc[:cut], check_exact=True
        )
    pd.testing.assert_series_equal(short.percentile, full.percentile.iloc[:cut], check_exact=True)


def test_point_in_time_on_real_data(sp500: pd.Series, real_fit: VolControlResult) -> None:
    cut = sp500.index.get_loc(pd.Timestamp("2020-03-16"))
    short = VolControl(aum=AUM).fit(sp500.iloc[: cut + 1])
    pd.testing.assert_frame_equal(
        short.to_frame(), real_fit.to_frame().iloc[: cut + 1], check_exact=True
    )


# --- projection hook --------------------------------------------------------------------


def _deterministic_paths(p0: float, horizon: int) -> np.ndarray:
    steps = [
        np.zeros(horizon),  # flat tape
        np.full(horizon, 0.01),  # +1% a day
        np.full(horizon, -0.02),  # -2% a day
        0.03 * np.where(np.arange(horizon) % 2 == 0, 1.0, -1.0),  # whipsaw
        np.concatenate([[-0.10], np.full(horizon - 1, 0.015)]),  # crash then rebound
    ]
    return np.stack([p0 * np.exp(np.cumsum(s)) for s in steps])[:, :, None]


@pytest.mark.parametrize("demean", [False, True])
@pytest.mark.parametrize("asof", ["2017-06-30", "2020-02-21", "2026-08-21"])
def test_positions_along_equals_refit(sp500: pd.Series, asof: str, demean: bool) -> None:
    history = sp500.loc[:asof]
    model = VolControl(aum=AUM, demean=demean)
    res = model.fit(history)
    paths = _deterministic_paths(float(history.iloc[-1]), 21)
    projected = model.positions_along(res, paths)
    assert projected.shape == (5, 21)
    for i in range(len(paths)):
        refit = model.fit(_append(history, paths[i, :, 0]))
        np.testing.assert_allclose(
            projected[i], refit.exposure["aggregate"].iloc[-21:], rtol=1e-10, atol=1e-12
        )
    # the same result whether the asset axis is given or not
    np.testing.assert_array_equal(res.positions_along(paths[:, :, 0]), projected)


@settings(max_examples=15, deadline=None)
@given(
    rets=_returns,
    horizon=st.integers(1, 5),
    lags=st.lists(st.integers(0, 3), min_size=3, max_size=3),
)
def test_positions_along_equals_refit_synthetic(
    rets: np.ndarray, horizon: int, lags: list[int]
) -> None:
    cohorts = [
        _cohort("a", estimator="max21_63", lag=lags[0], weight=0.3, cap=1.0, target_vol=0.05),
        _cohort("b", estimator="ewma94", lag=lags[1], weight=0.3),
        _cohort("c", estimator="close63", lag=lags[2], weight=0.4, target_vol=0.15),
    ]
    model = VolControl(cohorts, aum=AUM)
    prices = _prices(rets)
    res = model.fit(prices)
    paths = _deterministic_paths(float(prices.iloc[-1]), horizon)
    projected = res.positions_along(paths)
    for i in range(len(paths)):
        refit = model.fit(_append(prices, paths[i, :, 0]))
        np.testing.assert_allclose(
            projected[i], refit.exposure["aggregate"].iloc[-horizon:], rtol=1e-10, atol=1e-12
        )


def test_positions_along_rejects_bad_paths(real_fit: VolControlResult) -> None:
    for bad in (
        np.ones((2, 3, 2)),
        np.ones(5),
        np.ones((0, 3, 1)),
        -np.ones((2, 3, 1)),
        np.full((2, 3, 1), np.nan),
    ):
        with pytest.raises(DataError, match="paths"):
            real_fit.positions_along(bad)


def test_positions_along_handles_many_paths(real_fit: VolControlResult) -> None:
    # Speed is measured in benchmarks/, not asserted here.
    rng = np.random.default_rng(0)
    p0 = float(real_fit.prices.iloc[-1])
    paths = p0 * np.exp(np.cumsum(rng.normal(0, 0.012, (10_000, 21)), axis=1))[:, :, None]
    out = real_fit.positions_along(paths)
    assert out.shape == (10_000, 21) and np.isfinite(out).all()
    cap = max(c.cap for c in real_fit.cohorts)
    assert (out >= 0).all() and (out <= cap + 1e-12).all()


# --- vol triggers ------------------------------------------------------------------------


def _forced_trade_bn(model: VolControl, history: pd.Series, close: float) -> float:
    """Change of the aggregate target at the appended close, USD bn at base AUM."""
    refit = model.fit(_append(history, [close]))
    return float(refit.target["aggregate"].diff().iloc[-1]) * model.aum.base_bn


@pytest.mark.parametrize("demean", [False, True])
@pytest.mark.parametrize("asof", ["2019-12-31", "2020-02-21", "2022-06-30"])
def test_vol_trigger_round_trip_on_real_data(sp500: pd.Series, asof: str, demean: bool) -> None:
    # Each level, refitted with the solved close appended, forces exactly its amount, for
    # the zero-mean estimators (default) and the mean-subtracted ones alike.
    history = sp500.loc[:asof]
    model = VolControl(aum=AUM, demean=demean)
    trig = vol_trigger(model.fit(history), (5.0, 10.0, 25.0))
    p0 = float(history.iloc[-1])
    for level in trig.levels:
        sign = -1.0 if level.side == "sell" else 1.0
        for ret, close in ((level.down, level.down_level), (level.up, level.up_level)):
            if math.isnan(ret):
                assert level.reason
                continue
            assert close == pytest.approx(p0 * (1 + ret), rel=1e-12)
            got = _forced_trade_bn(model, history, close)
            assert got == pytest.approx(sign * level.amount_bn, rel=1e-6)
            if level.side == "sell":
                # a slightly smaller move forces less selling: the level is the smallest
                assert _forced_trade_bn(model, history, p0 * (1 + 0.99 * ret)) > -level.amount_bn
    sells = [lv for lv in trig.levels if lv.side == "sell"]
    assert all(lv.down < 0 < lv.up for lv in sells)
    assert [lv.up for lv in sells] == sorted(lv.up for lv in sells)  # bigger sale, bigger move
    assert trig.flat_tape.base == pytest.approx(
        _forced_trade_bn(model, history, p0), rel=1e-9, abs=1e-9
    )


@settings(max_examples=15, deadline=None)
@given(rets=_returns, amount=st.floats(1.0, 60.0))
def test_vol_trigger_round_trip_synthetic(rets: np.ndarray, amount: float) -> None:
    model = VolControl(aum=AUM)
    history = _prices(rets)
    trig = model.fit(history).triggers((amount,))
    sell = trig.levels[0]
    for ret, close in ((sell.down, sell.down_level), (sell.up, sell.up_level)):
        if math.isnan(ret):
            continue
        if ret == 0.0:  # a flat day already forces the sale
            assert _forced_trade_bn(model, history, close) <= -amount
        else:
            assert _forced_trade_bn(model, history, close) == pytest.approx(-amount, rel=1e-6)


def test_trigger_schedule_follows_the_lag(sp500: pd.Series) -> None:
    # lag-1 cohorts execute their part on T+2, lag-2 cohorts on T+3; trades on T+1
    # were fixed by targets up to T whatever tomorrow's close.
    history = sp500.loc[:"2020-02-21"]
    model = VolControl(aum=AUM)
    res = model.fit(history)
    trig = res.triggers((10.0,))
    sell = trig.levels[0]
    assert sum(sell.schedule_down.values()) == pytest.approx(-10.0, rel=1e-9)
    refit = model.fit(_append(history, [sell.down_level, 3000.0, 3000.0]))
    for lag, session in ((1, 2), (2, 3)):
        names = [c.name for c in DEFAULT_COHORTS if c.lag == lag]
        weights = np.array([c.weight for c in DEFAULT_COHORTS if c.lag == lag])
        traded = refit.exposure[names].diff().iloc[-4 + session].to_numpy() @ weights * 600.0
        assert traded == pytest.approx(sell.schedule_down[f"T+{1 + lag}"], rel=1e-9)
    for close in (1000.0, 5000.0):
        flow_t1 = model.fit(_append(history, [close])).flow["base"].iloc[-1]
        assert flow_t1 == pytest.approx(trig.committed["T+1"].base, rel=1e-12)


def test_trigger_nan_with_reason_when_capped_or_too_large(sp500: pd.Series) -> None:
    calm = sp500.loc[:"2017-12-29"]
    # 100% target: after a 20% move either way the EWMA estimate is about
    # sqrt(252 * 0.06 * log(0.8)**2) = 0.87 (< 1), so the cohort stays capped.
    capped = VolControl([_cohort(target_vol=1.0, cap=1.0, estimator="ewma94")], aum=AUM)
    level = vol_trigger(capped.fit(calm), (5.0,), max_move=0.20).levels[0]
    assert math.isnan(level.down) and math.isnan(level.up)
    assert level.reason is not None and "no move" in level.reason
    huge = VolControl(aum=AUM).fit(calm).triggers((5000.0,))
    assert all(math.isnan(lv.up) and lv.reason for lv in huge.levels)
    with pytest.raises(ConfigError, match="amounts_bn"):
        vol_trigger(VolControl(aum=AUM).fit(calm), (-5.0,))


# --- result API -------------------------------------------------------------------------


def test_latest_is_json_ready_and_consistent(real_fit: VolControlResult) -> None:
    out = real_fit.latest()
    json.dumps(out, allow_nan=False)
    assert set(out) >= {"exposure", "percentile", "by_cohort", "flow_1d", "triggers", "vol"}
    day = real_fit.asof
    assert out["exposure"] == pytest.approx(real_fit.exposure.at[day, "aggregate"], abs=1e-4)
    assert set(out["flow_1d"]) == {"low", "base", "high"}
    assert out["flow_1d"]["base"] == pytest.approx(real_fit.flow.at[day, "base"], abs=1e-3)
    assert set(out["by_cohort"]) == {c.name for c in DEFAULT_COHORTS}
    assert {"sell", "buy", "flat_tape_bn", "committed_bn"} <= set(out["triggers"])
    # a weekend date resolves to the Friday before
    friday = real_fit.at("2020-03-22")
    assert friday["asof"] == "2020-03-20"
    early = real_fit.at("1985-02-01")  # estimators still warming up
    assert early["exposure"] is None and "error" in early["triggers"]


def test_summary_frame_html_plot(real_fit: VolControlResult) -> None:
    text = real_fit.summary()
    for phrase in ("fraction of AUM", "USD bn", "sqrt(252)", "t-L", "Vol triggers"):
        assert phrase in text
    frame = real_fit.to_frame()
    assert {"aggregate", "percentile", "flow_base_bn", "vol_ewma94"} <= set(frame.columns)
    assert "<pre>" in real_fit._repr_html_()
    fig = plot(real_fit)
    assert len(fig.data) == 2


# --- reference facts on real data ----------------------------------------------------------


def test_covid_crash_and_calm_2017(real_fit: VolControlResult) -> None:
    agg, pct = real_fit.exposure["aggregate"], real_fit.percentile
    january = agg.loc["2020-01"].mean()
    late_march = agg.loc["2020-03-20":"2020-03-31"]
    # realised vol went from ~10% to ~80%: funds cut exposure by far more than half
    assert late_march.max() < 0.35 * january
    assert pct.loc["2020-03-20":"2020-03-31"].max() < 5.0
    # they sold through the crash
    assert real_fit.flow["base"].loc["2020-02-24":"2020-03-31"].sum() < -0.5 * 600.0 * january
    # 2017 had realised vol around 7%: the book sits near its weighted cap
    full = sum(c.weight * c.cap for c in DEFAULT_COHORTS)
    assert agg.loc["2017"].mean() > 0.85 * full
    assert pct.loc["2017-12"].min() > 80.0
    # percentile history starts at the configured date
    assert pct.loc[:"1989-12-31"].isna().all() and pct.loc["1991"].notna().all()


def test_annualised_treats_roundoff_below_zero_as_zero_and_keeps_nan() -> None:
    import warnings

    from flowdesk.flows.volcontrol_trigger import annualised

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = annualised(np.array([-1e-20, 0.0, 1e-4, np.nan]))
    # sqrt(252 * 1e-4) = 0.158745...
    assert out[0] == 0.0 and out[1] == 0.0 and np.isnan(out[3])
    assert abs(out[2] - 0.15874507866387544) < 1e-15
