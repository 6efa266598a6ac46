"""The dashboard's language switch: ?lang= picks it, a cookie remembers it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from flowdesk.config import get_settings
from flowdesk.web import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("lang")
    with TestClient(create_app(get_settings(cache_dir=root / "cache"))) as c:
        yield c


def test_lang_query_sets_the_page_language_and_a_cookie(client: TestClient) -> None:
    response = client.get("/vix?asof=2020-03-20&lang=ko")
    assert response.status_code == 200
    assert '<html lang="ko">' in response.text
    assert ">변동성</a>" in response.text and "데이터 최신성:" in response.text
    assert response.cookies.get("flowdesk_lang") == "ko"
    assert response.headers["vary"] == "Cookie"
    # The cookie alone keeps Korean on the next page; ?lang=en switches back.
    again = client.get("/flows?asof=2020-03-20")
    assert '<html lang="ko">' in again.text and "수급" in again.text
    back = client.get("/vix?asof=2020-03-20&lang=en")
    assert '<html lang="en">' in back.text and ">Volatility</a>" in back.text
    assert back.cookies.get("flowdesk_lang") == "en"


def test_the_overview_desk_summary_in_korean(client: TestClient) -> None:
    response = client.get("/?asof=2020-03-20&lang=ko")
    assert response.status_code == 200
    assert "데스크 요약" in response.text and "누가 거래해야 하나" in response.text
    assert "변동성 제어 펀드" in response.text


def test_an_unknown_language_is_a_400_naming_it(client: TestClient) -> None:
    response = client.get("/vix?lang=xx", headers={"accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "lang: unknown language 'xx'; choose en, ko"
    # A stale cookie is not an error: English.
    client.cookies.set("flowdesk_lang", "zz")
    assert '<html lang="en">' in client.get("/vix?asof=2020-03-20").text
