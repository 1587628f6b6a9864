"""Bad input gets a clear error and loses nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dedup.errors import InputError
from dedup.scan import read_articles, scan
from tests.conftest import SEEDS, read_jsonl

STORY = (SEEDS / "001_fe0d8d68da39db2e.txt").read_text(encoding="utf-8")


def _write_jsonl(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _good(rid: str, text: str = STORY) -> bytes:
    return json.dumps({"id": rid, "text": text}).encode()


def test_each_bad_record_is_reported_and_the_rest_processed(tmp_path: Path) -> None:
    inp = _write_jsonl(
        tmp_path / "in.jsonl",
        [
            _good("ok-1"),
            b'{"id": "empty", "text": ""}',
            b'{"id": "blank", "text": "  \\n\\t "}',
            b'{"id": "broken", "text": "unterminated',
            b'{"id": "latin", "text": "caf\xe9"}',
            _good("ok-1", "A different text with the same id, which must be rejected."),
            b'{"text": "no id at all"}',
            _good("huge", "word " * 1_100_000),
            _good("ok-2", STORY.upper()),
        ],
    )
    out = tmp_path / "out"
    summary = scan([inp], out)
    errors = read_jsonl(out / "errors.jsonl")
    assert summary["articles"] == 2
    assert [e["line"] for e in errors if e["line"]] == [2, 3, 4, 5, 6, 7, 8]
    reasons = " | ".join(e["reason"] for e in errors)
    expected_reasons = ("empty or whitespace", "malformed JSON", "not valid UTF-8", "duplicate id")
    for expected in (*expected_reasons, "missing field 'id'", "over the limit", "--max-chars"):
        assert expected in reasons
    relations = read_jsonl(out / "relations.jsonl")
    assert [(r["a"], r["b"], r["relation"]) for r in relations] == [("ok-1", "ok-2", "exact")]


def test_latin1_text_file_is_kept_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_bytes("Caf\u00e9 owners in Hull said prices rose 4.5% last week.".encode("latin-1"))
    (folder / "b.txt").write_text(STORY, encoding="utf-8")
    articles, errors = read_articles([folder], 1_000_000)
    assert {a.id for a in articles} == {"a.txt", "b.txt"}
    assert articles[0].text.startswith("Café")
    assert len(errors) == 1 and errors[0].severity == "warning" and "cp1252" in errors[0].reason


def test_csv_and_parquet_inputs(tmp_path: Path) -> None:
    csv_path = tmp_path / "in.csv"
    csv_path.write_text('id,text,published\nc1,"' + STORY.replace('"', '""') + '",2025-01-02\n', encoding="utf-8")
    table = pa.table({"id": ["p1"], "text": [STORY], "published": ["2025-01-03T10:00:00Z"]})
    pq.write_table(table, tmp_path / "in.parquet")
    articles, errors = read_articles([csv_path, tmp_path / "in.parquet"], 1_000_000)
    assert [a.id for a in articles] == ["c1", "p1"] and not errors
    assert articles[0].published is not None and articles[0].published.year == 2025


def test_missing_input_and_unknown_type_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_articles([tmp_path / "nope.jsonl"], 100)
    odd = tmp_path / "x.docx"
    odd.write_text("x")
    with pytest.raises(InputError, match="unknown input type"):
        read_articles([odd], 100)


def test_bad_published_date_is_a_record_error(tmp_path: Path) -> None:
    inp = _write_jsonl(tmp_path / "in.jsonl", [b'{"id": "d", "text": "Some text here.", "published": "yesterday"}'])
    articles, errors = read_articles([inp], 1000)
    assert not articles and "ISO 8601" in errors[0].reason


def test_articles_pickle_with_every_field() -> None:
    """Articles travel to worker processes pickled, as a tuple of their fields in declared order."""
    import dataclasses
    import pickle
    from datetime import UTC, datetime

    from dedup.article import _FIELDS, Article

    assert tuple(f.name for f in dataclasses.fields(Article)) == _FIELDS
    full = Article("a-1", "Text here.", "A title", "Wire", datetime(1987, 3, 2, 9, 30, tzinfo=UTC), "http://x/1")
    for article in (full, Article("b", "Only text.")):
        back = pickle.loads(pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == article and type(back) is Article
        assert [getattr(back, f) for f in _FIELDS] == [getattr(article, f) for f in _FIELDS]
