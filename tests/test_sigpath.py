"""The batched signature path (raw texts to signatures) against the per-text str path and datasketch."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.config import ShingleConfig
from dedup.prepare.normalize import ASCII_FOLD, fold_punctuation, normalize
from dedup.sketch.minhash import EMPTY, MinHasher
from dedup.sketch.shingle import (
    TokenHasher,
    frame_bytes,
    kgram_hashes,
    kgram_hashes_many,
    text_bytes,
    token_hash64,
    token_spans,
    word_tokens,
)

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROOT = Path(__file__).resolve().parent.parent
REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578"

# --------------------------------------------------------------------------------------------------
# Strategies: ASCII wire copy dense in joiners, quotes and control characters, and arbitrary unicode
# --------------------------------------------------------------------------------------------------

_ASCII = st.text(st.characters(max_codepoint=127), max_size=300)
_PIECES = ["U.S.", "5.7", "10,000", "CEO's", "R&D", "a..b", "x''y", "``q''", "a`b", "__x__", "A.B.C.", "'", ".", ","]
_PIECES += ["&", "''", "``", "-", "x.", ".x", "Pct", "1,2,3", "it's.", "a.'b", "\x00", "\x1c", "\x7f", "é", "ﬁn"]
_SEPS = ["", " ", "  ", "\n", "\n\n", "\t", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u00a0", "\u200b", "\u2019"]
_WIRE = st.lists(st.one_of(st.sampled_from(_PIECES), st.sampled_from(_SEPS)), max_size=60).map("".join)
_UNICODE = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
TEXT = st.one_of(_ASCII, _WIRE, _UNICODE, _WIRE.filter(str.isascii))
TEXTS = st.lists(TEXT, max_size=12)
# Tokens up to 30 characters, so the 8-byte word loop of the token hash runs up to 4 rounds (UTF-8).
TOKEN = st.text(st.characters(categories=["L", "N", "Pc"]), min_size=1, max_size=30)
# A realistic wire story, for the example-based tests.
WIRE_STORY = (
    "  MARLOW FALLS, Nov 3 - Kestrel Grain Co said it would buy the\n"
    "Ostby elevator group for 41.5 mln dlrs in cash, adding about 12\n"
    "pct to its storage capacity in the northern provinces.\n"
    "``We have looked at every other option,'' she told the meeting; R&D and the U.S. unit's\n"
    "1,250,000 shares\x7f(FPW) rose 5.7% -- Reuter\x03\n"
)


def reference_tokens(texts: list[str]) -> list[list[str]]:
    return [word_tokens(normalize(t)) for t in texts]


def batch_tokens(texts: list[str]) -> list[list[str]]:
    buf, offsets = text_bytes(texts)
    starts, ends, bounds = token_spans(buf, offsets)
    spans = list(zip(starts.tolist(), ends.tolist(), strict=True))
    return [[buf[s:e].decode() for s, e in spans[bounds[i] : bounds[i + 1]]] for i in range(len(texts))]


def datasketch_signature(hasher: TokenHasher, text: str) -> np.ndarray:
    tokens, k = word_tokens(normalize(text)), hasher.config.k
    grams = [tokens] if len(tokens) < k else [tokens[i : i + k] for i in range(len(tokens) - k + 1)]
    reference = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=hasher.shingle_hash32)
    for gram in grams:
        if gram:
            reference.update(" ".join(gram).encode("utf-8"))
    return np.asarray(reference.hashvalues)


def assert_batch_equals_per_text(hasher: TokenHasher, texts: list[str]) -> None:
    """Token spans, token hashes and k-gram hashes of the batch equal the per-text str path."""
    assert batch_tokens(texts) == reference_tokens(texts)
    flat, bounds = hasher.shingle_texts(texts)
    assert flat.dtype == np.uint32 and len(bounds) == len(texts) + 1
    for i, tokens in enumerate(reference_tokens(texts)):
        assert np.array_equal(flat[bounds[i] : bounds[i + 1]], hasher.kgrams(hasher.token_hashes(tokens)))


# --------------------------------------------------------------------------------------------------
# normalize(): the ASCII fast path
# --------------------------------------------------------------------------------------------------


def test_ascii_fold_table_is_fold_punctuation_then_casefold() -> None:
    for c in range(128):
        assert ASCII_FOLD[c : c + 1].decode() == fold_punctuation(chr(c)).casefold(), c
    assert ASCII_FOLD[128:] == bytes(range(128, 256))


@PROPERTY
@given(text=st.one_of(_ASCII, _WIRE.filter(str.isascii)))
def test_ascii_normalize_equals_general_path(text: str) -> None:
    assert normalize(text) == " ".join(fold_punctuation(text).casefold().split())


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("``Hi,'' he said", '"hi," he said'), ("a'''b", "a\"'b"), ("a\x1cb\x7fc\x00d", "a b c d"), ("X`Y", "x'y")],
)
def test_ascii_normalize_examples(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


# --------------------------------------------------------------------------------------------------
# Byte-level tokenizer
# --------------------------------------------------------------------------------------------------


@PROPERTY
@given(texts=TEXTS)
def test_batch_tokens_equal_word_tokens_of_normalize(texts: list[str]) -> None:
    assert batch_tokens(texts) == reference_tokens(texts)


@pytest.mark.parametrize(
    "texts",
    [[], [""], ["", "", ""], ["...,,'&&"], ["one"], ["a b c d"], ["a b c d e"], [WIRE_STORY, "", WIRE_STORY.upper()]],
)
def test_batch_tokens_edge_cases(texts: list[str]) -> None:
    assert batch_tokens(texts) == reference_tokens(texts)


@PROPERTY
@given(pieces=st.lists(st.one_of(_ASCII, _WIRE.filter(str.isascii)), max_size=8))
def test_token_spans_are_the_word_regex_on_any_ascii(pieces: list[str]) -> None:
    """Unfolded ASCII too (e.g. document.py's lower-cased blocks): spans are the regex matches."""
    buf, offsets = frame_bytes([p.encode("ascii") for p in pieces])
    starts, ends, bounds = token_spans(buf, offsets)
    for i, piece in enumerate(pieces):
        expected = [(m.start(), m.end()) for m in re.finditer(r"\w+(?:[.,'&]\w+)*", piece)]
        lo, hi = bounds[i], bounds[i + 1]
        got = list(zip((starts[lo:hi] - offsets[i]).tolist(), (ends[lo:hi] - offsets[i]).tolist(), strict=True))
        assert got == expected


def test_text_bytes_frames_texts_and_leaves_room_for_word_loads() -> None:
    buf, offsets = text_bytes(["Ab", "Ç d"])
    assert offsets.tolist() == [1, 4, 9]
    assert buf[:9] == b"\nab\n\xc3\xa7 d\n"
    assert buf[offsets[-1] :] == b"\n" * 7


# --------------------------------------------------------------------------------------------------
# Token hashes
# --------------------------------------------------------------------------------------------------


@PROPERTY
@given(tokens=st.lists(TOKEN, max_size=30), seed=st.integers(0, 2**63 - 1))
def test_token_hashes_equal_pure_python_twin(tokens: list[str], seed: int) -> None:
    hashes = TokenHasher(ShingleConfig(seed=seed)).token_hashes(tokens)
    assert hashes.dtype == np.uint64
    assert hashes.tolist() == [token_hash64(t.encode("utf-8"), seed) for t in tokens]


@PROPERTY
@given(first=st.lists(TOKEN, max_size=20), second=st.lists(TOKEN, max_size=20))
def test_token_hashes_cached_and_fresh_agree(first: list[str], second: list[str]) -> None:
    cached, uncached = TokenHasher(), TokenHasher(cache_limit=0)
    cached.token_hashes(first)
    tokens = second + first + second  # some cached, some fresh, duplicates among the fresh
    assert np.array_equal(cached.token_hashes(tokens), uncached.token_hashes(tokens))
    assert cached.token_hashes(tokens).tolist() == [token_hash64(t.encode(), 0) for t in tokens]


@pytest.mark.parametrize("length", [0, 1, 7, 8, 9, 15, 16, 17, 64, 1000])
def test_token_hash_of_every_length(length: int) -> None:
    token = "".join(chr(ord("a") + i % 26) for i in range(length))
    hasher = TokenHasher()
    assert int(hasher.token_hashes([token, "x", token])[2]) == token_hash64(token.encode(), 0)


def test_token_hash_depends_on_every_byte_and_the_length() -> None:
    base = "abcdefghijklmnopqrstu"
    variants = [base, base[:-1], base + "a"] + [base[:i] + "z" + base[i + 1 :] for i in range(len(base))]
    hashes = TokenHasher().token_hashes(variants)
    assert len(set(hashes.tolist())) == len(variants)


def test_span_hashes_do_not_depend_on_position_and_need_spare_bytes() -> None:
    hasher = TokenHasher()
    buf = b"  alphabetical soup, alphabetical" + b"\n" * 8
    starts, ends = np.array([2, 21]), np.array([14, 33])
    first, second = hasher.span_hashes(buf, starts, ends)
    assert first == second == token_hash64(b"alphabetical", 0)
    with pytest.raises(ValueError, match="spare bytes"):
        hasher.span_hashes(buf[:-8], starts, ends)


# --------------------------------------------------------------------------------------------------
# k-grams of many runs in one pass
# --------------------------------------------------------------------------------------------------


@PROPERTY
@given(sizes=st.lists(st.integers(0, 30), max_size=12), k=st.integers(2, 12), skip=st.integers(0, 3))
def test_kgram_hashes_many_equals_kgram_hashes_per_run(sizes: list[int], k: int, skip: int) -> None:
    rng = np.random.default_rng(len(sizes) * 100 + k)
    hashes = rng.integers(0, 2**64, size=skip + sum(sizes), dtype=np.uint64)
    bounds = skip + np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    mult = TokenHasher(ShingleConfig(k=k))._mult
    flat, out_bounds = kgram_hashes_many(hashes, bounds, mult)
    assert flat.dtype == np.uint32 and out_bounds[0] == 0 and len(out_bounds) == len(sizes) + 1
    for i in range(len(sizes)):
        expected = kgram_hashes(hashes[bounds[i] : bounds[i + 1]], mult)
        assert np.array_equal(flat[out_bounds[i] : out_bounds[i + 1]], expected)


# --------------------------------------------------------------------------------------------------
# The whole path: texts to signatures
# --------------------------------------------------------------------------------------------------


@PROPERTY
@given(texts=TEXTS, k=st.integers(2, 12), seed=st.integers(0, 2**63 - 1))
def test_shingle_texts_equals_per_text_path(texts: list[str], k: int, seed: int) -> None:
    assert_batch_equals_per_text(TokenHasher(ShingleConfig(k=k, seed=seed)), texts)


@settings(max_examples=60, deadline=None)
@given(texts=TEXTS)
def test_batched_signatures_match_datasketch_bit_for_bit(texts: list[str]) -> None:
    hasher = TokenHasher()
    signatures = MinHasher().sign_many(*hasher.shingle_texts(texts))
    assert signatures.shape == (len(texts), 128)
    for text, signature in zip(texts, signatures, strict=True):
        assert np.array_equal(signature, datasketch_signature(hasher, text))


def test_project_articles_batched_equal_per_text(fiction: list[dict[str, str]], seeds: list[Path]) -> None:
    texts = [a["text"] for a in fiction] + [p.read_text(encoding="utf-8") for p in seeds] + [WIRE_STORY]
    assert_batch_equals_per_text(TokenHasher(), texts)
    hasher, signer = TokenHasher(), MinHasher()
    signatures = signer.sign_many(*hasher.shingle_texts(texts))
    for text, signature in zip(texts[:5], signatures, strict=False):
        assert np.array_equal(signature, datasketch_signature(hasher, text))


@pytest.mark.skipif(not REUTERS.is_dir(), reason="Reuters-21578 is not in ../shared/corpora")
def test_reuters_batched_equal_per_text() -> None:
    from benchmarks.baselines.plain_datasketch import load_articles

    texts = [a["text"] for a in load_articles(REUTERS) if a.get("text")][:1500]
    assert_batch_equals_per_text(TokenHasher(), texts)


# --------------------------------------------------------------------------------------------------
# Signing in cache-sized chunks
# --------------------------------------------------------------------------------------------------


def test_sign_many_sets_straddling_chunks_match_datasketch() -> None:
    rng = np.random.default_rng(11)
    sizes = [3, 0, 4600, 1, 9300, 0, 0, 4608, 4607, 2, 12_000, 5]
    sets = [rng.integers(0, 2**32, size=n, dtype=np.uint32) for n in sizes]
    bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    batch = MinHasher().sign_many(np.concatenate(sets), bounds)
    for row, values in zip(batch, sets, strict=True):
        reference = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=int)
        reference.update_batch(values.tolist())
        assert np.array_equal(row, reference.hashvalues) if len(values) else np.all(row == EMPTY)


def test_sign_many_ignores_hashes_outside_the_bounds() -> None:
    rng = np.random.default_rng(5)
    hashes = rng.integers(0, 2**32, size=50, dtype=np.uint32)
    signer = MinHasher()
    batch = signer.sign_many(hashes, np.array([10, 20, 20, 40]))
    assert np.array_equal(batch[0], signer.sign(hashes[10:20]))
    assert np.all(batch[1] == EMPTY)
    assert np.array_equal(batch[2], signer.sign(hashes[20:40]))


@pytest.mark.parametrize(("num_perm", "seed"), [(128, 1), (64, 7), (256, 12345)])
def test_permutations_are_datasketchs_draw(num_perm: int, seed: int) -> None:
    from dedup.config import SignatureConfig

    hasher = MinHasher(SignatureConfig(num_perm=num_perm, seed=seed))
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert np.array_equal(hasher.a, a.astype(np.uint32)) and np.array_equal(hasher.b, b.astype(np.uint32))
