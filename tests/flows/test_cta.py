"""CTA trend book: hand-worked numbers, the numba path vs slow pandas, properties, bad input."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flowdesk.data import load
from flowdesk.errors import DataError, ModelError
from flowdesk.flows.common import AumBand
from flowdesk.flows.cta import (
    CTA,
    CTA_UNIVERSE,
    CTAResult,
    TrendWindow,
    align_to_sessions,
    flows_along,
    positions_along,
)
from flowdesk.flows.cta_signals import TrendSpec, ewm_weight_into, trend_forecasts
from flowdesk.report.plotting import plot

AUM = AumBand(200.0, 350.0, 500.0)
PROPS = settings(max_examples=30, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow])


def _panel(seed: int, n_t: int = 420, n_a: int = 3, *, gaps: bool = True,
           negative: bool = False) -> pd.DataFrame:
    """Random-walk prices on business days; optional gaps, a late start, a negative patch."""
    rng = np.random.default_rng(seed)
    steps = rng.standard_t(5, size=(n_t, n_a)) * rng.uniform(0.5, 2.0, size=n_a)
    p = 100.0 + np.cumsum(steps, axis=0) + rng.uniform(0, 50, size=n_a)
    p = np.where(p < 5.0, 5.0 + np.abs(p - 5.0), p)
    if gaps and n_a > 1:
        p[: n_t // 5, 1] = np.nan  # starts late
        p[rng.random(n_t) < 0.02, 0] = np.nan  # scattered missing sessions
    if negative:
        p[n_t // 2 : n_t // 2 + 4, -1] -= p[n_t // 2, -1] + 3.0  # WTI-style dip below zero
    idx = pd.bdate_range("2001-01-01", periods=n_t)
    return pd.DataFrame(p, index=idx, columns=[f"A{i}" for i in range(n_a)])


# --- hand-worked example -----------------------------------------------------------------------


def test_hand_worked_single_window() -> None:
    # One window: EWMA spans 2 and 4, scalar 1, TSMOM lookback 2; vol span 3; fdm 1.
    # Prices 10, 11, 12, 11, 13 (t = 0..4); everything below is at t = 4.
    #
    # pandas adjust=True EWMA = sum_k d^k p_{t-k} / sum_k d^k with d = 1 - 2/(span+1):
    #   fast d = 1/3: weights 1, 1/3, 1/9, 1/27, 1/81, sum W_f = 121/81,
    #     e_f = (13 + 11/3 + 12/9 + 11/27 + 10/81) / (121/81) = 1501/121 = 12.40496
    #   slow d = 3/5: weights 1, 3/5, 9/25, 27/125, 81/625, sum W_s = 1441/625,
    #     e_s = (17245/625) / (1441/625) = 17245/1441 = 11.96738
    # Vol: differences 1, 1, -1, 2; the forecast at t = 4 divides by sigma through t = 3,
    #   the EW std (span 3, d = 1/2) of 1, 1, -1 with weights 1/4, 1/2, 1 (oldest first):
    #   mean = (1/4 + 1/2 - 1) / (7/4) = -1/7; biased var = (1/4 (8/7)^2 + 1/2 (8/7)^2
    #   + (6/7)^2) / (7/4) = 48/49; bias factor (sum w)^2 / ((sum w)^2 - sum w^2)
    #   = (49/16) / (49/16 - 21/16) = 7/4, so sigma^2 = 12/7, sigma = 1.309307.
    # EWMAC = (e_f - e_s) / sigma = 0.437575 / 1.309307 = 0.334203; TSMOM = sign(13 - 12) = +1.
    # Window forecast = 0.5 * 0.334203 + 0.5 * 10 * 1 = 5.167102 (fdm 1, no cap binding).
    # Position: vol = sigma / p * sqrt(252) = 1.309307 / 13 * 15.87451 = 1.598816 (annualised);
    #   one asset, no correlations yet, so IDM = 1 and n = 1:
    #   position = 5.167102 / 10 * 0.10 / 1.598816 = 0.0323183 of AUM; % of max = F / 20.
    # EWMAC pivot for t = 5: c = 1 / (d W + 1) is tomorrow's weight on the new price,
    #   c_f = 1 / (121/243 + 1) = 243/364, c_s = 1 / (4323/3125 + 1) = 3125/7448,
    #   p* = ((1 - c_s) e_s - (1 - c_f) e_f) / (c_f - c_s) = 11.380877.
    # TSMOM pivot for t = 5: tomorrow compares with p_{5-2} = p_3 = 11.
    e_f, e_s = Fraction(1501, 121), Fraction(17245, 1441)
    sigma = np.sqrt(12 / 7)
    ewmac = float(e_f - e_s) / sigma
    forecast = 0.5 * ewmac + 5.0
    vol = sigma / 13 * np.sqrt(252)
    c_f, c_s = Fraction(243, 364), Fraction(3125, 7448)
    pivot = float(((1 - c_s) * e_s - (1 - c_f) * e_f) / (c_f - c_s))
    assert ewmac == pytest.approx(0.334203, abs=1e-6)
    assert pivot == pytest.approx(11.380877, abs=1e-6)

    prices = pd.Series([10.0, 11, 12, 11, 13], index=pd.bdate_range("2024-01-01", periods=5),
                       name="X")
    model = CTA([TrendWindow("t", 2, 4, 1.0, 2)], vol_span=3, vol_min_periods=2, fdm=1.0, aum=AUM)
    res = model.fit(prices)
    assert res.sigma["X"].iloc[3] == pytest.approx(sigma, rel=1e-12)
    assert res.ewmac["t"]["X"].iloc[-1] == pytest.approx(ewmac, rel=1e-12)
    assert res.tsmom["t"]["X"].iloc[-1] == 1.0
    assert res.forecast["X"].iloc[-1] == pytest.approx(forecast, rel=1e-12)
    assert res.vol["X"].iloc[-1] == pytest.approx(vol, rel=1e-12)
    assert res.idm.iloc[-1] == 1.0
    assert res.position["X"].iloc[-1] == pytest.approx(forecast / 10 * 0.10 / vol, rel=1e-12)
    assert res.position["X"].iloc[-1] == pytest.approx(0.0323183, abs=1e-7)
    assert res.position_pct["X"].iloc[-1] == pytest.approx(100 * forecast / 20, rel=1e-12)
    assert res.crossover_pivots["t"]["X"].iloc[-1] == pytest.approx(pivot, rel=1e-12)
    assert res.tsmom_pivots["t"]["X"].iloc[-1] == 11.0
    # Two sessions of history are too few for the TSMOM lookback: NaN, not garbage.
    assert res.forecast["X"].iloc[:2].isna().all()


def test_weight_state_equals_pandas_ewm_sum() -> None:
    x = _panel(3).to_numpy()
    out = np.empty_like(x)
    for span in (8, 256):
        alpha = 2 / (span + 1)
        ewm_weight_into(x, 1 - alpha, True, False, out)
        ones = pd.DataFrame(np.where(np.isnan(x), np.nan, 1.0))
        np.testing.assert_allclose(out, ones.ewm(alpha=alpha).sum(), rtol=1e-12)


# --- the numba path equals a slow, obvious pandas version ---------------------------------------


def _slow_signals(prices: pd.DataFrame, spec: TrendSpec) -> tuple[dict, dict, pd.DataFrame]:
    """Series by series with pandas, straight from the definitions in the module docstring."""
    ewmac: dict[str, dict] = {w.name: {} for w in spec.windows}
    tsmom: dict[str, dict] = {w.name: {} for w in spec.windows}
    combined = {}
    for col in prices.columns:
        p = prices[col]
        sigma_prev = p.diff().ewm(span=spec.vol_span, min_periods=spec.vol_min_periods).std()
        sigma_prev = sigma_prev.shift(1)
        windows = []
        for w in spec.windows:
            fast = p.ewm(span=w.fast, adjust=spec.adjust).mean()
            slow = p.ewm(span=w.slow, adjust=spec.adjust).mean()
            valid = p.notna() & p.shift(w.lookback).notna() & sigma_prev.notna()
            e = ((fast - slow) / sigma_prev * w.scalar).clip(-20, 20)
            e = e.where(fast != slow, 0.0).where(valid)
            s = np.sign(p - p.shift(w.lookback)).where(valid)
            ewmac[w.name][col], tsmom[w.name][col] = e, s
            windows.append((1 - spec.tsmom_weight) * e + spec.tsmom_weight * 10 * s)
        combined[col] = (spec.fdm * sum(windows[1:], windows[0]) / len(windows)).clip(-20, 20)
    return ewmac, tsmom, pd.DataFrame(combined)


@pytest.mark.parametrize("adjust", [True, False])
def test_forecasts_equal_slow_pandas(adjust: bool) -> None:
    prices = _panel(7, n_t=600, n_a=4, negative=True)
    model = CTA(adjust=adjust, aum=AUM)
    res = model.fit(prices)
    ewmac, tsmom, combined = _slow_signals(prices, model.spec)
    for w in model.windows:
        np.testing.assert_allclose(res.ewmac[w.name], pd.DataFrame(ewmac[w.name]), rtol=1e-10,
                                   atol=1e-12)
        np.testing.assert_array_equal(res.tsmom[w.name], pd.DataFrame(tsmom[w.name]))
    np.testing.assert_allclose(res.forecast, combined, rtol=1e-10, atol=1e-12)
    assert res.forecast.notna().to_numpy().sum() > 1000


def _slow_book(prices: pd.DataFrame, forecast: pd.DataFrame, sigma: pd.DataFrame,
               m: CTA) -> pd.DataFrame:
    """Positions by a loop over dates, correlations from pandas EWMAs of weekly changes."""
    n_t, n_a = prices.shape
    vol = (sigma.shift(1) / prices * np.sqrt(252)).where(prices > 0).clip(lower=m.min_vol)
    rows = [t for t in range(n_t) if t >= m.corr_every and t % m.corr_every == 0]
    change = (prices - prices.shift(m.corr_every)).iloc[rows]
    z = change.fillna(0.0)
    count = change.notna().cumsum()
    ewm = {(i, j): (z.iloc[:, i] * z.iloc[:, j]).ewm(span=m.corr_span).mean()
           for i in range(n_a) for j in range(n_a)}
    out = np.full((n_t, n_a), np.nan)
    for t in range(n_t):
        active = [i for i in range(n_a) if np.isfinite(forecast.iat[t, i])
                  and np.isfinite(vol.iat[t, i])]
        if not active:
            continue
        done = [u for u, r in enumerate(rows) if r <= t]
        total = 0.0
        for i in active:
            for j in active:
                if i == j:
                    total += 1.0
                    continue
                trusted = bool(done) and all(
                    count.iat[done[-1], a] >= m.corr_min_obs and ewm[a, a].iat[done[-1]] > 0
                    for a in (i, j))
                rho = (ewm[i, j].iat[done[-1]] / np.sqrt(ewm[i, i].iat[done[-1]]
                                                         * ewm[j, j].iat[done[-1]])
                       if trusted else 1.0)
                total += max(rho, 0.0)
        q = total / len(active) ** 2
        idm = min(m.max_idm, 1 / np.sqrt(q))
        raw = {i: forecast.iat[t, i] / 10 * m.vol_target / vol.iat[t, i] * idm / len(active)
               for i in active}
        gross = sum(abs(v) for v in raw.values())
        scale = m.max_gross / gross if gross > m.max_gross else 1.0
        for i, v in raw.items():
            out[t, i] = v * scale
    return pd.DataFrame(out, index=prices.index, columns=prices.columns)


def test_positions_equal_slow_book() -> None:
    prices = _panel(11, n_t=700, n_a=3, negative=True)
    model = CTA(aum=AUM, max_gross=1.5, corr_min_obs=10)
    res = model.fit(prices)
    slow = _slow_book(prices, res.forecast, res.sigma, model)
    np.testing.assert_allclose(res.position, slow, rtol=1e-10, atol=1e-14)
    assert (res.gross_exposure.dropna() <= 1.5 + 1e-12).all()
    assert res.gross_exposure.max() == pytest.approx(1.5)  # the cap binds somewhere
    assert res.position.notna().to_numpy().sum() > 600


# --- properties ------------------------------------------------------------------------------


@PROPS
@given(seed=st.integers(0, 10_000), n_a=st.integers(1, 3), n_t=st.integers(260, 330),
       levels=st.lists(st.floats(1.0, 500.0), min_size=3, max_size=3))
def test_positions_zero_when_every_signal_is_zero(seed: int, n_a: int, n_t: int,
                                                  levels: list[float]) -> None:
    # Flat prices: EWMAs equal the price, every EWMAC and TSMOM signal is 0.
    prices = pd.DataFrame(np.tile(levels[:n_a], (n_t, 1)),
                          index=pd.bdate_range("2010-01-01", periods=n_t))
    res = CTA(aum=AUM).fit(prices)
    later = slice(253, None)
    assert (res.forecast.iloc[later] == 0).all().all()
    assert (res.position.iloc[later] == 0).all().all()
    assert (res.gross_exposure.iloc[later] == 0).all()


@PROPS
@given(seed=st.integers(0, 10_000), k=st.floats(0.25, 2.0))
def test_up_and_down_tape_flows_have_opposite_signs(seed: int, k: float) -> None:
    # A one-asset book trades more on an up session than on a flat one, and less on a
    # down session (units held = position / price; a trade is the change in units).
    # Flows are measured against the flat tape, which has its own drift (EWMAs converge).
    # Yesterday's sigma normalises the forecast, so it is linear in today's price.
    prices = _panel(seed, n_t=320, n_a=1, gaps=False)
    model = CTA(aum=AUM, max_gross=1e9, min_vol=0.0)
    res = model.fit(prices)
    last, sigma = prices.iat[-1, 0], res.sigma.iat[-1, 0]
    moves = np.array([0.0, k * sigma, -k * sigma])
    assume(last - k * sigma > 0)
    paths = (last + moves)[:, None, None]
    units = positions_along(res, paths)[:, 0, 0] / paths[:, 0, 0]
    flat = model.fit(pd.concat([prices, pd.DataFrame(
        {"A0": [last]}, index=[prices.index[-1] + pd.offsets.BDay()])]))
    assume(abs(flat.forecast.iat[-1, 0]) < 20)
    assume(any(abs(f.iat[-1, 0]) < 20 for f in flat.ewmac.values()))
    up_flow, down_flow = units[1] - units[0], units[2] - units[0]
    assert up_flow > 0 > down_flow


@PROPS
@given(seed=st.integers(0, 10_000), cut=st.integers(260, 399))
def test_point_in_time(seed: int, cut: int) -> None:
    prices = _panel(seed, n_t=400, n_a=3, negative=seed % 2 == 0)
    model = CTA(aum=AUM, corr_min_obs=5, percentile_min_periods=20)
    full, part = model.fit(prices), model.fit(prices.iloc[:cut])
    for name in ("sigma", "forecast", "vol", "position", "position_pct", "percentile", "flows"):
        pd.testing.assert_frame_equal(getattr(part, name), getattr(full, name).iloc[:cut])
    for w in model.windows:
        for attr in ("ewmac", "tsmom", "crossover_pivots", "tsmom_pivots"):
            pd.testing.assert_frame_equal(getattr(part, attr)[w.name],
                                          getattr(full, attr)[w.name].iloc[:cut])
    for f in model.triggers:
        pd.testing.assert_frame_equal(part.pivots[f.name], full.pivots[f.name].iloc[:cut])
    pd.testing.assert_series_equal(part.idm, full.idm.iloc[:cut])
    pd.testing.assert_series_equal(part.gross_exposure, full.gross_exposure.iloc[:cut])


def _refit_positions(model: CTA, prices: pd.DataFrame, paths: np.ndarray) -> np.ndarray:
    future = pd.bdate_range(prices.index[-1] + pd.offsets.BDay(), periods=paths.shape[1])
    out = []
    for path in paths:
        extended = pd.concat([prices, pd.DataFrame(path, index=future, columns=prices.columns)])
        out.append(model.fit(extended).position.iloc[len(prices):].to_numpy())
    return np.array(out)


@PROPS
@given(seed=st.integers(0, 10_000), n_t=st.integers(255, 420), horizon=st.integers(1, 12),
       n_paths=st.integers(1, 3), with_nan=st.booleans())
def test_positions_along_equals_refit(seed: int, n_t: int, horizon: int, n_paths: int,
                                      with_nan: bool) -> None:
    prices = _panel(seed, n_t=n_t, n_a=3, negative=seed % 3 == 0)
    model = CTA(aum=AUM, corr_min_obs=5, max_gross=2.0)
    res = model.fit(prices)
    rng = np.random.default_rng(seed + 1)
    start = prices.ffill().iloc[-1].to_numpy()
    paths = start + np.cumsum(rng.standard_normal((n_paths, horizon, 3)) * 2, axis=1)
    if with_nan:
        paths[rng.random(paths.shape) < 0.1] = np.nan
    ours = positions_along(res, paths)
    np.testing.assert_allclose(ours, _refit_positions(model, prices, paths), rtol=1e-10,
                               atol=1e-13)


def test_positions_along_deterministic_tapes_and_flows() -> None:
    prices = _panel(5, n_t=500, n_a=3)
    model = CTA(aum=AUM)
    res = model.fit(prices)
    last = prices.iloc[-1].to_numpy()
    sigma = res.sigma.iloc[-1].to_numpy()
    steps = np.arange(1, 22)[None, :, None]
    paths = np.concatenate([np.broadcast_to(last, (1, 21, 3)),
                            last + steps * sigma, last - steps * sigma])
    np.testing.assert_allclose(positions_along(res, paths),
                               _refit_positions(model, prices, paths), rtol=1e-10, atol=1e-13)
    # flows_along continues result.flows.
    future = pd.bdate_range(prices.index[-1] + pd.offsets.BDay(), periods=21)
    extended = model.fit(pd.concat([prices, pd.DataFrame(paths[1], index=future,
                                                         columns=prices.columns)]))
    np.testing.assert_allclose(flows_along(res, paths)[1], extended.flows.iloc[-21:],
                               rtol=1e-9, atol=1e-13)
    assert res.positions_along(paths).shape == (3, 21, 3)


def test_positions_along_handles_ten_thousand_paths() -> None:
    prices = _panel(9, n_t=1500, n_a=10, gaps=False)
    res = CTA(aum=AUM).fit(prices)
    rng = np.random.default_rng(0)
    last = prices.iloc[-1].to_numpy()
    paths = last * np.exp(np.cumsum(rng.standard_normal((10_000, 21, 10)) * 0.01, axis=1))
    # Speed is measured in benchmarks/bench_cta.py, not asserted here.
    out = positions_along(res, paths)
    assert out.shape == paths.shape and np.isfinite(out).all()


# --- bad input ------------------------------------------------------------------------------


def test_too_short_history_raises() -> None:
    prices = _panel(1, n_t=200, n_a=2)
    with pytest.raises(DataError, match="12m window needs at least 253"):
        CTA(aum=AUM).fit(prices)


def test_bad_panels_raise() -> None:
    prices = _panel(1, n_t=300, n_a=2)
    with pytest.raises(DataError, match="sorted"):
        CTA(aum=AUM).fit(prices.iloc[::-1])
    bad = prices.copy()
    bad.iloc[10, 0] = np.inf
    with pytest.raises(DataError, match="infinite"):
        CTA(aum=AUM).fit(bad)
    bad = prices.copy()
    bad["A1"] = np.nan
    with pytest.raises(DataError, match="no observations"):
        CTA(aum=AUM).fit(bad)
    res = CTA(aum=AUM).fit(prices)
    with pytest.raises(DataError, match="n_paths, horizon, 2"):
        positions_along(res, np.ones((3, 5)))
    with pytest.raises(ModelError, match="fast < slow"):
        TrendWindow("x", 10, 5, 1.0, 5)


def test_missing_values_come_with_reasons() -> None:
    prices = _panel(2, n_t=600, n_a=5, gaps=False)
    prices.iloc[:500, 0] = np.nan  # too short: 100 sessions
    prices.iloc[-1, 1] = np.nan  # absent on the last date
    prices.iloc[-1, 2] = 0.0  # zero price: forecasts from differences, no position
    prices.iloc[-253, 3] = np.nan  # the 12m lookback price is missing
    res = CTA(aum=AUM).fit(prices)
    latest = res.latest()
    assets = latest["assets"]
    assert "history too short: 100 sessions" in assets["A0"]["reason"]
    assert assets["A0"]["forecast"] is None and assets["A0"]["position"] is None
    # Absent on the last date: stale, keeping its position of the session before (issue 13:
    # never a NaN that drops out of the totals).
    assert assets["A1"]["reason"].startswith("stale: no price on")
    assert assets["A1"]["stale"] is True
    assert assets["A1"]["last_obs"] == f"{res.prices.index[-2]:%Y-%m-%d}"
    held = float(res.position["A1"].iloc[-2])
    assert np.isfinite(held) and assets["A1"]["position"] == pytest.approx(held, rel=1e-12)
    assert assets["A1"]["position_bn"]["base"] == pytest.approx(held * AUM.base_bn, abs=1e-3)
    assert res.stale_assets() == {"A1": res.prices.index[-2]}
    assert res.held_position()["A1"] == pytest.approx(held, rel=1e-12)
    assert all(assets[a]["stale"] is False for a in ("A0", "A2", "A3", "A4"))
    assert "non-positive price 0" in assets["A2"]["reason"]
    assert assets["A2"]["forecast"] is not None and assets["A2"]["position"] is None
    assert "lookback price is missing" in assets["A3"]["reason"]
    assert assets["A4"]["reason"] is None and assets["A4"]["position"] is not None
    json.dumps(latest, allow_nan=False)
    assert "Missing:" in res.summary()


# --- reporting -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def universe() -> pd.DataFrame:
    sessions = load("SP500").index
    return align_to_sessions({s: load(s) for s in CTA_UNIVERSE}, sessions)


@pytest.fixture(scope="module")
def book(universe: pd.DataFrame) -> CTAResult:
    return CTA(aum=AUM).fit(universe)


def test_latest_json_shape(book: CTAResult) -> None:
    latest = book.latest()
    json.dumps(latest, allow_nan=False)
    sp = latest["assets"]["SP500"]
    assert set(sp["signals"]) == {"1m", "3m", "6m", "12m"}
    assert set(sp["pivots"]) == {"short", "medium", "long"}
    assert set(sp["crossover_pivots"]) == {"short", "medium", "6m", "long"}
    assert set(sp["crossover_pivot_distance_pct"]) == set(sp["tsmom_pivot_distance_sigma"])
    assert set(sp["pivot_distance_pct"]) == set(sp["pivot_distance_sigma"]) == set(sp["pivots"])
    assert set(sp["position_bn"]) == {"low", "base", "high"}
    assert -100 <= sp["position_pct"] <= 100 and 0 <= sp["percentile"] <= 100
    assert sp["position_bn"]["base"] == pytest.approx(sp["position"] * 350.0, abs=1e-3)
    for key in ("gross_exposure", "net_equity_exposure", "idm", "ex_ante_vol", "asof"):
        assert latest[key] is not None
    assert latest["net_equity_exposure"] == pytest.approx(
        sum(latest["assets"][a]["position"] or 0.0 for a in ("SP500", "NDX")))


def test_summary_frame_html_plot(book: CTAResult) -> None:
    text = book.summary()
    assert "long USD vs JPY" in text and "1.45 x mean over windows" in text
    frame = book.to_frame()
    assert list(frame.index) == list(CTA_UNIVERSE)
    assert {"forecast", "position_pct", "pivot_short", "pivot_long"} <= set(frame.columns)
    assert "<table" in book._repr_html_()
    history = book.to_frame("history")
    assert history.index.names == ["date", "asset"]
    fig = plot(book, asset="SP500")
    # price, three trigger levels, the long TSMOM pivot, the position and its percentile
    assert len(fig.data) == 6 and "SP500" in fig.layout.title.text
    with pytest.raises(ModelError):
        plot(book, asset="XYZ")


# --- real data -------------------------------------------------------------------------------


def test_sp500_tsmom_negative_late_2008_positive_2017(book: CTAResult) -> None:
    signal = book.tsmom["12m"]["SP500"]
    assert (signal["2008-10-01":"2008-12-31"] == -1).all()
    assert (signal["2017-01-01":"2017-12-31"] == 1).all()


def test_equity_book_short_or_small_after_march_2020_crash(book: CTAResult) -> None:
    # Long into February 2020, cut to short by the end of March.
    assert book.position_pct.at[pd.Timestamp("2020-02-19"), "SP500"] > 50
    assert book.position_pct.at[pd.Timestamp("2020-03-31"), "SP500"] < 0
    assert book.net_equity_exposure["2020-03-23":"2020-04-09"].max() < 0.05


def test_wti_negative_print_keeps_signals_drops_position(book: CTAResult) -> None:
    day = pd.Timestamp("2020-04-20")
    assert book.prices.at[day, "DCOILWTICO"] == pytest.approx(-36.98)
    assert np.isfinite(book.forecast.at[day, "DCOILWTICO"])
    assert np.isnan(book.position.at[day, "DCOILWTICO"])
    assert np.isfinite(book.position.at[pd.Timestamp("2020-04-22"), "DCOILWTICO"])


def test_book_vol_and_forecast_scale_on_real_data(book: CTAResult) -> None:
    # fdm 1.45 was chosen so that the average |forecast| is about 10 on this universe.
    assert np.nanmean(np.abs(book.forecast.to_numpy())) == pytest.approx(10, abs=0.5)
    units = book.position / book.prices
    pnl = (units.shift(1) * book.prices.diff()).sum(axis=1, min_count=1)["1995":]
    assert 0.07 < pnl.std() * np.sqrt(252) < 0.16  # 10% target at average strength


def test_align_to_sessions() -> None:
    sessions = pd.DatetimeIndex(["2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10",
                                 "2024-01-11", "2024-01-12"])
    btc = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.DatetimeIndex(
        ["2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08"]))
    fx = pd.Series([10.0, 11.0], index=pd.DatetimeIndex(["2024-01-04", "2024-01-08"]))
    out = align_to_sessions({"BTC": btc, "FX": fx}, sessions, max_fill=2)
    # Monday takes Monday's BTC close; weekend moves land on Monday.
    assert out["BTC"].tolist()[:2] == [1.0, 4.0]
    assert out["BTC"].iloc[2:4].tolist() == [4.0, 4.0] and np.isnan(out["BTC"].iloc[4])
    assert out["FX"].tolist()[:4] == [10.0, 11.0, 11.0, 11.0] and out["FX"].iloc[4:].isna().all()


def test_trend_forecasts_accepts_arrays() -> None:
    arr = _panel(4, n_t=300, n_a=2, gaps=False).to_numpy()
    tf = trend_forecasts(arr)
    assert tf.ewmac.shape == (4, 300, 2) and np.isfinite(tf.forecast[-1]).all()
