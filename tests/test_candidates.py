"""Candidate stage: shards join to what one shard gives, LSH buckets, the bounded rewrite path."""

from __future__ import annotations

import json
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup.article import Article, article_from_mapping
from dedup.candidates import facts_kept, find_candidates
from dedup.config import LSHConfig
from dedup.detector import Detector
from dedup.errors import ConfigError
from dedup.sketch.lsh import collide
from dedup.sketch.shard import SignedShard, concat_shards, sign_shard


def _articles(fiction: list[dict[str, Any]]) -> list[Article]:
    return [Article(id=r["id"], text=r["text"]) for r in fiction]


def test_shards_signed_apart_join_to_one_shard(detector: Detector, fiction: list[dict[str, Any]]) -> None:
    articles = _articles(fiction)
    whole = sign_shard(articles, detector)
    parts = [sign_shard(articles[lo:hi], detector) for lo, hi in ((0, 5), (5, 6), (6, len(articles)))]
    joined = concat_shards(parts)
    for f in fields(SignedShard):
        if f.name == "timings":
            continue
        got, want = getattr(joined, f.name), getattr(whole, f.name)
        if isinstance(want, np.ndarray):
            assert got.dtype == want.dtype and np.array_equal(got, want), f.name
        else:
            assert got == want, f.name
    # Joining consumes the parts' arrays (memory is released as the join goes).
    assert parts[0].block_keys is None


def test_oversized_buckets_stream_or_skip() -> None:
    keys = np.zeros((40, 1), dtype=np.uint64)
    keys[35:, 0] = 7  # a small bucket of five
    streamed = set(map(tuple, collide(keys, np.arange(40), max_bucket=10).tolist()))
    skip = collide(keys, np.arange(40), max_bucket=10, star=False)
    # The big bucket of 35: its first 11 pair with each other, each later one with the first.
    head = {(i, j) for i in range(11) for j in range(i + 1, 11)}
    assert streamed == head | {(0, j) for j in range(11, 35)} | {
        (i, j) for i in range(35, 40) for j in range(i + 1, 40)
    }
    ranked = np.arange(40)[::-1].copy()  # later items published earlier: the centre is the latest of the earlier
    centred = set(map(tuple, collide(keys, np.arange(40), max_bucket=10, rank=ranked).tolist()))
    assert {(j - 1, j) for j in range(11, 35)} <= centred
    assert set(map(tuple, skip.tolist())) == {(i, j) for i in range(35, 40) for j in range(i + 1, 40)}


def _pairs_by_dict(keys: np.ndarray, owner: np.ndarray, max_bucket: int) -> set[tuple[int, int]]:
    """The collision join the slow, obvious way (no star joins: buckets stay under max_bucket)."""
    out: set[tuple[int, int]] = set()
    for band in range(keys.shape[1]):
        buckets: dict[int, list[int]] = {}
        for row, key in enumerate(keys[:, band].tolist()):
            buckets.setdefault(key, []).append(int(owner[row]))
        assert all(len(m) <= max_bucket for m in buckets.values())
        out |= {(min(a, b), max(a, b)) for m in buckets.values() for a in m for b in m if a != b}
    return out


@pytest.mark.parametrize("top_byte_used", [True, False])
def test_sorted_word_join_finds_what_dictionaries_find(top_byte_used: bool) -> None:
    """Buckets come from one sort of (key's top bits, row) words; the pairs must not change, whether
    the keys use their top byte (block keys) or leave it empty (their top bits then tie often)."""
    from dedup.sketch.lsh import buckets

    rng = np.random.default_rng(5)
    high = 2**63 if top_byte_used else 2**40
    keys = rng.integers(0, high, size=(3000, 3), dtype=np.int64).astype(np.uint64)
    keys[rng.integers(0, 3000, 900)] = keys[rng.integers(0, 3000, 900)]  # shared rows: real collisions
    owner = rng.integers(0, 1200, 3000)
    rows, starts, ends = buckets(keys[:, 0])
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        assert len(set(keys[rows[s:e], 0].tolist())) == 1  # each key's rows form one bucket
    assert len(starts) == len({k for k, c in zip(*np.unique(keys[:, 0], return_counts=True), strict=True) if c > 1})
    joined = collide(keys, owner, max_bucket=50)
    assert set(map(tuple, joined.tolist())) == _pairs_by_dict(keys, owner, 50)


def test_rewrite_path_keeps_the_seed_rewrite_and_skips_crowded_buckets(detector: Detector, seeds: list[Any]) -> None:
    articles = [Article(id=p.stem, text=p.read_text(encoding="utf-8")) for p in seeds]
    shard = sign_shard(articles, detector)
    lsh = detector.config.lsh
    found = find_candidates(shard, lsh, shard.idf_table())
    assert found.pairs.tolist() == [[0, 1]]
    # With the verbatim paths unable to see it, only the rewrite path finds the pair.
    topic_only = replace(shard, block_keys=shard.block_keys[:0], block_owner=shard.block_owner[:0])
    topic_only.doc_keys = np.arange(shard.doc_keys.size, dtype=np.uint64).reshape(shard.doc_keys.shape)
    assert find_candidates(topic_only, lsh).pairs.tolist() == [[0, 1]]
    # Off, or gated above the pair's cosine, it finds nothing.
    assert not len(find_candidates(topic_only, replace(lsh, rewrite_candidates=0)).pairs)
    assert not len(find_candidates(topic_only, replace(lsh, rewrite_min_cosine=0.99)).pairs)


# A source and its rewrite with no figure, date or dateline: the facts gate cannot tell them from a
# form filled in again, so only `rewrite_fact_share=0` lets the rewrite path pass them on.
FIGURE_FREE = (
    "Inheritance lets a programmer build a new class out of a class that already exists. The new class, "
    "called the subclass or derived class, takes over the fields and methods of the parent class, which is "
    "also known as the base class or superclass. A subclass may then add behaviour of its own or override "
    "methods it inherited, replacing them with versions better suited to its purpose. The main aim is reuse: "
    "code that has been written and tested once does not need to be written again.",
    "In object oriented languages inheritance is how a programmer creates a class from an existing one. The "
    "class that is created is named the derived class or subclass, and it receives the methods and fields of "
    "its parent, known as the superclass or base class. The subclass can extend this with behaviour of its "
    "own, or it can override inherited methods with versions that suit it better. The purpose is chiefly "
    "reuse, since code which was already written and tested need not be written a second time.",
)


def test_a_facts_share_of_zero_lets_rewrites_without_figures_through(detector: Detector) -> None:
    shard = sign_shard([Article(f"t{i}", text) for i, text in enumerate(FIGURE_FREE)], detector)
    assert not len(shard.fact_hashes)
    topic_only = replace(shard, block_keys=shard.block_keys[:0], block_owner=shard.block_owner[:0])
    topic_only.doc_keys = np.arange(shard.doc_keys.size, dtype=np.uint64).reshape(shard.doc_keys.shape)
    lsh = replace(detector.config.lsh, contain_max_tokens=0)  # short texts: the containment path off too
    assert not len(find_candidates(topic_only, lsh).pairs)
    assert find_candidates(topic_only, replace(lsh, rewrite_fact_share=0.0)).pairs.tolist() == [[0, 1]]
    # The streaming index asks the same gate of each earlier article.
    none, two = np.array([0, 0]), np.array([0, 2])
    assert facts_kept(none, none, 0.0).all() and not facts_kept(none, none, 0.5).any()
    assert facts_kept(none, two, 0.0).all() and not facts_kept(none, two, 0.5).any()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("rewrite_min_cosine", 1.5),
        ("rewrite_max_bucket", 1),
        ("line_max_bucket", 1),
        ("line_min_figures", 0),
        ("contain_share", 0.0),
        ("contain_max_df", 1),
    ],
)
def test_rewrite_gate_config_is_validated(name: str, value: float) -> None:
    with pytest.raises(ConfigError, match=name):
        LSHConfig(**{name: value})


@pytest.mark.parametrize("keep_chars", [0, 10**6])
def test_streamed_scan_reads_again_only_what_it_verifies(
    tmp_path: Path, fiction: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, keep_chars: int
) -> None:
    import dedup.scan.stream as stream_module
    from dedup.scan.engine import ProcessEngine
    from dedup.scan.run import scan, scan_articles

    asked: list[set[int]] = []
    load = stream_module.InputStream.load
    reads = []
    read_inputs = stream_module.read_inputs

    def spy(self: Any, wanted: set[int]) -> Any:
        asked.append(set(wanted))
        return load(self, wanted)

    def counted(*args: Any) -> Any:
        reads.append(args)
        return read_inputs(*args)

    monkeypatch.setattr(stream_module.InputStream, "load", spy)
    monkeypatch.setattr(stream_module, "read_inputs", counted)
    monkeypatch.setattr(stream_module, "KEEP_TEXT_CHARS", keep_chars)

    # Three content words in common: fewer than the containment path's `contain_min_shared`, which
    # counts terms as they arrive (at the start of a stream every word is rare).
    unrelated = [
        {"id": f"solo-{i}", "text": f"Notice {i}: the {chr(97 + i % 26)}{chr(97 + i // 26)}q committee adjourned."}
        for i in range(30)
    ]
    rows = fiction + unrelated
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n", encoding="utf-8")
    texts: dict[str, str] = {}
    summary = scan([path], tmp_path / "out", texts=texts, engine=ProcessEngine(2))
    in_memory = scan_articles([article_from_mapping(r) for r in rows])
    streamed = [json.loads(x) for x in (tmp_path / "out" / "relations.jsonl").read_text().splitlines()]
    assert streamed == in_memory.relations and summary["articles"] == len(rows)
    assert summary["rejected"] == 1
    related = {r["a"] for r in streamed} | {r["b"] for r in streamed}
    assert set(texts) == related and not any(k.startswith("solo-") for k in texts)
    # Loaded: the articles of candidate pairs, never the unrelated notices (positions >= len(fiction)),
    # read a second time only when the texts are over the budget.
    assert len(asked) == 1 and asked[0] and max(asked[0]) < len(fiction)
    assert len(reads) == (2 if keep_chars == 0 else 1)


_TABLE = (
    "Shr loss 15 cts vs loss 18 cts\n\nNet loss 1,135,000 vs loss 1,377,000\n\n"
    "Revs 57.7 mln vs 55.1 mln\n\nYear\n\nShr loss 41 cts vs loss 52 cts\n\nReuter\n"
)
_STORY = [
    "Harbour officials in the northern port said on Tuesday that dredging of the main channel would "
    "begin next month after a long delay over permits and funding.",
    "The work is expected to take most of the summer and will allow larger container ships to call "
    "at the port without waiting for the tide.",
    "Shipping agents welcomed the decision but said the delay had already cost the region several "
    "contracts with overseas lines that moved their calls elsewhere.",
]


def _line_articles() -> list[Article]:
    spliced = "\n\n".join([*_STORY[:2], "Net loss 1,135,000 vs loss 1,377,000", "Revs 57.7 mln vs 55.1 mln", _STORY[2]])
    # Another company's results: the same form, its own figures.
    other_table = _TABLE
    for old, new in (("15", "9"), ("18", "21"), ("1,135,000", "2,406,000"), ("57.7", "61.2"), ("41", "37")):
        other_table = other_table.replace(old, new)
    return [Article("table", _TABLE), Article("spliced", spliced + "\n"), Article("other-table", other_table)]


def test_figure_lines_spliced_into_a_story_become_candidates(detector: Detector) -> None:
    shard = sign_shard(_line_articles(), detector)
    # Two tables of one form share their form words: the containment path is not what is tested here.
    lsh = replace(detector.config.lsh, contain_max_tokens=0)
    # The spliced table lines are below min_block_tokens: only the figure-line path sees them.
    assert find_candidates(shard, lsh).pairs.tolist() == [[0, 1]]
    assert not len(find_candidates(shard, replace(lsh, line_max_bucket=0)).pairs)


def test_figure_lines_printed_by_many_articles_are_skipped(detector: Detector) -> None:
    lsh = detector.config.lsh
    line = "Revs 57.7 mln vs 55.1 mln"
    crowd = [Article(f"s{i}", f"{_STORY[i % 3]} Item {i}.\n\n{line}\n") for i in range(lsh.line_max_bucket + 1)]
    shard = sign_shard(crowd, detector)
    assert len(shard.line_prints) == len(crowd)
    # A line in more articles than line_max_bucket adds no pair to what the other paths find.
    without = find_candidates(shard, replace(lsh, line_max_bucket=0)).pairs
    assert len(without) < len(crowd) * (len(crowd) - 1) // 2
    assert find_candidates(shard, lsh).pairs.tolist() == without.tolist()
    wide = replace(lsh, line_max_bucket=len(crowd))
    assert len(find_candidates(shard, wide).pairs) == len(crowd) * (len(crowd) - 1) // 2


_BRIEF = "Dredging of the channel begins next month; shipping agents say the delay cost contracts with container lines."


def test_containment_path_finds_a_brief_cut_from_a_long_story(detector: Detector) -> None:
    story = "\n\n".join(_STORY * 2) + "\n"
    unrelated = "The council approved a budget for schools and libraries on Monday after a short debate.\n"
    shard = sign_shard([Article("story", story), Article("brief", _BRIEF), Article("council", unrelated)], detector)
    lsh = detector.config.lsh
    # No shared 5-gram, name or figure: only the brief's content words, contained in the story.
    assert find_candidates(shard, lsh).pairs.tolist() == [[0, 1]]
    assert not len(find_candidates(shard, replace(lsh, contain_max_tokens=0)).pairs)


def test_containment_path_skips_crowded_terms_and_keeps_a_few_per_article(detector: Detector) -> None:
    briefs = [Article(f"b{i}", f"Item {i}. {_BRIEF}") for i in range(40)]
    shard = sign_shard(briefs, detector)
    off = replace(detector.config.lsh, contain_max_tokens=0)
    lsh = detector.config.lsh
    # Every term is in 40 articles, more than contain_max_df: past its first holders, a brief finds
    # nothing by the path (as counted when it arrives: the first ones still look rare).
    base = {tuple(p) for p in find_candidates(shard, off).pairs.tolist()}
    extra = {tuple(p) for p in find_candidates(shard, lsh).pairs.tolist()} - base
    assert all(later < lsh.contain_max_df for _, later in extra)
    # Allowed, each brief still keeps at most contain_candidates of its 39 look-alikes.
    wide = replace(lsh, contain_max_df=len(briefs), max_bucket=2, rewrite_candidates=0, line_max_bucket=0)
    base = {tuple(p) for p in find_candidates(shard, replace(wide, contain_max_tokens=0)).pairs.tolist()}
    extra = {tuple(p) for p in find_candidates(shard, wide).pairs.tolist()} - base
    assert extra and len(extra) <= lsh.contain_candidates * len(briefs) < len(briefs) * (len(briefs) - 1) // 2


@pytest.mark.parametrize("width", [64, 16, 12])
def test_equal_bytes_counts_what_a_byte_compare_counts(width: int) -> None:
    """The word-wise zero-byte test agrees with comparing byte by byte, for every byte value (0x00,
    0x80 and 0xFF included), and widths that are no multiple of eight take the byte path."""
    from dedup.candidates import _equal_bytes

    rng = np.random.default_rng(11)
    sketches = rng.choice(np.array([0, 1, 0x7F, 0x80, 0xFE, 0xFF], dtype=np.uint8), size=(300, width))
    sketches[::3] = rng.integers(0, 256, size=(100, width), dtype=np.uint8)
    pairs = rng.integers(0, 300, size=(5000, 2))
    expected = (sketches[pairs[:, 0]] == sketches[pairs[:, 1]]).sum(axis=1)
    assert np.array_equal(_equal_bytes(sketches, pairs), expected)
    assert np.array_equal(_equal_bytes(sketches, np.repeat(pairs[:, :1], 2, axis=1)), np.full(5000, width))


_HEADER = "From the Valley Courier news desk, serving the county with local news, weather and sport every day"


def test_a_paragraph_printed_by_more_than_max_bucket_articles_joins_them_as_a_star(
    detector: Detector, fiction: list[dict[str, Any]]
) -> None:
    """A site's header printed by many otherwise unrelated stories gives the pairs a stream would: the
    first stories pair with each other, each later one with the first (not every two of them)."""
    stories = [r["text"] for r in fiction[:11]]
    lsh = replace(detector.config.lsh, max_bucket=6)
    crowd = sign_shard([Article(f"s{i}", f"{_HEADER}\n\n{t}") for i, t in enumerate(stories)], detector)
    alone = sign_shard([Article(f"s{i}", t) for i, t in enumerate(stories)], detector)
    base = set(map(tuple, find_candidates(alone, lsh).pairs.tolist()))
    star = set(map(tuple, find_candidates(crowd, lsh).pairs.tolist()))
    head = {(i, j) for i in range(7) for j in range(i + 1, 7)}
    assert star == base | head | {(0, j) for j in range(7, 11)}
    every = set(map(tuple, find_candidates(crowd, replace(lsh, max_bucket=11)).pairs.tolist()))
    assert every == {(i, j) for i in range(11) for j in range(i + 1, 11)}


def test_copies_printed_more_widely_than_max_bucket_still_form_one_cluster(fiction: list[dict[str, Any]]) -> None:
    from dedup.config import DetectorConfig
    from dedup.scan.run import scan_articles

    config = DetectorConfig()
    detector = Detector(replace(config, lsh=replace(config.lsh, max_bucket=3)))
    story = fiction[0]["text"]
    copies = [Article(f"c{i}", f"Printed by site number {i} of the network\n\n{story}") for i in range(7)]
    others = [Article(r["id"], r["text"]) for r in fiction[1:4]]
    result = scan_articles([*copies, *others], detector)
    assert [sorted(c.members) for c in result.clusters if len(c.members) > 1] == [[f"c{i}" for i in range(7)]]
    assert {r["b"] for r in result.relations if r["a"] == "c0"} == {f"c{i}" for i in range(1, 7)}
