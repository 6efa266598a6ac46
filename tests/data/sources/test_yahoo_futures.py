"""Fed funds futures (ZQ) from Yahoo: daily closes per contract, accumulated in the cache.

yfinance is replaced by the ``fake_yfinance`` module serving frames rebuilt from
yfinance CSV exports (``fixtures/yahoo_ZQ*_CBT_history.csv``); expected values
are read from those files with the csv module, independently of the code.
"""

from __future__ import annotations

import csv
import json
import warnings
from typing import Any

import pandas as pd
import pytest

from flowdesk.cli import main
from flowdesk.data.futures import (
    FUTURES_ID,
    contract_months,
    futures_on,
    load_futures_history,
    merge_futures,
    save_futures,
    update_futures,
)
from flowdesk.data.sources.yahoo import fed_funds_history
from flowdesk.errors import DataError, FlowdeskWarning, SourceError

CONTRACTS = {"2026-12": "ZQZ26.CBT", "2027-01": "ZQF27.CBT", "2027-02": "ZQG27.CBT"}
MONTHS = list(CONTRACTS)


def _fixture(ticker: str) -> str:
    return f"yahoo_{ticker.replace('.CBT', '')}_CBT_history.csv"


def _closes(kit: Any, ticker: str) -> dict[str, float]:
    """Date -> Close, read with the csv module (three yfinance header lines)."""
    with kit.path(_fixture(ticker)).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    close = rows[0].index("Close")
    return {r[0]: float(r[close]) for r in rows[3:]}


@pytest.fixture
def zq(fake_yfinance: Any, kit: Any) -> Any:
    for ticker in CONTRACTS.values():
        fake_yfinance.answers[ticker] = kit.yfinance_frame(_fixture(ticker), "America/Chicago")
    return fake_yfinance


@pytest.fixture
def settings(make_settings: Any) -> Any:
    return make_settings()


# ---------------------------------------------------------------- the Yahoo step
def test_history_matches_the_fixtures(zq: Any, kit: Any, settings: Any) -> None:
    frame = fed_funds_history(MONTHS, settings=settings)
    assert list(frame.columns) == ["date", "contract_month", "ticker", "price"]
    for month, ticker in CONTRACTS.items():
        got = frame[frame["contract_month"] == month]
        assert set(got["ticker"]) == {ticker}
        assert dict(zip(got["date"].dt.strftime("%Y-%m-%d"), got["price"], strict=True)) == (
            _closes(kit, ticker))
    # Nine sessions 2026-11-23 .. 2026-12-04 (no bar on Thanksgiving, 2026-11-26).
    assert len(frame) == 27 and pd.Timestamp("2026-11-26") not in set(frame["date"])
    assert frame["date"].dt.tz is None
    assert [c[0] for c in zq.calls] == list(CONTRACTS.values())
    assert all(c[1]["period"] == "3mo" and c[1]["auto_adjust"] is False for c in zq.calls)


def test_price_outside_90_100_refuses_that_contract(zq: Any, kit: Any, settings: Any) -> None:
    bad = kit.yfinance_frame(_fixture("ZQF27.CBT"), "America/Chicago")
    bad.iloc[4, bad.columns.get_loc("Close")] = 3.44  # a rate, not 100 minus it
    zq.answers["ZQF27.CBT"] = bad
    with pytest.warns(UserWarning, match=r"refused .*ZQF27\.CBT \(3\.44\)"):
        frame = fed_funds_history(MONTHS, settings=settings)
    assert sorted(set(frame["contract_month"])) == ["2026-12", "2027-02"]


def test_missing_contract_warns_and_none_at_all_fails(zq: Any, settings: Any) -> None:
    with pytest.warns(UserWarning, match=r"ZQH27\.CBT \(no rows\)"):
        frame = fed_funds_history([*MONTHS, "2027-03"], settings=settings)
    assert len(frame) == 27
    with warnings.catch_warnings(), pytest.raises(SourceError, match=r"ZQJ27\.CBT"):
        warnings.simplefilter("error")
        fed_funds_history(["2027-04"], settings=settings)


def test_offline_makes_no_request(zq: Any, make_settings: Any) -> None:
    with pytest.raises(SourceError, match="offline mode"):
        fed_funds_history(MONTHS, settings=make_settings(offline=True))
    assert zq.calls == []


def test_contract_months_run_18_months_ahead() -> None:
    months = contract_months("2026-12-08")
    assert months[0] == "2026-12" and months[-1] == "2028-06" and len(months) == 19


# ---------------------------------------------------------------- accumulation
def _rows(kit: Any, tickers: dict[str, str], days: slice) -> pd.DataFrame:
    parts = []
    for month, ticker in tickers.items():
        closes = list(_closes(kit, ticker).items())[days]
        parts += [{"date": d, "contract_month": month, "price": p} for d, p in closes]
    return pd.DataFrame(parts)


def test_updates_accumulate_and_a_changed_close_is_counted(kit: Any, settings: Any) -> None:
    assert load_futures_history(settings) is None
    first = save_futures(_rows(kit, CONTRACTS, slice(0, 6)), settings=settings)
    assert (first.added, first.revised, first.kept) == (18, 0, 0)
    # The next fetch overlaps three days, misses the first three and adds three.
    later = _rows(kit, CONTRACTS, slice(3, 9))
    changed = (later["date"] == "2026-11-30") & (later["contract_month"] == "2026-12")
    later.loc[changed, "price"] = 96.4250
    with pytest.warns(FlowdeskWarning, match=r"FF_FUTURES: 1 stored close\(s\) changed"):
        second = save_futures(later, settings=settings)
    assert (second.added, second.revised, second.kept) == (9, 1, 17)
    history = load_futures_history(settings)
    assert history is not None
    assert list(history.columns) == [pd.Period(m, "M") for m in MONTHS]
    assert len(history) == 9  # the first three days were kept
    assert history.loc["2026-11-23", pd.Period("2026-12", "M")] == 96.4150
    assert history.loc["2026-11-30", pd.Period("2026-12", "M")] == 96.4250  # newest kept


def test_futures_on_is_point_in_time(kit: Any, settings: Any) -> None:
    rows = _rows(kit, CONTRACTS, slice(0, 9))
    # 2027-02 has no close on 2026-11-25: the curve of that day leaves it out.
    rows = rows[~((rows["date"] == "2026-11-25") & (rows["contract_month"] == "2027-02"))]
    save_futures(rows, settings=settings)
    history = load_futures_history(settings)
    assert history is not None
    assert futures_on(history, "2026-11-22") is None
    # Thanksgiving: the curve known is that of the day before.
    curve = futures_on(history, "2026-11-26")
    assert curve is not None and curve.name == pd.Timestamp("2026-11-25")
    assert list(curve.index) == [pd.Period("2026-12", "M"), pd.Period("2027-01", "M")]
    assert list(curve) == [96.42, 96.555]
    last = futures_on(history, "2030-01-01")
    assert last is not None and last.name == pd.Timestamp("2026-12-04")
    assert list(last) == [96.43, 96.575, 96.66]


def test_merge_refuses_bad_rows() -> None:
    good = pd.DataFrame({"date": ["2026-12-01"], "contract_month": ["2026-12"], "price": [96.4]})
    with pytest.raises(DataError, match=r"price 101.5 for 2026-12 is not a number in 90-100"):
        merge_futures(good, good.assign(price=101.5))
    twice = pd.concat([good, good])
    with pytest.raises(DataError, match=r"2026-12 is listed twice on 2026-12-01"):
        merge_futures(None, twice)


# ---------------------------------------------------------------- update and CLI
def test_update_merges_and_failure_keeps_the_cache(zq: Any, settings: Any) -> None:
    outcome = update_futures(settings=settings, months=MONTHS)
    assert (outcome.status, outcome.added, outcome.last) == ("updated", 27, "2026-12-04")
    again = update_futures(settings=settings, months=MONTHS)
    assert (again.status, again.added, again.revised) == ("unchanged", 0, 0)
    zq.answers.clear()
    with pytest.warns(FlowdeskWarning, match="FF_FUTURES: update failed"):
        failed = update_futures(settings=settings, months=MONTHS)
    assert failed.status == "failed"
    history = load_futures_history(settings)
    assert history is not None and history.shape == (9, 3)


def test_cli_data_update_ff_futures(
    zq: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    # This directory's conftest clears FLOWDESK_CACHE_DIR: never write the user's cache.
    monkeypatch.setenv("FLOWDESK_CACHE_DIR", str(tmp_path / "cli-cache"))
    monkeypatch.setattr("flowdesk.data.futures.today", lambda: pd.Timestamp("2026-12-08"))
    code = main(["data", "update", FUTURES_ID, "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert '"status": "updated"' in out and '"added": 27' in out
    # Contracts past 2027-02 have no fixture: named in the warning, not fatal.
    assert "ZQH27.CBT (no rows)" in err
    assert len([t for t, _ in zq.calls]) == 19
    assert (tmp_path / "cli-cache" / "series" / "FF_FUTURES.parquet").exists()


def test_named_only_tables_are_planned_only_when_named() -> None:
    from flowdesk.data.api import update_plan

    default = {s.id for s in update_plan()}
    assert not default & {FUTURES_ID, "FED_SPEECHES", "EARNINGS_DATES"}
    assert "SP500" in default
    assert [s.id for s in update_plan([FUTURES_ID, "FED_SPEECHES"])] == [FUTURES_ID,
                                                                          "FED_SPEECHES"]


def test_catalog_table_show_list_and_import(
    zq: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    monkeypatch.setenv("FLOWDESK_CACHE_DIR", str(tmp_path / "cli-cache"))
    code = main(["data", "show", FUTURES_ID])
    _, err = capsys.readouterr()
    assert code == 2 and "live-only" in err and "data update FF_FUTURES" in err
    path = tmp_path / "zq.csv"
    path.write_text("date,value\n2026-12-01,96.4\n", encoding="utf-8")
    code = main(["data", "import", FUTURES_ID, str(path), "--replace"])
    _, err = capsys.readouterr()
    assert code == 2 and "is a table and cannot be imported" in err
    from flowdesk.data.api import update

    monkeypatch.setattr("flowdesk.data.futures.today", lambda: pd.Timestamp("2026-12-08"))
    with pytest.warns(FlowdeskWarning, match=r"left out .*ZQH27\.CBT"):
        [outcome] = update([FUTURES_ID])
    assert (outcome.id, outcome.status) == (FUTURES_ID, "updated")
    code = main(["data", "show", FUTURES_ID, "--asof", "2026-11-24", "--format", "csv"])
    out, _ = capsys.readouterr()
    # Point in time: only the closes dated on or before 2026-11-24 (2 days x 3 contracts).
    assert code == 0 and out.splitlines()[0] == "date,contract_month,price"
    assert len(out.splitlines()) == 1 + 6 and "2026-11-24,2027-02,96.63" in out
    code = main(["data", "list", "--format", "json"])
    out, _ = capsys.readouterr()
    row = {r["id"]: r for r in json.loads(out)}[FUTURES_ID]
    assert (row["first"], row["last"], row["rows"]) == ("2026-11-23", "2026-12-04", 27)
