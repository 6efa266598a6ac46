"""Time travel with the real sections: no page or endpoint fails anywhere in history.

Early dates are where models meet missing inputs (no VIX3M in the snapshot
before 2009-09, no hyperscaler capex before 2013, no Bitcoin before 2014); each must degrade to an
"unavailable" note or a 4xx, never a 500.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from flowdesk.config import get_settings
from flowdesk.web.app import create_app

PAGES = ("/", "/flows", "/vix", "/fed", "/drivers", "/theses")
APIS = ("/api/flows", "/api/vix", "/api/fed", "/api/drivers", "/api/theses", "/api/series/VIX")
# The first S&P 500 close in the snapshot, a date before VIX3M, a date after VIX3M
# but before the capex and Bitcoin series start.
DATES = ("1985-01-02", "2008-06-02", "2012-06-01")


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(get_settings(offline=True)),
                    raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("asof", DATES)
def test_no_page_or_endpoint_fails_on_early_dates(client: TestClient, asof: str) -> None:
    for path in PAGES + APIS:
        response = client.get(path, params={"asof": asof})
        assert response.status_code < 500, (path, asof, response.text[:300])
        if path.startswith("/api/") and response.status_code >= 400:
            assert "error" in response.json(), (path, asof)
