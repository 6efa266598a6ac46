"""The data layer's public functions: load, update, import, export, list."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import flowdesk.data.sources as sources
from flowdesk.config import get_settings
from flowdesk.data import export_series, import_series, list_series, load, update
from flowdesk.data.sources.base import FetchResult
from flowdesk.data.store import Store
from flowdesk.errors import ConfigError, DataError, FlowdeskWarning, SourceError


def test_load_returns_validated_series() -> None:
    s = load("SP500", start="2020-03-20", end="2020-03-24")
    assert list(s.index.strftime("%Y-%m-%d")) == ["2020-03-20", "2020-03-23", "2020-03-24"]
    assert s.name == "SP500" and s.dtype == np.float64 and s.index.name == "date"
    assert s.loc["2020-03-23"] == pytest.approx(2237.40, abs=0.01)


def test_three_month_bill_is_ten_year_minus_spread() -> None:
    # FRED, 2023-10-31: DGS10 4.88, T10Y3M -0.71, so DGS3MO = 4.88 + 0.71 = 5.59.
    assert load("DGS3MO").loc["2023-10-31"] == pytest.approx(5.59, abs=1e-9)
    # 2020-03-18: 1.18 - 1.16 = 0.02.
    assert load("DGS3MO").loc["2020-03-18"] == pytest.approx(0.02, abs=1e-9)


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        # (WALCL - WTREGEN)/1000 - RRPONTSYD with FRED's published values:
        ("2022-04-13", 8965487 / 1000 - 547308 / 1000 - 1815.555),  # = 6602.624
        ("2024-06-12", 7258974 / 1000 - 673573 / 1000 - 447.574),  # = 6137.827
        # 2008: no reverse-repo operation that Wednesday, so RRP counts as zero.
        ("2008-10-08", 1591587 / 1000 - 7910 / 1000 - 0.0),  # = 1583.677
    ],
)
def test_net_liquidity_by_hand(date: str, expected: float) -> None:
    assert load("NETLIQ").loc[date] == pytest.approx(expected, abs=1e-6)


def test_asof_applies_publication_lag() -> None:
    # UNRATE for June 2026 (dated 2026-06-01) is published in early July; the
    # catalog's 40-day lag makes it visible from 2026-07-11.
    before = load("UNRATE", asof="2026-07-10")
    after = load("UNRATE", asof="2026-07-11")
    assert before.index[-1] == pd.Timestamp("2026-05-01")
    assert after.index[-1] == pd.Timestamp("2026-06-01")
    # Daily market closes are known the same day.
    assert load("SP500", asof="2020-03-23").index[-1] == pd.Timestamp("2020-03-23")


def test_appending_later_data_never_changes_an_earlier_asof(tmp_path: Path) -> None:
    asof = "2026-09-18"
    before = {sid: load(sid, asof=asof) for sid in ("SP500", "NETLIQ", "DGS3MO")}
    later = tmp_path / "later.csv"
    later.write_text("date,value\n2026-09-28,7700.5\n2026-09-29,7712.25\n", encoding="utf-8")
    import_series("SP500", later, replace=True)
    assert load("SP500").index[-1] == pd.Timestamp("2026-09-29")
    for sid, series in before.items():
        pd.testing.assert_series_equal(load(sid, asof=asof), series)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"series_id": "NOPE"}, DataError, "unknown series id 'NOPE'"),
        ({"series_id": "SP500", "start": "2020-02-30"}, ConfigError, "start: invalid date"),
        ({"series_id": "SP500", "asof": "20200101"}, ConfigError, "asof: invalid date"),
        (
            {"series_id": "SP500", "start": "2021-01-01", "end": "2020-01-01"},
            ConfigError,
            "after end",
        ),
        ({"series_id": "SP500", "asof": "1970-01-01"}, DataError, "no observations published by"),
        ({"series_id": "DFEDTARU"}, DataError, "live-only"),
    ],
)
def test_load_errors_name_the_problem(kwargs: dict, error: type, fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        load(**kwargs)


def test_live_only_series_error_explains_how_to_fetch() -> None:
    with pytest.raises(DataError) as info:
        load("DFEDTARU")
    assert "flowdesk data update DFEDTARU" in str(info.value)
    assert "FLOWDESK_FRED_API_KEY" in str(info.value)


def test_tables_load_as_frames() -> None:
    fomc = load("FOMC_DECISIONS")
    assert pd.Timestamp("2020-03-15") in fomc.index or pd.Timestamp("2020-03-16") in fomc.index
    assert fomc.loc["2020-03-03", "scheduled"] == 0
    targets = load("FOMC_TARGETS")
    # 2024-09-18: the 50bp cut to 4.75-5.00%.
    row = targets.loc["2024-09-18"]
    assert (row["bps_change"], row["target_low"], row["target_high"]) == (-50, 4.75, 5.0)


def test_import_user_series_then_load_list_and_export(tmp_path: Path) -> None:
    src = tmp_path / "mine.csv"
    src.write_text(
        "date,value\n2024-01-31,1.5\n2024-02-29,.\n2024-03-31,2.5\n2024-04-30,3\n",
        encoding="utf-8",
    )
    out = import_series("my_series", src, description="My thing", units="widgets")
    assert (out.entry.rows, out.added) == (3, 3)
    s = load("MY_SERIES")
    assert list(s) == [1.5, 2.5, 3.0]
    listed = list_series()
    assert listed.loc["MY_SERIES", "source"] == "user"
    assert listed.loc["MY_SERIES", "description"] == "My thing"
    assert listed.loc["MY_SERIES", "frequency"] == "monthly"
    csv_path = export_series("MY_SERIES", tmp_path / "out.csv")
    assert csv_path.read_text(encoding="utf-8").splitlines() == [
        "date,MY_SERIES",
        "2024-01-31,1.5",
        "2024-03-31,2.5",
        "2024-04-30,3.0",
    ]
    pq_path = export_series("SP500", tmp_path / "sp.parquet", start="2024-12-30", end="2024-12-31")
    frame = pd.read_parquet(pq_path)
    assert list(frame.columns) == ["date", "SP500"] and len(frame) == 2


def test_bad_import_never_touches_the_cache(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("date,value\n2024-01-02,10\n2024-01-03,11\n", encoding="utf-8")
    import_series("MINE", good)
    cache_file = get_settings().cache_dir / "series" / "MINE.parquet"
    before = cache_file.read_bytes()
    for body in (
        "",
        "date,value\n",
        "date,value\n2024-01-05,x\n",
        "date,value\n2024-01-05,1\n2024-01-04,2\n",
    ):
        bad = tmp_path / "bad.csv"
        bad.write_text(body, encoding="utf-8")
        with pytest.raises(DataError):
            import_series("MINE", bad)
    assert cache_file.read_bytes() == before
    assert list(load("MINE")) == [10.0, 11.0]


def test_import_refuses_negative_prices_and_derived_ids(tmp_path: Path) -> None:
    bad = tmp_path / "neg.csv"
    bad.write_text("date,value\n2024-01-02,-5\n", encoding="utf-8")
    with pytest.raises(DataError, match="non-positive"):
        import_series("SP500", bad)
    with pytest.raises(DataError, match="derived"):
        import_series("NETLIQ", bad)


def test_export_rejects_unknown_suffix_and_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\.csv or \.parquet"):
        export_series("SP500", tmp_path / "x.xlsx")
    with pytest.raises(ConfigError, match="does not exist"):
        export_series("SP500", tmp_path / "nope" / "x.csv")


class _FakeSource:
    name = "fake"

    def __init__(self, data: pd.Series | None, error: Exception | None = None) -> None:
        self.data, self.error, self.calls = data, error, 0

    def fetch(self, spec):
        self.calls += 1
        if self.error is not None:
            raise self.error
        assert self.data is not None
        return FetchResult(
            spec.id,
            self.data.rename(spec.id),
            "fake",
            "https://x/" + spec.id,
            dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
        )


def test_update_merges_with_the_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    new = pd.Series(
        [7800.0, 7810.0], index=pd.DatetimeIndex(["2026-09-25", "2026-09-28"], name="date")
    )
    fake = _FakeSource(new)
    monkeypatch.setattr(sources, "source_for", lambda spec, settings=None: fake)
    [outcome] = update(["SP500"])
    assert (outcome.status, outcome.added, outcome.revised) == ("updated", 1, 1)
    s = load("SP500")
    assert s.loc["2026-09-28"] == 7810.0 and s.loc["2026-09-25"] == 7800.0
    # Old history from the snapshot is still there.
    assert s.loc["1987-10-19"] == pytest.approx(224.84, abs=0.01)
    entry = Store(get_settings().cache_dir).entry("SP500")
    assert entry is not None and entry.source == "fake" and entry.url == "https://x/SP500"


def test_failed_update_warns_and_keeps_data(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _FakeSource(None, SourceError("fred DGS10: HTTP 503"))
    monkeypatch.setattr(sources, "source_for", lambda spec, settings=None: fake)
    before = load("DGS10")
    with pytest.warns(FlowdeskWarning, match="DGS10: update failed"):
        [outcome] = update(["DGS10"])
    assert outcome.status == "failed" and "503" in outcome.message
    pd.testing.assert_series_equal(load("DGS10"), before)


def test_update_of_derived_id_refreshes_its_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def factory(spec, settings=None):
        seen.append(spec.id)
        return _FakeSource(None, SourceError("down"))

    monkeypatch.setattr(sources, "source_for", factory)
    with pytest.warns(FlowdeskWarning):
        update(["NETLIQ"])
    assert seen == ["WALCL", "WTREGEN", "RRPONTSYD"]


def test_update_refuses_offline_and_snapshot_only_ids() -> None:
    with pytest.raises(ConfigError, match="offline"):
        update(["DGS10"], settings=get_settings(offline=True))
    with pytest.raises(DataError, match="snapshot-only"):
        update(["PCR_TOTAL"])


def test_list_series_reports_coverage_and_freshness() -> None:
    frame = list_series()
    assert {"SP500", "NETLIQ", "DGS3MO", "DFEDTARU"} <= set(frame.index)
    assert frame.loc["SP500", "first"] == "1985-01-02"
    assert frame.loc["DFEDTARU", "freshness"] == "missing"
    assert frame.loc["NETLIQ", "origin"] == "derived"
    assert set(frame["freshness"]) <= {"fresh", "stale", "missing", "n/a"}
    json.dumps(frame.reset_index().to_dict(orient="records"))


def test_corrupted_cache_falls_back_to_snapshot_with_warning(tmp_path: Path) -> None:
    later = tmp_path / "later.csv"
    later.write_text("date,value\n2026-09-28,7700.5\n", encoding="utf-8")
    import_series("SP500", later, replace=True)
    cached = get_settings().cache_dir / "series" / "SP500.USER.parquet"  # the import
    cached.write_bytes(b"not parquet at all")
    with pytest.warns(FlowdeskWarning, match="corrupted"):
        s = load("SP500")
    # The import is lost with the file, but the embedded history still loads.
    assert s.index[-1] == pd.Timestamp("2026-09-25")
    assert (get_settings().cache_dir / "quarantine").is_dir()
