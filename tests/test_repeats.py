"""The shard-wide repeat pre-check never leaves out an article the exact search reports."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.article import Article
from dedup.detector import Detector
from dedup.prepare.document import block_shingles_many, join_documents
from dedup.verify.repeats import _run_keys, find_repeats, repeat_suspects

_DETECTOR = Detector()
_SENTENCES = [
    "The council approved the budget for next year on Monday.",
    "The council approved the budget for next year on Tuesday.",
    "Shares of the company rose 4.5 pct to 12 dlrs in early trade.",
    "It said the offer was worth about 120 mln dlrs.",
    "Analysts said the move was expected.",
    "Yes.",
    "A short one.",
    "Officials of the two unions and the port authority met for six hours without agreement on pay",
    "Officials of the two unions and the port authority met for six hours without agreement on hours",
]
# Paragraphs of a few sentences drawn from a small pool, so that sentences and paragraphs recur
# exactly or nearly (one word changed) within an article; the last two are alike as blocks, not as sentences.
_PARAGRAPH = st.lists(st.sampled_from(_SENTENCES), min_size=1, max_size=4).map(" ".join)
_TEXT = st.lists(_PARAGRAPH, min_size=1, max_size=8).map("\n\n".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_TEXT, min_size=1, max_size=5))
def test_suspects_hold_every_article_with_repeats(texts: list[str]) -> None:
    docs = _DETECTOR.prepare_many([Article(f"a{i}", t) for i, t in enumerate(texts)])
    shingles, bounds = block_shingles_many(docs, _DETECTOR.hasher)
    suspects = set(repeat_suspects(join_documents(docs), shingles, bounds).tolist())
    assert {i for i, d in enumerate(docs) if find_repeats(d)} <= suspects


def test_articles_without_twins_are_not_suspects() -> None:
    texts = ["\n\n".join(_SENTENCES[:-1]), "One paragraph only, with nothing printed twice in it at all."]
    docs = _DETECTOR.prepare_many([Article(f"a{i}", t) for i, t in enumerate(texts)])
    shingles, bounds = block_shingles_many(docs, _DETECTOR.hasher)
    assert len(repeat_suspects(join_documents(docs), shingles, bounds)) == 0
    assert len(repeat_suspects(join_documents([]), np.empty(0, dtype=np.uint32), np.zeros(1, dtype=np.int64))) == 0


@given(
    run=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=6),
    before=st.lists(st.integers(0, 2**64 - 1), max_size=5),
    between=st.lists(st.integers(0, 2**64 - 1), max_size=5),
)
def test_equal_runs_have_equal_keys_wherever_they_lie(run: list[int], before: list[int], between: list[int]) -> None:
    hashes = np.array(before + run + between + run, dtype=np.uint64)
    first = len(before)
    second = first + len(run) + len(between)
    bounds = np.array([[first, first + len(run)], [second, second + len(run)]], dtype=np.int64)
    keys = _run_keys(hashes, bounds)
    assert keys[0] == keys[1]


def test_nearly_repeated_block_is_a_suspect() -> None:
    """Blocks alike only as shingle sets (no sentence printed twice) are found by their smallest shingle."""
    text = f"{_SENTENCES[-2]}\n\nSomething else entirely.\n\n{_SENTENCES[-1]}"
    docs = _DETECTOR.prepare_many([Article("a", text)])
    shingles, bounds = block_shingles_many(docs, _DETECTOR.hasher)
    assert find_repeats(docs[0])
    assert repeat_suspects(join_documents(docs), shingles, bounds).tolist() == [0]


def test_table_rows_and_headings_that_recur_are_not_glitches() -> None:
    """A season heading over each block of a table, and a form's dates line, recur by layout."""
    table = (
        "Sugar production, in thousands of tonnes:\n\n"
        "                 1986/87            1985/86\n"
        "  Beet            2,341              2,108\n"
        "  Cane              412                390\n\n"
        "Exports, in thousands of tonnes:\n\n"
        "                 1986/87            1985/86\n"
        "  Raw               712                655\n"
        "  White             501                467\n\n"
        "Qtly div 12 cts vs 12 cts prior\n    Pay May 15\n    Record May 15\n\n"
        "Extra div 5 cts\n    Pay May 15\n    Record May 15\n"
    )
    doc = _DETECTOR.prepare(Article("table", table))
    assert find_repeats(doc) == []


def test_a_sentence_of_prose_printed_twice_is_a_glitch() -> None:
    sentence = "The minister said the harbour plan would be put to a vote before the end of the month."
    text = f"{sentence}\n\nCouncillors were divided on the cost.\n\n{sentence}\n"
    doc = _DETECTOR.prepare(Article("glitch", text))
    [block] = find_repeats(doc)
    assert text[block.first[0] : block.first[1]] == text[block.repeat[0] : block.repeat[1]] == sentence
