"""JSON API: same JSON as the models and the CLI, ETags and 304s, one computation per key."""

from __future__ import annotations

import importlib
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pandas as pd
import pytest

from flowdesk.cli import main as cli_main
from flowdesk.config import Settings, get_settings
from flowdesk.web import background_server, create_app

ASOF = "2020-03-20"
# Endpoint -> (module, class): the test computes each model itself, independently of the app.
MODELS = {
    "overview": ("flowdesk.overview", "MarketOverview"),
    "vix": ("flowdesk.vol", "VixRegimes"),
    "fed": ("flowdesk.policy.model", "FedPolicy"),
    "flows": ("flowdesk.flows.desk", "FlowsDesk"),
    "drivers": ("flowdesk.drivers", "Drivers"),
    "theses": ("flowdesk.macro.scorecard", "Scorecard"),
}


def make_settings(root: Path) -> Settings:
    """Settings on an empty cache that ignore any user config file."""
    config = root / "empty.toml"
    config.write_text("", encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FLOWDESK_CONFIG", str(config))
        for name in ("FLOWDESK_FRED_API_KEY", "FRED_API_KEY", "FLOWDESK_OFFLINE"):
            mp.delenv(name, raising=False)
        return get_settings(cache_dir=root / "cache")


@pytest.fixture(scope="module")
def web_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("web_api"))


@pytest.fixture(scope="module")
def base_url(web_settings: Settings) -> Iterator[str]:
    with background_server(create_app(web_settings)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=120) as c:
        yield c


@pytest.mark.parametrize("name", list(MODELS))
def test_model_endpoint_returns_the_models_to_dict(client: httpx.Client, web_settings: Settings,
                                                   name: str) -> None:
    module, attribute = MODELS[name]
    cls = getattr(importlib.import_module(module), attribute)
    # Same data and settings as the app (a model that memoizes computes only once).
    expected = cls().estimate(pd.Timestamp(ASOF), settings=web_settings).to_dict()
    response = client.get(f"/api/{name}", params={"asof": ASOF})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json() == json.loads(json.dumps(expected))


def _cli_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> object:
    capsys.readouterr()
    assert cli_main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_vix_and_series_mirror_the_cli(client: httpx.Client,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    vix = _cli_json(["vix", "--asof", ASOF, "--format", "json"], capsys)
    assert client.get("/api/vix", params={"asof": ASOF}).json() == vix
    argv = ["data", "show", "VIX", "--asof", ASOF, "--start", "2020-03-01", "--format", "json"]
    series = _cli_json(argv, capsys)
    response = client.get("/api/series/vix", params={"asof": ASOF, "start": "2020-03-01"})
    assert response.status_code == 200
    assert response.json() == series
    assert series["observations"][-1]["date"] <= ASOF


def test_fed_api_mirrors_the_cli_and_the_page_shows_the_matrix(
        client: httpx.Client, capsys: pytest.CaptureFixture[str]) -> None:
    day = "2024-09-10"
    fed = _cli_json(["fed", "--asof", day, "--format", "json"], capsys)
    assert client.get("/api/fed", params={"asof": day}).json() == fed
    assert {"matrix", "cut_odds_history", "odds_attribution"} <= set(fed)  # type: ignore[arg-type]
    page = client.get("/fed", params={"asof": day}).text
    for marker in ('class="fed-matrix"', 'class="fed-matrix-change"', 'class="fed-odds"',
                   "fed-cut-odds-history", "fed-odds-attribution"):
        assert marker in page, marker


def test_etag_round_trip(client: httpx.Client) -> None:
    first = client.get("/api/vix", params={"asof": ASOF})
    etag = first.headers["etag"]
    assert etag.startswith('"') and "max-age" in first.headers["cache-control"]
    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        again = client.get("/api/vix", params={"asof": ASOF}, headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
    stale = client.get("/api/vix", params={"asof": ASOF}, headers={"If-None-Match": '"old"'})
    assert stale.status_code == 200 and stale.content == first.content
    other = client.get("/api/vix", params={"asof": "2020-03-13"})
    assert other.headers["etag"] != etag


def test_a_cache_hit_does_not_recompute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flowdesk.vol import VixRegimes

    calls: list[pd.Timestamp] = []
    real = VixRegimes.estimate

    def counting(self: VixRegimes, asof: pd.Timestamp, **kwargs: object) -> object:
        calls.append(asof)
        time.sleep(0.2)  # long enough for the concurrent requests below to overlap
        return real(self, asof, **kwargs)

    monkeypatch.setattr(VixRegimes, "estimate", counting)
    app = create_app(make_settings(tmp_path))
    with background_server(app) as url, httpx.Client(base_url=url, timeout=60) as c:
        def get(_: int) -> httpx.Response:
            return c.get("/api/vix", params={"asof": ASOF})

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(get, range(16)))
        assert {r.status_code for r in answers} == {200}
        assert len({r.content for r in answers}) == 1
        assert calls == [pd.Timestamp(ASOF)]  # 16 concurrent requests, one computation
        etag = answers[0].headers["etag"]
        assert c.get("/api/vix", params={"asof": ASOF},
                     headers={"If-None-Match": etag}).status_code == 304
        assert len(calls) == 1
        assert c.get("/api/vix", params={"asof": "2020-03-13"}).status_code == 200
        assert len(calls) == 2
    # One result and one body per date; the 304 was a body-cache hit.
    assert app.state.results.misses == 2 and app.state.bodies.misses == 2
    assert app.state.bodies.hits >= 1 and app.state.pool.started == 4


def test_model_routes_are_the_registrys_json_models(client: httpx.Client) -> None:
    from flowdesk.models import MODELS as REGISTRY

    paths = client.get("/openapi.json").json()["paths"]
    served = {path.removeprefix("/api/") for path in paths if path.count("/") == 2
              and path.startswith("/api/")}
    # The simulator takes minutes per call, so it has no JSON route; every other model has one.
    assert served == set(MODELS) == {spec.name for spec in REGISTRY if spec.api}
    assert client.get("/api/simulator").status_code == 404


def test_healthz(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"]
    assert body["data"]["first"] < ASOF < body["data"]["last"]
    assert response.headers["cache-control"] == "no-store"


def test_openapi_spec_is_typed(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert {f"/api/{name}" for name in MODELS} | {"/api/series/{series_id}", "/healthz"} <= set(
        paths
    )
    assert all(set(ops) == {"get"} for ops in paths.values())
    asof = next(p for p in paths["/api/vix"]["get"]["parameters"] if p["name"] == "asof")
    assert asof["in"] == "query" and asof["schema"]["format"] == "date"
    assert "422" in paths["/api/vix"]["get"]["responses"]
    series_id = paths["/api/series/{series_id}"]["get"]["parameters"][0]
    assert series_id["schema"]["pattern"]


def test_docs_page_lists_every_endpoint_without_external_assets(client: httpx.Client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    for path in client.get("/openapi.json").json()["paths"]:
        assert f"<code>{path}</code>" in page
    assert "/openapi.json" in page
    assert "cdn" not in page.lower() and "http://" not in page and "https://" not in page


def test_security_headers(client: httpx.Client) -> None:
    response = client.get("/healthz")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
