"""Unit and property tests for the text pipeline: normalize, segment, shingle, signature."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.config import SegmentConfig, ShingleConfig, SignatureConfig
from dedup.prepare.normalize import fold_punctuation, normalize
from dedup.prepare.segment import blocks, paragraphs
from dedup.prepare.sentences import Span, block_sentences, sentences
from dedup.sketch.minhash import EMPTY, MinHasher, to_datasketch
from dedup.sketch.shingle import TokenHasher, char_shingles, kgram_hashes, shingle_hash32, word_tokens

K = 5
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------------

_ANY_CHAR = st.characters(exclude_categories=["Cs"])
_CONTROL = st.sampled_from([chr(c) for c in (*range(0, 32), 127, *range(128, 160))])
_LAYOUT = st.sampled_from(
    ["\n", "\n\n", "\n\n\n", "\n  ", "\n    ", "\n\t", "\r\n", "\t", "  ", " ", "\u2028", "\x0c", "\x1c"]
)
_WORD = st.sampled_from(
    [
        "The",
        "council",
        "said",
        "U.S.",
        "Mr.",
        "Calif.",
        "$4.2",
        "million",
        "12,500",
        "storm",
        "Ávila",
        "résumé",
        "ﬁnance",
        "“quoted”",
        "—",
        "it.",
        "Yes!",
        "Why?",
        "(FPW)",
        "a",
        "I.",
        "''",
        "``",
    ]
)
_SENTENCE = st.lists(_WORD, min_size=1, max_size=14).map(" ".join)
_LONG_LINE = st.tuples(_SENTENCE, st.integers(20, 120)).map(lambda p: " ".join([p[0]] * p[1]))
_PIECE = st.one_of(_SENTENCE, _LONG_LINE, st.text(_ANY_CHAR, max_size=40), st.text(_CONTROL, max_size=3), _LAYOUT)
# Text built from news-like words, arbitrary unicode, control characters, layout and very long lines.
TEXT = st.one_of(st.text(_ANY_CHAR, max_size=400), st.lists(_PIECE, max_size=40).map("".join))
TOKEN = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=8)
TOKENS = st.lists(TOKEN, max_size=40)

SMALL_BLOCKS = SegmentConfig(max_block_chars=200, window_sentences=2)


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------


def assert_well_formed(text: str, spans: list[Span]) -> None:
    """Spans lie in the text, slice non-blank trimmed stretches, and are ordered without overlap."""
    previous_end = 0
    for start, end in spans:
        assert 0 <= start < end <= len(text)
        piece = text[start:end]
        assert piece.strip(), (start, end)
        assert piece == piece.strip(), (start, end)
        assert start >= previous_end, "spans overlap or are out of order"
        previous_end = end


def non_space(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


def covered(text: str, spans: list[Span]) -> str:
    return "".join(non_space(text[s:e]) for s, e in spans)


def texts_of(text: str, spans: list[Span]) -> list[str]:
    return [text[s:e] for s, e in spans]


def shingles(tokens: list[str], k: int = K) -> list[bytes]:
    """The space-joined k-gram shingles of `tokens` (one shingle of all tokens when fewer than k)."""
    if not tokens:
        return []
    if len(tokens) < k:
        return [" ".join(tokens).encode("utf-8")]
    return [" ".join(tokens[i : i + k]).encode("utf-8") for i in range(len(tokens) - k + 1)]


def hashes_of(hasher: TokenHasher, tokens: list[str]) -> np.ndarray:
    return hasher.kgrams(hasher.token_hashes(tokens))


def datasketch_signature(hasher: TokenHasher, tokens: list[str]) -> np.ndarray:
    reference = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=hasher.shingle_hash32)
    for shingle in shingles(tokens, hasher.config.k):
        reference.update(shingle)
    return np.asarray(reference.hashvalues)


def concat(sets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    bounds = np.concatenate([[0], np.cumsum([len(s) for s in sets])]).astype(np.int64)
    flat = np.concatenate(sets).astype(np.uint32) if sets else np.empty(0, dtype=np.uint32)
    return flat, bounds


# --------------------------------------------------------------------------------------------------
# Segmentation: properties
# --------------------------------------------------------------------------------------------------

SEGMENTERS: dict[str, Callable[[str], list[Span]]] = {
    "paragraphs": paragraphs,
    "sentences": sentences,
    "blocks": blocks,
    "blocks_small": lambda text: blocks(text, SMALL_BLOCKS),
}


@pytest.mark.parametrize("name", sorted(SEGMENTERS))
@PROPERTY
@given(text=TEXT)
def test_spans_are_well_formed(name: str, text: str) -> None:
    assert_well_formed(text, SEGMENTERS[name](text))


@PROPERTY
@given(text=TEXT)
def test_paragraphs_lose_no_characters(text: str) -> None:
    assert covered(text, paragraphs(text)) == non_space(text)


@PROPERTY
@given(text=TEXT)
def test_blocks_lose_no_characters(text: str) -> None:
    assert covered(text, blocks(text, SMALL_BLOCKS)) == non_space(text)


@PROPERTY
@given(text=TEXT)
def test_sentences_stay_inside_their_paragraph(text: str) -> None:
    for start, end in paragraphs(text):
        spans = sentences(text, start, end)
        assert_well_formed(text, spans)
        assert all(start <= s and e <= end for s, e in spans)
        assert covered(text, spans) == non_space(text[start:end])


@PROPERTY
@given(text=TEXT)
def test_blocks_stay_inside_paragraphs(text: str) -> None:
    paras = paragraphs(text)
    for s, e in blocks(text, SMALL_BLOCKS):
        assert any(ps <= s and e <= pe for ps, pe in paras)


@pytest.mark.parametrize("text", ["", " ", "\n\n\t \n", "\x0c\x1c\x1d\u2028\u3000"])
def test_blank_text_has_no_spans(text: str) -> None:
    assert paragraphs(text) == sentences(text) == blocks(text) == []


# --------------------------------------------------------------------------------------------------
# Segmentation: examples
# --------------------------------------------------------------------------------------------------

BLANK_LINES = (
    "First paragraph here.\n\n"
    "The second paragraph is hard-wrapped at about sixty columns,\n"
    "as e-mailed wire copy often is, and runs over three lines\n"
    "before it ends on a short one.\n\n\n"
    "   Third, after two blank lines.  \n"
)

ONE_PER_LINE = (
    "HARBOURVILLE, Nor. (FPW) — A storm that swept across the northern coast on Tuesday left 12,500 homes "
    "without power, utility officials said.\n"
    "Crews from three neighbouring provinces were expected to arrive by Wednesday morning to help restore "
    "service, according to Northshore Electric spokeswoman Dana Ruelle.\n"
    '"We are asking people to stay away from downed lines," Ruelle said.\n'
)

INDENTED_WIRE = (
    "  MARLOW FALLS, Nov 3 - Kestrel Grain Co said it would buy the\n"
    "Ostby elevator group for 41.5 mln dlrs in cash, adding about 12\n"
    "pct to its storage capacity in the northern provinces.\n"
    "    The company said the deal, approved by both boards, was\n"
    "expected to close in the first quarter of next year and would be\n"
    "financed from existing credit lines.\n"
    "    Ostby shareholders will receive 18.25 dlrs a share, a premium of\n"
    "about 22 pct over Friday's closing price, Kestrel said.\n"
)

SHORT_LAST_LINE = (
    "The council in Wrexford voted on Tuesday night to close two of\n"
    "the town's four public libraries, despite a petition signed by\n"
    "more than 6,000 residents.\n"
    "Councillor Agnes Pryor, who chairs the finance committee, said\n"
    "the authority had no choice after a cut of 1.2 million pounds\n"
    "in its grant.\n"
    "``We have looked at every other option,'' she told the meeting\n"
    "at the civic hall, where about 200 people had gathered outside.\n"
)


def test_blank_line_paragraphs() -> None:
    assert texts_of(BLANK_LINES, paragraphs(BLANK_LINES)) == [
        "First paragraph here.",
        BLANK_LINES[BLANK_LINES.index("The second") : BLANK_LINES.index("one.") + 4],
        "Third, after two blank lines.",
    ]


def test_two_line_wrapped_paragraph_between_blank_lines_is_kept_whole() -> None:
    text = (
        "The council voted on Tuesday to close two of\n"
        "the town's four public libraries.\n\n"
        "About 200 people protested outside.\n"
    )
    assert texts_of(text, paragraphs(text)) == [
        "The council voted on Tuesday to close two of\nthe town's four public libraries.",
        "About 200 people protested outside.",
    ]


def test_one_paragraph_per_line() -> None:
    lines = [line for line in ONE_PER_LINE.split("\n") if line]
    assert texts_of(ONE_PER_LINE, paragraphs(ONE_PER_LINE)) == lines


def test_hard_wrapped_text_with_indented_paragraphs() -> None:
    paras = texts_of(INDENTED_WIRE, paragraphs(INDENTED_WIRE))
    assert len(paras) == 3
    assert paras[0].startswith("MARLOW FALLS") and paras[0].endswith("northern provinces.")
    assert paras[1].startswith("The company said") and paras[1].endswith("existing credit lines.")
    assert paras[2].startswith("Ostby shareholders") and paras[2].endswith("Kestrel said.")


def test_hard_wrapped_text_with_paragraphs_ending_on_short_line() -> None:
    paras = texts_of(SHORT_LAST_LINE, paragraphs(SHORT_LAST_LINE))
    assert len(paras) == 3
    assert paras[0].endswith("more than 6,000 residents.")
    assert paras[1].startswith("Councillor Agnes Pryor") and paras[1].endswith("in its grant.")
    assert paras[2].startswith("``We have looked")


def test_long_single_line_is_cut_into_sentence_windows() -> None:
    text = " ".join(f"Ferry number {i} left the harbour at {i} a.m. on Monday." for i in range(80))
    assert len(paragraphs(text)) == 1
    config = SegmentConfig(max_block_chars=500, window_sentences=4)
    spans = blocks(text, config)
    assert len(spans) == 20
    assert_well_formed(text, spans)
    for start, end in spans:
        assert len(sentences(text, start, end)) == 4
    assert covered(text, spans) == non_space(text)


def test_short_paragraph_is_one_block() -> None:
    text = "A short paragraph. It has two sentences."
    assert blocks(text) == [(0, len(text))]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        (
            "Mr. Hale met U.S. Treasury officials at the Calif. State Capitol on Monday. He left.",
            "Mr. Hale met U.S. Treasury officials at the Calif. State Capitol on Monday.",
        ),
        (
            "Dr. Ortiz and Mrs. Vance spoke to Gov. Lind at 9 a.m. Friday. Nobody else did.",
            "Dr. Ortiz and Mrs. Vance spoke to Gov. Lind at 9 a.m. Friday.",
        ),
        (
            "Kestrel Corp. Chairman Ray Ostby met St. Ives officials in the U.K. Parliament. Shares fell.",
            "Kestrel Corp. Chairman Ray Ostby met St. Ives officials in the U.K. Parliament.",
        ),
        (
            "J. R. Marsh, a former Sen. from Calif., joined the board. He is 71.",
            "J. R. Marsh, a former Sen. from Calif., joined the board.",
        ),
    ],
)
def test_abbreviations_and_initials_do_not_end_sentences(text: str, first: str) -> None:
    spans = texts_of(text, sentences(text))
    assert spans == [first, text[len(first) :].strip()]


def test_sentence_ends_on_question_exclamation_and_quotes() -> None:
    text = 'Who knew? Nobody! "It was late," she said. "Go home." Then it rained.'
    assert texts_of(text, sentences(text)) == [
        "Who knew?",
        "Nobody!",
        '"It was late," she said.',
        '"Go home."',
        "Then it rained.",
    ]


def test_sentences_respect_bounds() -> None:
    text = "Ignore this. Take this one. And this one. Not this."
    start, end = text.index("Take"), text.index(" Not")
    assert texts_of(text, sentences(text, start, end)) == ["Take this one.", "And this one."]


# --------------------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("“Quoted” and ‘single’", "\"quoted\" and 'single'"),
        ("a – b — c ― d − e", "a - b - c - d - e"),
        ("``Hi,'' he said", '"hi," he said'),
        ("«Bonjour»", '"bonjour"'),
    ],
)
def test_quotes_and_dashes_are_folded(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"])
def test_zero_width_characters_inside_a_word_are_removed(invisible: str) -> None:
    assert normalize(f"wo{invisible}rd") == "word"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("ＦＵＬＬ　ｗｉｄｔｈ １２３", "full width 123"), ("ﬁnance ﬂow", "finance flow"), ("Ⅻ ²", "xii 2")],
)
def test_nfkc(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_case_and_whitespace_are_folded() -> None:
    assert normalize("  The\tCOUNCIL \n\n said\u00a0\u3000Straße \r\n") == "the council said strasse"


@pytest.mark.parametrize("control", [chr(c) for c in (0, 7, 8, 11, 12, 27, 31, 127, 133, 150, 159)])
def test_control_characters_become_spaces(control: str) -> None:
    assert normalize(f"a{control}b") == "a b"


def test_fold_punctuation_keeps_case_and_layout() -> None:
    assert fold_punctuation("“A”\tB\u00a0C\n—") == '"A"\tB C\n-'


@PROPERTY
@given(text=st.one_of(TEXT, st.text(_ANY_CHAR), st.text(st.sampled_from("e\u0301\u200b\u00ad\u1100\u1161 a"))))
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@PROPERTY
@given(text=TEXT)
def test_normalize_output_is_single_spaced_and_stripped(text: str) -> None:
    out = normalize(text)
    assert out == out.strip()
    assert "  " not in out
    assert all(not ch.isspace() or ch == " " for ch in out)


@pytest.mark.parametrize("text", ["e\u200b\u0301", "e\u00ad\u0301", "\u1100\u200b\u1161"])
def test_normalize_is_idempotent_across_removed_invisible_characters(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


# --------------------------------------------------------------------------------------------------
# Tokens and shingles
# --------------------------------------------------------------------------------------------------


def test_word_tokens_keep_number_punctuation() -> None:
    text = normalize("U.S. exports rose 5.7% to $10,000 (the CEO's view), R&D said.")
    assert word_tokens(text) == [
        "u.s",
        "exports",
        "rose",
        "5.7",
        "to",
        "10,000",
        "the",
        "ceo's",
        "view",
        "r&d",
        "said",
    ]


@PROPERTY
@given(tokens=TOKENS, seed=st.integers(0, 2**63 - 1))
def test_token_hashes_reproducible_across_instances(tokens: list[str], seed: int) -> None:
    config = ShingleConfig(seed=seed)
    first, second = TokenHasher(config), TokenHasher(config, cache_limit=0)
    assert np.array_equal(first.token_hashes(tokens), second.token_hashes(tokens))
    assert np.array_equal(first.token_hashes(tokens), first.token_hashes(tokens))  # cached path
    assert np.array_equal(hashes_of(first, tokens), hashes_of(second, tokens))


@PROPERTY
@given(tokens=st.lists(TOKEN, min_size=1, max_size=40, unique=True))
def test_token_hashes_differ_for_other_seed(tokens: list[str]) -> None:
    base = TokenHasher(ShingleConfig(seed=0)).token_hashes(tokens)
    other = TokenHasher(ShingleConfig(seed=1)).token_hashes(tokens)
    assert not np.any(base == other)


@PROPERTY
@given(tokens=TOKENS, k=st.integers(2, 12))
def test_kgram_count_and_shingle_hash32_agree(tokens: list[str], k: int) -> None:
    hasher = TokenHasher(ShingleConfig(k=k))
    grams = hashes_of(hasher, tokens)
    assert grams.dtype == np.uint32
    assert len(grams) == (0 if not tokens else max(1, len(tokens) - k + 1))
    assert [int(g) for g in grams] == [hasher.shingle_hash32(s) for s in shingles(tokens, k)]


def test_kgram_hashes_module_function_matches_hasher() -> None:
    hasher = TokenHasher()
    th = hasher.token_hashes(["a", "b", "c", "d", "e", "f", "g"])
    assert np.array_equal(kgram_hashes(th, hasher._mult), hasher.kgrams(th))
    assert shingle_hash32(b"a b c d e", hasher._mult, 0) == int(hasher.kgrams(th[:5])[0])


@pytest.mark.parametrize(("text", "expected_len"), [("", 0), ("ab", 1), ("abcd", 1), ("abcde", 2), ("abababab", 2)])
def test_char_shingles_are_unique_hashes(text: str, expected_len: int) -> None:
    out = char_shingles(text, n=4)
    assert out.dtype == np.uint32
    assert len(out) == expected_len
    assert np.array_equal(out, np.unique(out))


# --------------------------------------------------------------------------------------------------
# MinHash signatures
# --------------------------------------------------------------------------------------------------


@PROPERTY
@given(tokens=TOKENS)
def test_sign_matches_datasketch_bit_for_bit(tokens: list[str]) -> None:
    hasher = TokenHasher()
    signature = MinHasher().sign(hashes_of(hasher, tokens))
    assert signature.dtype == np.uint32
    assert np.array_equal(signature, datasketch_signature(hasher, tokens))


@PROPERTY
@given(text=TEXT)
def test_sign_matches_datasketch_for_normalized_text(text: str) -> None:
    hasher = TokenHasher()
    tokens = word_tokens(normalize(text))
    assert np.array_equal(MinHasher().sign(hashes_of(hasher, tokens)), datasketch_signature(hasher, tokens))


def test_empty_set_signature_is_all_empty() -> None:
    signature = MinHasher().sign(np.empty(0, dtype=np.uint32))
    assert signature.shape == (128,)
    assert np.all(signature == EMPTY)


@PROPERTY
@given(token_lists=st.lists(TOKENS, max_size=8))
def test_sign_many_equals_signing_each_set(token_lists: list[list[str]]) -> None:
    hasher, minhasher = TokenHasher(), MinHasher()
    sets = [hashes_of(hasher, tokens) for tokens in token_lists]
    flat, bounds = concat(sets)
    batch = minhasher.sign_many(flat, bounds)
    assert batch.shape == (len(sets), 128)
    for row, hashes in zip(batch, sets, strict=True):
        assert np.array_equal(row, minhasher.sign(hashes))


def test_sign_many_across_chunk_boundaries() -> None:
    rng = np.random.default_rng(7)
    sizes = [0, 40_000, 0, 50_000, 10, 0, 70_000, 1, 0]
    sets = [rng.integers(0, 2**32, size=n, dtype=np.uint32) for n in sizes]
    minhasher = MinHasher()
    batch = minhasher.sign_many(*concat(sets))
    for row, hashes in zip(batch, sets, strict=True):
        assert np.array_equal(row, minhasher.sign(hashes))


def test_identical_sets_have_identical_signatures() -> None:
    hasher, minhasher = TokenHasher(), MinHasher()
    tokens = word_tokens(normalize(ONE_PER_LINE))
    first = minhasher.sign(hashes_of(hasher, tokens))
    shuffled = np.random.default_rng(3).permutation(hashes_of(hasher, tokens))
    assert np.array_equal(first, minhasher.sign(shuffled))
    assert np.array_equal(first, minhasher.sign(np.concatenate([shuffled, shuffled])))


@pytest.mark.parametrize(("shared", "only_each"), [(900, 100), (500, 500), (300, 700), (100, 900)])
def test_estimated_jaccard_is_close_to_exact(shared: int, only_each: int) -> None:
    rng = np.random.default_rng(shared)
    pool = rng.choice(2**32, size=shared + 2 * only_each, replace=False).astype(np.uint32)
    a = pool[: shared + only_each]
    b = np.concatenate([pool[:shared], pool[shared + only_each :]])
    exact = shared / (shared + 2 * only_each)
    minhasher = MinHasher()
    sig_a, sig_b = minhasher.sign(a), minhasher.sign(b)
    estimate = float(np.mean(sig_a == sig_b))
    assert abs(estimate - exact) <= 0.15
    assert to_datasketch(sig_a).jaccard(to_datasketch(sig_b)) == pytest.approx(estimate)


def test_to_datasketch_roundtrip_copies_signature() -> None:
    hasher = TokenHasher()
    tokens = word_tokens(normalize(INDENTED_WIRE))
    signature = MinHasher().sign(hashes_of(hasher, tokens))
    wrapped = to_datasketch(signature)
    assert np.array_equal(wrapped.hashvalues, signature)
    assert wrapped.jaccard(MinHash(num_perm=128, seed=1, scheme="affine32", hashvalues=signature)) == 1.0
    before = signature.copy()
    wrapped.hashvalues[:] = 0
    assert np.array_equal(signature, before)


def test_signature_config_changes_signature() -> None:
    hashes = hashes_of(TokenHasher(), word_tokens(normalize(SHORT_LAST_LINE)))
    default = MinHasher().sign(hashes)
    other = MinHasher(SignatureConfig(seed=2)).sign(hashes)
    assert not np.array_equal(default, other)
    assert MinHasher(SignatureConfig(num_perm=64)).sign(hashes).shape == (64,)


def test_tfidf_cosine_equals_scikit_learn() -> None:
    """The verifier's cosine is scikit-learn's cosine_similarity, computed without its call overhead."""
    import numpy as np
    from sklearn.metrics.pairwise import cosine_similarity

    from dedup.verify.align import _tfidf_cosine

    rng = np.random.default_rng(3)
    wa, wb = rng.random((4, 30)).astype(np.float32), rng.random((6, 30)).astype(np.float32)
    wb[:, :10] = 0
    expected = cosine_similarity(wa.sum(axis=0, keepdims=True), wb.sum(axis=0, keepdims=True))[0, 0]
    assert abs(_tfidf_cosine(wa, wb) - expected) < 1e-6


def test_shipped_stopwords_are_scikit_learns() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as SKLEARN

    from dedup.prepare.words import ENGLISH_STOP_WORDS

    assert ENGLISH_STOP_WORDS == SKLEARN


# --------------------------------------------------------------------------------------------------
# Segmentation: the batch path (byte classes over texts joined by newlines)
# --------------------------------------------------------------------------------------------------

_PUNCTUATED = st.lists(
    st.sampled_from(
        [
            ".",
            "!",
            "?",
            '"',
            "'",
            ")",
            "]",
            "(",
            "[",
            " ",
            "  ",
            "\n",
            "\t",
            "\x1c",
            "A",
            "a",
            "5",
            "$",
            "Mr",
            "U.S",
            "approx",
            "Sept",
            "word",
            "Inc",
            "x",
            "I",
            "etc",
            "no",
            "longerword",
        ]
    ),
    max_size=80,
).map("".join)
ASCII_TEXT = st.one_of(TEXT.map(lambda t: t.encode("ascii", "ignore").decode()), _PUNCTUATED)


@PROPERTY
@given(texts=st.lists(ASCII_TEXT, min_size=1, max_size=4))
def test_block_sentences_are_the_sentences_of_each_block(texts: list[str]) -> None:
    for config in (SegmentConfig(), SMALL_BLOCKS):
        buf = ("\n" + "\n".join(texts) + "\n").encode("ascii")
        expected, spans, at = [], [], 1
        for text in texts:
            for s, e in blocks(text, config):
                expected += [(at + a, at + b, len(spans)) for a, b in sentences(text, s, e)]
                spans.append((at + s, at + e))
            at += len(text) + 1
        found, block = block_sentences(buf, np.array(spans, dtype=np.int64).reshape(-1, 2))
        assert [(s, e, b) for (s, e), b in zip(found.tolist(), block.tolist(), strict=True)] == expected
