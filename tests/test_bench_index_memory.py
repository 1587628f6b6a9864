"""The index-memory benchmark's accounting: what it subtracts as bounded memos is what they hold."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed: a bare `pytest` does not see it otherwise
    sys.path.insert(0, str(ROOT))

from benchmarks.index_memory import bounded_memos, caches_bytes, memo_bytes, pack, run, summarise  # noqa: E402
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
