"""`dedup scan --engine dask`: the scan's stages on a Dask cluster, with the local engine's results.

- read: workers read their own splits of the inputs (byte ranges of JSON lines, Parquet row
  groups), first to index them (ids, dates, errors), the client then settling duplicate ids;
- sign: each split signed where it was read; the signatures stay on the workers;
- candidates: the verbatim paths' band keys are grouped by a partitioned shuffle (each split cuts
  its keys into partitions by key, each partition's bucket join runs on a worker, only the pairs
  come back); the rewrite and containment paths read every article's terms and facts at once and
  run in one worker task, over the corpus with its band keys left out;
- verify: candidate pairs in chunks, each task reading the texts it needs from the splits' workers;
- cluster: connected components on the workers when the graph is large (`dedup.scan.components`).

The client holds what it writes (ids, relations, clusters) and the texts the report quotes, never
the signatures. Results are identical to the local engine's (tests/test_dask_engine.py).
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from operator import getitem
from pathlib import Path
from typing import Any

import numpy as np

from dedup._util.arrays import unique_pairs
from dedup.article import Article
from dedup.candidates import Candidates, canonical_pairs
from dedup.cluster import Cluster, Edge, build_clusters
from dedup.detector import Detector
from dedup.errors import ConfigError, DedupError, InputError
from dedup.io.readers import RecordError
from dedup.io.sources import InputFile
from dedup.scan import dask_tasks as tasks
from dedup.scan.boilerplate import drop_boilerplate_partials
from dedup.scan.components import component_labels
from dedup.scan.engine import start_batch_worker
from dedup.scan.manifest import Checkpoints
from dedup.scan.outputs import OUTPUT_FILES, finish_outputs
from dedup.scan.run import Progress, cluster_edge, members_of_related_groups, publication_rank, scan_result
from dedup.scan.splits import SPLIT_BYTES, InputSplit, plan_splits
from dedup.scan.stream import LoadedArticles
from dedup.scan.tasks import pair_chunks
from dedup.scan.verify import Verified
from dedup.sketch.shard import SignedShard, concat_shards

__all__ = ["PIP_INSTALL", "DaskSettings", "dask_client", "dask_scan"]

PIP_INSTALL = "pip install 'newsdedup[dask]'"
EXACT_CHUNK = 1000


@dataclass(frozen=True)
class DaskSettings:
    """Where and how finely the Dask engine works."""

    scheduler: str | None = None  # an existing cluster's scheduler; None: a LocalCluster
    workers: int = 0  # LocalCluster worker processes; 0: one per core
    split_bytes: int = SPLIT_BYTES
    partitions: int = 0  # of the band-key shuffle and the components; 0: two per worker
    components_min_edges: int = 200_000  # below this, components are found on the client

    def __post_init__(self) -> None:
        if self.split_bytes < 1 or self.workers < 0 or self.partitions < 0:
            raise ConfigError("dask settings: split_bytes must be positive, workers and partitions 0 or more")


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """distributed logs connection noise (heartbeats cut short at shutdown) with tracebacks, and
    warns of ports taken; what matters reaches the client as an exception, so its loggers and
    warnings are silenced while a scan runs."""
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module="distributed")
            yield
    finally:
        logger.setLevel(level)


@contextmanager
def dask_client(settings: DaskSettings) -> Iterator[Any]:
    """A client of the scheduler named, or of a LocalCluster started for the scan and stopped after.

    A cluster failing under the scan (a worker killed, a connection lost) is one DedupError: the
    stages finished before it are kept, and the same command resumes."""
    with _own_environ():
        try:
            from distributed import KilledWorker
        except ImportError as err:
            raise ConfigError(f"--engine dask needs dask.distributed, which is not installed: {PIP_INSTALL}") from err
        with _quiet_logs(), _failures_as_errors(KilledWorker), _connected(settings) as client:
            yield client


@contextmanager
def _failures_as_errors(killed: type[Exception]) -> Iterator[None]:
    """A worker killed or a connection lost, as one DedupError saying how to go on."""
    try:
        yield
    except (killed, OSError, TimeoutError) as err:
        failed = f"{type(err).__name__}: {err}"
        raise DedupError(f"the Dask cluster failed ({failed}); run the same command to resume") from err


@contextmanager
def _own_environ() -> Iterator[None]:
    """This process's environment as it was: distributed sets its workers' variables in it
    (MALLOC_TRIM_THRESHOLD_, OMP_NUM_THREADS, ...), which every later child would inherit."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def _connected(settings: DaskSettings) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if settings.scheduler:
        try:
            client = Client(settings.scheduler, timeout="30s")
        except (OSError, TimeoutError) as err:
            raise InputError(f"--scheduler {settings.scheduler}: cannot connect ({err})") from err
        with client:
            _tune_workers(client)
            yield client
        return
    n = settings.workers or os.cpu_count() or 1
    quiet = {"dashboard_address": ":0", "silence_logs": logging.CRITICAL}  # any free port: 8787 may be taken
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, **quiet)
    with cluster, Client(cluster) as client:
        _tune_workers(client)
        yield client


def _tune_workers(client: Any) -> None:
    """Workers set up as the local engine's are (collector thresholds; a heap that keeps what tasks
    free, where distributed's MALLOC_TRIM_THRESHOLD_ of 64 KB gives every freed array back to be
    faulted in again)."""
    client.run(start_batch_worker)


@dataclass
class Corpus:
    """What the client keeps of the read, sign and candidate stages (the dask-candidates checkpoint)."""

    splits: list[InputSplit]
    skips: list[frozenset[int]]
    seeks: list[list[int] | None]  # byte offset of each article's JSON line, per split (None: not JSON lines)
    offsets: list[int]
    ids: list[str]
    published: list[datetime | None]
    errors: list[RecordError]
    n_tokens: list[int]
    repeats: dict[int, Any]
    candidates: Candidates
    prints: SignedShard


def _duplicate(source: str, line: int | None, rid: str, first: str) -> RecordError:
    return RecordError(source, line, rid, f"duplicate id {rid!r} (first in {first}); skipped")


def merge_indexes(splits: Sequence[InputSplit], indexes: Sequence[tasks.SplitIndex]) -> tuple[Any, ...]:
    """(ids, published, errors, skips, seeks) of the corpus from its splits' indexes, in reading order:
    line numbers made the whole file's, and an id seen in an earlier record an error, as reading
    the inputs in one process makes them."""
    seen: dict[str, str] = {}
    ids: list[str] = []
    published: list[datetime | None] = []
    errors: list[RecordError] = []
    skips: list[frozenset[int]] = []
    seeks: list[list[int] | None] = []
    lines_before: dict[int, int] = {}
    for split, ix in zip(splits, indexes, strict=True):
        base = 0 if split.numbered else lines_before.get(split.input_index, 0)
        lines_before[split.input_index] = base + ix.lines_read

        def shifted(e: RecordError, base: int = base) -> RecordError:
            return replace(e, line=e.line + base) if base and e.line is not None else e

        pending, skip = list(ix.errors), set()
        for j, rid in enumerate(ix.ids):
            while pending and pending[0][0] <= j:
                errors.append(shifted(pending.pop(0)[1]))
            if rid in seen:
                line = ix.lines[j]
                errors.append(_duplicate(ix.sources[j], None if line is None else line + base, rid, seen[rid]))
                skip.add(j)
                continue
            seen[rid] = ix.sources[j]
            ids.append(rid)
            published.append(ix.published[j])
        errors += [shifted(e) for _, e in pending]
        skips.append(frozenset(skip))
        kept = [at for j, at in enumerate(ix.offsets) if j not in skip]
        seekable = split.inp.kind == "jsonl" and not split.inp.compressed and None not in kept
        seeks.append([at for at in kept if at is not None] if seekable else None)
    return ids, published, errors, skips, seeks


class DaskRun:
    """One scan's stages on a client."""

    def __init__(self, client: Any, detector: Detector, settings: DaskSettings, progress: Progress | None) -> None:
        self.client, self.detector, self.settings, self.progress = client, detector, settings, progress
        workers = len(client.scheduler_info().get("workers", {})) or 1
        self.parts = settings.partitions or 2 * workers
        self.timings: dict[str, float] = {}

    def _stage(self, name: str, total: int | None) -> float:
        if self.progress:
            self.progress.start(name, total)
        return time.perf_counter()

    def _gather(self, futures: Sequence[Any], sizes: Sequence[int] | None = None) -> list[Any]:
        """Results in order, the progress advanced as each comes back."""
        from distributed import as_completed

        position = {f.key: k for k, f in enumerate(futures)}
        out: list[Any] = [None] * len(futures)
        for future, result in as_completed(futures, with_results=True):
            k = position[future.key]
            out[k] = result
            if self.progress:
                self.progress.advance(sizes[k] if sizes is not None else 1)
        return out

    def corpus(self, files: Sequence[InputFile]) -> Corpus:
        """Read, sign and find the candidates of the inputs."""
        config, model, submit = self.detector.config, self.detector.model, self.client.submit
        splits = plan_splits(files, self.settings.split_bytes)
        t = self._stage("read", len(splits))
        indexes = self._gather([submit(tasks.index_split, s, config.max_doc_chars, pure=False) for s in splits])
        ids, published, errors, skips, seeks = merge_indexes(splits, indexes)
        self.timings["read"] = time.perf_counter() - t
        t = self._stage("sign", len(ids))
        shards = [submit(tasks.sign_split, s, config, model, k, pure=False) for s, k in zip(splits, skips, strict=True)]
        facts = self._gather([submit(tasks.shard_facts, f) for f in shards], [len(ix.ids) for ix in indexes])
        offsets = np.cumsum([0] + [f[0] for f in facts]).tolist()[:-1]
        n_tokens = [n for f in facts for n in f[3]]
        repeats = {off + i: r for off, f in zip(offsets, facts, strict=True) for i, r in f[4].items()}
        self.timings["sign"] = time.perf_counter() - t
        t = self._stage("candidates", None)
        candidates, prints = self._candidates(shards, offsets, publication_rank(published))
        self.timings["candidates"] = time.perf_counter() - t
        self.client.cancel(shards)
        return Corpus(splits, skips, seeks, offsets, ids, published, errors, n_tokens, repeats, candidates, prints)

    def _candidates(self, shards: list[Any], offsets: list[int], rank: np.ndarray) -> tuple[Candidates, SignedShard]:
        config, model, submit, parts = self.detector.config, self.detector.model, self.client.submit, self.parts
        ends = [*offsets[1:], len(rank)]
        pieces = [
            submit(tasks.band_pieces, f, lo, rank[lo:hi], parts, config.lsh)
            for f, lo, hi in zip(shards, offsets, ends, strict=True)
        ]
        reduced = [
            submit(tasks.reduce_bands, config.lsh, *[submit(getitem, pc, p) for pc in pieces]) for p in range(parts)
        ]
        topic = submit(tasks.topic_candidates, config, model, *[submit(tasks.topic_part, f) for f in shards])
        prints = [submit(tasks.print_part, f) for f in shards]
        verbatim = unique_pairs(np.concatenate([np.empty((0, 2), dtype=np.int64), *self.client.gather(reduced)]))
        found = self.client.gather(topic)
        rep = found.representative
        pairs = unique_pairs(np.concatenate([canonical_pairs(verbatim, rep), found.pairs]))
        return Candidates(rep, pairs), concat_shards(self.client.gather(prints))

    def _loaded(self, corpus: Corpus, wanted: dict[int, list[int]]) -> tuple[list[Any], dict[int, list[Any]]]:
        """Futures of the splits' articles wanted (global index -> task keys), and each key's pieces."""
        ends = [*corpus.offsets[1:], len(corpus.ids)]
        loaders, pieces = [], dict[int, list[Any]]()
        for s, split in enumerate(corpus.splits):
            lo, hi = corpus.offsets[s], ends[s]
            local = {g - lo: keys for g, keys in wanted.items() if lo <= g < hi}
            if not local:
                continue
            max_chars = self.detector.config.max_doc_chars
            seeks = corpus.seeks[s]
            args = (split, max_chars, corpus.skips[s], lo, local, seeks)
            loader = self.client.submit(tasks.load_articles, *args, pure=False)
            loaders.append(loader)
            for key in sorted({k for keys in local.values() for k in keys}):
                pieces.setdefault(key, []).append(self.client.submit(getitem, loader, key))
        return loaders, pieces

    def articles(self, corpus: Corpus, indices: set[int]) -> dict[int, Article]:
        """The articles at these corpus positions, read by the workers and brought to the client."""
        _, pieces = self._loaded(corpus, {g: [0] for g in indices})
        found: dict[int, Article] = {}
        for piece in self.client.gather(pieces.get(0, [])):
            found.update(piece)
        return found

    def _checked(
        self, corpus: Corpus, pairs: np.ndarray, exact: list[list[tuple[int, int]]], with_features: bool, count: bool
    ) -> tuple[list[Verified], list[Verified]]:
        """The exact relations of the (representative, member) chunks `exact`, in their order, and
        every pair verified, in pair order."""
        verify = pair_chunks([(a, b) for a, b in pairs.tolist()])
        wanted: dict[int, list[int]] = {}
        for key, chunk in enumerate(verify):
            for g in chunk.used:
                wanted.setdefault(g, []).append(key)
        for key, members in enumerate(exact, start=len(verify)):
            for g in {g for pair in members for g in pair}:
                wanted.setdefault(g, []).append(key)
        _, pieces = self._loaded(corpus, wanted)
        submit, config, model = self.client.submit, self.detector.config, self.detector.model
        found = [submit(tasks.verify_chunk, config, model, c, with_features, *pieces[k]) for k, c in enumerate(verify)]
        found += [submit(tasks.exact_chunk, config, model, c, *pieces[len(verify) + k]) for k, c in enumerate(exact)]
        sizes = [len(c.pairs) if count else 0 for c in verify] + [0] * len(exact)
        results = self._gather(found, sizes)
        checked = sorted((v for part in results[: len(verify)] for v in part), key=lambda v: (v.a, v.b))
        return [v for part in results[len(verify) :] for v in part], checked

    def verified(self, corpus: Corpus, with_features: bool) -> list[Verified]:
        """The exact relations, every candidate pair verified, then the exact groups' other members
        with what their first is related to; boilerplate-only partials dropped (as `scan` does)."""
        t = self._stage("verify", len(corpus.candidates.pairs))
        rep = corpus.candidates.representative
        members = np.flatnonzero(rep != np.arange(len(rep))).tolist()
        exact = [[(int(rep[m]), m) for m in members[s : s + EXACT_CHUNK]] for s in range(0, len(members), EXACT_CHUNK)]
        found, checked = self._checked(corpus, corpus.candidates.pairs, exact, with_features, True)
        out = found + checked
        more = members_of_related_groups(corpus.candidates, out)
        if len(more.pairs):
            out += self._checked(corpus, more.pairs, [], with_features, False)[1]
        partial = {i for v in out if v.decision is not None and v.decision.relation == "partial" for i in (v.a, v.b)}
        loaded = LoadedArticles(len(corpus.ids), self.articles(corpus, partial))
        out = drop_boilerplate_partials(out, loaded, self.detector, corpus.prints)
        self.timings["verify"] = time.perf_counter() - t
        return out

    def clusters(self, corpus: Corpus, verified: list[Verified]) -> list[Cluster] | None:
        """The clusters, when the graph is large, from its components found on the workers (each
        component clustered on its own, as `build_clusters` would within the whole); else None: the
        client builds them as the local engine does."""
        edges = [cluster_edge(v.a, v.b, d) for v in verified if (d := v.decision) and d.one_story]
        if len(edges) < self.settings.components_min_edges:
            return None
        self._stage("cluster", None)
        pairs = np.array([(e.a, e.b) for e in edges], dtype=np.int64)
        chunks = [self.client.scatter(c) for c in np.array_split(pairs, self.parts)]
        labels = component_labels(self.client, chunks, self.parts, lambda *_: None)
        root_of = dict(zip(labels[:, 0].tolist(), labels[:, 1].tolist(), strict=True))
        members: dict[int, list[int]] = {}
        for node, root in sorted(root_of.items()):
            members.setdefault(root, []).append(node)
        by_root: dict[int, list[Edge]] = {}
        for e in edges:
            by_root.setdefault(root_of[e.a], []).append(e)
        found = [c for root, nodes in members.items() for c in self._component(corpus, nodes, by_root[root])]
        found.sort(key=lambda fc: fc[0])
        return [Cluster(n, c.members, c.canonical) for n, (_, c) in enumerate(found)]

    def _component(self, corpus: Corpus, nodes: list[int], edges: list[Edge]) -> list[tuple[int, Cluster]]:
        """The clusters of one component (its nodes in corpus order), each with its first member's index."""
        local = {g: k for k, g in enumerate(nodes)}
        window = self.detector.config.cluster_window_days
        found = build_clusters(
            [corpus.ids[g] for g in nodes], [replace(e, a=local[e.a], b=local[e.b]) for e in edges],
            [corpus.published[g] for g in nodes], [corpus.n_tokens[g] for g in nodes], window,
        )  # fmt: skip
        position = {corpus.ids[g]: g for g in nodes}
        return [(position[c.members[0]], c) for c in found]


def dask_scan(
    files: Sequence[InputFile],
    out_dir: Path,
    detector: Detector,
    progress: Progress | None,
    with_features: bool,
    settings: DaskSettings,
    on_error: Callable[[RecordError], None] | None = None,
    texts: dict[str, str] | None = None,
    checkpoints: Checkpoints | None = None,
) -> dict[str, Any]:
    """Scan the inputs on Dask into `out_dir`, with the outputs of `dedup.scan.run.scan`; returns the summary."""
    from dedup.scan.manifest import NoCheckpoints

    checkpoints = checkpoints or NoCheckpoints()
    clock = time.perf_counter()
    with dask_client(settings) as client:
        run = DaskRun(client, detector, settings, progress)
        corpus = checkpoints.stage("dask-candidates", lambda: run.corpus(files))
        for e in corpus.errors if on_error else ():
            on_error(e)  # type: ignore[misc]  # reported once the corpus is known, fresh or resumed
        verified = checkpoints.stage("dask-verify", lambda: run.verified(corpus, with_features))
        clusters = run.clusters(corpus, verified)
        n_candidates = len(corpus.candidates.pairs)
        found = (corpus.ids, corpus.published, corpus.n_tokens, corpus.repeats, n_candidates)
        result = scan_result(verified, *found, run.timings, clock, detector.config.cluster_window_days, clusters)
        result.errors = corpus.errors
        quoted = {i for v in verified if v.decision is not None for i in (v.a, v.b)} | set(corpus.repeats)
        articles = {a.id: a for a in run.articles(corpus, quoted).values()}
    summary = finish_outputs(out_dir, result, articles, progress)
    checkpoints.finish(OUTPUT_FILES)
    if texts is not None:
        texts.update({rid: a.text for rid, a in articles.items()})
    return summary
