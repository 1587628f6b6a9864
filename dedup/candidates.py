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

from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from itertools import pairwise
from threading import Lock
from typing import TYPE_CHECKING

import numpy as np

from dedup._util.arrays import isin, offsets, range_rows, unique_inverse, unique_pairs
from dedup.config import LSHConfig
from dedup.sketch.idf import IdfTable
from dedup.sketch.lsh import bucket_scratch, buckets, collide, group_pairs, streamed_pairs
from dedup.sketch.shard import SignedShard

if TYPE_CHECKING:
    from scipy import sparse

__all__ = ["Candidates", "canonical_pairs", "estimate_jaccard", "facts_kept", "find_candidates", "tfidf_cosines"]


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


def _run_pairs(shard: SignedShard, config: LSHConfig) -> np.ndarray:
    """Articles sharing a verbatim run (`LSHConfig.run_tokens`; no keys when it is 0), each paired with
    the earlier holders of a run key while few hold it, as the index pairs them."""
    return streamed_pairs(shard.run_keys, shard.run_owner, config.run_max_bucket)


def _places(ordered: np.ndarray) -> np.ndarray:
    """Each row's place (0, 1, ...) in its run of equal values of sorted `ordered`."""
    return np.arange(len(ordered)) - np.searchsorted(ordered, ordered, side="left")


def holder_ranks(terms: np.ndarray, counts: np.ndarray, max_df: int) -> np.ndarray:
    """Each occurrence's rank among the articles holding its term, in order (1: the first to hold
    it), after the `counts[term]` holders seen before; `counts` is updated in place. `terms`: each
    article's distinct terms, articles in order. Ranks past `max_df` are given as `max_df + 1`: the
    containment path looks no further, so most occurrences (common terms) are never sorted."""
    before = counts[terms].astype(np.int64)
    rank = np.full(len(terms), max_df + 1, dtype=np.int64)
    live = np.flatnonzero(before < max_df)
    if len(live):
        held = terms[live]
        order = np.argsort(held, kind="stable")
        within = np.empty(len(order), dtype=np.int64)
        within[order] = _places(held[order])
        rank[live] = np.minimum(before[live] + within + 1, max_df + 1)
    if len(terms):
        distinct, n = np.unique(terms, return_counts=True)
        counts[distinct] += n.astype(counts.dtype)
    return rank


def query_terms(terms: np.ndarray, rank: np.ndarray, config: LSHConfig) -> np.ndarray:
    """A short article's looked-up terms: its `contain_query_terms` rarest as it arrives, among those
    an earlier article holds (rank 2 to `contain_max_df`); rarest first, then by term."""
    usable = (rank >= 2) & (rank <= config.contain_max_df)
    terms, rank = terms[usable], rank[usable]
    return terms[np.lexsort((terms, rank))][: config.contain_query_terms]


def contained_in(asked: int, holders: np.ndarray, shared: np.ndarray, config: LSHConfig) -> np.ndarray:
    """Of earlier `holders` sharing `shared` of a short article's `asked` looked-up terms, those
    holding enough of them, most contained first, then the earlier; at most `contain_candidates`."""
    share = shared / max(asked, 1)
    ok = (shared >= config.contain_min_shared) & (share >= config.contain_share)
    holders, share = holders[ok], share[ok]
    return holders[np.lexsort((holders, -share))][: config.contain_candidates]


def _occurrence_chunks(shard: SignedShard, size: int = 1 << 21) -> list[tuple[int, int]]:
    """Article ranges [lo, hi) of about `size` term occurrences each."""
    bounds = shard.term_bounds
    cuts = np.searchsorted(bounds, np.arange(size, int(bounds[-1]), size)).tolist()
    edges = sorted({0, *[c for c in cuts if 0 < c < len(shard)], len(shard)})
    return list(pairwise(edges))


def _ranked_occurrences(shard: SignedShard, config: LSHConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(article, term, rank) of every occurrence within the first `contain_max_df` holders of its
    term, in shard order: what the index holds and looks up as the articles arrive."""
    counts = np.zeros(int(shard.terms.max()) + 1, dtype=np.uint32)
    owners, terms, ranks = [], [], []
    for lo, hi in _occurrence_chunks(shard):
        t = shard.terms[shard.term_bounds[lo] : shard.term_bounds[hi]]
        rank = holder_ranks(t, counts, config.contain_max_df)
        keep = np.flatnonzero(rank <= config.contain_max_df)
        owners.append(np.searchsorted(shard.term_bounds, keep + shard.term_bounds[lo], side="right") - 1)
        terms.append(t[keep])
        ranks.append(rank[keep])
    return np.concatenate(owners), np.concatenate(terms), np.concatenate(ranks)


def asks_containment(n_tokens: np.ndarray, n_facts: np.ndarray, config: LSHConfig) -> np.ndarray:
    """Which articles look up their rarest terms: the short ones (`contain_max_tokens`), whose few
    shingles the Jaccard paths miss inside a long source, and those without facts (an excerpt of a
    text without figures, dates or dateline, however long, which the rewrite path's facts gate never
    lets through: its paragraphs cut and joined anew, the verbatim paths miss it too)."""
    if config.contain_max_tokens == 0:
        return np.zeros(len(n_tokens), dtype=bool)
    return (n_tokens <= config.contain_max_tokens) | (n_facts == 0)


def _asked_terms(shard: SignedShard, config: LSHConfig, occurrences: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """(asking article, term) of each asking article's `query_terms` (`asks_containment`), by article."""
    owner, terms, rank = occurrences
    asks = asks_containment(shard.n_tokens, np.diff(shard.fact_bounds), config)
    ask = asks[owner] & (rank >= 2)
    owner, terms, rank = owner[ask], terms[ask], rank[ask]
    order = np.lexsort((terms, rank, owner))
    owner, terms = owner[order], terms[order]
    keep = _places(owner) < config.contain_query_terms
    return owner[keep], terms[keep]


def _contained_pairs(shard: SignedShard, config: LSHConfig) -> np.ndarray:
    """Containment-path pairs (earlier article, asking article): an article that asks
    (`asks_containment`) looks up its rarest terms as they stood when it arrived, among the articles
    before it, as the index does (`query_terms`, `contained_in`). Work is bounded by (asking articles)
    x (query terms) x `contain_max_df`, done in row chunks."""
    if config.contain_max_tokens == 0 or len(shard) < 2 or not len(shard.terms):
        return np.empty((0, 2), dtype=np.int64)
    from scipy import sparse

    owner, terms, rank = _ranked_occurrences(shard, config)
    rows, asked_terms = _asked_terms(shard, config, (owner, terms, rank))
    n, n_terms = len(shard), int(shard.terms.max()) + 1
    ones = np.ones(max(len(owner), len(rows)), dtype=np.float32)
    held = sparse.csr_matrix((ones[: len(owner)], (terms, owner)), shape=(n_terms, n))
    asked = sparse.csr_matrix((ones[: len(rows)], (rows, asked_terms)), shape=(n, n_terms))
    n_asked = np.maximum(np.bincount(rows, minlength=n), 1)
    found = []
    for lo in range(0, n, 1 << 14):
        shared = (asked[lo : lo + (1 << 14)] @ held).tocoo()
        me, other = shared.row.astype(np.int64) + lo, shared.col.astype(np.int64)
        share = shared.data / n_asked[me]
        ok = (other < me) & (shared.data >= config.contain_min_shared) & (share >= config.contain_share)
        me, other, share = me[ok], other[ok], share[ok]
        order = np.lexsort((other, -share, me))
        me, other = me[order], other[order]
        keep = _places(me) < config.contain_candidates
        found.append(np.stack([other[keep], me[keep]], axis=1))
    pairs = np.concatenate(found)
    return unique_pairs(pairs) if len(pairs) else np.empty((0, 2), dtype=np.int64)


class _FactRows:
    """Each article's facts as a sparse row, built on first use; the threads of the stage share it."""

    def __init__(self, shard: SignedShard) -> None:
        self.shard = shard
        self._lock = Lock()
        self._rows: sparse.csr_matrix | None = None

    def _matrix(self) -> sparse.csr_matrix:
        from scipy import sparse  # here: scipy costs a third of a second to import, and only this stage uses it

        with self._lock:
            if self._rows is None:
                _, columns = unique_inverse(self.shard.fact_hashes)
                shape = (len(self.shard), int(columns.max()) + 1)
                ones = np.ones(len(columns), dtype=np.float32)
                self._rows = sparse.csr_matrix((ones, columns, self.shard.fact_bounds), shape=shape)
            return self._rows

    def kept(self, pairs: np.ndarray, share: float) -> np.ndarray:
        """Pairs where one side keeps at least `share` of its facts (and one or more) in the other.

        A rewrite keeps its source's figures and dateline; look-alikes with their own figures do not.
        """
        if not len(pairs):
            return pairs
        if not len(self.shard.fact_hashes):  # no article has facts: the gate's rule on empty sets
            none = np.zeros(len(pairs), dtype=np.int64)
            return pairs[facts_kept(none, none, share)]
        facts, sizes = self._matrix(), np.diff(self.shard.fact_bounds)
        keep = np.zeros(len(pairs), dtype=bool)
        # In chunks: the row products of millions of pairs at once would take gigabytes.
        for s in range(0, len(pairs), 1 << 18):
            p = pairs[s : s + (1 << 18)]
            shared = np.asarray(facts[p[:, 0]].multiply(facts[p[:, 1]]).sum(axis=1)).ravel()
            smaller = np.minimum(sizes[p[:, 0]], sizes[p[:, 1]])
            keep[s : s + len(p)] = facts_kept(shared, smaller, share)
        return pairs[keep]


_LOW7 = np.uint64(0x7F7F7F7F7F7F7F7F)


def _equal_bytes(sketches: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """How many bytes of each pair's two sketch rows are equal."""
    if sketches.shape[1] % 8 or not sketches.flags.c_contiguous:
        return np.count_nonzero(sketches[pairs[:, 0]] == sketches[pairs[:, 1]], axis=1)
    # Eight bytes per word: a byte of a ^ b is zero exactly when its high bit survives this mask
    # (the classic zero-byte test, exact since no carry crosses bytes); 2.3x the byte compare.
    words = sketches.view(np.uint64)
    x = np.take(words, pairs[:, 0], axis=0)  # twice as fast as indexing the rows
    x ^= np.take(words, pairs[:, 1], axis=0)
    t = x & _LOW7
    t += _LOW7
    t |= x
    t |= _LOW7
    np.invert(t, out=t)
    # The flags of eight words folded into one (word k's moved down k bits): one popcount, no row sums.
    count = np.zeros(len(pairs), dtype=np.int64)
    for lo in range(0, t.shape[1], 8):
        folded = t[:, lo].copy()
        for k in range(1, min(8, t.shape[1] - lo)):
            folded |= t[:, lo + k] >> np.uint64(k)
        count += np.bitwise_count(folded)
    return count


def facts_kept(shared: np.ndarray, smaller: np.ndarray, share: float) -> np.ndarray:
    """One side keeps at least `share` of its facts (and two, or all it has) in the other: a rewrite
    keeps its source's figures and dateline; look-alikes with their own figures do not. A `share` of 0
    is no gate: texts without figures (features, comments, explanations) have rewrites too."""
    if share == 0:
        return np.ones(len(shared), dtype=bool)
    return (smaller > 0) & (shared >= np.minimum(2, smaller)) & (shared >= share * smaller)


def estimate_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard estimated from 8-bit sketches, row by row of `a` and `b` (see `_estimate_jaccard`)."""
    # In float32, as the batch estimate is: the streaming index ranks and thresholds exactly alike.
    equal = ((a == b).sum(axis=1) / a.shape[1]).astype(np.float32)
    return np.clip((equal - 1 / 256) / (1 - 1 / 256), 0.0, 1.0)


def _estimate_jaccard(sketches: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Jaccard estimated from 8-bit sketches (b-bit MinHash); eight bits collide by chance 1 time
    in 256, which the estimate corrects for."""
    out = np.empty(len(pairs), dtype=np.float32)
    # In chunks that stay in cache: 1 << 16 pairs at once took twice as long as 1 << 13.
    for s in range(0, len(pairs), 1 << 13):
        p = pairs[s : s + (1 << 13)]
        out[s : s + len(p)] = _equal_bytes(sketches, p) / sketches.shape[1]
    return np.clip((out - 1 / 256) / (1 - 1 / 256), 0.0, 1.0)


def _close_topic_pairs(column: np.ndarray, sketches: np.ndarray, config: LSHConfig, scratch: np.ndarray) -> np.ndarray:
    """Row pairs (i, j), i < j, sharing a key of one rewrite-path band, estimated at or above the threshold.

    As the streaming index sees a key: an article pairs with the earlier articles holding it only
    while at most `rewrite_max_bucket` do (a key that many share tells nothing of any two of them)."""
    rows, starts, ends = buckets(column, None, scratch)
    ends = np.minimum(ends, starts + config.rewrite_max_bucket + 1)
    pairs = group_pairs(rows, starts, ends, config.rewrite_max_bucket + 1, star=False)
    return pairs[_estimate_jaccard(sketches, pairs) >= config.rewrite_threshold]


def _topic_pairs(shard: SignedShard, config: LSHConfig, bands: range, facts: _FactRows, share: float) -> np.ndarray:
    """Rewrite-path pairs of these bands estimated at or above the threshold that keep their facts
    (a pair is estimated once per band it shares, then kept once)."""
    scratch = bucket_scratch(len(shard.topic_keys))
    kept = [_close_topic_pairs(shard.topic_keys[:, b], shard.topic_sketch, config, scratch) for b in bands]
    return facts.kept(_merged(kept), share)


def _merged(kept: list[np.ndarray]) -> np.ndarray:
    return unique_pairs(np.concatenate(kept)) if kept else np.empty((0, 2), dtype=np.int64)


def _top_topic_pairs(shard: SignedShard, config: LSHConfig, pairs: np.ndarray) -> np.ndarray:
    """Rewrite-path `pairs` (sorted, distinct), each article keeping only its `rewrite_candidates` most
    similar earlier articles: what the streaming index, which sees only earlier articles, keeps too."""
    if not len(pairs):
        return pairs
    estimate = _estimate_jaccard(shard.topic_sketch, pairs)
    order = np.lexsort((pairs[:, 0], -estimate, pairs[:, 1]))
    owner = pairs[order, 1]
    rank = np.arange(len(order)) - np.searchsorted(owner, owner, side="left")
    return pairs[np.sort(order[rank < config.rewrite_candidates])]


def _unit_vectors(shard: SignedShard, idf: IdfTable, rows: np.ndarray) -> sparse.csr_matrix:
    """The TF-IDF vectors of these articles (one row each), of unit length."""
    from scipy import sparse

    bounds = np.stack([shard.term_bounds[rows], shard.term_bounds[rows + 1]], axis=1)
    row, at = range_rows(bounds)
    terms = shard.terms[at]
    weight = shard.term_counts[at] * np.sqrt(idf.weights(terms))
    norms = np.sqrt(np.bincount(row, weights=weight * weight, minlength=len(rows)))
    with np.errstate(divide="ignore", invalid="ignore"):
        data = np.nan_to_num(weight / norms[row])
    indptr = offsets(bounds[:, 1] - bounds[:, 0])
    return sparse.csr_matrix((data, terms, indptr), shape=(len(rows), idf.n_buckets))


_COSINE_CHUNK = 1 << 14  # pairs whose articles are weighted together


def tfidf_cosines(shard: SignedShard, idf: IdfTable, pairs: np.ndarray) -> np.ndarray:
    """TF-IDF cosine of each pair's two texts, as verification computes it (`PairFeatures.cosine`):
    a term counts once per sentence that holds it, weighted by the square root of its IDF.

    The vectors of each chunk's articles only: weighting every term of a 1M-article shard cost three
    times the products (most of it in fresh memory), and most articles are in no pair."""
    out = np.empty(len(pairs), dtype=np.float64)
    for s in range(0, len(pairs), _COSINE_CHUNK):
        p = pairs[s : s + _COSINE_CHUNK]
        rows, local = unique_inverse(p.ravel())
        vectors = _unit_vectors(shard, idf, rows)
        a, b = vectors[local[0::2]], vectors[local[1::2]]
        out[s : s + len(p)] = np.asarray(a.multiply(b).sum(axis=1)).ravel()
    return out


def canonical_pairs(pairs: np.ndarray, rep: np.ndarray) -> np.ndarray:
    """Pairs of exact-group representatives, each once, smaller index first."""
    if not len(pairs):
        return np.empty((0, 2), dtype=np.int64)
    pairs = rep[pairs]
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    pairs.sort(axis=1)
    return unique_pairs(pairs)


_Task = Callable[[], np.ndarray]


def _on_two_threads(tasks: list[_Task]) -> list[np.ndarray]:
    """The tasks' results in their order, the tasks run by this thread from the first on and by a
    second one from the last back, until they meet: numpy's sorts, gathers and ufuncs and scipy's
    products let go of the GIL. Two kinds of work at once (memory-bound joins of long columns beside
    the rewrite path's many short steps) share the cores better than two of one kind."""
    results: list[np.ndarray] = [np.empty(0)] * len(tasks)
    left = deque(range(len(tasks)))  # popleft and pop are atomic: each task is taken once

    def work(take: Callable[[], int]) -> None:
        while True:
            try:
                i = take()
            except IndexError:
                return
            results[i] = tasks[i]()

    with ThreadPoolExecutor(max_workers=1) as pool:
        helper = pool.submit(work, left.pop)
        work(left.popleft)
        helper.result()
    return results


def _path_tasks(
    shard: SignedShard, config: LSHConfig, rank: np.ndarray | None = None
) -> tuple[list[_Task], _Task, list[_Task]]:
    """The verbatim paths' joins (block bands five at a time, documents, figure lines), the containment
    path, and the rewrite path four bands at a time (each part's pairs filtered by facts)."""
    verbatim: list[_Task] = [
        partial(collide, shard.block_keys[:, lo : lo + 5], shard.block_owner, config.max_bucket, True, rank)
        for lo in range(0, shard.block_keys.shape[1], 5)
    ]
    verbatim.append(partial(collide, shard.doc_keys, np.arange(len(shard)), config.max_bucket, True, rank))
    verbatim.append(partial(_figure_line_pairs, shard, config))
    verbatim.append(partial(_run_pairs, shard, config))
    n_bands = shard.topic_keys.shape[1] if config.rewrite_candidates and len(shard) >= 2 else 0
    facts = _FactRows(shard)
    bands = [range(lo, min(lo + 4, n_bands)) for lo in range(0, n_bands, 4)]
    topic: list[_Task] = [partial(_topic_pairs, shard, config, b, facts, config.rewrite_fact_share) for b in bands]
    return verbatim, partial(_contained_pairs, shard, config), topic


def find_candidates(
    shard: SignedShard,
    config: LSHConfig,
    idf: IdfTable | None = None,
    rank: np.ndarray | None = None,
) -> Candidates:
    """All candidate pairs of a signed corpus, mapped to exact-group representatives.

    `idf`: the word weights of the rewrite path's cosine gate (`config.rewrite_min_cosine`).
    `rank`: each article's place in publication order (0 the earliest): an LSH bucket too crowded to
    join pair by pair is joined as a star on its earliest article.
    """
    rep = _representatives(shard.norm_hash)
    verbatim_tasks, contained_task, topic_tasks = _path_tasks(shard, config, rank)
    # This thread starts with the long verbatim joins, the other with the rewrite path's short tasks.
    results = _on_two_threads([*verbatim_tasks, contained_task, *topic_tasks])
    k = len(verbatim_tasks)
    verbatim = canonical_pairs(np.concatenate([r.reshape(-1, 2) for r in results[:k]]), rep)
    contained = canonical_pairs(results[k], rep)
    topic = canonical_pairs(_top_topic_pairs(shard, config, _merged(results[k + 1 :])), rep)
    if len(topic) and len(verbatim):
        n = np.int64(len(shard))
        topic = topic[~isin(topic[:, 0] * n + topic[:, 1], verbatim[:, 0] * n + verbatim[:, 1])]
    if len(topic) and config.rewrite_min_cosine > 0:
        idf = idf if idf is not None else shard.idf_table()
        halves = np.array_split(topic, 2)
        cosines = _on_two_threads([partial(tfidf_cosines, shard, idf, half) for half in halves])
        topic = topic[np.concatenate(cosines) >= config.rewrite_min_cosine]
    pairs = np.concatenate([verbatim, topic, contained])
    return Candidates(rep, unique_pairs(pairs))
