"""The index-memory benchmark's accounting: what it subtracts as bounded memos is what they hold."""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed: a bare `pytest` does not see it otherwise
    sys.path.insert(0, str(ROOT))

from benchmarks.data.archive import ParagraphPool, generate, truth_path  # noqa: E402
from benchmarks.speed.index_memory import (  # noqa: E402
    DEFAULT_ARCHIVE_OUT,
    DEFAULT_OUT,
    bounded_memos,
    caches_bytes,
    main,
    memo_bytes,
    pack,
    parse_args,
    run,
    summarise,
)
from dedup.index import Index  # noqa: E402


def test_memo_bytes_counts_table_keys_and_values() -> None:
    empty: dict[str, int] = {}
    one = {"x" * 1000: 10**30}
    assert memo_bytes(empty) == sys.getsizeof(empty)
    assert memo_bytes(one) == sys.getsizeof(one) + sys.getsizeof("x" * 1000) + sys.getsizeof(10**30)


def test_indexing_new_words_fills_the_memos_the_benchmark_subtracts() -> None:
    index = Index()
    memos = bounded_memos(index)
    assert {"token_hashes", "content_words"} <= set(memos)
    before = caches_bytes(index)
    rows = [
        {"id": f"n{i}", "text": f"Zorblax{i} Quentin met the Vandermeer{i} board on Tuesday. " * 4} for i in range(6)
    ]
    out = run(pack(rows))
    assert caches_bytes(out["index"]) > before
    figures = summarise(len(rows), out)
    assert set(figures["memo_bytes"]) == set(memos)
    assert figures["memo_limits"]["content_words"] == memos["content_words"].limit  # type: ignore[attr-defined]
    assert "rss_growth_per_article_beyond_store_and_memos_second_half" in figures


def _archive(path: Path, size: int) -> Path:
    """A small synthetic archive (benchmarks.data.archive) of made-up words, with planted copies."""
    rng = random.Random(5)
    words = ["".join(rng.choice("abcdefghijklmnoprstuvw") for _ in range(rng.randint(3, 9))) for _ in range(3000)]
    paras = (" ".join(rng.choice(words) for _ in range(rng.randint(12, 40))) + "." for _ in range(300))
    generate(ParagraphPool.from_paragraphs(paras), size, seed=7, out=path, rate=0.1, window=50)
    return path


def test_archive_run_writes_sane_figures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    archive, out = _archive(tmp_path / "archive.jsonl", 400), tmp_path / "figures.json"
    assert main(["--archive", str(archive), "--n", "300", "--out", str(out)]) == 0
    figures = json.loads(out.read_text())
    assert figures["articles"] == 300 and figures["corpus"] == str(archive)
    for key in ("memory_per_article_bytes", "index_nbytes_per_article", "store_bytes_per_article", "add_ms_median"):
        assert 0 < figures[key] < math.inf, key
    assert figures["add_ms_median"] <= figures["add_ms_p95"]
    for key in (
        "rss_growth_per_article_beyond_store_second_half",
        "rss_growth_per_article_beyond_store_and_memos_second_half",
    ):
        assert math.isfinite(figures[key]), key
    assert (
        set(figures["memo_bytes"]) == set(figures["memo_limits"]) == set(figures["cache_entries"]) - {"index_documents"}
    )
    parts = figures["index_parts"]
    assert sum(part["bytes"] for part in parts.values()) == figures["index_nbytes"]
    assert parts["ids"]["entries"] == parts["exact"]["entries"] == 300
    # Only the first 300 articles were indexed, and the truth sidecar was not read as articles.
    first = {json.loads(line)["id"] for line in archive.read_text().splitlines()[:300]}
    assert figures["relations_found"] == len(figures["relations"]) > 0
    assert {i for r in figures["relations"] for i in r[:2]} <= first
    assert "relations: [" not in capsys.readouterr().out


def test_archive_option_keeps_reuters_results_and_refuses_the_truth_sidecar(tmp_path: Path) -> None:
    assert parse_args([]).out == DEFAULT_OUT and parse_args([]).archive is None
    assert parse_args(["--archive", "a.jsonl"]).out == DEFAULT_ARCHIVE_OUT
    archive = _archive(tmp_path / "archive.jsonl", 50)
    with pytest.raises(ValueError, match="truth sidecar"):
        main(["--archive", str(truth_path(archive)), "--out", str(tmp_path / "x.json")])
