"""The HTTP ingest service in process (fastapi's TestClient): reports, errors, limits, stores."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from dedup.article import Article
from dedup.decide.relation import RELATIONS
from dedup.errors import DuplicateIdError
from dedup.index import Index
from dedup.store import MemoryStore, SQLiteStore, Store
from service import Settings, create_app
from service.__main__ import main as service_main
from service.schemas import RelationOut
from tests.conftest import JSON, ROOT, SEED_A, SEED_B, seed_record


def _count(client: TestClient) -> int:
    response = client.get("/readyz")
    assert response.status_code == 200
    return int(response.json()["articles"])


def _assert_error(response: Any, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"] == error and body["detail"], body
    return str(body["detail"])


def test_seeds_give_the_libraries_reports_the_rewrite_with_passages_and_the_repeated_block(
    client: TestClient,
) -> None:
    library = Index()
    a, b = seed_record(SEED_A), seed_record(SEED_B)
    first = client.post("/v1/articles", json=a)
    assert first.status_code == 201 and first.json()["added"] is True
    expected = library.add(Article(a["id"], a["text"]))
    assert first.json()["relations"] == expected.relations == []
    assert first.json()["repeats"] == expected.repeats
    [block] = first.json()["repeats"]
    printed, again = (a["text"][s:e] for s, e in (block["first"], block["repeat"]))
    assert printed.strip() == again.strip() and len(printed.strip().splitlines()) == 6

    second = client.post("/v1/articles", json=b)
    assert second.status_code == 201
    assert second.json()["relations"] == library.add(Article(b["id"], b["text"])).relations
    [relation] = second.json()["relations"]
    assert (relation["a"], relation["b"], relation["relation"]) == (a["id"], b["id"], "rewrite")
    assert relation["derived"] is None and relation["evidence"]  # undated: which side was taken cannot be told
    for passage in relation["evidence"]:
        (sa, ea), (sb, eb) = passage["a"], passage["b"]
        assert 0 <= sa < ea <= len(a["text"]) and 0 <= sb < eb <= len(b["text"])
        assert passage["kind"] in ("verbatim", "rewritten")


def test_an_added_article_is_at_its_location_as_sent(client: TestClient) -> None:
    record = seed_record(SEED_A, id="wire/2025/ice-01", title="ICE", published="2025-01-14T18:05:00Z")
    response = client.post("/v1/articles", json=record)
    stored = client.get(response.headers["location"])
    assert stored.status_code == 200
    assert stored.json()["text"] == record["text"] and stored.json()["id"] == record["id"]
    assert stored.json()["title"] == "ICE" and stored.json()["published"].startswith("2025-01-14T18:05:00")


def test_a_duplicate_id_is_409_and_leaves_the_index_as_it_was(client: TestClient) -> None:
    client.post("/v1/articles", json=seed_record(SEED_A))
    other = {"id": SEED_A.name, "text": SEED_B.read_text(encoding="utf-8")}
    assert "duplicate id" in _assert_error(client.post("/v1/articles", json=other), 409, "DuplicateIdError")
    assert _count(client) == 1
    assert client.get(f"/v1/articles/{SEED_A.name}").json()["text"] == SEED_A.read_text(encoding="utf-8")
    # B's text was not indexed under any id: B still relates to A alone, and only once.
    report = client.post("/v1/articles/check", json=seed_record(SEED_B, id="probe")).json()
    assert [(r["a"], r["relation"]) for r in report["relations"]] == [(SEED_A.name, "rewrite")]


@pytest.mark.parametrize(
    ("payload", "error", "says"),
    [
        ({"id": "e", "text": ""}, "InputError", "empty"),
        ({"id": "w", "text": " \n\t "}, "InputError", "whitespace"),
        ({"id": " ", "text": "Some words here."}, "InputError", "id"),
        ({"id": "x"}, "ValidationError", "body.text"),
        ({"id": 5.5, "text": "Some words here."}, "ValidationError", "body.id"),
        ({"id": True, "text": "Some words here."}, "ValidationError", "body.id"),
        ({"id": "a\nb", "text": "Some words here."}, "InputError", "U+000A"),
        ({"id": "nul\u0000", "text": "Some words here."}, "InputError", "U+0000"),
        ({"id": "\ud800", "text": "Some words here."}, "InputError", "U+D800"),
        ({"id": "s", "text": "Some words \udc00 here."}, "InputError", "lone surrogate"),
        ({"id": "t", "text": "Some words here.", "title": "\ud83d"}, "InputError", "title"),
        ({"id": "d", "text": "Some words here.", "published": "yesterday"}, "InputError", "ISO 8601"),
        ([{"id": "l", "text": "a list"}], "ValidationError", "body"),
    ],
)
def test_bad_articles_are_422_with_the_field_named(client: TestClient, payload: Any, error: str, says: str) -> None:
    # Sent as JSON text (escapes as they are): a lone surrogate cannot be encoded otherwise.
    assert says in _assert_error(client.post("/v1/articles", content=json.dumps(payload), headers=JSON), 422, error)
    assert _count(client) == 0


@pytest.mark.parametrize("body", [b"{bad", b'{"id": "x", "text": "unterminated', b""])
def test_invalid_json_is_422(client: TestClient, body: bytes) -> None:
    _assert_error(client.post("/v1/articles", content=body, headers=JSON), 422, "ValidationError")


def test_a_body_not_sent_as_json_is_422_and_says_which_content_type(client: TestClient) -> None:
    detail = _assert_error(client.post("/v1/articles", content=json.dumps(seed_record(SEED_A))), 422, "ValidationError")
    assert "application/json" in detail


@pytest.mark.parametrize("path", ["/v1/articles", "/v1/articles/check"])
def test_a_body_not_in_utf8_is_a_clear_4xx_not_a_500(client: TestClient, path: str) -> None:
    latin1 = json.dumps({"id": "café", "text": "Un café à Paris, deux cafés."}, ensure_ascii=False).encode("latin-1")
    detail = _assert_error(client.post(path, content=latin1, headers=JSON), 400, "BodyEncodingError")
    assert "UTF-8" in detail and "0xe9" in detail
    assert _count(client) == 0


def test_bodies_over_the_limit_are_413_whether_declared_or_streamed() -> None:
    limit = 4096
    with TestClient(create_app(Settings(max_body_bytes=limit))) as client:
        words = "The harbour bridge will close for repairs on Tuesday, the council said. "
        fits = {"id": "fits", "text": words * 20}
        assert len(json.dumps(fits)) <= limit and client.post("/v1/articles", json=fits).status_code == 201
        over = {"id": "over", "text": words * 60}
        detail = _assert_error(client.post("/v1/articles", json=over), 413, "BodyTooLargeError")
        assert f"{limit:,}" in detail and "DEDUP_MAX_BODY_BYTES" in detail

        def chunks() -> Iterator[bytes]:  # no content-length: the guard counts what arrives
            yield json.dumps(over).encode()

        _assert_error(client.post("/v1/articles", content=chunks(), headers=JSON), 413, "BodyTooLargeError")
        assert _count(client) == 1


def test_check_reports_without_adding(client: TestClient) -> None:
    client.post("/v1/articles", json=seed_record(SEED_A))
    text = SEED_A.read_text(encoding="utf-8")
    response = client.post("/v1/articles/check", json={"id": "repost", "text": text.upper()})
    assert response.status_code == 200 and response.json()["added"] is False
    assert (SEED_A.name, "exact") in {(r["a"], r["relation"]) for r in response.json()["relations"]}
    assert _count(client) == 1
    _assert_error(client.get("/v1/articles/repost"), 404, "ArticleNotFoundError")
    assert client.post("/v1/articles", json={"id": "repost", "text": text}).status_code == 201  # the id is still free


def test_unknown_ids_and_paths_are_404_in_the_same_shape(client: TestClient) -> None:
    assert "no/such/id" in _assert_error(client.get("/v1/articles/no%2Fsuch%2Fid"), 404, "ArticleNotFoundError")
    _assert_error(client.get("/v1/articles/no/such/id"), 404, "NotFound")  # an id is one segment
    _assert_error(client.get("/nowhere"), 404, "NotFound")
    _assert_error(client.delete("/v1/articles/x"), 404, "ArticleNotFoundError")
    _assert_error(client.put("/v1/articles/x"), 405, "MethodNotAllowed")


def test_health_counts_what_is_added_and_the_index_memory_it_takes(client: TestClient) -> None:
    empty = client.get("/readyz").json()
    assert {k: empty[k] for k in ("status", "articles", "store")} == {
        "status": "ready",
        "articles": 0,
        "store": "memory",
    }
    for path in (SEED_A, SEED_B):
        client.post("/v1/articles", json=seed_record(path))
    assert client.post("/v1/articles", json=seed_record(SEED_A)).status_code == 200  # a retry: counts nothing
    client.post("/v1/articles", json=seed_record(SEED_A, title="other"))  # refused: counts nothing
    assert _count(client) == 2
    index: Index = client.app.state.index  # type: ignore[attr-defined]
    assert client.get("/readyz").json()["index_bytes"] == index.article_nbytes > empty["index_bytes"]


def test_batch_adds_the_good_lines_and_reports_the_bad_ones_by_line_number(client: TestClient) -> None:
    lines = [
        json.dumps(seed_record(SEED_A)).encode(),  # 1
        b'{"id": "broken", "text": ',  # 2: malformed JSON
        b"",  # 3: blank, skipped
        json.dumps({"id": "empty", "text": "  "}).encode(),  # 4
        json.dumps(seed_record(SEED_B)).encode(),  # 5
        json.dumps(seed_record(SEED_A, text="Another text under a taken id.")).encode(),  # 6: duplicate id
        '{"id": "latin", "text": "café"}'.encode("latin-1"),  # 7: not UTF-8
        b'["not", "an", "object"]',  # 8
    ]
    ndjson = {"content-type": "application/x-ndjson"}
    response = client.post("/v1/articles/batch", content=b"\n".join(lines), headers=ndjson)
    assert response.status_code == 200
    out = response.json()
    assert (out["added"], out["failed"]) == (2, 5)
    assert [(r["line"], r["id"]) for r in out["reports"]] == [(1, SEED_A.name), (5, SEED_B.name)]
    assert [r["relation"] for r in out["reports"][1]["relations"]] == ["rewrite"]
    errors = [(e["line"], e["status"], e["error"]) for e in out["errors"]]
    assert errors == [
        (2, 422, "InvalidJSONError"),
        (4, 422, "InputError"),
        (6, 409, "DuplicateIdError"),
        (7, 400, "BodyEncodingError"),
        (8, 422, "InvalidJSONError"),
    ]
    assert out["errors"][2]["id"] == SEED_A.name
    assert _count(client) == 2


def test_a_batch_line_is_refused_exactly_when_its_single_post_is(client: TestClient) -> None:
    bad = {"id": 7.5, "text": "A number with a fraction for an id."}
    single = client.post("/v1/articles/check", json=bad).json()
    [line] = client.post("/v1/articles/batch", content=json.dumps(bad)).json()["errors"]
    assert (line["status"], line["error"]) == (422, single["error"])


def test_sqlite_articles_survive_a_restart_and_the_store_is_closed_at_shutdown(tmp_path: Path) -> None:
    settings = Settings(store=f"sqlite:///{tmp_path / 'index.db'}")
    app = create_app(settings)
    with TestClient(app) as client:
        assert client.post("/v1/articles", json=seed_record(SEED_A)).status_code == 201
    with pytest.raises(Exception, match="closed"):
        len(app.state.index.store)
    with TestClient(create_app(settings)) as client:
        health = client.get("/readyz").json()
        assert (health["articles"], health["store"]) == (1, "sqlite")
        assert client.get(f"/v1/articles/{SEED_A.name}").status_code == 200
        report = client.post("/v1/articles", json=seed_record(SEED_B)).json()
        assert [(r["a"], r["relation"]) for r in report["relations"]] == [(SEED_A.name, "rewrite")]
        _assert_error(
            client.post("/v1/articles", json=seed_record(SEED_A, text="Other text.")), 409, "DuplicateIdError"
        )


def test_the_request_threads_end_with_the_app_before_its_store_is_closed(tmp_path: Path) -> None:
    def work_threads() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith("work")]

    before = set(work_threads())
    app = create_app(Settings(store=f"sqlite:///{tmp_path / 'index.db'}"))
    with TestClient(app) as client:
        assert client.post("/v1/articles", json=seed_record(SEED_A)).status_code == 201
        assert set(work_threads()) - before  # the add ran on a request thread
    assert set(work_threads()) <= before  # ended at shutdown, not left idle for the life of the process
    with TestClient(app) as client:  # the same app started again serves as before
        assert client.post("/v1/articles", json=seed_record(SEED_B)).status_code == 201
        assert client.post("/v1/articles/check", json=seed_record(SEED_B, id="again")).json()["relations"]


def test_a_store_that_fails_is_503_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(Settings(store=f"sqlite:///{tmp_path / 'index.db'}"))) as client:
        client.app.state.index.store.close()  # type: ignore[attr-defined]
        _assert_error(client.post("/v1/articles", json=seed_record(SEED_A)), 503, "StoreUnavailable")
    assert any(r.name == "service" and r.exc_info for r in caplog.records)


def test_an_unexpected_error_is_a_json_500(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: Index, article: Article) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(Index, "add", explode)
    with TestClient(create_app(Settings()), raise_server_exceptions=False) as client:
        detail = _assert_error(client.post("/v1/articles", json=seed_record(SEED_A)), 500, "InternalServerError")
    assert "boom" not in detail  # internals stay in the server log


@pytest.mark.parametrize("make_store", [MemoryStore, lambda: SQLiteStore(":memory:")])
def test_stores_refuse_a_taken_id_with_duplicate_id_error(make_store: Callable[[], Store]) -> None:
    store = make_store()
    store.put(Article("a", "Some words."))
    with pytest.raises(DuplicateIdError, match="duplicate id 'a'"):
        store.put(Article("a", "Other words."))


def test_the_response_schema_knows_every_relation_the_detector_reports() -> None:
    relation = get_args(RelationOut.model_fields["relation"].annotation)[0]
    assert set(get_args(relation)) == set(RELATIONS)


def test_settings_come_from_dedup_env_and_bad_ones_name_the_field_and_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEDUP_STORE", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("DEDUP_MAX_BODY_BYTES", "5000")
    assert (Settings().store_kind, Settings().max_body_bytes) == ("sqlite", 5000)
    for field, value, fix in [
        ("store", "ftp://x", "sqlite:///"),
        ("max_body_bytes", 10, "at least"),
        ("max_doc_chars", 5, "at least"),
        ("paragraph_bands", 0, "1 to 25"),
    ]:
        with pytest.raises(ValidationError, match=f"(?s){field}.*DEDUP_{field.upper()}.*{fix}"):
            Settings.model_validate({field: value})
    monkeypatch.setenv("DEDUP_MAX_BODY_BYTES", "lots")
    with pytest.raises(SystemExit) as exited:
        service_main(["--port", "1"])
    assert exited.value.code == 2
    assert "max_body_bytes (DEDUP_MAX_BODY_BYTES)" in capsys.readouterr().err


def test_openapi_lists_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/articles", "/v1/articles/check", "/v1/articles/batch", "/v1/articles/{article_id}", "/healthz"} <= set(
        paths
    )


def test_dedup_never_imports_service() -> None:
    code = (
        "import sys, dedup, dedup.cli, dedup.index, dedup.store; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'service'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
    texts = {p: p.read_text(encoding="utf-8") for p in (ROOT / "dedup").rglob("*.py")}
    assert [p for p, text in texts.items() if "import service" in text or "from service" in text] == []


def test_the_paragraph_bands_setting_reaches_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEDUP_PARAGRAPH_BANDS", "16")
    with TestClient(create_app()) as client:
        index: Index = client.app.state.index  # type: ignore[attr-defined]
        assert index.paragraph_bands == 16
    with pytest.raises(ValidationError, match=r"paragraph_bands.*DEDUP_PARAGRAPH_BANDS.*1 to 25"):
        Settings(paragraph_bands=99)  # more bands than the detector has: refused, naming the setting
