"""FedPolicy's odds views: futures history look-backs, point in time, JSON keys, CLI windows."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from flowdesk.cli import main as cli_main
from flowdesk.errors import ConfigError, DataError
from flowdesk.policy import FedPolicy
from flowdesk.policy.odds_history import lookback_dates, yearend_meeting
from flowdesk.policy.odds_moves import ODDS_CLASSES

ASOF = pd.Timestamp("2024-08-20")
MONTHS = [pd.Period(m, "M") for m in ("2024-08", "2024-09", "2024-10", "2024-11", "2024-12")]


def _curve(day: pd.Timestamp, cut_sep: float) -> list[float]:
    # August clean at 5.33; September meeting on the 18th (N=30, 13 post days) with
    # an expected cut of cut_sep pp; October clean; November and December flat.
    post = 5.33 - cut_sep
    rates = [5.33, (17 * 5.33 + 13 * post) / 30, post, post, post]
    return [100 - r for r in rates]


def _history(end: str) -> pd.DataFrame:
    days = pd.bdate_range("2024-08-01", end)
    # Expected September cut rises 1 bp a day from 25 bp.
    rows = [_curve(d, 0.25 + 0.01 * i) for i, d in enumerate(days)]
    return pd.DataFrame(rows, index=days, columns=MONTHS)


def test_lookbacks_and_yearend_meeting() -> None:
    days = pd.bdate_range("2024-07-01", "2024-08-20")
    looks = lookback_dates(days, "2024-08-20")
    assert looks == {"1d": pd.Timestamp("2024-08-19"), "1w": pd.Timestamp("2024-08-13"),
                     "1m": pd.Timestamp("2024-07-19")}
    assert lookback_dates(days[:1], days[0]) == {"1d": None, "1w": None, "1m": None}
    meetings = pd.to_datetime(["2024-11-07", "2024-12-18", "2025-01-29", "2025-12-10"])
    assert yearend_meeting("2024-08-20", meetings) == pd.Timestamp("2024-12-18")
    assert yearend_meeting("2024-12-18", meetings) == pd.Timestamp("2025-12-10")


@pytest.fixture(scope="module")
def cached() -> tuple[dict, dict]:
    model = FedPolicy(n_boot=50)
    short = model.estimate(ASOF, futures_history=_history("2024-08-20")).to_dict()
    # The same as-of with later curves (and a longer history) appended.
    longer = model.estimate(ASOF, futures_history=_history("2024-09-10")).to_dict()
    return short, longer


def test_futures_cache_gives_fedwatch_and_lookbacks(cached: tuple[dict, dict]) -> None:
    d, _ = cached
    assert d["source"] == "futures" and d["matrix"]["source"] == "futures"
    # 2024-08-20 is business day 13 of the history: expected cut 25 + 13 = 38 bp,
    # x = -1.52 steps -> P(-1 step) = x - floor(x) = 0.48, P(-2 steps) = 0.52
    # (target 5.25-5.50: -1 is 5.00-5.25, -2 is 4.75-5.00).
    sep = d["matrix"]["now"]["rows"][0]
    assert sep["meeting"] == "2024-09-18"
    assert sep["probabilities"]["4.75-5.00"] == pytest.approx(0.52, abs=1e-4)
    assert sep["probabilities"]["5.00-5.25"] == pytest.approx(0.48, abs=1e-4)
    # 1 week earlier (08-13, day 8): 33 bp -> 32% of -50 bp; change +20 pp.
    week = {r["meeting"]: r for r in d["matrix"]["changes_pp"]["1w"]}
    assert week["2024-09-18"]["4.75-5.00"] == pytest.approx(20.0, abs=0.01)
    assert week["2024-09-18"]["5.00-5.25"] == pytest.approx(-20.0, abs=0.01)
    assert week["2024-09-18"]["expected_rate_bp"] == pytest.approx(-5.0, abs=0.01)
    assert d["matrix"]["past"]["1m"] is None and "1m" in d["matrix"]["missing"]
    assert d["proxy_matrix"]["source"] == "curve_proxy"
    futures_hist = d["cut_odds_history"]["futures"]
    assert futures_hist[-1]["date"] == "2024-08-20" and len(futures_hist) == 14
    assert d["proxy_error"]["n"] == 14


def test_adding_later_data_leaves_an_earlier_asof_unchanged(cached: tuple[dict, dict]) -> None:
    short, longer = cached
    assert json.dumps(short, sort_keys=True) == json.dumps(longer, sort_keys=True)


def test_json_keys_of_the_offline_proxy() -> None:
    d = FedPolicy(n_boot=50).estimate("2025-06-30").to_dict()
    assert {"matrix", "proxy_matrix", "cut_odds_history", "proxy_error",
            "odds_attribution"} <= set(d)
    assert d["matrix"]["label"] == "curve-implied proxy" and d["proxy_matrix"] is None
    assert set(d["matrix"]["past"]) == {"1d", "1w", "1m"}
    odds = d["odds_attribution"]
    assert odds["source"] == "curve_proxy" and "proxy" in odds["series"]
    assert set(odds["classes"]) == set(ODDS_CLASSES)
    assert odds["coverage"].startswith("Fed speeches: Board members only")
    assert odds["start"] == "2024-07-01" and odds["end"] == "2025-06-30"
    shares = sum(c["var_share"] for c in odds["classes"].values())
    assert shares == pytest.approx(1.0, abs=1e-3)
    for c in odds["classes"].values():
        assert c["ci_low"] <= c["var_share"] + 1e-9 and c["var_share"] <= c["ci_high"] + 1e-9
    assert {"date", "change_pp", "class", "kinds", "speeches"} <= set(odds["largest_moves"][0])
    rows = d["cut_odds_history"]["curve_proxy"]
    assert rows[-1]["date"] <= "2025-06-30" and rows[0]["date"] > "2024-06-30"


def test_window_checks() -> None:
    model = FedPolicy(n_boot=20)
    with pytest.raises(ConfigError, match="after asof"):
        model.estimate("2024-09-10", window=("2024-01-01", "2024-10-01"))
    with pytest.raises(ConfigError, match="after the window end"):
        model.estimate("2024-09-10", window=("2024-06-01", "2024-05-01"))
    with pytest.raises(DataError, match="odds attribution"):
        model.estimate("2024-09-10", window=("1980-01-01", "1980-02-01"))


@pytest.mark.parametrize("args, message", [
    (["--window", "2024-01-01"], "expected START:END"),
    (["--window", "2024-02-30:2024-05-01"], "invalid date"),
    (["--window", "2024-05-01:2024-02-01"], "after the window end"),
    (["--window", "2024-01-01:2024-12-31"], "after asof"),
    (["--start", "2024-01-01", "--window", "2024-01-01:2024-05-01"], "not both"),
    (["--end", "1980-02-01", "--start", "1980-01-01"], "odds attribution"),
])
def test_cli_bad_window_exits_2(capsys: pytest.CaptureFixture[str], args: list[str],
                                message: str) -> None:
    code = cli_main(["fed", "--asof", "2024-09-10", *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_cli_window_sets_the_attribution(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["fed", "--asof", "2024-09-10", "--start", "2024-03-01", "--end",
                     "2024-06-28", "--format", "json"])
    d = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (d["odds_attribution"]["start"], d["odds_attribution"]["end"]) == (
        "2024-03-01", "2024-06-28")
    assert np.isclose(sum(m["n_days"] for m in d["odds_attribution"]["monthly"]),
                      sum(c["n_days"] for c in d["odds_attribution"]["classes"].values()))


def test_unusable_cached_curve_falls_back_to_the_proxy_with_a_note() -> None:
    history = _history("2024-08-20")
    # The latest close lacks the September contract: the chain cannot price the meeting.
    history.loc[ASOF, pd.Period("2024-09", "M")] = np.nan
    history.loc[ASOF, pd.Period("2024-08", "M")] = np.nan
    r = FedPolicy(n_boot=20).estimate(ASOF, futures_history=history)
    assert r.source == "curve_proxy"
    assert any("futures cache curve unusable on 2024-08-20" in n for n in r.notes)
    d = r.to_dict()
    assert d["matrix"]["source"] == "curve_proxy"


def test_cli_futures_file_gives_a_futures_matrix_beside_the_proxy(
        capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    curve = tmp_path / "ff.csv"
    rows = "\n".join(f"{m},{p:.8f}" for m, p in zip(
        ["2024-08", "2024-09", "2024-10", "2024-11", "2024-12"],
        _curve(pd.Timestamp("2024-09-10"), 0.40), strict=True))
    curve.write_text("month,price\n" + rows + "\n", encoding="utf-8")
    code = cli_main(["fed", "--asof", "2024-09-10", "--futures", str(curve), "--format", "json"])
    d = json.loads(capsys.readouterr().out)
    assert code == 0 and d["matrix"]["source"] == "futures"
    # 40 bp priced for September: 60% of -50 bp, 40% of -25 bp; P(>=1 cut) = 1.
    sep = d["matrix"]["now"]["rows"][0]
    assert sep["probabilities"]["4.75-5.00"] == pytest.approx(0.6, abs=1e-4)
    assert sep["p_any_cut"] == pytest.approx(1.0)
    # One curve: no look-backs from futures, said so; the proxy's matrix is beside it.
    assert d["matrix"]["past"] == {"1d": None, "1w": None, "1m": None}
    assert "one futures curve" in d["matrix"]["missing"]["1w"]
    assert d["proxy_matrix"]["source"] == "curve_proxy"
    assert d["proxy_error"]["n"] == 1
    assert d["cut_odds_history"]["futures"][0]["date"] == "2024-09-10"
