"""Choosing a live source for a catalog row."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from flowdesk.data.catalog import CATALOG, get_spec
from flowdesk.data.sources import SOURCES, CboeSource, FredSource, YahooSource, source_for
from flowdesk.errors import DataError


def test_registry_names_match_the_classes() -> None:
    assert dict(SOURCES) == {"fred": FredSource, "cboe": CboeSource, "yahoo": YahooSource}
    for name, cls in SOURCES.items():
        assert cls.name == name


@pytest.mark.parametrize(
    ("series", "cls"), [("DGS10", FredSource), ("VIX", CboeSource), ("SP500", YahooSource)]
)
def test_source_for_picks_by_catalog_source(series: str, cls: type) -> None:
    assert type(source_for(get_spec(series))) is cls


def test_every_live_catalog_row_has_a_source() -> None:
    live = [spec for spec in CATALOG if spec.live]
    assert live, "catalog has no live series?"
    for spec in live:
        assert source_for(spec).name == spec.source


def test_settings_are_handed_to_the_source(make_settings: Any) -> None:
    settings = make_settings(offline=True)
    assert source_for(get_spec("DGS10"), settings=settings).settings is settings
    assert source_for(get_spec("SP500"), settings=settings).settings is settings


def test_snapshot_only_series_is_refused() -> None:
    spec = next(s for s in CATALOG if s.source == "snapshot")
    with pytest.raises(DataError) as info:
        source_for(spec)
    assert str(info.value) == (
        f"series {spec.id} cannot be refreshed from a live source (it is snapshot-only);"
        " use `flowdesk data import`"
    )


def test_derived_series_is_refused_and_names_its_inputs() -> None:
    spec = get_spec("DGS3MO")
    assert spec.source == "derived"
    with pytest.raises(
        DataError, match="series DGS3MO cannot be refreshed from a live source"
    ) as info:
        source_for(spec)
    for parent in spec.derived_from:
        assert parent in str(info.value)


def test_user_series_is_refused() -> None:
    spec = dataclasses.replace(get_spec("DGS10"), id="MYDATA", source="user", source_id=None)
    with pytest.raises(DataError, match=r"series MYDATA .*user-imported.*flowdesk data import"):
        source_for(spec)
