"""Stage 2 of a scan: candidate pairs from exact hashes and three LSH paths.

- exact: equal normalized-text hashes, joined as a star on the group's first article;
- blocks: paragraph signatures sharing a band (copies, trims, splices, partial reuse);
- documents: whole-text signatures sharing a band (near-duplicates re-paragraphed);
- figure lines: equal short lines carrying figures (table lines spliced into another story), too
  short for the block path; lines printed by many articles are a form's fixed lines and skipped;
- topic: content words plus facts at a low threshold (rewrites), kept to each article's top few;
- containment: a short article whose rarest content words are mostly in another, longer one
  (briefs cut from a wire story), kept to each short article's top few.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from dedup.arrays import isin, unique_inverse, unique_pairs
from dedup.batch.sign import SignedShard
from dedup.config import LSHConfig
from dedup.idf import IdfTable
from dedup.lsh import collide

__all__ = ["Candidates", "find_candidates", "tfidf_cosines"]


class Candidates:
    """Representative of each article (first of its exact group) and pairs of representatives."""

    def __init__(self, representative: np.ndarray, pairs: np.ndarray) -> None:
        self.representative = representative
        self.pairs = pairs


def _representatives(norm_hash: np.ndarray) -> np.ndarray:
    order = np.argsort(norm_hash, kind="stable")
    ordered = norm_hash[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    group_first = order[np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))]
    rep = np.empty(len(order), dtype=np.int64)
    rep[order] = group_first
    return rep


def _figure_line_pairs(shard: SignedShard, config: LSHConfig) -> np.ndarray:
    """Articles printing one short line with figures; crowded lines skipped, so pairs stay linear."""
    if config.line_max_bucket == 0:
        return np.empty((0, 2), dtype=np.int64)
    return collide(shard.line_prints.reshape(-1, 1), shard.line_owner, config.line_max_bucket, star=False)


def _top_per_owner(owner: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Mask of the k highest-scoring rows of each owner."""
    order = np.lexsort((-score, owner))
    ranked = owner[order]
    rank = np.arange(len(order)) - np.searchsorted(ranked, ranked, side="left")
    keep = np.zeros(len(owner), dtype=bool)
    keep[order[rank < k]] = True
    return keep


def _query_terms(
    shard: SignedShard, config: LSHConfig, row: np.ndarray, freq: np.ndarray, rare: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(article, term) of each short article's `contain_query_terms` rarest terms among the `rare`
    ones (another article also holds them, at most `contain_max_df` do); `row` and `freq` are the
    article and document frequency of every term of the shard."""
    usable = rare & (shard.n_tokens[row] <= config.contain_max_tokens)
    row, terms, freq = row[usable], shard.terms[usable], freq[usable]
    keep = _top_per_owner(row, -freq.astype(np.float64), config.contain_query_terms)
    return row[keep], terms[keep]


def _contained_pairs(shard: SignedShard, config: LSHConfig) -> np.ndarray:
    """Containment-path pairs (short article, other article), at most `contain_candidates` per short one.

    Work is bounded by (short articles) x (query terms) x `contain_max_df`, done in row chunks."""
    if config.contain_max_tokens == 0 or len(shard) < 2 or not len(shard.terms):
        return np.empty((0, 2), dtype=np.int64)
    from scipy import sparse

    n_terms = int(shard.terms.max()) + 1
    freq = np.bincount(shard.terms, minlength=n_terms)[shard.terms]
    row = np.repeat(np.arange(len(shard)), np.diff(shard.term_bounds))
    rare = (freq >= 2) & (freq <= config.contain_max_df)
    rows, terms = _query_terms(shard, config, row, freq, rare)
    owner = row[rare]
    ones = np.ones(max(len(owner), len(rows)), dtype=np.float32)
    held = sparse.csr_matrix((ones[: len(owner)], (shard.terms[rare], owner)), shape=(n_terms, len(shard)))
    asked = sparse.csr_matrix((ones[: len(rows)], (rows, terms)), shape=(len(shard), n_terms))
    n_asked = np.maximum(np.bincount(rows, minlength=len(shard)), 1)
    found, shares = [], []
    for lo in range(0, len(shard), 1 << 14):
        shared = (asked[lo : lo + (1 << 14)] @ held).tocoo()
        a, b = shared.row.astype(np.int64) + lo, shared.col.astype(np.int64)
        share = shared.data / n_asked[a]
        ok = (a != b) & (shared.data >= config.contain_min_shared) & (share >= config.contain_share)
        found.append(np.stack([a[ok], b[ok]], axis=1))
        shares.append(share[ok])
    pairs, share = np.concatenate(found), np.concatenate(shares)
    pairs = pairs[_top_per_owner(pairs[:, 0], share, config.contain_candidates)]
    pairs.sort(axis=1)
    return unique_pairs(pairs) if len(pairs) else np.empty((0, 2), dtype=np.int64)


def _facts_kept(shard: SignedShard, pairs: np.ndarray, share: float) -> np.ndarray:
    """Pairs where one side keeps at least `share` of its facts (and one or more) in the other.

    A rewrite keeps its source's figures and dateline; look-alikes with their own figures do not.
    """
    if not len(pairs) or not len(shard.fact_hashes):
        return pairs[:0]
    from scipy import sparse  # here: scipy costs a third of a second to import, and only this stage uses it

    _, columns = unique_inverse(shard.fact_hashes)
    shape = (len(shard), int(columns.max()) + 1)
    facts = sparse.csr_matrix((np.ones(len(columns), dtype=np.float32), columns, shard.fact_bounds), shape=shape)
    sizes = np.diff(shard.fact_bounds)
    keep = np.zeros(len(pairs), dtype=bool)
    # In chunks: the row products of millions of pairs at once would take gigabytes.
    for s in range(0, len(pairs), 1 << 18):
        p = pairs[s : s + (1 << 18)]
        shared = np.asarray(facts[p[:, 0]].multiply(facts[p[:, 1]]).sum(axis=1)).ravel()
        smaller = np.minimum(sizes[p[:, 0]], sizes[p[:, 1]])
        keep[s : s + len(p)] = (smaller > 0) & (shared >= np.minimum(2, smaller)) & (shared >= share * smaller)
    return pairs[keep]


_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)


def _equal_bytes(sketches: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """How many bytes of each pair's two sketch rows are equal."""
    if sketches.shape[1] % 8 or not sketches.flags.c_contiguous:
        return np.count_nonzero(sketches[pairs[:, 0]] == sketches[pairs[:, 1]], axis=1)
    # Eight bytes per word: a byte of a ^ b is zero exactly when its high bit survives this mask
    # (the classic zero-byte test, exact since no carry crosses bytes); 1.5x the byte compare.
    words = sketches.view(np.uint64)
    x = words[pairs[:, 0]]
    x ^= words[pairs[:, 1]]
    t = x & _LOW7
    t += _LOW7
    t |= x
    t |= _LOW7
    np.invert(t, out=t)
    return np.bitwise_count(t).sum(axis=1, dtype=np.int64)


def _estimate_jaccard(sketches: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Jaccard estimated from 8-bit sketches (b-bit MinHash); eight bits collide by chance 1 time
    in 256, which the estimate corrects for."""
    out = np.empty(len(pairs), dtype=np.float32)
    for s in range(0, len(pairs), 1 << 19):
        p = pairs[s : s + (1 << 19)]
        out[s : s + len(p)] = _equal_bytes(sketches, p) / sketches.shape[1]
    return np.clip((out - 1 / 256) / (1 - 1 / 256), 0.0, 1.0)


def _topic_collisions(shard: SignedShard, config: LSHConfig, bands_per_pass: int = 8) -> np.ndarray:
    """Rewrite-path pairs estimated at or above the threshold, a few bands at a time, so that
    memory holds one pass's pairs, not every band's."""
    kept = []
    owner = np.arange(len(shard))
    for lo in range(0, shard.topic_keys.shape[1], bands_per_pass):
        keys = shard.topic_keys[:, lo : lo + bands_per_pass]
        pairs = collide(keys, owner, config.rewrite_max_bucket, star=False)
        kept.append(pairs[_estimate_jaccard(shard.topic_sketch, pairs) >= config.rewrite_threshold])
    return unique_pairs(np.concatenate(kept)) if kept else np.empty((0, 2), dtype=np.int64)


def _top_topic_pairs(shard: SignedShard, config: LSHConfig, fact_share: float) -> np.ndarray:
    """Rewrite-path pairs, each article keeping only its `rewrite_candidates` most similar."""
    if config.rewrite_candidates == 0 or len(shard) < 2:
        return np.empty((0, 2), dtype=np.int64)
    pairs = _facts_kept(shard, _topic_collisions(shard, config), fact_share)
    if not len(pairs):
        return pairs
    estimate = _estimate_jaccard(shard.topic_sketch, pairs)
    chosen = np.zeros(len(pairs), dtype=bool)
    for side in (0, 1):
        order = np.lexsort((-estimate, pairs[:, side]))
        owner = pairs[order, side]
        rank = np.arange(len(order)) - np.searchsorted(owner, owner, side="left")
        chosen[order[rank < config.rewrite_candidates]] = True
    return pairs[chosen]


def tfidf_cosines(shard: SignedShard, idf: IdfTable, pairs: np.ndarray) -> np.ndarray:
    """TF-IDF cosine of each pair's two texts, as verification computes it (`PairFeatures.cosine`):
    a term counts once per sentence that holds it, weighted by the square root of its IDF."""
    if not len(pairs):
        return np.empty(0, dtype=np.float64)
    from scipy import sparse

    weight = shard.term_counts * np.sqrt(idf.weights(shard.terms))
    sizes = np.diff(shard.term_bounds)
    row = np.repeat(np.arange(len(shard)), sizes)
    norms = np.sqrt(np.bincount(row, weights=weight * weight, minlength=len(shard)))
    with np.errstate(divide="ignore", invalid="ignore"):
        data = np.nan_to_num(weight / norms[row])
    vectors = sparse.csr_matrix((data, shard.terms, shard.term_bounds), shape=(len(shard), idf.n_buckets))
    out = np.empty(len(pairs), dtype=np.float64)
    for s in range(0, len(pairs), 1 << 18):
        p = pairs[s : s + (1 << 18)]
        out[s : s + len(p)] = np.asarray(vectors[p[:, 0]].multiply(vectors[p[:, 1]]).sum(axis=1)).ravel()
    return out


def _canonical(pairs: np.ndarray, rep: np.ndarray) -> np.ndarray:
    """Pairs of exact-group representatives, each once, smaller index first."""
    if not len(pairs):
        return np.empty((0, 2), dtype=np.int64)
    pairs = rep[pairs]
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs.sort(axis=1)
    return unique_pairs(pairs)


def find_candidates(
    shard: SignedShard, config: LSHConfig, fact_share: float = 0.5, idf: IdfTable | None = None
) -> Candidates:
    """All candidate pairs of a signed corpus, mapped to exact-group representatives.

    `fact_share`: rewrite candidates must share at least this part of the smaller side's facts (kept
    below the relation model's own threshold, so the model, not the candidate stage, decides).
    `idf`: the corpus table, for the rewrite path's cosine gate (`config.rewrite_min_cosine`).
    """
    rep = _representatives(shard.norm_hash)
    # The rewrite path is the costliest and independent of the others; numpy's sorts and joins let
    # go of the GIL, so it runs beside them on a second core (Reuters: 0.72 -> 0.47 s wall).
    with ThreadPoolExecutor(max_workers=1) as pool:
        topic_future = pool.submit(_top_topic_pairs, shard, config, fact_share)
        verbatim = _canonical(
            np.concatenate([
                collide(shard.block_keys, shard.block_owner, config.max_bucket).reshape(-1, 2),
                collide(shard.doc_keys, np.arange(len(shard)), config.max_bucket).reshape(-1, 2),
                _figure_line_pairs(shard, config),
            ]),
            rep,
        )  # fmt: skip
        contained = _canonical(_contained_pairs(shard, config), rep)
        topic = _canonical(topic_future.result(), rep)
    if len(topic) and len(verbatim):
        n = np.int64(len(shard))
        topic = topic[~isin(topic[:, 0] * n + topic[:, 1], verbatim[:, 0] * n + verbatim[:, 1])]
    if len(topic) and config.rewrite_min_cosine > 0:
        idf = idf if idf is not None else shard.idf_table()
        topic = topic[tfidf_cosines(shard, idf, topic) >= config.rewrite_min_cosine]
    pairs = np.concatenate([verbatim, topic, contained])
    return Candidates(rep, unique_pairs(pairs))
