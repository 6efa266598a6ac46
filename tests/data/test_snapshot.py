"""The embedded snapshot: integrity, size, provenance and published reference values."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from flowdesk.data.parquet_io import sha256_bytes
from flowdesk.data.sources.snapshot import read_snapshot, snapshot_manifest

SNAPSHOT = resources.files("flowdesk.data.snapshot")
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_every_file_matches_its_checksum_and_coverage() -> None:
    for sid, entry in snapshot_manifest().items():
        raw = SNAPSHOT.joinpath(entry["file"]).read_bytes()
        assert sha256_bytes(raw) == entry["sha256"], sid
        data = read_snapshot(sid)
        assert len(data) == entry["rows"], sid
        assert data.index[0].strftime("%Y-%m-%d") == entry["first"], sid
        assert data.index[-1].strftime("%Y-%m-%d") == entry["last"], sid


def test_snapshot_is_small() -> None:
    total = sum(
        len(SNAPSHOT.joinpath(name).read_bytes())
        for name in (p.name for p in SNAPSHOT.iterdir())
        if name.endswith((".parquet", ".json", ".md"))
    )
    assert total < 8 * 1024 * 1024


def test_provenance_names_every_entry_and_no_ice_data() -> None:
    text = SNAPSHOT.joinpath("PROVENANCE.md").read_text(encoding="utf-8")
    for sid in snapshot_manifest():
        assert f"| {sid} |" in text
    names = [p.name.upper() for p in SNAPSHOT.iterdir()]
    assert not any("BAML" in n or "HYM2" in n for n in names)
    assert "Federal Reserve Bank of St. Louis" in text


@pytest.mark.parametrize(
    ("sid", "date", "value"),
    [
        # Spot checks published in ../shared/data/MANIFEST.md (Yahoo closes).
        ("SP500", "1987-10-19", 224.84),
        ("SP500", "2008-10-09", 909.92),
        ("SP500", "2020-03-23", 2237.40),
        ("SP500", "2024-12-31", 5881.63),
        ("BTC", "2024-12-31", 93429.20),
        # FRED's DEXUSEU on the euro's first trading day: 1.1812 USD per EUR.
        ("DEXUSEU", "1999-01-04", 1.1812),
        # Cboe's known bad VVIX print, kept as published.
        ("VVIX", "2006-03-06", 71.73),
        ("VVIX", "2006-03-15", 15.71),
        # WTI's negative close on 2020-04-20 (EIA).
        ("DCOILWTICO", "2020-04-20", -36.98),
        # The last VIX close of the Cboe file and one from FRED's VIXCLS after it.
        ("VIX", "2026-07-23", 18.70),
        ("VIX", "2026-09-04", 14.53),
    ],
)
def test_published_reference_values(sid: str, date: str, value: float) -> None:
    assert read_snapshot(sid).loc[date] == pytest.approx(value, abs=0.006)


def test_provenance_gives_each_entry_its_origin() -> None:
    text = SNAPSHOT.joinpath("PROVENANCE.md").read_text(encoding="utf-8")
    for sid, entry in snapshot_manifest().items():
        assert all(entry["origin"]) and len(entry["origin"]) == len(entry["built_from"]), sid
    assert "see ../shared/data/MANIFEST.md |" not in text
    # The origin of the earnings dates as MANIFEST.md records it.
    assert "PyPI stocks-earnings-dates 0.1.9" in text


def test_fx_is_quoted_like_fred() -> None:
    eur = read_snapshot("DEXUSEU")
    jpy = read_snapshot("DEXJPUS")
    gbp = read_snapshot("DEXUSUK")
    # USD per EUR and per GBP are around 1-2; JPY per USD around 75-360.
    assert eur.between(0.8, 1.7).all()
    assert gbp.between(1.0, 2.7).all()
    assert jpy.between(70, 400).all()


@pytest.mark.skipif(not (SHARED / "MANIFEST.md").exists(), reason="needs ../shared/data")
def test_rebuild_from_shared_reproduces_the_shipped_values(tmp_path: Path) -> None:
    import importlib.util
    import sys

    from flowdesk.data.parquet_io import frame_from_parquet_bytes

    script = Path(__file__).resolve().parents[2] / "scripts" / "build_snapshot.py"
    spec = importlib.util.spec_from_file_location("build_snapshot", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_snapshot"] = module
    try:
        spec.loader.exec_module(module)
        manifest = module.build(SHARED, tmp_path)
    finally:
        sys.modules.pop("build_snapshot", None)
    assert set(manifest) == set(snapshot_manifest())
    for sid, entry in manifest.items():
        rebuilt = frame_from_parquet_bytes((tmp_path / entry["file"]).read_bytes(), sid)
        shipped = read_snapshot(sid)
        if isinstance(shipped, pd.Series):
            shipped = shipped.to_frame("value")
        pd.testing.assert_frame_equal(rebuilt, shipped, check_names=False)
