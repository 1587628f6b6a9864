"""Verification inputs computed for a whole verify task equal the per-document ones; the token table
behind content ids and stopword tests answers what its function gives, whatever the collisions."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.article import Article
from dedup.detector import Detector
from dedup.prepare.document import Document
from dedup.prepare.words import CONTENT_IDS, STOPWORDS, TokenTable
from dedup.scan.verify import warm_documents
from dedup.sketch.shingle import TokenHasher
from dedup.verify.view import view

TEXTS = [
    "The Council of Europe said on Monday that IBM and the EEC would meet. It was a surprise.",
    "Prices rose 4.5 pct in March, the Bank of England said.\n\nAnalysts at Smith Barney expected it.",
    "Café owners in Zürich told Reuters the ÉTAT would act.",  # not ASCII: the per-document path
    "ab",  # fewer tokens than a 3-gram: no view built
    "A\n\nB C D E F. The And Of Mr Smith's NATO plan.",
    "x",
]


def _prepared(texts: list[str]) -> tuple[list[Document], list[Document]]:
    detector = Detector()
    articles = [Article(f"a{i}", t if t.strip() else "x") for i, t in enumerate(texts)]
    return detector.prepare_many(articles), detector.prepare_many(articles)


def _assert_same(warm: Document, cold: Document) -> None:
    assert np.array_equal(warm.content_ids, cold.content_ids) and warm.content_ids.dtype == np.uint64
    assert np.array_equal(warm.name_mask, cold.name_mask) and warm.name_mask.dtype == bool
    assert warm.sentence_names == cold.sentence_names
    vw, vc = view(warm), view(cold)
    assert vw.gram_list == vc.gram_list and np.array_equal(vw.grams, vc.grams)
    assert np.array_equal(vw.distinct, vc.distinct) and vw.distinct.dtype == vc.distinct.dtype == np.uint32


def test_warm_documents_equal_each_document_alone() -> None:
    warm, cold = _prepared(TEXTS)
    warm_documents(warm)
    assert "name_mask" in warm[0].__dict__ and "content_ids" in warm[1].__dict__
    for w, c in zip(warm, cold, strict=True):
        _assert_same(w, c)


def test_warm_values_are_the_documents_own() -> None:
    """Independent of the per-document code: content ids are each token's, names are capitalised
    words inside a sentence or acronyms, never stopwords."""
    warm, _ = _prepared(TEXTS[:2])
    warm_documents(warm)
    doc = warm[0]
    assert doc.content_ids.tolist() == [CONTENT_IDS[t] for t in doc.tokens]
    names = {doc.tokens[i] for i in np.flatnonzero(doc.name_mask).tolist()}
    assert names == {"council", "europe", "monday", "ibm", "eec"}
    assert doc.sentence_names == [frozenset({"council", "europe", "monday", "ibm", "eec"}), frozenset()]
    assert warm[1].sentence_names[0] == frozenset({"march", "bank", "england"})


_PIECES = st.sampled_from(
    ["The", "IBM", "U.S.", "Mr.", "said", "and", "Of", "4.5", "pct", "Zoë", "AT&T", "it.", "\n\n", "Smith's", "NO"]
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(st.lists(_PIECES, max_size=40).map(" ".join), min_size=1, max_size=5))
def test_warm_documents_equal_alone_on_generated_texts(texts: list[str]) -> None:
    warm, cold = _prepared(texts)
    warm_documents(warm)
    for w, c in zip(warm, cold, strict=True):
        _assert_same(w, c)


def test_token_table_answers_the_function_through_collisions() -> None:
    rng = random.Random(7)
    words = [f"w{rng.randrange(500)}" for _ in range(3000)]
    hasher = TokenHasher()
    hashes = hasher.token_hashes(words)
    table = TokenTable(lambda t: int(t[1:]) * 3 + 1, bits=4)  # 16 slots for 500 words: mostly collisions
    for lo in range(0, len(words), 250):
        part = words[lo : lo + 250]
        got = table.lookup(hashes[lo : lo + 250], part.__getitem__)
        assert got.tolist() == [int(t[1:]) * 3 + 1 for t in part]


def test_token_table_never_takes_an_empty_slot_for_a_zero_hash() -> None:
    table = TokenTable(lambda t: 5, bits=3)
    assert table.lookup(np.zeros(2, dtype=np.uint64), ["a", "b"].__getitem__).tolist() == [5, 5]


def test_token_table_asks_only_for_misses() -> None:
    asked: list[str] = []
    table = TokenTable(lambda t: asked.append(t) or len(t))
    tokens = ["the", "council", "the"]
    hashes = TokenHasher().token_hashes(tokens)
    table.lookup(hashes, tokens.__getitem__)
    asked.clear()
    assert table.lookup(hashes, tokens.__getitem__).tolist() == [3, 7, 3] and asked == []


def test_token_table_rejects_a_size_it_cannot_hold() -> None:
    with pytest.raises(ValueError, match="bits"):
        TokenTable(lambda t: 0, bits=40)


def test_stopwords_are_never_names() -> None:
    warm, _ = _prepared(["Yesterday The Of And IBM met. Then AND said NO."])
    warm_documents(warm)
    names = {warm[0].tokens[i] for i in np.flatnonzero(warm[0].name_mask).tolist()}
    assert names and not names & STOPWORDS


def test_verify_pairs_decide_as_each_pair_alone_and_warm_only_pairs_left_to_align() -> None:
    """Pairs are screened on their tiles first; only the documents of pairs left to align get their
    content words and names, and every decision is the one `Detector.decide` makes on its own."""
    from dedup.candidates import Candidates
    from dedup.scan.verify import _decide_block, _DocumentCache, verify_pairs

    story = (
        "The Bank of England said on Monday it had provided the money market with 450 mln stg of help. "
        "Dealers at Smith New Court said the shortage was smaller than the bank had forecast earlier."
    )
    texts = [
        story,
        story.replace("Monday", "Tuesday") + " Traders expect rates to stay where they are.",
        "Shr 30 cts vs six cts. Net 1.5 mln vs 300,000. Revs 10.4 mln vs 9.7 mln.",
        "Shr 45 cts vs two cts. Net 2.1 mln vs 100,000. Revs 12.8 mln vs 8.3 mln.",
        "Lloyd's of London said the storm cost its members far more than the market had expected.",
        story.split(". ")[0] + ", dealers said, as sterling fell against the mark in quiet trading.",
    ]
    detector = Detector()
    articles = [Article(f"a{i}", t) for i, t in enumerate(texts)]
    pairs = np.array([(i, j) for i in range(len(texts)) for j in range(i + 1, len(texts))], dtype=np.int64)
    got = list(verify_pairs(Candidates(np.arange(len(texts)), pairs), articles, detector))
    alone = [detector.decide(detector.prepare(articles[i]), detector.prepare(articles[j])) for i, j in pairs]
    assert [v.decision for v in got] == alone
    assert any(d is not None for d in alone) and any(d is None for d in alone)

    block = [[2, 3], [0, 1]]  # a form filled in twice (vetoed on its tiles), and a copy
    docs = _DocumentCache(articles, detector, np.array(block))
    decided = _decide_block(block, docs, detector)
    assert decided[0].decision is None and decided[1].decision is not None
    assert all("content_ids" in docs[i].__dict__ and "name_mask" in docs[i].__dict__ for i in (0, 1))
    assert all("content_ids" not in docs[i].__dict__ for i in (2, 3))
