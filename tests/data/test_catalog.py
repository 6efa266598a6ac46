"""The series catalog and its agreement with the embedded snapshot."""

from __future__ import annotations

import pytest

from flowdesk.data.catalog import CATALOG, catalog_frame, get_spec
from flowdesk.data.sources.snapshot import snapshot_manifest
from flowdesk.errors import DataError


def test_ids_unique_and_lookup_case_insensitive() -> None:
    ids = [s.id for s in CATALOG]
    assert len(ids) == len(set(ids))
    assert get_spec("dgs10").id == "DGS10"
    assert get_spec(" sp500 ").id == "SP500"


def test_unknown_id_suggests_close_matches() -> None:
    with pytest.raises(DataError, match=r"unknown series id 'DGS01'.*did you mean.*DGS10"):
        get_spec("DGS01")
    with pytest.raises(DataError, match="non-empty"):
        get_spec("")


def test_every_stored_series_is_in_the_snapshot_or_live_only() -> None:
    manifest = snapshot_manifest()
    for spec in CATALOG:
        if spec.source == "derived":
            assert spec.formula and spec.derived_from
            for parent in spec.derived_from:
                get_spec(parent)
        elif spec.source in ("snapshot",):
            assert spec.id in manifest, f"{spec.id} is snapshot-only but not shipped"
    assert set(manifest) <= {s.id for s in CATALOG}


def test_units_of_the_liquidity_inputs() -> None:
    # FRED publishes WALCL and WTREGEN in millions and RRPONTSYD in billions.
    assert get_spec("WALCL").units == "USD mn"
    assert get_spec("WTREGEN").units == "USD mn"
    assert get_spec("RRPONTSYD").units == "USD bn"
    assert get_spec("NETLIQ").units == "USD bn"


def test_catalog_frame_has_one_row_per_id() -> None:
    frame = catalog_frame()
    assert list(frame.index) == [s.id for s in CATALOG]
    for column in ("description", "units", "frequency", "source", "license", "release_lag_days"):
        assert frame[column].notna().all()


def test_catalog_table_rows_inherit_their_block_and_are_checked() -> None:
    from flowdesk.data.catalog import _read_table

    head = '[terms.t]\nlicense = "L"\nattribution = "A"\n'
    block = (
        '[[block]]\nsource = "fred"\nterms = "t"\ncategory = "c"\nfrequency = "daily"\n'
        'units = "u"\n[[block.series]]\nid = "X"\ndescription = "x"\n'
    )
    (spec,) = _read_table(head + block + 'units = "v"\n')
    assert (spec.source_id, spec.units, spec.license, spec.attribution) == ("X", "v", "L", "A")
    with pytest.raises(DataError, match="unknown terms 'w'"):
        _read_table(head + block.replace('terms = "t"', 'terms = "w"'))
    with pytest.raises(DataError, match="frequency 'hourly'"):
        _read_table(head + block + 'frequency = "hourly"\n')
    with pytest.raises(DataError, match=r"series 'X'.*lag"):
        _read_table(head + block + "lag = 3\n")
