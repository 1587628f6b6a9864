"""Shard-wide per-document arrays equal the per-document ones."""

from __future__ import annotations

import numpy as np
import xxhash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.article import Article
from dedup.detector import Detector
from dedup.prepare.document import Document, block_shingles_many, quick_names_many
from dedup.prepare.names import NAME_PATTERN, name_spans
from dedup.prepare.tokens import locate_many
from dedup.sketch.idf import sentence_terms, sentence_terms_many
from dedup.sketch.shard import topic_and_fact_sets

TEXTS = [
    "",
    "One.",
    "Short text with few words.",
    "The council approved the budget on Monday. It rises by 4.5 pct to 12 mln stg.\n\n"
    "The mayor said the vote was close. The opposition said it would appeal.\n\nEnd of story here now.",
    "-- -- --\n\n** **",
    "A line\nthat wraps\nin three places\n\nAnd a second paragraph that is a little longer than that.",
    "Repeat this paragraph please.\n\nRepeat this paragraph please.\n\nThen something else entirely.",
]


def _docs() -> tuple[Detector, list]:
    detector = Detector()
    return detector, [detector.prepare(Article(f"a{i}", t or "x")) for i, t in enumerate(TEXTS)]


def test_block_shingles_of_a_shard_equal_each_documents() -> None:
    detector, docs = _docs()
    _, alone = _docs()
    flat, bounds = block_shingles_many(docs, detector.hasher)
    expected = [s for d in alone for s in d.block_shingles]
    assert len(bounds) == len(expected) + 1
    for i, shingles in enumerate(expected):
        assert np.array_equal(flat[bounds[i] : bounds[i + 1]], shingles)
    # The documents keep them too (repeats read them), equal to a fresh computation.
    assert all(
        all(np.array_equal(x, y) for x, y in zip(d.block_shingles, e.block_shingles, strict=True))
        for d, e in zip(docs, alone, strict=True)
    )


def test_sentence_terms_of_a_shard_equal_each_documents() -> None:
    _, docs = _docs()
    terms, counts, bounds = sentence_terms_many(docs, 1 << 12)
    for i, d in enumerate(docs):
        want_terms, want_counts = sentence_terms(d.content_ids, d.sentence_bounds, 1 << 12)
        assert np.array_equal(terms[bounds[i] : bounds[i + 1]], want_terms)
        assert np.array_equal(counts[bounds[i] : bounds[i + 1]], want_counts)
    assert terms.dtype == np.int32 and counts.dtype == np.uint16


def test_empty_shard() -> None:
    detector, _ = _docs()
    flat, bounds = block_shingles_many([], detector.hasher)
    terms, _, doc_bounds = sentence_terms_many([])
    assert len(flat) == 0 and list(bounds) == [0] and len(terms) == 0 and list(doc_bounds) == [0]


def test_documents_prepared_together_equal_each_prepared_alone() -> None:
    """Token hashes and spans found in one pass over a shard are those of the per-text path,
    for ASCII texts, non-ASCII ones (per-text path) and text outside every block."""
    detector = Detector()
    texts = [t or "x" for t in TEXTS] + ["Café prices rose 5 pct.\n\nThe U.S. said so.", "a`b c'd R&D ``q'' 1,2.5"]
    articles = [Article(f"a{i}", t) for i, t in enumerate(texts)]
    together = detector.prepare_many(articles)
    for article, doc in zip(articles, together, strict=True):
        alone = Detector().prepare(article)
        assert doc.tokens == alone.tokens
        assert doc.token_hashes.dtype == alone.token_hashes.dtype
        assert np.array_equal(doc.token_hashes, alone.token_hashes)
        assert np.array_equal(doc.token_spans, alone.token_spans)
        assert np.array_equal(doc.block_prints, alone.block_prints)


_ASCII_PIECE = st.one_of(
    st.sampled_from(
        [
            "The",
            "U.S.",
            "Mr.",
            "Calif.",
            "$4.2",
            "mln",
            "12,500",
            "it.",
            "Yes!",
            "Why?",
            "(FPW)",
            "I.",
            "a",
            "''",
            "``",
            "R&D",
            "don't",
            "1.5.",
            "...",
            "-",
            '"Quote."',
            "x_y",
            ".,'&",
            "A.",
            "say:",
        ]
    ),
    st.sampled_from(["\n", "\n\n", "\n  ", "\n\t", "\r\n", "\t", "  ", " ", "\x0c", "\x1c", "\x0b"]),
    st.text(st.characters(max_codepoint=127), max_size=12),
)
# Mostly news-like ASCII (the batch path), sometimes a long line (sentence windows) or non-ASCII.
_TEXTS = st.lists(
    st.one_of(
        st.lists(_ASCII_PIECE, max_size=60).map(" ".join),
        st.tuples(st.lists(_ASCII_PIECE, min_size=1, max_size=12).map(" ".join), st.integers(20, 80)).map(
            lambda p: " ".join([p[0]] * p[1])
        ),
        st.text(max_size=80),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=_TEXTS)
def test_texts_laid_out_together_equal_each_laid_out_alone(texts: list[str]) -> None:
    """Blocks, tokens and their block and sentence bounds found over a batch are those of one text."""
    detector = Detector()
    articles = [Article(f"a{i}", t if t.strip() else "x") for i, t in enumerate(texts)]
    for article, doc in zip(articles, detector.prepare_many(articles), strict=True):
        alone = detector.prepare(article)
        assert doc.blocks == alone.blocks and doc.tokens == alone.tokens
        assert np.array_equal(doc.block_bounds, alone.block_bounds)
        assert np.array_equal(doc.sentence_bounds, alone.sentence_bounds)
        assert doc.sentence_bounds.dtype == alone.sentence_bounds.dtype == np.int64
        assert np.array_equal(doc.token_hashes, alone.token_hashes)
        assert np.array_equal(doc.token_spans, alone.token_spans)
    # Every ASCII text is placed by the batch path itself (its per-text fallback is not what is tested).
    located = locate_many([a.text for a in articles], detector.config.segment, detector.hasher)
    for article, found in zip(articles, located, strict=True):
        assert (found is not None and found.placed is not None) == article.text.isascii()


def topic_set(doc: Document) -> np.ndarray:
    """The oracle of the rewrite path's topic set: names and facts of one document as uint32 hashes."""
    names = np.array([xxhash.xxh32_intdigest(f"n:{n}".encode()) for n in doc.quick_names], dtype=np.uint32)
    return np.union1d(names, doc.fact_hashes)


def test_topic_and_fact_sets_of_a_shard_equal_the_per_document_sets() -> None:
    detector = Detector()
    texts = [t or "x" for t in TEXTS] + [
        "LONDON, March 3 - Acme Corp said on March 3 it would buy Beta for 2.5 mln dlrs."
    ]
    docs = detector.prepare_many([Article(f"a{i}", t) for i, t in enumerate(texts)])
    (topics, topic_bounds), (facts, fact_bounds) = topic_and_fact_sets(docs)
    assert topics.dtype == facts.dtype == np.uint32 and topic_bounds.dtype == fact_bounds.dtype == np.int64
    for i, d in enumerate(docs):
        assert np.array_equal(topics[topic_bounds[i] : topic_bounds[i + 1]], topic_set(d))
        assert np.array_equal(facts[fact_bounds[i] : fact_bounds[i + 1]], d.fact_hashes)
    assert len(topics[topic_bounds[-2] : topic_bounds[-1]]) > len(facts[fact_bounds[-2] : fact_bounds[-1]]) > 0
    (topics, topic_bounds), (facts, fact_bounds) = topic_and_fact_sets([])
    assert len(topics) == len(facts) == 0 and list(topic_bounds) == list(fact_bounds) == [0]


_NAMEY = st.lists(
    st.sampled_from(
        [
            "Smith",
            ". Smith",
            "! IBM",
            "x? Ab",
            "SMITH",
            "Jones's",
            "Jones'sx",
            "Ab",
            "ABC",
            "AB",
            "ABc",
            "Abc5",
            "Abc_",
            "X",
            "the",
            "Said",
            "The",
            "Mr",
            "U.S.",
            "IBM",
            " ",
            "  ",
            "\n",
            "\t",
            ".",
            "!",
            "?",
            ",",
            ";",
            ":",
            "(",
            "'",
            '"',
            "5",
            "-",
            "x",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_NAMEY, min_size=1, max_size=4))
def test_names_of_a_shard_equal_the_pattern(texts: list[str]) -> None:
    buf = ("\n" + "\n".join(texts) + "\n\n\n").encode("ascii")
    starts, ends = name_spans(buf)
    at, shifted = 1, []
    for t in texts:
        shifted += [(s + at, e + at) for s, e in (m.span(1) for m in NAME_PATTERN.finditer(t))]
        at += len(t) + 1
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == shifted
    docs = Detector().prepare_many([Article(f"a{i}", t if t.strip() else "x") for i, t in enumerate(texts)])
    alone = [Detector().prepare(d.article).quick_names for d in docs]
    quick_names_many(docs)
    assert [d.quick_names for d in docs] == alone
