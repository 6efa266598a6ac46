"""VixRegimes on real data: point in time, known days, result API."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flowdesk
from flowdesk.config import Settings
from flowdesk.data import load
from flowdesk.errors import ConfigError, DataError
from flowdesk.vol import SERIES, VixRegimes, VixRegimesResult
from flowdesk.vol.regimes import INVERTED, REGIMES, regime_rule

N_BOOT = 200


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Module-scoped fixtures run outside the per-test cache: point them at an empty one.
    return Settings(cache_dir=Path(tmp_path_factory.mktemp("vol-cache")))


@pytest.fixture(scope="module")
def data(settings: Settings) -> pd.DataFrame:
    return pd.concat({sid: load(sid, settings=settings) for sid in SERIES}, axis=1, sort=True)


@pytest.fixture(scope="module")
def full(data: pd.DataFrame) -> VixRegimesResult:
    return VixRegimes(n_boot=N_BOOT).fit(data)


@pytest.fixture(scope="module")
def covid(settings: Settings) -> VixRegimesResult:
    return VixRegimes(n_boot=N_BOOT).estimate("2020-03-16", settings=settings)


# --- point in time ----------------------------------------------------------------


def test_appending_data_leaves_earlier_classifications_unchanged(
    data: pd.DataFrame, full: VixRegimesResult
) -> None:
    cut = pd.Timestamp("2020-03-20")  # mid-crisis: persistence and runs are in play
    early = VixRegimes(n_boot=N_BOOT).fit(data.loc[:cut])
    before = full.daily.loc[:cut]
    pd.testing.assert_frame_equal(early.daily, before)
    # Episodes that had ended by the cut are identical too.
    done = early.episodes[~early.episodes["ongoing"]]
    pd.testing.assert_frame_equal(done, full.episodes.iloc[: len(done)])


def test_fit_asof_drops_later_rows(data: pd.DataFrame) -> None:
    cut = pd.Timestamp("2018-02-09")
    a = VixRegimes(n_boot=10).fit(data, asof=cut)
    b = VixRegimes(n_boot=10).fit(data.loc[:cut])
    assert a.asof == cut and a.daily.index[-1] == cut
    pd.testing.assert_frame_equal(a.daily, b.daily)
    pd.testing.assert_frame_equal(a.forward, b.forward)


def test_future_prices_do_not_change_the_classification() -> None:
    index = pd.bdate_range("2015-01-01", periods=400)
    rng = np.random.default_rng(0)
    sp = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 400)))
    vix = 18 + 6 * np.abs(np.sin(np.arange(400) / 15))
    base = pd.DataFrame({"SP500": sp, "VIX": vix, "VIX3M": 21.0,
                         "VVIX": 90 + rng.normal(0, 5, 400)}, index=index)
    shocked = base.copy()
    shocked.iloc[300:, 0] *= 0.5  # a crash after session 300 ...
    shocked.iloc[300:, 2] = 150.0  # ... with record VVIX
    a = VixRegimes(n_boot=10).fit(base).daily.iloc[:300]
    b = VixRegimes(n_boot=10).fit(shocked).daily.iloc[:300]
    pd.testing.assert_frame_equal(a, b)


# --- known days -------------------------------------------------------------------


def test_2020_03_16_is_a_panic_inversion(covid: VixRegimesResult) -> None:
    assert covid.regime == "panic_inversion"
    assert covid.regime_date == pd.Timestamp("2020-03-16")
    d = covid.to_dict()
    assert d["vix"] == pytest.approx(82.69)
    assert d["vix3m"] == pytest.approx(67.70)
    assert d["ratio_vix_vix3m"] == pytest.approx(82.69 / 67.70, abs=1e-4)
    # S&P 500: 2,386.13 on 2020-03-16 vs the record 3,386.15 of 2020-02-19.
    assert d["sp500_drawdown"] == pytest.approx(100 * (2386.13 / 3386.15 - 1), abs=0.01)
    # Put/call data start 2019-10-07: fewer than 252 prints, so no percentile yet.
    assert d["unavailable_inputs"] == ["pcr_pct"]
    assert d["inputs"]["pcr_pct"] == {"value": None, "unit": "percentile 0-100",
                                      "available": False,
                                      "thresholds": {"stress_pcr_pct": 80.0}}


def test_record_low_vix_day_in_2017_is_calm_contango(full: VixRegimesResult) -> None:
    # 2017-11-03: VIX closed at its record low, 9.14.
    day = full.daily.loc["2017-11-03"]
    assert day["vix"] == pytest.approx(9.14)
    assert day["ratio"] < 1
    assert day["regime"] == "calm_contango"


def test_inverted_share_is_a_minority_and_matches_a_direct_count(
    full: VixRegimesResult, data: pd.DataFrame
) -> None:
    both = data[["VIX", "VIX3M", "SP500"]].dropna()
    direct = float((both["VIX"] / both["VIX3M"] > 1).mean())
    assert full.inverted_share() == pytest.approx(direct, abs=1e-12)
    # Spot VIX/VIX3M, not the futures curve of the DESIGN's ~18.8%: same order, a minority.
    assert 0.02 < direct < 0.25


def test_covid_episode_matches_a_direct_scan(full: VixRegimesResult,
                                             data: pd.DataFrame) -> None:
    ratio = (data["VIX"] / data["VIX3M"]).where(data["SP500"].notna()).dropna()
    day = ratio.index.get_loc(pd.Timestamp("2020-03-16"))
    start = end = day
    while ratio.iloc[start - 1] > 1:
        start -= 1
    while ratio.iloc[end + 1] > 1:
        end += 1
    window = ratio.iloc[start: end + 1]
    eps = full.episodes
    ep = eps[(eps["start"] <= "2020-03-16") & (eps["end"] >= "2020-03-16")].iloc[0]
    assert (ep["start"], ep["end"]) == (ratio.index[start], ratio.index[end])
    assert ep["start"] == pd.Timestamp("2020-02-24")
    assert ep["sessions"] == end - start + 1
    assert ep["peak_ratio"] == pytest.approx(window.max())
    assert ep["regime"] == "panic_inversion"


def test_inversion_forward_returns_match_a_direct_computation(
    full: VixRegimesResult, data: pd.DataFrame
) -> None:
    sp = data["SP500"].dropna()
    fwd = 100 * (sp.shift(-63) / sp - 1)
    both = data[["VIX", "VIX3M"]].reindex(sp.index).dropna()
    inverted = both.index[both["VIX"] / both["VIX3M"] > 1]
    values = fwd.reindex(inverted).dropna()
    row = full.forward.loc[("all_inversions", 63)]
    assert row["mean"] == pytest.approx(values.mean(), rel=1e-12)
    assert row["n"] == len(values)
    # DESIGN: inversions have historically preceded positive index returns.
    assert row["ci_low"] > 0


# --- result API -------------------------------------------------------------------


def test_default_asof_is_the_last_vix_close(settings: Settings) -> None:
    result = VixRegimes(n_boot=10).estimate(settings=settings)
    last_vix = load("VIX", settings=settings).index[-1]
    assert result.asof == last_vix
    d = result.to_dict()
    assert d["last_obs"]["VIX"] == f"{last_vix:%Y-%m-%d}"
    # VIX3M runs past the last VIX close; as of that close it is seen up to it.
    last_vix3m = load("VIX3M", asof=last_vix, settings=settings).index[-1]
    assert d["last_obs"]["VIX3M"] == f"{last_vix3m:%Y-%m-%d}"
    assert d["regime_date"] <= d["asof"]


def test_before_vix3m_nothing_is_classified_and_it_says_why(settings: Settings) -> None:
    result = VixRegimes(n_boot=10).estimate("2008-10-10", settings=settings)
    assert result.regime == "unclassified" and result.regime_date is None
    assert "ratio" in result.unavailable and "ratio_9d" in result.unavailable
    assert any("VIX3M" in note for note in result.notes)
    assert result.to_dict()["vix"] == pytest.approx(69.95)
    assert (result.forward["n"] == 0).all()


def test_to_dict_shape_is_json_ready(covid: VixRegimesResult) -> None:
    d = json.loads(json.dumps(covid.to_dict(), allow_nan=False))
    for key in ("asof", "regime", "vix", "vix3m", "vix9d", "ratio_vix_vix3m", "inputs",
                "episodes", "forward_returns", "last_obs", "thresholds", "notes"):
        assert key in d
    assert set(d["forward_returns"]) == {*REGIMES, "all_inversions", "unconditional"}
    cell = d["forward_returns"]["hedging_inversion"]["21"]
    assert {"mean", "ci_low", "ci_high", "n"} <= set(cell)
    assert set(d["last_obs"]) == set(SERIES)
    assert d["episodes"][0]["start"] == "2020-02-24" and d["episodes"][0]["ongoing"] is True


def test_summary_prints_the_rules_verbatim(covid: VixRegimesResult) -> None:
    text = covid.summary()
    assert inspect.getsource(regime_rule).rstrip() in text
    assert "panic_rv_iv = 0.6" in text and "panic_inversion" in text
    assert covid._repr_html_().startswith("<pre>")


def test_frames_and_plots(covid: VixRegimesResult) -> None:
    assert covid.to_frame("daily").index[-1] == pd.Timestamp("2020-03-16")
    assert list(covid.to_frame("episodes").columns)[:2] == ["start", "end"]
    assert covid.to_frame("forward").index.names == ["group", "horizon"]
    assert covid.to_frame("daily").loc["2020-03-16", "regime"] in INVERTED
    with pytest.raises(ConfigError):
        covid.to_frame("bad")  # type: ignore[arg-type]
    assert len(flowdesk.plot(covid, "ratio").data) > 1
    assert len(flowdesk.plot(covid, "forward").data) == 3
    with pytest.raises(ConfigError):
        flowdesk.plot(covid, "bad")


def test_options_are_validated(data: pd.DataFrame) -> None:
    with pytest.raises(ConfigError):
        VixRegimes(n_boot=0)
    with pytest.raises(ConfigError):
        VixRegimes(thresholds={"elevated_vix": 20})  # type: ignore[arg-type]
    with pytest.raises(DataError, match="SP500"):
        VixRegimes().fit(data.drop(columns="SP500"))
