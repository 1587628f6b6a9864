"""Facts (figures, dates, dateline), sentence-wise tokens, IDF terms and the scan's cosine gate."""

from __future__ import annotations

import random
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dedup.article import Article
from dedup.candidates import tfidf_cosines
from dedup.detector import Detector
from dedup.prepare.facts import (
    _FACT_MEMO,
    _FIGURE,
    _FIGURE_ASCII,
    _MONTH_WORDS,
    _NO_MONTH_BEFORE,
    _NUMBER,
    _SCALE_WORD,
    _WORDS,
    _day,
    _figure_day,
    _month_before,
    _month_ending,
    _number_fact,
    _scale_hits,
    counts_at,
    counts_in_tokens,
    facts,
    numeric_facts_at,
    roundable,
    rounded_match,
    scan_facts,
)
from dedup.prepare.tokens import TOKEN
from dedup.sketch.idf import IdfTable
from dedup.sketch.shard import sign_shard


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It paid $5.7 million for 10,000 shares.", {"money:5.7e+06", "num:10000"}),
        ("It paid $5.7m.", {"money:5.7e+06"}),
        # North American papers hyphenate the scale word: the same amount as "$38 million".
        ("It paid a $38-million penalty for 12-billion shares.", {"money:3.8e+07", "num:1.2e+10"}),
        # A hyphen before a letter is a unit of another kind.
        ("She won the 100-m race.", {"num:100"}),
        ("Rates rose to 7-1/4 pct.", {"pct:7.25"}),
        ("The fund lost two billion dlrs.", {"money:2e+09"}),
        ("The hearing is on April 15 in court.", {"date:apr-15"}),
        ("It starts from March 15th.", {"date:mar-15"}),
        ("Sales rose in Sept. 30 stores.", {"date:sep-30"}),
        # A figure after a month that cannot be a day is not a date.
        ("Output in December 2.28 billion vs 2.1 billion.", {"num:2.1e+09"}),
        ("Omar 15 said so.", {"num:15"}),
        ("Two of the 5 suspects ran.", set()),
        ("SACRAMENTO, Calif. - It cost 12 percent more.", {"pct:12", "dateline:sacramento"}),
        # PA's 7-bit wire copy prints the pound sign as '#': the same amounts as the paper's '£'.
        ("He was awarded #2.9 million and #55,000 costs.", {"money:2.9e+06", "money:5.5e+04"}),
        ("He was awarded £2.9 million and £55,000 costs.", {"money:2.9e+06", "money:5.5e+04"}),
        ("A fine of #200 and #1.50 a week.", {"money:200", "money:1.5"}),
        # Before a bare number under ten, '#' means "number".
        ("It went to #1 in the charts.", set()),
    ],
)
def test_facts_of_a_sentence(text: str, expected: set[str]) -> None:
    assert facts(text) == expected


def test_numeric_offsets_are_in_text_order_and_land_on_the_figure() -> None:
    text = "A rise of 4.4 pct, then two billion dlrs and $12 more, on May 2."
    found = numeric_facts_at(text)
    assert [f for _, f in found] == ["pct:4.4", "money:2e+09", "money:12"]
    assert [o for o, _ in found] == sorted(o for o, _ in found)
    assert all(text[o:].lstrip().startswith(("4.4", "two", "$12")) for o, _ in found)
    assert scan_facts(text)[1] == {"date:may-2"}


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="ab $£.,-/0123456789\n MarchApril tw", max_size=120))
def test_facts_never_fail_and_offsets_stay_inside(text: str) -> None:
    numbers, dates = scan_facts(text)
    assert all(0 <= o < len(text) for o, _ in numbers)
    assert all(d.startswith("date:") for d in dates)


_FIGURE_TEXT = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "two",
                "Two",
                "an",
                "a",
                "hundred",
                "fifteen",
                "thousand",
                "Million",
                "mln",
                "bln",
                "BILLION",
                "trillion",
                "billions",
                "mlns",
                "dlrs",
                "pct",
                "percent",
                "stg",
                "$",
                "£",
                "1,000",
                "7-1/4",
                "2.5",
                "12",
                "3",
                "5.93",
                "april",
                "Sept.",
                "March",
                "Omar",
                "x",
                "K",
                "\u212a",
                "İ",
                "ﬁ",
                "ſtg",
                "#",
                "€",
                "\u0663",
                "5m",
                "per cent",
                "%",
                "1/2",
            ]
        ),
        st.text(alphabet=" \n\t.,-/'\u00a0", min_size=1, max_size=2),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_FIGURE_TEXT)
def test_scale_words_found_by_substring_search_are_the_patterns_matches_after_a_letter(text: str) -> None:
    low = text.lower()
    assert _scale_hits(low) == [
        m.start() for m in _SCALE_WORD.finditer(low) if m.start() and low[m.start() - 1].isalpha()
    ]


def _figures_of(text: str) -> list[tuple[int, str]]:
    """(offset, text from the digit or sign) of each figure as `scan_facts` finds it."""
    pattern = _FIGURE_ASCII if text.isascii() else _FIGURE
    return [(m.start() - (1 if m.lastindex else 0), m[0]) for m in pattern.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(_FIGURE_TEXT)
def test_figures_are_the_number_patterns_matches_and_their_text_gives_the_fact(text: str) -> None:
    numbers = list(_NUMBER.finditer(text))
    expected = [(m.start(), m[0][1:] if m[0][0].isspace() else m[0]) for m in numbers]
    assert _figures_of(text) == expected
    assert [(m.start() - (1 if m.lastindex else 0), m[0]) for m in _FIGURE.finditer(text)] == expected
    for m, (_, figure) in zip(numbers, expected, strict=True):
        assert _FACT_MEMO[figure] == _number_fact(m)
        assert _FACT_MEMO[figure] == _number_fact(m)  # once more, from the memo
        assert _figure_day(figure) == _day(m)


def _month_before_reference(text: str, start: int) -> str | None:
    """`facts._month_before` as first written, on the text itself (the oracle of its memo)."""
    head = text[max(0, start - 12) : start].rstrip()
    if head.endswith("."):
        head = head[:-1]
    i = len(head)
    while i and head[i - 1].isalpha():
        i -= 1
    word = head[i:].lower()
    if word not in _MONTH_WORDS:
        return None
    before = start - 12 + i - 1 if start >= 12 else i - 1
    return word if before < 0 or not (text[before].isalnum() or text[before] == "_") else None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Sept.", "sept", "May", "mar", "Omar", "xmay", "_jan", "december", "DEC", "5", " ", "  ", "\n", "."]
        ),
        max_size=12,
    ).map("".join),
    st.data(),
)
def test_remembered_months_equal_the_reference(text: str, data: st.DataObject) -> None:
    for start in data.draw(st.lists(st.integers(0, len(text)), max_size=8)) + list(range(min(len(text), 15))):
        assert _month_before(text, start) == _month_before_reference(text, start)
        assert _month_before(text, start) == _month_before_reference(text, start)  # from the memo


@pytest.mark.parametrize(
    ("text", "start", "month"),
    [
        ("december    5", 12, "december"),
        (" december    5", 13, "december"),
        ("xdecember    5", 13, None),
        ("May 5", 4, "may"),
    ],
)
def test_month_words_at_the_edge_of_the_window(text: str, start: int, month: str | None) -> None:
    assert _month_before(text, start) == _month_before_reference(text, start) == month


def test_no_month_ends_before_the_characters_that_skip_the_lookup() -> None:
    months = sorted(_MONTH_WORDS) + [w.upper() + "." for w in _MONTH_WORDS] + ["May  ", "x", ""]
    for c in _NO_MONTH_BEFORE:
        for head in months:
            assert _month_ending((head + c)[-13:]) is None


_PIECES = (
    "$", "£", "#", "€", "¥", "5.7", "1,000", "7-1/4", "5-15/16", " pct", " mln", "bn", " per cent", "%",
    " dlrs", "two billion", "an", " thousand", "April 15", "Sept. 3", "Omar 5", "May", "xmay", " 12", "3",
    "07", "K", "İ", "é", "\u0663", "\u00a0", "\t", "\n", " ", "  ", ".", ",", "-", "/", "one",
    "1234", ",567", "a trillion", "six bln", "Thousand", "illion",
)  # fmt: skip


def test_random_texts_keep_the_scan_invariants() -> None:
    """Facts in text order, at a figure (a digit, a currency sign, the whitespace before a digit) or a
    spelled amount; dates well formed; a second scan (memos now warm) the same. Figures are the
    number pattern's matches and scale words the scale pattern's."""
    rng = random.Random(20240611)
    for _ in range(3000):
        text = "".join(
            rng.choice(_PIECES) if rng.random() < 0.7 else rng.choice("0123456789abcxyzMJS .,")
            for _ in range(rng.randint(0, 30))
        )
        numbers, dates = scan_facts(text)
        assert [o for o, _ in numbers] == sorted(o for o, _ in numbers)
        for o, fact in numbers:
            assert fact.partition(":")[0] in ("num", "money", "pct")
            head = text[o:]
            head = head[1:] if head and head[0] in "$£€¥#" else head
            head = head[1:] if head and head[0].isspace() else head
            assert head[:1].isdecimal() or head.lower().startswith(tuple(_WORDS)), (text, o)
        assert all(re.fullmatch(r"date:[a-z]{3}-\d{1,2}", d) for d in dates)
        assert scan_facts(text) == (numbers, dates)
        assert _figures_of(text) == [
            (m.start(), m[0][1:] if m[0][0].isspace() else m[0]) for m in _NUMBER.finditer(text)
        ]
        low = text.lower()
        assert _scale_hits(low) == [
            m.start() for m in _SCALE_WORD.finditer(low) if m.start() and low[m.start() - 1].isalpha()
        ]


@pytest.mark.parametrize(
    ("text", "numbers", "dates"),
    [
        ("", [], set()),
        ("5", [], set()),
        ("12 pct rise", [(0, "pct:12")], set()),
        ("Net 1,234,567.89 dlrs vs 1,00 and 1,000,00 units", [(3, "money:1.235e+06"), (33, "num:1000")], set()),
        (
            "It paid $ 5 million, #3 seed, # 55,000, £1.5bn, €5, ¥100 yen and $$5 or $x 5.",
            [
                (8, "money:5e+06"),
                (30, "money:5.5e+04"),
                (40, "money:1.5e+09"),
                (48, "money:5"),
                (52, "money:100"),
                (66, "money:5"),
            ],
            set(),
        ),
        (
            "Omar 15 and xMay 3, on May.  3 and Sept. 30 stores, December 2.28 billion.",
            [(4, "num:15")],
            {"date:may-3", "date:sep-30"},
        ),
        (
            "Rates at 7 1/2 pct, 7-1/4 pct, 5-15/16 and 10 per cent, 5 percentage.",
            [(8, "pct:7.5"), (19, "pct:7.25"), (30, "num:5.9375"), (42, "pct:10")],
            set(),
        ),
        # A scale word must end a word; IGNORECASE lets the Kelvin sign be a "k".
        ("Up 5mx, 5 mlnx, 5m, 5 k and 5 \u212a units.", [(15, "num:5e+06"), (19, "num:5000"), (27, "num:5000")], set()),
        (
            "Tab\t12 pct,\n1986 and 1987\u00a012 pct; 3 4 5 6 77",
            [(3, "pct:12"), (11, "num:1986"), (20, "num:1987"), (25, "pct:12"), (41, "num:77")],
            set(),
        ),
        ("Arabic \u0663\u0664 mln and fullwidth \uff15\uff10 pct", [(6, "num:3.4e+07"), (27, "pct:50")], set()),
        (
            "It lost two billion dlrs and an extra million, a thousand stg.",
            [(7, "money:2e+09"), (46, "money:1000")],
            set(),
        ),
        # Lower-casing "İ" moves offsets: spelled amounts are then looked for everywhere.
        (
            "İstanbul said two billion dlrs on April 15 and 12 pct.",
            [(13, "money:2e+09"), (46, "pct:12")],
            {"date:apr-15"},
        ),
        (
            "TWO BILLION DLRS, Two Million, seventy million, one thousand",
            [(0, "money:2e+09"), (17, "num:2e+06"), (47, "num:1000")],
            set(),
        ),
        (
            "April 15April 16 may 5 MAY 5 jan. 1 Jan 1 mar15 _jan 3",
            [(13, "num:16")],
            {"date:apr-15", "date:may-5", "date:jan-1"},
        ),
        # A month word must start within the 12 characters before the figure, at a word's start.
        ("xdecember     15 and december     16", [(13, "num:15")], {"date:dec-16"}),
        ("xdecember    15, december    16", [(12, "num:15")], {"date:dec-16"}),
        (
            "It owes a trillion yen, one bln stg, six mln dlrs and 1234,567 or 12,34 units.",
            [
                (7, "money:1e+12"),
                (23, "money:1e+09"),
                (36, "money:6e+06"),
                (53, "num:1234"),
                (59, "num:567"),
                (65, "num:12"),
                (69, "num:34"),
            ],
            set(),
        ),
        (
            "1/2 of 3/4 pct; 1986/87 and 10-1/0 and 3-1/2 and 12 1/2",
            [(9, "pct:4"), (15, "num:1986"), (21, "num:87"), (27, "num:10"), (38, "num:3.5"), (48, "num:12.5")],
            set(),
        ),
    ],
)
def test_scan_of_tricky_texts(text: str, numbers: list[tuple[int, str]], dates: set[str]) -> None:
    assert scan_facts(text) == (numbers, dates)


_DETECTOR = Detector()


def _doc(detector: Detector, text: str) -> Any:
    return detector.prepare(Article(id="x", text=text))


def test_sentence_tokens_are_the_tokens_of_each_sentence(detector: Detector, fiction: list[dict[str, Any]]) -> None:
    for row in fiction[:8]:
        doc = _doc(detector, row["text"])
        assert doc.sentence_bounds[:, 0].tolist() == sorted(doc.sentence_bounds[:, 0].tolist())
        for lo, hi in doc.sentence_bounds.tolist():
            s, e = doc.span_of_tokens(lo, hi)
            assert [t.lower() for t in TOKEN.findall(doc.text[s:e])] == doc.tokens[lo:hi]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab1_ '.,&-\n\t.A$%é\u200b", max_size=80))
def test_token_spans_are_the_token_pattern_matches(text: str) -> None:
    """ASCII texts take the byte-class path, others the split; both are `TOKEN`'s matches."""
    assume(text.strip())
    doc = _doc(_DETECTOR, text)
    expected = [m.span() for m in TOKEN.finditer(text)]
    if len(expected) == doc.n_tokens:  # else tokens normalized away: spans come from the blocks
        assert [tuple(s) for s in doc.token_spans.tolist()] == expected


def test_idf_terms_count_each_word_once_per_sentence() -> None:
    ids = np.array([5, 7, 5, 0, 9, 5, 5, 11], dtype=np.uint64)
    bounds = np.array([[0, 4], [4, 7], [7, 8]], dtype=np.int64)
    table = IdfTable(1024)
    buckets, counts = table.terms(ids, bounds)
    assert dict(zip(buckets.tolist(), counts.tolist(), strict=True)) == {5: 2, 7: 1, 9: 1, 11: 1}
    table.add_units(ids, bounds)
    assert table.n_units == 3 and table.counts[5] == 2 and table.counts[0] == 0
    table.add_terms(buckets, counts, 3, sign=-1)
    assert table.n_units == 0 and not table.counts.any()


def test_gate_cosines_equal_the_verified_cosine(detector: Detector, fiction: list[dict[str, Any]]) -> None:
    articles = [Article(id=r["id"], text=r["text"]) for r in fiction]
    shard = sign_shard(articles, detector)
    idf = detector.weights  # what decisions and the candidate gate both weigh words by
    pairs = np.array([(i, j) for i in range(len(articles)) for j in range(i + 1, len(articles))], dtype=np.int64)
    docs = [detector.prepare(a) for a in articles]
    expected = [detector.measure(docs[i], docs[j]).cosine for i, j in pairs.tolist()]
    assert np.allclose(tfidf_cosines(shard, idf, pairs), expected, atol=1e-5)
    assert max(expected) > 0.5 > min(expected)
    one_by_one = [idf.cosine(shard.terms_of(i), shard.terms_of(j)) for i, j in pairs.tolist()]
    assert np.allclose(one_by_one, expected, atol=1e-5)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=60), st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9))))
def test_sorted_unique_helpers_match_numpy(values: list[int], pairs: list[tuple[int, int]]) -> None:
    from dedup._util.arrays import isin, unique, unique_counts, unique_inverse, unique_pairs

    a = np.array(values, dtype=np.int64)
    assert unique(a).tolist() == np.unique(a).tolist()
    assert isin(a, a[::3] + 1).tolist() == np.isin(a, a[::3] + 1).tolist()
    assert isin(a, a[:0]).tolist() == [False] * len(a)
    assert [x.tolist() for x in unique_counts(a)] == [x.tolist() for x in np.unique(a, return_counts=True)]
    assert [x.tolist() for x in unique_inverse(a)] == [x.tolist() for x in np.unique(a, return_inverse=True)]
    p = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    assert unique_pairs(p).tolist() == np.unique(p, axis=0).reshape(-1, 2).tolist()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shr six cts vs two cts", ["count:6", "count:2"]),
        ("Pay April Three, record April 30", ["date:apr-3", "date:apr-30"]),
        ("fourth quarter, 4th qtr, 1st half", ["ord:4", "ord:4", "ord:1"]),
        # Pieces of larger figures and the pronoun "one" are not counts; "July One" is a date.
        ("7-1/4 pct, 2.5 mln, 1,000 and 3 cts", ["count:3"]),
        ("one of the men said July One", ["date:jul-1"]),
        ("up 45 cts", []),
        ("May fourth, Sept. 07 and April One; 5th of 12 lots", ["ord:4", "date:sep-7", "date:apr-1", "ord:5"]),
        ("one 1 01 10 99 100 first 21st 3-4 2/3 5,6 7.8 9-", ["count:1", "count:1", "ord:1", "ord:21", "count:9"]),
        ("Dec. 31st, dec 3rd, X9 and mar 2 vs omar 2", ["ord:31", "ord:3", "date:mar-2", "count:2"]),
        ("xdecember    15, december    16", ["date:dec-16"]),
    ],
)
def test_counts_are_the_small_numbers_facts_leave_out(text: str, expected: list[str]) -> None:
    found = counts_at(text)
    assert [f for _, f in found] == expected
    assert all(text[o].isalnum() for o, _ in found)
    doc = _DETECTOR.prepare(Article("a", text))
    assert counts_in_tokens(text, doc.tokens, doc.token_spans) == counts_in_tokens(
        text, doc.tokens, doc.token_spans.tolist()
    )


@pytest.mark.parametrize(
    ("coarse", "fine", "same"),
    [
        ("Net 13.5 mln", "Net 13,555,000", True),  # cut, not rounded: wire practice
        ("Revs 9.7 mln", "Revs 9,729,000", True),
        ("Revs 104.6 mln", "Revs 104,606,000", True),
        ("Net 2 bln", "Net 2.5 bln", False),  # one significant digit tells nothing
        ("Net 13.5 mln", "Net 13,755,000", False),
        ("at 50 cts", "at 50.75 cts", False),  # prices are exact
        ("up 13.5 mln", "up 13,555,000 pct", False),  # other kinds
    ],
)
def test_rounded_match(coarse: str, fine: str, same: bool) -> None:
    (a,), (b,) = ({f for _, f in numeric_facts_at(t)} for t in (coarse, fine))
    assert rounded_match(a, b) is same
    assert not rounded_match(b, a)


def test_figures_not_roundable_are_never_rounded_matches() -> None:
    """`roundable` screens figures before `rounded_match`: one it rejects pairs with none, either way."""
    text = (
        "Net 13.5 mln vs 13,555,000, revs 9.7 mln vs 9,729,000 dlrs; 2 bln, 2.5 bln, 50 cts, 50.75 cts, "
        "12 pct, 1,250 shares, 9,999 dlrs, 10,000 dlrs, 10,400 dlrs, 1.04 mln, 1986, 0.35, 7-1/4 pct"
    )
    found = sorted({f for _, f in numeric_facts_at(text)})
    assert any(roundable(f) for f in found) and not all(roundable(f) for f in found)
    for a in found:
        for b in found:
            if rounded_match(a, b):
                assert roundable(a) and roundable(b), (a, b)


def test_document_counts_from_its_tokens_equal_counts_of_its_text(
    detector: Detector, fiction: list[dict[str, Any]]
) -> None:
    texts = [a["text"] for a in fiction] + ["Pay April Three, record April 30; 7-1/4 pct, six cts vs 2nd qtr."]
    for text in texts:
        doc = _doc(detector, text)
        assert doc.counts == {f for _, f in counts_at(text)}
    assert _doc(detector, texts[-1]).counts == {"date:apr-3", "date:apr-30", "count:6", "ord:2"}


def test_numbers_in_a_span_equal_the_block_numbers() -> None:
    text = (
        "Shr 30 cts vs 25 cts\nNet 1.5 mln vs 1.2 mln\n\nRevs 12.5 mln dlrs vs two billion dlrs, up 4.5 pct.\n\n"
        "No figures here at all.\n\nOn April 15 it paid $5.7 million."
    )
    doc = _DETECTOR.prepare(Article("a", text))
    for i, (s, e) in enumerate(doc.blocks):
        assert doc.numbers_in(s, e) == doc.block_numbers(i)
    assert doc.numbers_in(0, len(text)) == frozenset(f for _, f in numeric_facts_at(text))
    assert doc.numbers_in(0, 0) == frozenset()
