"""FRED specifics beyond the contract: key handling, error bodies, fallback."""

from __future__ import annotations

import json
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from flowdesk.config import clear_settings_cache
from flowdesk.data.catalog import get_spec
from flowdesk.data.sources.fred import FRED_API_URL, FRED_CSV_URL, FredSource
from flowdesk.errors import DataError, SourceError

JSON_FIXTURE = "fred_DGS10_observations.json"
CSV_FIXTURE = "fred_DGS10_fredgraph.csv"
CSV_PUBLIC = f"{FRED_CSV_URL}?id=DGS10"


@pytest.fixture
def keyed(make_settings: Any, kit: Any, sleeper: Any) -> FredSource:
    return FredSource(make_settings(fred_api_key=kit.api_key), sleep=sleeper)


@pytest.fixture
def keyless(make_settings: Any, sleeper: Any) -> FredSource:
    return FredSource(make_settings(fred_api_key=None), sleep=sleeper)


@pytest.fixture
def api(router: Any) -> Any:
    return router.get(FRED_API_URL)


@pytest.fixture
def csv_route(router: Any) -> Any:
    return router.get(FRED_CSV_URL)


def test_api_request_carries_id_key_and_json(keyed: FredSource, api: Any, kit: Any) -> None:
    api.mock(return_value=kit.response(JSON_FIXTURE, "application/json"))
    keyed.fetch(get_spec("DGS10"))
    params = api.calls.last.request.url.params
    assert dict(params) == {"series_id": "DGS10", "api_key": kit.api_key, "file_type": "json"}


def test_api_values_spot_checked_against_the_fixture(keyed: FredSource, api: Any, kit: Any) -> None:
    api.mock(return_value=kit.response(JSON_FIXTURE, "application/json"))
    data = keyed.fetch(get_spec("DGS10")).data
    # First, last and a mid value of the fixture, and the "." day.
    assert data[pd.Timestamp("2020-03-23")] == 0.76
    assert data[pd.Timestamp("2020-04-09")] == 0.73
    assert data[pd.Timestamp("2020-04-17")] == 0.65
    assert pd.Timestamp("2020-04-10") not in data.index
    assert len(data) == 19


def test_transform_data_keeps_missing_as_nan(keyed: FredSource, kit: Any) -> None:
    from flowdesk.data.sources.fred import FredPayload

    raw = FredPayload("json", kit.text(JSON_FIXTURE), "x")
    series = keyed.transform_data(raw, get_spec("DGS10"))
    assert len(series) == 20
    assert np.isnan(series[pd.Timestamp("2020-04-10")])


@pytest.mark.parametrize("variable", ["FLOWDESK_FRED_API_KEY", "FRED_API_KEY"])
def test_key_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, kit: Any, variable: str
) -> None:
    monkeypatch.setenv(variable, kit.api_key)
    clear_settings_cache()
    query = FredSource().transform_query(get_spec("DGS10"))
    assert query.url == FRED_API_URL
    assert query.params["api_key"] == kit.api_key
    assert kit.api_key not in query.public_url


def test_without_key_the_keyless_csv_is_used(keyless: FredSource) -> None:
    query = keyless.transform_query(get_spec("T10Y2Y"))
    assert query.url == FRED_CSV_URL
    assert query.params == {"id": "T10Y2Y"}
    assert query.public_url == f"{FRED_CSV_URL}?id=T10Y2Y"


def test_fred_json_error_body_is_surfaced_without_the_key(
    keyed: FredSource, api: Any, csv_route: Any, kit: Any, sleeper: Any
) -> None:
    api.mock(return_value=httpx.Response(400, text=kit.text("fred_error_bad_api_key.json")))
    with pytest.raises(SourceError) as info:
        keyed.fetch(get_spec("DGS10"))
    message = str(info.value)
    assert "The value for variable api_key is not registered" in message
    assert "HTTP 400" in message
    assert "DGS10" in message
    assert kit.api_key not in message
    # A rejected key is not an outage: no retry, no fallback.
    assert api.call_count == 1
    assert csv_route.call_count == 0
    assert sleeper.calls == []


@pytest.mark.parametrize("failure", [503, httpx.ConnectError("[Errno 111] Connection refused")])
def test_api_outage_falls_back_to_the_keyless_csv(
    keyed: FredSource, api: Any, csv_route: Any, kit: Any, failure: Any
) -> None:
    if isinstance(failure, Exception):
        api.mock(side_effect=failure)
    else:
        api.mock(return_value=httpx.Response(failure))
    csv_route.mock(return_value=kit.response(CSV_FIXTURE, "text/csv"))
    result = keyed.fetch(get_spec("DGS10"))
    expected = kit.expected_csv(
        CSV_FIXTURE, date_format="%Y-%m-%d", value_column="DGS10", series_name="DGS10"
    )
    assert result.data.index.equals(expected.index)
    np.testing.assert_array_equal(result.data.to_numpy(), expected.to_numpy())
    assert result.url == CSV_PUBLIC  # provenance names what was really read
    assert api.call_count == 4
    assert csv_route.call_count == 1
    assert "api_key" not in str(csv_route.calls.last.request.url)


def test_failed_fallback_reports_both_failures_once(
    keyed: FredSource, api: Any, csv_route: Any, kit: Any, sleeper: Any
) -> None:
    api.mock(return_value=httpx.Response(502))
    csv_route.mock(return_value=httpx.Response(500))
    with pytest.raises(SourceError) as info:
        keyed.fetch(get_spec("DGS10"))
    message = str(info.value)
    assert "API failed" in message and "HTTP 502" in message
    assert "CSV fallback failed" in message and "HTTP 500" in message
    assert kit.api_key not in message
    assert csv_route.call_count == 1  # one try: the API already used the retries
    assert sleeper.calls == [0.5, 1.0, 2.0]


def test_keyless_failure_says_a_key_enables_the_api(keyless: FredSource, csv_route: Any) -> None:
    csv_route.mock(return_value=httpx.Response(503))
    with pytest.raises(SourceError, match="FLOWDESK_FRED_API_KEY") as info:
        keyless.fetch(get_spec("DGS10"))
    assert "HTTP 503" in str(info.value)


def test_keyless_html_page_is_detected(keyless: FredSource, csv_route: Any, kit: Any) -> None:
    csv_route.mock(return_value=kit.response("fred_error_page.html", "text/html"))
    with pytest.raises(SourceError) as info:
        keyless.fetch(get_spec("DGS10"))
    message = str(info.value)
    assert "HTML page instead of CSV" in message
    assert "DGS10" in message
    assert "FLOWDESK_FRED_API_KEY" in message


def test_offline_message_does_not_suggest_a_key(make_settings: Any, csv_route: Any) -> None:
    source = FredSource(make_settings(offline=True, fred_api_key=None))
    with pytest.raises(SourceError) as info:
        source.fetch(get_spec("DGS10"))
    assert "FLOWDESK_FRED_API_KEY" not in str(info.value)
    assert csv_route.call_count == 0


def test_csv_for_another_series_is_rejected(keyless: FredSource, csv_route: Any, kit: Any) -> None:
    # FRED answering with a different series' file must not be stored as DGS10.
    text = kit.text(CSV_FIXTURE).replace("observation_date,DGS10", "observation_date,DGS2")
    csv_route.mock(return_value=httpx.Response(200, text=text))
    with pytest.raises(DataError, match="DGS10"):
        keyless.fetch(get_spec("DGS10"))


def test_non_numeric_json_value_names_the_observation(
    keyed: FredSource, api: Any, kit: Any
) -> None:
    body = json.loads(kit.text(JSON_FIXTURE))
    body["observations"][2]["value"] = "n/a"
    api.mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(SourceError, match=r"observation 3 \(2020-03-25\).*'n/a'"):
        keyed.fetch(get_spec("DGS10"))


def test_bad_json_date_is_reported(keyed: FredSource, api: Any, kit: Any) -> None:
    body = json.loads(kit.text(JSON_FIXTURE))
    body["observations"][0]["date"] = "03/23/2020"
    api.mock(return_value=httpx.Response(200, json=body))
    with pytest.raises(SourceError, match=r"DGS10: observation 1 has invalid date '03/23/2020'"):
        keyed.fetch(get_spec("DGS10"))


def test_json_without_observations_is_reported(keyed: FredSource, api: Any) -> None:
    api.mock(return_value=httpx.Response(200, json={"count": 0}))
    with pytest.raises(SourceError, match="DGS10: the API answer has no 'observations' list"):
        keyed.fetch(get_spec("DGS10"))


def test_api_html_page_is_detected(keyed: FredSource, api: Any, kit: Any) -> None:
    api.mock(return_value=kit.response("fred_error_page.html", "text/html"))
    with pytest.raises(SourceError, match="DGS10: got an HTML page instead of JSON") as info:
        keyed.fetch(get_spec("DGS10"))
    assert kit.api_key not in str(info.value)
