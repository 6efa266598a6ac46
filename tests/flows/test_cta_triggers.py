"""Trigger levels (trend filters) and the many-market book weights of the CTA model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flowdesk.errors import ModelError
from flowdesk.flows.common import AumBand
from flowdesk.flows.cta import CTA, positions_along
from flowdesk.flows.cta_triggers import TrendFilter, trigger_filters, trigger_levels
from flowdesk.flows.cta_weights import DEFAULT_BOOK, BookWeights, MarketWeight

AUM = AumBand(200.0, 300.0, 400.0)


def _walk(seed: int, n_t: int = 400, n_a: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    steps = rng.normal(0.0003, 0.012, size=(n_t, n_a))
    return pd.DataFrame(100.0 * np.exp(np.cumsum(steps, axis=0)),
                        index=pd.bdate_range("2015-01-01", periods=n_t),
                        columns=[f"A{i}" for i in range(n_a)])


# --- trigger levels ----------------------------------------------------------------------------


def test_ema_and_sma_levels_by_hand() -> None:
    p = np.array([[10.0], [12.0], [11.0], [14.0]])
    # EMA span 3: alpha = 0.5, adjust=False, reported from the 3rd observation.
    #   e1 = 10, e2 = 0.5*10 + 0.5*12 = 11, e3 = 0.5*11 + 0.5*11 = 11, e4 = 0.5*11 + 0.5*14 = 12.5
    ema = trigger_levels(p, TrendFilter("short", "ema", 3))[:, 0]
    np.testing.assert_allclose(ema, [np.nan, np.nan, 11.0, 12.5])
    # SMA 3: the level is the mean of the last 2 closes: (10+12)/2, (12+11)/2, (11+14)/2.
    sma = trigger_levels(p, TrendFilter("short", "sma", 3))[:, 0]
    np.testing.assert_allclose(sma, [np.nan, 11.0, 11.5, 12.5])


@pytest.mark.parametrize("family", ["ema", "sma"])
def test_levels_equal_pandas(family: str) -> None:
    prices = _walk(3)
    prices.iloc[50:53, 1] = np.nan
    got = trigger_levels(prices.to_numpy(), TrendFilter("medium", family, 30))  # type: ignore[arg-type]
    if family == "ema":
        want = prices.ewm(span=30, adjust=False, min_periods=30).mean()
    else:
        want = prices.rolling(29).mean()
    np.testing.assert_allclose(got, want.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize("family", ["ema", "sma"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_signal_flips_at_the_level(family: str, seed: int) -> None:
    # Brute force: append tomorrow's close just above / below the level, recompute the
    # filter with pandas and check the sign of (close - filter) on that new day.
    prices = _walk(seed, n_t=200, n_a=1)["A0"]
    n = 40
    level = trigger_levels(prices.to_frame().to_numpy(),
                           TrendFilter("short", family, n))[-1, 0]  # type: ignore[arg-type]
    tomorrow = prices.index[-1] + pd.offsets.BDay()
    for bump, sign in ((1e-6, 1.0), (-1e-6, -1.0)):
        close = level * (1 + bump)
        path = pd.concat([prices, pd.Series([close], index=[tomorrow])])
        filt = (path.ewm(span=n, adjust=False).mean() if family == "ema"
                else path.rolling(n).mean())
        assert np.sign(close - filt.iloc[-1]) == sign


def test_filter_validation() -> None:
    with pytest.raises(ModelError, match="family"):
        TrendFilter("short", "wma", 10)  # type: ignore[arg-type]
    with pytest.raises(ModelError, match=">= 2"):
        TrendFilter("short", "ema", 1)
    with pytest.raises(ModelError, match="expected 3"):
        trigger_filters("ema", [10, 20])
    assert [f.window for f in trigger_filters("sma", [21, 63, 252])] == [21, 63, 252]


def test_cta_reports_levels_and_distances() -> None:
    prices = _walk(5, n_t=500)
    res = CTA(aum=AUM, triggers=trigger_filters("sma", [20, 60, 250])).fit(prices)
    snap = res.latest()["assets"]["A0"]
    p = prices["A0"]
    # SMA n: mean of the last n - 1 closes.
    for name, n in (("short", 20), ("medium", 60), ("long", 250)):
        want = p.iloc[-(n - 1):].mean()
        assert snap["pivots"][name] == pytest.approx(want, rel=1e-10)
        assert snap["pivot_distance_pct"][name] == pytest.approx(
            100 * (want - p.iloc[-1]) / p.iloc[-1], rel=1e-9)
        sigma = p.diff().ewm(span=35, min_periods=10).std().iloc[-1]
        assert snap["pivot_distance_sigma"][name] == pytest.approx(
            (want - p.iloc[-1]) / sigma, rel=1e-9)
    assert res.latest()["trigger_filters"] == {"short": "SMA 20", "medium": "SMA 60",
                                               "long": "SMA 250"}


def test_short_history_has_no_long_level_and_says_why() -> None:
    prices = _walk(6, n_t=300)
    snap = CTA(aum=AUM).fit(prices).latest()["assets"]["A0"]
    # 300 sessions: enough for the 12m window (253) but not for the EMA-350 long level.
    assert snap["pivots"]["long"] is None and snap["pivots"]["short"] is not None


# --- book weights ------------------------------------------------------------------------------


def test_book_weights_by_hand() -> None:
    book = BookWeights(
        markets=(MarketWeight("E", "equity", 0.25), MarketWeight("B", "rates", 0.5)),
        budgets={"equity": 0.5, "rates": 0.5},
    )
    # Raw weights 0.5*0.25 = 0.125 and 0.5*0.5 = 0.25; carried 0.375, uncarried 0.625.
    np.testing.assert_allclose(book.weights(["E", "B"]), [0.125, 0.25])
    half = book.with_scale(0.5)  # norm = 0.375 + 0.5 * 0.625 = 0.6875
    np.testing.assert_allclose(half.weights(["E", "B"]), [0.125 / 0.6875, 0.25 / 0.6875])
    only = book.with_scale(0.0)  # a book of the carried markets only
    np.testing.assert_allclose(only.weights(["E", "B"]), [1 / 3, 2 / 3])
    # Equity class: carried 0.125 of a 0.5 budget -> aggregate = carried x 0.5 / 0.125 = 4x.
    assert book.sector_scale("equity", ["E", "B"]) == pytest.approx(4.0)
    assert half.sector_scale("equity", ["E", "B"]) == pytest.approx((0.125 + 0.5 * 0.375) / 0.125)
    assert np.isnan(book.sector_scale("equity", ["B"]))
    with pytest.raises(ModelError, match="no weight for"):
        book.weights(["E", "X"])
    with pytest.raises(ModelError, match="sum to"):
        BookWeights(markets=(), budgets={"equity": 0.8, "rates": 0.5})


def test_default_book_is_a_fraction_of_a_larger_book() -> None:
    assets = [m.asset for m in DEFAULT_BOOK.markets]
    w = DEFAULT_BOOK.weights(assets)
    # 0.2475 per class; S&P 500 a quarter of equities, the nine markets 31% of the risk.
    assert w[assets.index("SP500")] == pytest.approx(0.2475 * 0.25)
    assert w.sum() == pytest.approx(0.2475 * (0.35 + 0.25 + 0.40 + 0.20) + 0.01)
    assert DEFAULT_BOOK.sector_scale("equity", assets) == pytest.approx(1 / 0.35)


def test_weighted_positions_by_hand_and_projection_matches_refit() -> None:
    prices = _walk(9, n_t=420, n_a=2)
    book = BookWeights(markets=(MarketWeight("A0", "equity", 0.5), MarketWeight("A1", "fx", 1.0)),
                       budgets={"equity": 0.5, "fx": 0.5}, idm=2.0)
    eq = CTA(aum=AUM, max_gross=1e9).fit(prices)
    wt = CTA(aum=AUM, max_gross=1e9, book=book).fit(prices)
    # Equal weights: F/10 * tau/vol * idm/2; book: F/10 * tau/vol * 2.0 * w, w = 0.25 / 0.5.
    base = eq.forecast / 10 * 0.10 / eq.vol
    np.testing.assert_allclose(wt.position["A0"], base["A0"] * 2.0 * 0.25, rtol=1e-12)
    np.testing.assert_allclose(wt.position["A1"], base["A1"] * 2.0 * 0.5, rtol=1e-12)
    np.testing.assert_allclose(eq.position, base.mul(eq.idm, axis=0) / 2, rtol=1e-10)
    # The projection continues the weighted book: equal to refitting with the path appended.
    cut = 400
    part = CTA(aum=AUM, max_gross=1e9, book=book).fit(prices.iloc[:cut])
    path = prices.iloc[cut:].to_numpy()[None]
    along = positions_along(part, path)[0]
    np.testing.assert_allclose(along, wt.position.iloc[cut:].to_numpy(), rtol=1e-10)
