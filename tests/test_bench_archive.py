"""The synthetic archive generator: reproducible, right size, and its planted truth is real."""

from __future__ import annotations

import random
import sys
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed: a bare `pytest` does not see it otherwise
    sys.path.insert(0, str(ROOT))

from benchmarks.data.archive import ParagraphPool, generate, split_paragraphs, truth_path  # noqa: E402

WORDS = [f"w{i}" for i in range(400)]


def _pool(n: int = 40, seed: int = 3) -> ParagraphPool:
    """A tiny pool of made-up paragraphs, 10-30 words each."""
    rng = random.Random(seed)
    return ParagraphPool.from_paragraphs(
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 30))) for _ in range(n)
    )


def _read(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("archive") / "archive.jsonl"
    stats = generate(_pool(), 600, seed=11, out=out, rate=0.25, window=50)
    return stats, out


def test_writes_requested_count_and_unique_ids(built: tuple[dict[str, Any], Path]) -> None:
    stats, out = built
    records = _read(out)
    assert len(records) == stats["articles"] == 600
    assert len({r["id"] for r in records}) == 600
    assert all(r["text"].strip() and r["published"] for r in records)
    assert not list(out.parent.glob("*.tmp"))


def test_reproducible_by_seed(tmp_path: Path, built: tuple[dict[str, Any], Path]) -> None:
    _, out = built
    again, other = tmp_path / "again.jsonl", tmp_path / "other.jsonl"
    generate(_pool(), 600, seed=11, out=again, rate=0.25, window=50)
    generate(_pool(), 600, seed=12, out=other, rate=0.25, window=50)
    assert again.read_bytes() == out.read_bytes()
    assert truth_path(again).read_bytes() == truth_path(out).read_bytes()
    assert other.read_bytes() != out.read_bytes()


def test_truth_refers_to_existing_ids_and_covers_every_relation(built: tuple[dict[str, Any], Path]) -> None:
    stats, out = built
    ids = [r["id"] for r in _read(out)]
    order = {article_id: i for i, article_id in enumerate(ids)}
    truth = _read(truth_path(out))
    assert len(truth) == sum(stats["planted"].values()) > 0
    assert {t["relation"] for t in truth} == {"exact", "trimmed", "header_footer", "partial"}
    for t in truth:
        assert t["a"] in order and t["b"] in order
        assert order[t["a"]] < order[t["b"]]  # the source comes first


def test_planted_copies_share_text(built: tuple[dict[str, Any], Path]) -> None:
    _, out = built
    text = {r["id"]: r["text"] for r in _read(out)}
    for t in _read(truth_path(out)):
        src, copy = text[t["a"]], text[t["b"]]
        src_paras, copy_paras = src.split("\n\n"), copy.split("\n\n")
        if t["relation"] == "exact":
            assert copy == src
        elif t["relation"] == "trimmed":
            assert 0 < len(copy_paras) < len(src_paras)
            assert src_paras[: len(copy_paras)] == copy_paras
        elif t["relation"] == "header_footer":
            assert src in copy and len(copy) > len(src)
        else:
            spliced = [copy_paras[i : i + 2] for i in range(len(copy_paras) - 1)]
            assert any(pair == src_paras[j : j + 2] for pair in spliced for j in range(len(src_paras) - 1))


def test_copy_rate_and_mutation(tmp_path: Path) -> None:
    pool = _pool()
    none = generate(pool, 300, seed=1, out=tmp_path / "none.jsonl", rate=0.0, mutate=0.0, run_words=0)
    assert sum(none["planted"].values()) == 0
    assert truth_path(tmp_path / "none.jsonl").read_bytes() == b""
    pool_paras = {" ".join(pool.vocab[pool.ids[a:b]]) for a, b in pairwise(pool.offsets.tolist())}
    for record in _read(tmp_path / "none.jsonl"):
        paras = record["text"].split("\n\n")
        assert 4 <= len(paras) <= 12
        assert set(paras) <= pool_paras  # without mutation, paragraphs are pool paragraphs verbatim


def test_base_paragraphs_are_runs_of_the_pool_word_stream(tmp_path: Path) -> None:
    pool = _pool()
    generate(pool, 200, seed=3, out=tmp_path / "runs.jsonl", rate=0.0, run_words=4)
    stream = " " + " ".join(pool.vocab[pool.ids].tolist()) + " "
    lengths = set(np.diff(pool.offsets).tolist())
    paras = [p for r in _read(tmp_path / "runs.jsonl") for p in r["text"].split("\n\n")]
    for para in paras:
        words = para.split()
        assert len(words) in lengths
        runs = [words[i : i + 4] for i in range(0, len(words), 4)]
        assert all(f" {' '.join(run)} " in stream for run in runs)
    # Runs from random places: paragraphs are not pool paragraphs, nor repeats of one another.
    pool_paras = {" ".join(pool.vocab[pool.ids[a:b]]) for a, b in pairwise(pool.offsets.tolist())}
    assert len(set(paras) - pool_paras) > 0.9 * len(paras)
    assert len(set(paras)) > 0.95 * len(paras)


def test_split_paragraphs_and_pool() -> None:
    body = (
        "First paragraph has quite a few words in\nit, wrapped over two lines.\n"
        "    Second one starts with an indent and has enough words.\n    Short one.\n Reuter\n"
    )
    paras = split_paragraphs(body)
    assert paras == [
        "First paragraph has quite a few words in it, wrapped over two lines.",
        "Second one starts with an indent and has enough words.",
    ]
    pool = ParagraphPool.from_paragraphs([*paras, paras[0]])
    assert len(pool) == 2
    with pytest.raises(ValueError):
        ParagraphPool.from_paragraphs(["", "   "])
    assert truth_path("x/archive.jsonl") == Path("x/archive.truth.jsonl")


def test_planted_pairs_are_scored_in_either_order_and_by_kind() -> None:
    from benchmarks.speed.throughput import _planted_rows, score_planted

    truth = [
        {"a": "x1", "b": "x2", "relation": "exact"},
        {"a": "x3", "b": "x4", "relation": "trimmed"},
        {"a": "x5", "b": "x6", "relation": "trimmed"},
    ]
    relations = [
        {"a": "x2", "b": "x1", "relation": "exact"},  # found, the other way round
        {"a": "x3", "b": "x4", "relation": "copy"},
        {"a": "x7", "b": "x8", "relation": "partial"},  # explained by no plant
    ]
    scored = score_planted(truth, relations)
    assert (scored["found"], scored["planted"], scored["unplanted_relations"]) == (2, 3, 1)
    assert scored["by_kind"] == {"exact": {"found": 1, "planted": 1}, "trimmed": {"found": 1, "planted": 2}}
    header, rows = _planted_rows({"archives": {"runs": [{"size": 100, "scan": {"planted": scored}}]}}) or ([], [])
    assert header == ["exact", "trimmed", "relations not planted"]
    assert rows == [["100", "2 / 3", "1 / 1", "1 / 2", "1"]]


def test_repeated_runs_are_compared_by_their_median_and_failures_never_win() -> None:
    from benchmarks.speed.throughput import _median_run

    runs = [
        {"seconds": 9.0, "cpu_seconds": 15.0, "returncode": 0},
        {"seconds": 1.0, "cpu_seconds": 1.0, "returncode": 1},  # failed fast: never the median
        {"seconds": 7.0, "cpu_seconds": 14.0, "returncode": 0},
    ]
    median = _median_run(runs)
    assert (median["seconds"], median["cpu_seconds"]) == (9.0, 15.0)
    assert median["runs_seconds"] == [9.0, 1.0, 7.0] and median["runs_cpu_seconds"] == [15.0, 1.0, 14.0]
    assert _median_run(runs[::2])["seconds"] == 7.0  # two runs: the faster (lower median)
