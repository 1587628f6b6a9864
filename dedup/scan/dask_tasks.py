"""What Dask workers run for a scan (`dedup.scan.dask_engine`): functions of picklable arguments.

Each split is read by the worker that runs its task, twice or more (once to index it, once to sign
it, again for the texts verification reads): the client hands out only split plans, indices and
futures. Article indices here are global (corpus positions) unless said local.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np

from dedup._util.arrays import unique_pairs
from dedup.article import Article
from dedup.candidates import Candidates
from dedup.config import DetectorConfig, LSHConfig
from dedup.decide.model import RelationModel as Model
from dedup.errors import InputError
from dedup.io.readers import RecordError, record_item
from dedup.io.tables import LineCount, jsonl_record_at
from dedup.scan.run import SHARD_SIZE, candidates_of
from dedup.scan.splits import InputSplit, split_records
from dedup.scan.tasks import PairChunk, SignTask, VerifyTask, detector_for, relocate, run_sign, run_verify
from dedup.scan.verify import Verified, exact_relations
from dedup.sketch.lsh import collide, streamed_pairs
from dedup.sketch.shard import SignedShard, concat_shards

__all__ = [
    "BLOCK",
    "DOC",
    "LINE",
    "RUN",
    "SplitIndex",
    "band_pieces",
    "exact_chunk",
    "index_split",
    "load_articles",
    "print_part",
    "reduce_bands",
    "shard_facts",
    "sign_split",
    "topic_candidates",
    "topic_part",
    "verify_chunk",
]

# The verbatim candidate paths whose band keys are grouped by partition; a column is path * 1024 + band.
BLOCK, DOC, LINE, RUN = 0, 1, 2, 3
_COLUMN = 1024


@dataclass
class SplitIndex:
    """What reading a split once learns: each article's id, line, source, date and byte offset (JSON
    lines; duplicates included, in order), its record errors with the number of articles read before
    each, and the lines it read (JSON-line ranges)."""

    ids: list[str] = field(default_factory=list)
    lines: list[int | None] = field(default_factory=list)
    offsets: list[int | None] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    published: list[datetime | None] = field(default_factory=list)
    errors: list[tuple[int, RecordError]] = field(default_factory=list)
    lines_read: int = 0


def _items(split: InputSplit, max_chars: int, count: LineCount) -> Iterator[tuple[Any, Article] | RecordError]:
    for raw in split_records(split, count):
        yield raw if isinstance(raw, RecordError) else record_item(raw, max_chars)


def index_split(split: InputSplit, max_chars: int) -> SplitIndex:
    """Read a split once for its ids, dates and errors (no text is kept)."""
    out, count = SplitIndex(), LineCount()
    for item in _items(split, max_chars, count):
        if isinstance(item, RecordError):
            out.errors.append((len(out.ids), item))
            continue
        record, article = item
        out.ids.append(article.id)
        out.lines.append(record.line)
        out.offsets.append(record.offset)
        out.sources.append(record.source)
        out.published.append(article.published)
    out.lines_read = count.lines
    return out


def _articles(split: InputSplit, max_chars: int, skip: frozenset[int]) -> Iterator[Article]:
    """The split's articles in order, without those at the positions `skip` (ids seen before)."""
    position = 0
    for item in _items(split, max_chars, LineCount()):
        if isinstance(item, RecordError):
            continue
        if position not in skip:
            yield item[1]
        position += 1


def sign_split(split: InputSplit, config: DetectorConfig, model: Model, skip: frozenset[int]) -> SignedShard:
    """The split's articles signed, SHARD_SIZE at a time as the local engine signs them."""
    articles = list(_articles(split, config.max_doc_chars, skip))
    chunks = [articles[s : s + SHARD_SIZE] for s in range(0, len(articles), SHARD_SIZE)] or [[]]
    shards = [run_sign(SignTask(config, model, chunk)) for chunk in chunks]
    return concat_shards(shards) if len(shards) > 1 else shards[0]


def shard_facts(shard: SignedShard) -> tuple[int, int, int, list[int], dict[int, Any]]:
    """What the client needs of a signed split: its articles, block and figure-line rows, each
    article's token count, and its repeats (by local index)."""
    return len(shard), len(shard.block_owner), len(shard.line_owner), shard.n_tokens.tolist(), shard.repeats


Pieces = dict[int, tuple[np.ndarray, ...]]


def band_pieces(shard: SignedShard, offset: int, rank: np.ndarray, parts: int, lsh: LSHConfig) -> list[Pieces]:
    """The split's verbatim band keys with their global article and its publication rank (`rank`:
    of the split's articles), cut into `parts` by key: piece p holds, per column, the (keys, owners,
    ranks) whose key is p modulo `parts`, in row order."""
    columns: list[tuple[int, np.ndarray, np.ndarray]] = []
    owners = shard.block_owner.astype(np.int64) + offset
    columns += [(BLOCK * _COLUMN + b, shard.block_keys[:, b], owners) for b in range(shard.block_keys.shape[1])]
    docs = np.arange(len(shard), dtype=np.int64) + offset
    columns += [(DOC * _COLUMN + b, shard.doc_keys[:, b], docs) for b in range(shard.doc_keys.shape[1])]
    if lsh.line_max_bucket:
        columns.append((LINE * _COLUMN, shard.line_prints, shard.line_owner.astype(np.int64) + offset))
    if lsh.run_tokens:
        columns.append((RUN * _COLUMN, shard.run_keys, shard.run_owner.astype(np.int64) + offset))
    pieces: list[Pieces] = [{} for _ in range(parts)]
    for column, keys, owner in columns:
        part = (keys % np.uint64(parts)).astype(np.int64)
        for p in np.unique(part).tolist():
            mask = part == p
            pieces[p][column] = (np.ascontiguousarray(keys[mask]), owner[mask], rank[owner[mask] - offset])
    return pieces


def reduce_bands(lsh: LSHConfig, *pieces: Pieces) -> np.ndarray:
    """Owner pairs (lo < hi) sharing a key in any column of one partition, joined as the local
    candidate stage joins them: pieces come in split order, so rows stay in corpus order and an
    oversized bucket's star centre is the same article."""
    found = [np.empty((0, 2), dtype=np.int64)]
    for column in sorted({c for piece in pieces for c in piece}):
        keys, owner, rank = (np.concatenate([p[column][k] for p in pieces if column in p]) for k in range(3))
        # Owners renumbered 0.. in corpus order (ranks with them): collide indexes ranks by owner.
        owners, local = np.unique(owner, return_inverse=True)
        if column // _COLUMN == RUN:  # paired as a stream sees them, as the local candidate stage does
            found.append(owners[streamed_pairs(keys, local, lsh.run_max_bucket)])
            continue
        owner_rank = np.empty(len(owners), dtype=np.int64)
        owner_rank[local] = rank
        limit, star = (lsh.line_max_bucket, False) if column // _COLUMN == LINE else (lsh.max_bucket, True)
        found.append(owners[collide(keys.reshape(-1, 1), local, limit, star, owner_rank)])
    return unique_pairs(np.concatenate(found))


def _emptied(shard: SignedShard, keep: Sequence[str]) -> SignedShard:
    """The shard with every per-article or per-row field not in `keep` emptied (bounds stay valid)."""
    n = len(shard)
    empty: dict[str, Any] = {
        "block_keys": shard.block_keys[:0], "block_owner": shard.block_owner[:0],
        "doc_keys": shard.doc_keys[:, :0], "topic_keys": shard.topic_keys[:, :0],
        "topic_sketch": shard.topic_sketch[:, :0], "fact_hashes": shard.fact_hashes[:0],
        "fact_bounds": np.zeros(n + 1, dtype=shard.fact_bounds.dtype), "block_prints": shard.block_prints[:0],
        "print_owner": shard.print_owner[:0], "line_prints": shard.line_prints[:0], "line_owner": shard.line_owner[:0],
        "run_keys": shard.run_keys[:0], "run_owner": shard.run_owner[:0],
        "terms": shard.terms[:0], "term_counts": shard.term_counts[:0],
        "term_bounds": np.zeros(n + 1, dtype=shard.term_bounds.dtype), "repeats": {},
    }  # fmt: skip
    return replace(shard, **{k: v for k, v in empty.items() if k not in keep})


_TOPIC_FIELDS = (
    "topic_keys", "topic_sketch", "fact_hashes", "fact_bounds", "terms", "term_counts", "term_bounds",
)  # fmt: skip


def topic_part(shard: SignedShard) -> SignedShard:
    """What the rewrite and containment paths read: every field but the verbatim paths' keys."""
    return _emptied(shard, _TOPIC_FIELDS)


def print_part(shard: SignedShard) -> SignedShard:
    """What the boilerplate rule reads: the paragraph fingerprints and their articles."""
    return _emptied(shard, ("block_prints", "print_owner"))


def topic_candidates(config: DetectorConfig, model: Model, *parts: SignedShard) -> Candidates:
    """The candidates of the rewrite and containment paths over the whole corpus (its verbatim keys
    emptied). Each path's pairs are filtered pair by pair, so their union with the partitioned
    verbatim pairs is the local candidate stage's (publication ranks only centre the verbatim
    paths' stars: none here)."""
    shard = concat_shards([replace(p) for p in parts])  # copies: concat_shards empties what it joins
    return candidates_of(shard, detector_for(config, model), None)


def load_articles(
    split: InputSplit,
    max_chars: int,
    skip: frozenset[int],
    offset: int,
    wanted: dict[int, list[int]],
    seeks: list[int] | None = None,
) -> dict[int, dict[int, Article]]:
    """The split's articles that tasks want, read again: for each task key, {global index: article}.
    `wanted` maps a local article index to the keys of the tasks that read it; with `seeks` (the
    byte offset of each article's JSON line), only the wanted lines are read."""
    out: dict[int, dict[int, Article]] = {}
    for local, article in _wanted_articles(split, max_chars, skip, sorted(wanted), seeks):
        for key in wanted[local]:
            out.setdefault(key, {})[offset + local] = article
    return out


def _wanted_articles(
    split: InputSplit, max_chars: int, skip: frozenset[int], wanted: list[int], seeks: list[int] | None
) -> Iterator[tuple[int, Article]]:
    if seeks is None:
        chosen = set(wanted)
        yield from ((k, a) for k, a in enumerate(_articles(split, max_chars, skip)) if k in chosen)
        return
    for local, raw in zip(wanted, jsonl_record_at(split.inp, [seeks[k] for k in wanted]), strict=True):
        item = raw if isinstance(raw, RecordError) else record_item(raw, max_chars)
        if not isinstance(item, tuple):
            raise InputError(f"{split.inp.name} changed since the scan read it ({item.reason}); scan it again")
        yield local, item[1]


def _merged(pieces: Sequence[dict[int, Article]]) -> dict[int, Article]:
    merged: dict[int, Article] = {}
    for piece in pieces:
        merged.update(piece)
    return merged


def verify_chunk(
    config: DetectorConfig, model: Model, chunk: PairChunk, with_features: bool, *pieces: dict[int, Article]
) -> list[Verified]:
    """A chunk of candidate pairs verified, its articles read from `pieces`; corpus indices out."""
    by_index = _merged(pieces)
    task = VerifyTask(config, model, [by_index[g] for g in chunk.used], chunk.pairs, with_features)
    return relocate(run_verify(task), chunk.used)


def exact_chunk(
    config: DetectorConfig, model: Model, members: list[tuple[int, int]], *pieces: dict[int, Article]
) -> list[Verified]:
    """The exact relations of some (representative, member) pairs, as `exact_relations` finds them."""
    used = sorted({g for pair in members for g in pair})
    local = {g: k for k, g in enumerate(used)}
    rep = np.arange(len(used))
    for r, m in members:
        rep[local[m]] = local[r]
    by_index = _merged(pieces)
    candidates = Candidates(rep, np.empty((0, 2), dtype=np.int64))
    found = exact_relations(candidates, [by_index[g] for g in used], detector_for(config, model))
    return relocate(list(found), used)
