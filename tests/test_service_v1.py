"""The /v1 API with TestClient: retries, ids, deletion, relations, compare, probes, key, metrics, docs, OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from dedup.io.readers import read_inputs
from service.app import create_app
from service.settings import Settings
from tests.conftest import JSON, SEED_A, SEED_B, seed_record


def _error(response: Any, status: int) -> dict[str, str]:
    assert response.status_code == status, response.text
    body: dict[str, str] = response.json()
    assert set(body) == {"error", "detail"}
    return body


def test_a_retry_gets_the_same_report_with_200_and_other_text_is_409(client: TestClient) -> None:
    client.post("/v1/articles", json=seed_record(SEED_A))
    first = client.post("/v1/articles", json=seed_record(SEED_B))
    again = client.post("/v1/articles", json=seed_record(SEED_B))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and first.json()["relations"][0]["relation"] == "rewrite"
    assert _error(client.post("/v1/articles", json=seed_record(SEED_B, text="Other words.")), 409)["error"] == (
        "DuplicateIdError"
    )
    assert client.get("/readyz").json()["articles"] == 2


@pytest.mark.parametrize("rid", ["東京 記事 1", "emoji 😀", "a/b?c#d%20e", "Ünïcödé", "12"])
def test_any_printable_id_is_stored_once_and_read_back_at_its_location(client: TestClient, rid: str) -> None:
    response = client.post("/v1/articles", json={"id": rid, "text": "Some words about a harbour."})
    assert response.status_code == 201, response.text
    location = response.headers["location"]
    assert location == "/v1/articles/" + quote(rid, safe="") and location.isascii()
    assert client.get(location).json()["id"] == rid
    assert client.get(location + "/relations").json() == {"id": rid, "earlier": [], "later": []}


@pytest.mark.parametrize("rid", ["nul\x00", "line\nbreak", "tab\there", "\u2028", "", "   ", "x" * 1025])
def test_bad_ids_are_422_and_nothing_is_stored(client: TestClient, rid: str) -> None:
    body = json.dumps({"id": rid, "text": "Some words about a harbour."})
    assert _error(client.post("/v1/articles", content=body, headers=JSON), 422)["error"] == "InputError"
    assert client.get("/readyz").json()["articles"] == 0


def test_scan_and_service_read_numeric_ids_alike(client: TestClient, tmp_path: Path) -> None:
    lines = [
        {"id": 7, "text": "Seven."}, {"id": 7.5, "text": "Seven and a half."}, {"id": True, "text": "Yes."},
        {"id": "a\nb", "text": "A newline in the id."},
    ]  # fmt: skip
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in lines), encoding="utf-8")
    scanned = list(read_inputs([path]))
    assert [type(i).__name__ for i in scanned] == ["Article", "RecordError", "RecordError", "RecordError"]
    answers = [client.post("/v1/articles", json=r).status_code for r in lines]
    assert answers == [201, 422, 422, 422] and client.get("/v1/articles/7").json()["id"] == "7"


def test_delete_removes_the_article_and_later_articles_no_longer_relate_to_it(client: TestClient) -> None:
    client.post("/v1/articles", json=seed_record(SEED_A))
    assert client.post("/v1/articles/check", json=seed_record(SEED_B)).json()["relations"]
    assert client.delete(f"/v1/articles/{SEED_A.name}").status_code == 204
    _error(client.get(f"/v1/articles/{SEED_A.name}"), 404)
    _error(client.delete(f"/v1/articles/{SEED_A.name}"), 404)
    assert client.post("/v1/articles", json=seed_record(SEED_B)).json()["relations"] == []
    assert client.get("/readyz").json()["articles"] == 1
    # The id is free again, for any text.
    assert client.post("/v1/articles", json=seed_record(SEED_A, text="A new text under the old id.")).status_code == 201


def test_relations_list_what_an_article_related_to_and_what_later_related_to_it(client: TestClient) -> None:
    client.post("/v1/articles", json=seed_record(SEED_A))
    client.post("/v1/articles", json=seed_record(SEED_B))
    earlier = client.get(f"/v1/articles/{SEED_A.name}/relations").json()
    later = client.get(f"/v1/articles/{SEED_B.name}/relations").json()
    assert earlier["earlier"] == [] and [r["b"] for r in earlier["later"]] == [SEED_B.name]
    assert [r["a"] for r in later["earlier"]] == [SEED_A.name] and later["later"] == []
    _error(client.get("/v1/articles/nobody/relations"), 404)


def test_compare_relates_two_texts_without_the_index(client: TestClient) -> None:
    a, b = SEED_A.read_text(encoding="utf-8"), SEED_B.read_text(encoding="utf-8")
    assert client.post("/v1/compare", json={"a": a, "b": b}).json()["relation"] == "rewrite"
    unrelated = client.post("/v1/compare", json={"a": a, "b": "Football scores from the weekend."}).json()
    assert unrelated["relation"] is None
    assert client.get("/readyz").json()["articles"] == 0
    _error(client.post("/v1/compare", json={"a": a, "b": " "}), 422)


def test_the_key_guards_every_route_but_the_probes() -> None:
    with TestClient(create_app(Settings(store="memory://", api_key="s3cret"))) as client:
        open_routes = [("get", "/docs/assets/swagger-ui.css")]
        guarded = [("post", "/v1/articles"), ("get", "/v1/articles/x"), ("get", "/metrics"), ("get", "/docs")]
        for method, path in [*guarded, ("get", "/openapi.json"), ("post", "/v1/compare")]:
            body = _error(client.request(method, path, json=seed_record(SEED_A)), 401)
            assert "Bearer" in body["detail"]
        wrong = {"Authorization": "Bearer s3cres"}
        _error(client.get("/v1/articles/x", headers=wrong), 401)
        assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200
        assert all(client.request(method, path).status_code == 200 for method, path in open_routes)
        good = {"Authorization": "Bearer s3cret"}
        assert client.post("/v1/articles", json=seed_record(SEED_A), headers=good).status_code == 201
        assert client.get("/metrics", headers=good).status_code == 200
        assert client.get("/openapi.json", headers=good).json()["paths"]


def test_metrics_count_requests_by_route_template_and_status(client: TestClient) -> None:
    client.post("/v1/articles", json=seed_record(SEED_A))
    client.get("/v1/articles/missing")
    text = client.get("/metrics").text
    assert 'dedup_requests_total{method="POST",route="/v1/articles",status="201"} 1.0' in text
    assert 'route="/v1/articles/{article_id}",status="404"' in text
    assert "dedup_index_articles 1.0" in text and "dedup_request_seconds_bucket" in text
    assert "dedup_store_errors_total 0.0" in text


def test_docs_are_served_from_bundled_assets_without_the_network(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # no CDN
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.content) > 100_000


def test_openapi_documents_every_error_with_the_real_body(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            errors = {code: r for code, r in operation["responses"].items() if code >= "400"}
            if path != "/healthz":
                assert errors, f"{method} {path} documents no error"
            for code, response in errors.items():
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut"), (method, path, code)
    assert {"409", "422", "413", "503", "401", "200", "201"} <= set(spec["paths"]["/v1/articles"]["post"]["responses"])


def test_readyz_is_503_while_the_store_is_down_and_healthz_stays_200(tmp_path: Path) -> None:
    with TestClient(create_app(Settings(store="redis://127.0.0.1:1/0"))) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        body = _error(client.get("/readyz"), 503)
        assert body["error"] == "StoreUnavailable" and "127.0.0.1" not in body["detail"]
        _error(client.post("/v1/articles", json=seed_record(SEED_A)), 503)


def test_a_store_error_body_names_no_file_or_host(tmp_path: Path) -> None:
    db = tmp_path / "secret-folder" / "index.db"
    db.parent.mkdir()
    with TestClient(create_app(Settings(store=f"sqlite:///{db}"))) as client:
        client.post("/v1/articles", json=seed_record(SEED_A))
        conflict = _error(client.post("/v1/articles", json=seed_record(SEED_A, text="Other.")), 409)
        client.app.state.index.store.close()  # type: ignore[attr-defined]
        down = _error(client.get(f"/v1/articles/{SEED_A.name}"), 503)
        assert "dedup_store_errors_total 1.0" in client.get("/metrics").text
    for body in (conflict, down):
        assert "secret-folder" not in body["detail"] and str(tmp_path) not in body["detail"]


def test_a_batch_that_meets_a_failed_store_says_where_it_stopped(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dedup.errors import StoreUnavailable

    store = client.app.state.index.store  # type: ignore[attr-defined]
    real_put = store.put
    calls = {"n": 0}

    def flaky_put(article: Any, report: Any = None, terms: Any = None, keys: Any = None) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise StoreUnavailable("injected: /var/lib/secret at 10.0.0.1")
        real_put(article, report, terms, keys)

    monkeypatch.setattr(store, "put", flaky_put)
    lines = [json.dumps({"id": f"n{i}", "text": f"Story number {i} about the harbour."}) for i in range(4)]
    out = client.post("/v1/articles/batch", content="\n".join(lines)).json()
    assert (out["added"], out["complete"], out["stopped_at"]) == (1, False, 2)
    assert "stopped_at" in out["stop_reason"] and "secret" not in json.dumps(out)
    # Resuming from stopped_at, or resending everything, acknowledges every line exactly once.
    again = client.post("/v1/articles/batch", content="\n".join(lines)).json()
    assert (again["added"], again["complete"]) == (4, True)
    assert client.get("/readyz").json()["articles"] == 4


def test_retention_reaches_the_service_and_an_old_archive_stays() -> None:
    with TestClient(create_app(Settings(store="memory://", retention_days=30))) as client:
        old = {"id": "1987-03-01", "text": "Grain shipments rose.", "published": "1987-03-01"}
        assert client.post("/v1/articles", json=old).status_code == 201
        assert client.get("/v1/articles/1987-03-01").status_code == 200  # the clock is the newest date stored
        later = {"id": "1987-06-01", "text": "Oil prices fell.", "published": "1987-06-01"}
        assert client.post("/v1/articles", json=later).status_code == 201
        _error(client.get("/v1/articles/1987-03-01"), 404)
        assert client.get("/readyz").json()["articles"] == 1
