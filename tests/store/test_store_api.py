"""The HTTP API over a real server on each engine: search, speakers, articles, the OpenAPI schema, bounded input
with clear 4xx errors, the token that guards ingest, and article text that stays text in every page."""

from __future__ import annotations

import json
import re

import httpx
import pytest
import sqlalchemy as sa
from conftest import HOSTILE_TEXT, LiveServer


@pytest.fixture(scope="module")
def client(api_server):
    with httpx.Client(base_url=api_server.url, timeout=30) as http:
        yield http


def test_health_and_stats(client) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    stats = client.get("/api/stats").json()
    assert stats["articles"] >= 10 and stats["quotes"] > 50 and stats["failed_articles"] == 0


def test_quote_search_with_facets_and_pages(client) -> None:
    response = client.get("/api/quotes", params={"q": "economy", "page_size": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == 2 and body["pages"] == 2 and len(body["results"]) == 1
    hit = body["results"][0]
    assert set(hit) == {"id", "article_id", "speaker_id", "article_title", "outlet", "url", "record"}
    assert "economy" in hit["record"]["text"]
    assert "Lam" in body["facets"]["speaker"][0]["label"]  # 'Lam' or 'Carrie Lam', as the resolver names her
    second = client.get("/api/quotes", params={"q": "economy", "page_size": 1, "page": 2}).json()
    assert second["results"][0]["id"] != hit["id"]

    filtered = client.get(
        "/api/quotes", params={"speaker": "johnson", "kind": "direct", "since": "2019-01-01", "outlet": "wikinews"}
    ).json()
    assert filtered["total"] > 0
    assert all(h["record"]["kind"] == "direct" and h["outlet"] == "Wikinews" for h in filtered["results"])
    about = client.get("/api/quotes", params={"about": "brexit", "until": "2019-12-31"}).json()
    assert about["total"] > 0 and all("Brexit" in h["record"]["about"] for h in about["results"])


def test_speakers_and_one_speaker(client) -> None:
    listing = client.get("/api/speakers", params={"page_size": 5}).json()
    assert listing["total"] > 10 and len(listing["results"]) == 5
    counts = [s["quote_count"] for s in listing["results"]]
    assert counts == sorted(counts, reverse=True)
    [johnson] = client.get("/api/speakers", params={"name": "boris johnson"}).json()["results"]
    detail = client.get(f"/api/speakers/{johnson['id']}").json()
    assert detail["name"] == "Boris Johnson" and detail["quote_count"] == johnson["quote_count"]
    assert sum(point["count"] for point in detail["timeline"]) + detail["undated_quotes"] == detail["quote_count"]
    assert detail["timeline_unit"] == "month" and detail["timeline"][0]["period"] == "2019-08"
    assert any(alias["alias"] == "Johnson" for alias in detail["aliases"])
    assert {item["name"] for item in detail["talks_about"]} >= {"Brexit"}
    assert detail["quoted_about"] >= 1  # Yvette Cooper and the Queen's story talk about him
    assert len(detail["recent_quotes"]) == min(20, detail["quote_count"])


def test_article_detail_has_text_and_quotes_with_offsets(client) -> None:
    hit = client.get("/api/quotes", params={"q": "Hagia Sophia", "page_size": 1}).json()["results"][0]
    article = client.get(f"/api/articles/{hit['article_id']}").json()
    assert article["status"] == "done" and article["n_quotes"] == len(article["quotes"])
    for quote in article["quotes"]:
        record = quote["record"]
        assert article["text"][record["start"] : record["end"]] == record["text"]
    assert "path" not in article  # the ingesting machine's file layout is not the readers' business


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/api/quotes", {"page_size": 101}, 422, "page_size: Input should be less than or equal to 100"),
        ("/api/quotes", {"page": 0}, 422, "page: Input should be greater than or equal to 1"),
        ("/api/quotes", {"page": 500, "page_size": 100}, 422, "goes past result 10,000"),
        ("/api/quotes", {"q": "x" * 501}, 422, "q: String should have at most 500 characters"),
        ("/api/quotes", {"since": "yesterday"}, 422, "since: Input should be a valid date"),
        ("/api/quotes", {"since": "2021-01-01", "until": "2020-01-01"}, 422, "is after until"),
        ("/api/quotes", {"kind": "rumour"}, 422, "kind: Input should be 'direct', 'indirect' or 'mixed'"),
        ("/api/quotes", {"q": "a\x00b"}, 422, "q: control character U+0000"),
        ("/api/quotes", {"speakr": "typo"}, 422, "speakr: Extra inputs are not permitted"),
        ("/api/quotes", {"speaker_id": "99999999999"}, 422, "speaker_id: Input should be less than or equal to"),
        ("/api/speakers", {"page_size": 1000}, 422, "page_size: Input should be less than or equal to 100"),
        ("/api/speakers", {"name": "a\x07"}, 422, "name: control character U+0007"),
        ("/api/speakers/0", {}, 422, "speaker_id: Input should be greater than or equal to 1"),
        ("/api/speakers/999999", {}, 404, "no speaker 999999"),
        ("/api/articles/abc", {}, 422, "article_id: Input should be a valid integer"),
        ("/api/articles/99999999999", {}, 422, "article_id: Input should be less than or equal to"),
        ("/api/articles/999999", {}, 404, "no article 999999"),
        ("/api/nothing-here", {}, 404, "Not Found"),
    ],
)
def test_bad_requests_get_a_clear_4xx(client, path: str, params: dict, status: int, message: str) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    body = response.json()
    text = " ".join(body.get("errors", [])) or body["detail"]
    assert message in text
    assert "Traceback" not in response.text


def test_every_response_carries_the_security_headers(client) -> None:
    for path in ("/api/health", "/", "/api/quotes?page=0", "/static/app.css"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


def test_openapi_schema_describes_every_route(client) -> None:
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) >= {
        "/api/health",
        "/api/stats",
        "/api/quotes",
        "/api/speakers",
        "/api/speakers/{speaker_id}",
        "/api/articles/{article_id}",
        "/api/ingest",
    }
    quotes = schema["paths"]["/api/quotes"]["get"]
    names = {param["name"] for param in quotes["parameters"]}
    assert names == {
        "q",
        "speaker",
        "speaker_id",
        "about",
        "since",
        "until",
        "outlet",
        "kind",
        "article_id",
        "sort",
        "page",
        "page_size",
    }
    assert quotes["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/SearchResult")
    components = schema["components"]["schemas"]
    assert {"SearchResult", "QuoteHit", "QuoteRecord", "SpeakerDetail", "ArticleDetail", "IngestRequest"} <= set(
        components
    )
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert client.get("/docs").status_code == 404  # FastAPI's docs page would load scripts from a CDN


def test_ingest_is_refused_by_a_read_only_server(client) -> None:
    response = client.post("/api/ingest", json={"articles": [{"text": '"Hi," she said.'}]})
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"] and "--token" in response.json()["detail"]


@pytest.fixture
def writable_server(store_factory):
    from quotegraph.api import create_app

    store = store_factory.open()
    server = LiveServer(create_app(store=store, token="s3cret-token"))
    yield server, store
    server.stop()


def test_ingest_needs_the_token_and_stores_once(writable_server) -> None:
    server, store = writable_server
    article = {
        "text": HOSTILE_TEXT,
        "headline": "Researcher finds <script> in logs",
        "date": "2021-06-01",
        "url": "javascript:alert(1)",
        "outlet": "<b>Outlet</b>",
        "id": "hostile-api",
    }
    with httpx.Client(base_url=server.url, timeout=60) as http:
        assert http.post("/api/ingest", json={"articles": [article]}).status_code == 401
        wrong = http.post("/api/ingest", json={"articles": [article]}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and wrong.json()["detail"] == "wrong token"
        assert wrong.headers["www-authenticate"] == "Bearer"
        auth = {"Authorization": "Bearer s3cret-token"}

        stored = http.post("/api/ingest", json={"articles": [article]}, headers=auth)
        assert stored.status_code == 200, stored.text
        body = stored.json()
        assert (body["stored"], body["skipped"], body["quotes"]) == (1, 0, 3)
        article_id = body["articles"][0]["article_id"]
        again = http.post("/api/ingest", json={"articles": [article]}, headers=auth).json()
        assert (again["stored"], again["skipped"]) == (0, 1)
        # answers come in the order the articles were sent, whatever order they were stored in
        fresh = {"text": '"We will build it by spring," Mayor Ana Ruiz said on Monday.', "date": "2021-06-02"}
        mixed = http.post("/api/ingest", json={"articles": [fresh, article]}, headers=auth).json()
        assert [a["status"] for a in mixed["articles"]] == ["stored", "skipped"]
        assert mixed["articles"][0]["label"].startswith("api-") and mixed["articles"][1]["label"] == "hostile-api"

        # the new quotes are searchable at once (the server's cache was dropped by the ingest)
        found = http.get("/api/quotes", params={"q": "pwned"}).json()
        assert found["total"] == 1 and found["results"][0]["record"]["text"].startswith("<script>")

        # bad bodies: clear 4xx, nothing stored
        for bad, message in [
            ({"articles": []}, "at least 1 item"),
            ({"articles": [{"text": ""}]}, "at least 1 character"),
            ({"articles": [{"text": "x", "date": "2021-02-30"}]}, "valid date"),
            ({"articles": [{"text": "x", "colour": "red"}]}, "Extra inputs are not permitted"),
            ({"articles": [{"text": "a\x00b"}]}, "NUL character"),
            ({"articles": [{"text": "x"}] * 101}, "at most 100 items"),
        ]:
            response = http.post("/api/ingest", json=bad, headers=auth)
            assert response.status_code == 422 and message in json.dumps(response.json()), (bad, response.text)
        not_json = http.post(
            "/api/ingest", content=b"{not json", headers={**auth, "content-type": "application/json"}
        )
        assert not_json.status_code == 422
        huge = http.post("/api/ingest", content=b"x" * (17 * 1024 * 1024), headers=auth)
        assert huge.status_code == 413 and "MiB" in huge.json()["detail"]

        # what was stored shows as text on the article page, and the 'javascript:' URL is no link
        page = http.get(f"/articles/{article_id}").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>Outlet</b>" not in page and "&lt;b&gt;Outlet&lt;/b&gt;" in page
    assert 'href="javascript:' not in page
    with store.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM articles")).scalar_one() == 2


def test_pages_show_hostile_text_as_text(api_server, client) -> None:
    hit = client.get("/api/quotes", params={"q": "pwned"}).json()["results"][0]
    article_page = client.get(f"/articles/{hit['article_id']}").text
    search_page = client.get("/", params={"q": "<script>alert(1)</script>"}).text
    speaker_page = client.get(f"/speakers/{hit['speaker_id']}").text
    for page in (article_page, speaker_page):
        assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in page
    for page in (article_page, search_page, speaker_page):
        scripts = re.findall(r"<script[^>]*>", page)
        assert scripts == ['<script src="' + api_server.url + '/static/app.js" defer>'] or all(
            "/static/app.js" in tag for tag in scripts
        ), scripts
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in search_page


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/?page_size=500", 400, "page_size: Input should be less than or equal to 100"),
        ("/?since=not-a-date", 400, "since: Input should be a valid date"),
        ("/?q=" + "x" * 600, 400, "q: String should have at most 500 characters"),
        ("/speakers?page=0", 400, "page must be a whole number"),
        ("/speakers/999999", 404, "no speaker 999999"),
        ("/articles/not-a-number", 422, "article_id: Input should be a valid integer"),
        ("/no/such/page", 404, "Not Found"),
    ],
)
def test_bad_page_requests_get_an_html_error_page(client, path: str, status: int, message: str) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert message in response.text.replace("&#39;", "'")
    assert "Traceback" not in response.text
