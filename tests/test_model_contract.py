"""One contract run over every registered model (the pattern of the source contract test).

For each entry of :data:`flowdesk.models.MODELS`, on the embedded data:

* ``estimate(asof)`` returns a frozen :class:`flowdesk.results.Result` whose
  ``to_dict()`` is strict JSON (no NaN), whose ``summary()`` is the ``str()``;
* freshness is reported under one name, ``last_obs``, with a date for each input,
  and every indicator in the JSON carries its ``asof``;
* data published after the as-of date leave the estimate unchanged (point in time);
* the model's report section builds;
* ``/api/<name>`` returns the same JSON as ``flowdesk <command> --format json``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from flowdesk import memo
from flowdesk.cli import app as cli_app
from flowdesk.config import get_settings
from flowdesk.data import import_series, load
from flowdesk.data.catalog import CATALOG
from flowdesk.errors import DataError
from flowdesk.models import MODELS, ModelSpec
from flowdesk.report.sections import SECTIONS, ReportContext
from flowdesk.results import Result
from flowdesk.web.app import create_app

ASOF = "2024-06-28"
#: A date inside the data, so that "later data" overwrite real observations.
LATER_DAYS = 45

#: Options that keep the heavy models quick here: (model options, estimate options).
FAST: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "simulator": ({"seed": 1}, {"paths": 6, "years": 0.5, "moments": False}),
}


def _estimate(spec: ModelSpec, asof: str = ASOF) -> Any:
    options, estimate_options = FAST.get(spec.name, ({}, {}))
    return spec.model_class()(**options).estimate(asof, **estimate_options)


@pytest.fixture(params=MODELS, ids=[spec.name for spec in MODELS])
def spec(request: pytest.FixtureRequest) -> ModelSpec:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return {spec.name: _estimate(spec) for spec in MODELS}


def test_the_registry_names_real_classes(spec: ModelSpec) -> None:
    assert spec.model_class().__name__ == spec.class_name
    assert issubclass(spec.result_class(), Result)
    assert callable(spec.model_class().estimate)


def test_result_is_frozen_json_safe_data(spec: ModelSpec, results: dict[str, Any]) -> None:
    result = results[spec.name]
    assert isinstance(result, spec.result_class())
    assert dataclasses.is_dataclass(result)
    field = dataclasses.fields(result)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, field, None)
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert json.loads(text) == result.to_dict()
    summary = result.summary()
    assert isinstance(summary, str) and summary.strip()
    assert str(result) == summary
    assert result._repr_html_().strip()


def test_freshness_is_last_obs(spec: ModelSpec, results: dict[str, Any]) -> None:
    result = results[spec.name]
    payload = result.to_dict()
    assert "obs_date" not in payload
    last_obs = payload["last_obs"]
    assert isinstance(last_obs, dict) and last_obs
    for series_id, date in last_obs.items():
        assert date is None or date <= ASOF, (series_id, date)
    assert set(result.last_obs) == set(last_obs)


def _indicators(payload: Any) -> Iterator[dict[str, Any]]:
    """Every entry of every ``indicators`` list or mapping anywhere in a JSON payload."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "indicators":
                yield from value.values() if isinstance(value, dict) else value
            yield from _indicators(value)
    elif isinstance(payload, list):
        for item in payload:
            yield from _indicators(item)


def test_every_dated_indicator_carries_its_asof(spec: ModelSpec, results: dict[str, Any]) -> None:
    indicators = list(_indicators(results[spec.name].to_dict()))
    if spec.name == "theses":  # the model built of indicators: the check must see them
        assert len(indicators) >= 10
    for indicator in indicators:
        # "insufficient data" still says as of when: the date the value was asked for.
        assert indicator.get("asof") is not None, indicator
        assert indicator["asof"] <= ASOF, indicator


#: Raw (not derived) series that can be rewritten through the public import path.
RAW = {spec.id for spec in CATALOG if spec.source != "derived"}


def _rewrite_after(series_id: str, after: pd.Timestamp, tmp: Path) -> pd.Series | None:
    """Import the observations of the weeks after ``after`` scaled by 1.7; the originals."""
    try:
        data = load(series_id)
    except DataError:  # live-only series, never fetched here
        return None
    if not isinstance(data, pd.Series):
        return None
    window = data.loc[after + pd.Timedelta(days=1): after + pd.Timedelta(days=LATER_DAYS)]
    window = window.dropna()
    if window.empty:
        return None
    path = tmp / f"{series_id}.csv"
    lines = ["date,value", *(f"{d:%Y-%m-%d},{v * 1.7!r}" for d, v in window.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    import_series(series_id, path, replace=True)
    return window


# Measured speed, not a model output: it differs between two runs on the same data.
WALL_CLOCK_KEYS = frozenset({"path_days_per_s"})


def _deterministic(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key not in WALL_CLOCK_KEYS}


def test_later_data_leave_an_earlier_asof_unchanged(
    spec: ModelSpec, results: dict[str, Any], tmp_path: Path
) -> None:
    before = _deterministic(results[spec.name].to_dict())
    asof = pd.Timestamp(ASOF)
    changed = {}
    for series_id in (sid for sid in before["last_obs"] if sid in RAW):
        original = _rewrite_after(series_id, asof, tmp_path)
        if original is not None:
            changed[series_id] = original
    if spec.name != "simulator":  # its calibration window ends in 2018
        assert changed, "no input of this model was rewritten: the check would prove nothing"
    for series_id, original in changed.items():
        # The rewrite took: the data after the as-of date really are different now.
        first = original.index[0]
        assert load(series_id).loc[first] == pytest.approx(original.iloc[0] * 1.7)
    memo.clear()
    assert _deterministic(_estimate(spec).to_dict()) == before


def test_section_builds(spec: ModelSpec) -> None:
    [builder] = [b for b in SECTIONS if b.id == spec.name]
    section = builder(ReportContext(asof=pd.Timestamp(ASOF)))
    assert (section.id, section.title, section.status) == (spec.name, spec.title, "ok")
    assert section.key_numbers and section.freshness


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(get_settings())) as c:
        yield c


def test_api_equals_cli_json(spec: ModelSpec, client: TestClient) -> None:
    if spec.api_route is None:
        pytest.skip(f"{spec.name} has no JSON route")
    api = client.get(spec.api_route, params={"asof": ASOF})
    assert api.status_code == 200, api.text[:300]
    cli = CliRunner().invoke(cli_app, [spec.command, "--asof", ASOF, "--format", "json"])
    assert cli.exit_code == 0, cli.output[-500:]
    assert api.json() == json.loads(cli.stdout)


# The S&P 500 data start on 1985-01-02 (MANIFEST); 1960 is before any of it.
@pytest.mark.parametrize(("asof", "cli_says", "api_type"), [
    ("1960-01-04", "--asof 1960-01-04 is outside the data", "OutsideData"),
    ("2020-02-30", "--asof: invalid date", "ValidationError"),
])
def test_a_bad_asof_is_a_clear_error_in_the_cli_and_the_api(
    spec: ModelSpec, client: TestClient, asof: str, cli_says: str, api_type: str
) -> None:
    cli = CliRunner().invoke(cli_app, [spec.command, "--asof", asof, "--format", "json"])
    assert cli.exit_code == 2, cli.output[-500:]
    assert cli_says in cli.output and "Traceback" not in cli.output
    if spec.api_route is None:
        return
    api = client.get(spec.api_route, params={"asof": asof})
    assert api.status_code == 422
    assert api.json()["error"]["type"] in (api_type, "InvalidDate")
