"""Cboe specifics beyond the contract: which column, which URL."""

from __future__ import annotations

from typing import Any

import httpx
import pandas as pd
import pytest

from flowdesk.data.catalog import get_spec
from flowdesk.data.sources.cboe import CboeSource, cboe_url
from flowdesk.errors import DataError


@pytest.fixture
def source(make_settings: Any, sleeper: Any) -> CboeSource:
    return CboeSource(make_settings(), sleep=sleeper)


def test_url_uses_the_catalog_symbol() -> None:
    assert cboe_url("vix9d") == (
        "https://cdn.cboe.com/api/global/us_indices/daily_prices/VIX9D_History.csv"
    )
    query = CboeSource().transform_query(get_spec("SKEW"))
    assert query.url.endswith("/SKEW_History.csv")
    assert query.public_url == query.url


def test_ohlc_file_gives_the_close(source: CboeSource, router: Any, kit: Any) -> None:
    router.get(cboe_url("VIX3M")).mock(
        return_value=kit.response("cboe_VIX3M_History.csv", "text/csv")
    )
    data = source.fetch(get_spec("VIX3M")).data
    # 03/16/2020 row: OPEN 48.31, HIGH 68.71, LOW 48.31, CLOSE 67.70.
    assert data[pd.Timestamp("2020-03-16")] == 67.70
    assert data.index[0] == pd.Timestamp("2020-03-09")
    assert data.index[-1] == pd.Timestamp("2020-04-03")
    assert len(data) == 20


def test_single_column_file_keeps_the_known_bad_print(
    source: CboeSource, router: Any, kit: Any
) -> None:
    router.get(cboe_url("VVIX")).mock(
        return_value=kit.response("cboe_VVIX_History.csv", "text/csv")
    )
    data = source.fetch(get_spec("VVIX")).data
    # Cboe's own glitch on 2006-03-15 is data, not a parse error; models flag it.
    assert data[pd.Timestamp("2006-03-15")] == 15.71
    assert data[pd.Timestamp("2006-03-06")] == 71.73


def test_unknown_header_is_rejected(source: CboeSource, router: Any) -> None:
    router.get(cboe_url("SKEW")).mock(
        return_value=httpx.Response(200, text="DATE,VVIX\n03/06/2006,71.730000\n")
    )
    with pytest.raises(DataError, match="cboe series SKEW: expected a CLOSE or SKEW column"):
        source.fetch(get_spec("SKEW"))


def test_non_positive_close_is_rejected(source: CboeSource, router: Any, kit: Any) -> None:
    lines = kit.text("cboe_VIX3M_History.csv").splitlines()
    lines[2] = "03/10/2020,38.280000,44.020000,38.190000,0.000000"
    router.get(cboe_url("VIX3M")).mock(return_value=httpx.Response(200, text="\n".join(lines)))
    with pytest.raises(DataError, match=r"cboe series VIX3M: line 3: non-positive value"):
        source.fetch(get_spec("VIX3M"))


def test_unsorted_file_is_rejected(source: CboeSource, router: Any, kit: Any) -> None:
    lines = kit.text("cboe_VIX3M_History.csv").splitlines()
    lines[1], lines[2] = lines[2], lines[1]
    router.get(cboe_url("VIX3M")).mock(return_value=httpx.Response(200, text="\n".join(lines)))
    with pytest.raises(DataError, match=r"VIX3M.*not in ascending order"):
        source.fetch(get_spec("VIX3M"))
