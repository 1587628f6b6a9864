"""`dedup scan`: read, sign in shards, find candidates, verify, cluster and write the outputs."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from dedup._util import heap
from dedup.article import Article
from dedup.candidates import Candidates, find_candidates
from dedup.cluster import Cluster, Edge, build_clusters
from dedup.decide.relation import Decision
from dedup.detector import Detector, relation_record
from dedup.io.readers import RecordError, read_inputs
from dedup.io.sources import InputFile, open_inputs
from dedup.scan.boilerplate import drop_boilerplate_partials
from dedup.scan.engine import Engine, ProcessEngine, SerialEngine, batch_gc
from dedup.scan.manifest import Checkpoints, NoCheckpoints
from dedup.scan.outputs import OUTPUT_FILES, finish_outputs, write_outputs
from dedup.scan.stream import InputStream
from dedup.scan.tasks import SignTask, relocate, run_sign, run_verify, verify_tasks
from dedup.scan.verify import Verified, exact_relations, verify_pairs
from dedup.sketch.shard import SignedShard, concat_shards, sign_shard
from dedup.verify.repeats import RepeatBlock

__all__ = [
    "OUTPUT_FILES",
    "Progress",
    "ScanResult",
    "candidates_of",
    "cluster_edge",
    "finish_outputs",
    "members_of_related_groups",
    "publication_rank",
    "scan",
    "scan_articles",
    "scan_result",
    "write_outputs",
]

SHARD_SIZE = 1000
VERIFY_CHUNK = 1000  # candidate pairs a verify task decides


class Progress(Protocol):
    """Where a long scan reports how far it is (the CLI draws a bar on stderr)."""

    def start(self, stage: str, total: int | None) -> None: ...
    def advance(self, n: int) -> None: ...


@dataclass
class ScanResult:
    """Everything a scan found, in the output contract's shapes."""

    relations: list[dict[str, Any]]
    repeats: list[dict[str, Any]]
    clusters: list[Cluster]
    errors: list[RecordError]
    features: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    candidates: int = 0
    articles: int = 0


def _sign_all(
    articles: Sequence[Article], detector: Detector, progress: Progress | None, engine: Engine | None = None
) -> SignedShard:
    if progress:
        progress.start("sign", len(articles))
    chunks = (articles[s : s + SHARD_SIZE] for s in range(0, len(articles), SHARD_SIZE))
    return _sign_tasks((SignTask(detector.config, detector.model, c) for c in chunks), detector, progress, engine)


def _sign_tasks(
    tasks: Iterable[SignTask], detector: Detector, progress: Progress | None, engine: Engine | None
) -> SignedShard:
    shards: list[SignedShard] = []
    for shard in (engine or SerialEngine()).map(run_sign, tasks):
        if not shards:
            _import_in_background("scipy.sparse.csgraph")
        shards.append(shard)
        if progress:
            progress.advance(len(shard))
    joined = concat_shards(shards) if shards else sign_shard([], detector)
    del shards
    _release_freed_memory()
    return joined


def _import_in_background(module: str) -> None:
    """Import a module the later stages need (scipy: a third of a second) while the workers sign.

    Started once the first shard is back, so every sign worker was forked before it: a process
    forked while another thread holds an import lock could never import that module.
    """
    threading.Thread(target=importlib.import_module, args=(module,), daemon=True).start()


def _kept(engine: Engine | None) -> AbstractContextManager[object]:
    """The engine's workers kept from signing to verification (warm caches), where it has workers."""
    return engine if isinstance(engine, ProcessEngine) else nullcontext()


def _release_freed_memory() -> None:
    """Give the heap freed by joining shards back to the system (glibc keeps it otherwise, and the
    candidate stage that follows needs the room); a no-op where there is no glibc."""
    heap.trim()


def _verify_all(
    candidates: Candidates,
    articles: Sequence[Article],
    detector: Detector,
    with_features: bool,
    progress: Progress | None,
    engine: Engine | None,
) -> list[Verified]:
    if progress:
        progress.start("verify", len(candidates.pairs))
    if engine is None or isinstance(engine, SerialEngine):
        tick = progress.advance if progress else None
        return list(verify_pairs(candidates, articles, detector, with_features, tick))
    pairs = [tuple(p) for p in candidates.pairs.tolist()]
    # Never one task for two workers' worth of pairs (the members pass: 145 pairs on Reuters).
    chunk = min(VERIFY_CHUNK, max(1, -(-len(pairs) // 2)))
    tasks, maps = verify_tasks(pairs, articles, detector, with_features, chunk)
    out: list[Verified] = []
    for results, index_map in zip(engine.map(run_verify, tasks), maps, strict=True):
        out += relocate(results, index_map)
        if progress:
            progress.advance(len(results))
    out.sort(key=lambda v: (v.a, v.b))  # the order of the candidate pairs, whatever the chunking
    return out


def _repeat_rows(ids: list[str], repeats: dict[int, list[RepeatBlock]]) -> list[dict[str, Any]]:
    return [
        {"id": ids[i], "blocks": [{"first": list(r.first), "repeat": list(r.repeat)} for r in blocks]}
        for i, blocks in sorted(repeats.items())
    ]


def scan_articles(
    articles: Sequence[Article],
    detector: Detector | None = None,
    progress: Progress | None = None,
    with_features: bool = False,
    engine: Engine | None = None,
) -> ScanResult:
    """Scan articles already in memory (the library entry point; `dedup scan` streams its inputs).

    `engine` runs the sign and verify stages (default: in this process).
    """
    detector = detector or Detector()
    clock = time.perf_counter()
    with batch_gc(), _kept(engine):
        shard = _sign_all(articles, detector, progress, engine)
        ids, published = [a.id for a in articles], [a.published for a in articles]
        stage = _Stage(detector, progress, with_features, engine)
        return _finish(shard, lambda _: articles, stage, ids, published, clock)


@dataclass(frozen=True)
class _Stage:
    detector: Detector
    progress: Progress | None
    with_features: bool
    engine: Engine | None
    checkpoints: Checkpoints = field(default_factory=NoCheckpoints)


def _finish(
    shard: SignedShard,
    fetch: Callable[[set[int]], Sequence[Article]],
    stage: _Stage,
    ids: list[str],
    published: list[datetime | None],
    clock: float,
) -> ScanResult:
    """Candidates, verification and clusters of a signed corpus; `fetch` gives the articles that
    verification reads (a sequence indexed by corpus position, holding at least the asked ones)."""
    detector, checkpoints = stage.detector, stage.checkpoints
    timings = dict(shard.timings)
    t = time.perf_counter()
    rank = publication_rank(published)
    _start(stage.progress, "candidates", None)
    candidates = checkpoints.stage("candidates", lambda: candidates_of(shard, detector, rank))
    timings["candidates"] = time.perf_counter() - t
    t = time.perf_counter()
    articles = fetch(_needed(candidates, shard))
    verified = checkpoints.stage("verify", lambda: _verified(candidates, articles, shard, stage))
    timings["verify"] = time.perf_counter() - t
    _start(stage.progress, "cluster", None)
    window = detector.config.cluster_window_days
    n_tokens, n_candidates = shard.n_tokens.tolist(), len(candidates.pairs)
    return scan_result(verified, ids, published, n_tokens, shard.repeats, n_candidates, timings, clock, window)


def _start(progress: Progress | None, stage: str, total: int | None) -> None:
    if progress:
        progress.start(stage, total)


def candidates_of(shard: SignedShard, detector: Detector, rank: np.ndarray | None) -> Candidates:
    """The candidate pairs of a signed corpus, as the scan finds them; `rank`: `publication_rank`."""
    return find_candidates(shard, detector.config.lsh, detector.weights, rank)


def _verified(candidates: Candidates, articles: Sequence[Article], shard: SignedShard, stage: _Stage) -> list[Verified]:
    detector = stage.detector
    verified = list(exact_relations(candidates, articles, detector))
    verified += _verify_all(candidates, articles, detector, stage.with_features, stage.progress, stage.engine)
    members = members_of_related_groups(candidates, verified)
    if len(members.pairs):
        verified += _verify_all(members, articles, detector, stage.with_features, None, stage.engine)
    return drop_boilerplate_partials(verified, articles, detector, shard)


def scan_result(
    verified: list[Verified],
    ids: list[str],
    published: list[datetime | None],
    n_tokens: list[int],
    repeats: dict[int, list[RepeatBlock]],
    n_candidates: int,
    timings: dict[str, float],
    clock: float,
    window_days: float,
    clusters: list[Cluster] | None = None,
) -> ScanResult:
    """The scan's findings from its verified pairs: relations in pair order, clusters (built here
    unless given), repeats."""
    t = time.perf_counter()
    related = sorted((v for v in verified if v.decision is not None), key=lambda v: (v.a, v.b))
    if clusters is None:
        edges = [cluster_edge(v.a, v.b, d) for v in related if (d := v.decision) is not None and d.one_story]
        clusters = build_clusters(ids, edges, published, n_tokens, window_days)
    timings["cluster"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - clock
    return ScanResult(
        relations=[relation_record(ids[v.a], ids[v.b], v.decision) for v in related if v.decision is not None],
        repeats=_repeat_rows(ids, repeats),
        clusters=clusters,
        errors=[],
        features=[v.features for v in verified if v.features is not None],
        timings=timings,
        candidates=n_candidates,
        articles=len(ids),
    )


def cluster_edge(a: int, b: int, d: Decision) -> Edge:
    """A relation for clustering; what each side adds at its edges counts as site chrome only
    between copies (a rewrite adds its own wording everywhere)."""
    added = d.added if d.relation in ("copy", "near_duplicate") else (0, 0)
    return Edge(a, b, d.relation, d.score, *added)


def members_of_related_groups(candidates: Candidates, verified: list[Verified]) -> Candidates:
    """Pairs of the members of two exact groups whose first members are related (not exact), but for
    the pair of firsts itself.

    Candidates are found between groups' first members; an outlet's copy identical to another's must
    still be related to the wire story itself, and to each copy of it, with passages in its own text
    (the index pairs them alike as they arrive: `dedup.index.incremental`)."""
    rep = candidates.representative
    members: dict[int, list[int]] = {}
    for i in np.flatnonzero(rep != np.arange(len(rep))).tolist():
        members.setdefault(int(rep[i]), []).append(i)
    extra: set[tuple[int, int]] = set()
    for v in verified:
        if v.decision is None or v.decision.relation == "exact":
            continue
        # Every member of one group with every member of the other: two outlets' copies of two
        # related stories are related too.
        left, right = [v.a, *members.get(v.a, ())], [v.b, *members.get(v.b, ())]
        extra.update((min(x, y), max(x, y)) for x in left for y in right if x != y and {x, y} != {v.a, v.b})
    pairs = np.array(sorted(extra), dtype=np.int64).reshape(-1, 2)
    return Candidates(rep, pairs)


def publication_rank(published: Sequence[datetime | None]) -> np.ndarray:
    """Each article's place in publication order (undated ones after, in input order)."""
    keys = [(0, p.timestamp(), i) if p is not None else (1, 0.0, i) for i, p in enumerate(published)]
    rank = np.empty(len(keys), dtype=np.int64)
    rank[[k[2] for k in sorted(keys)]] = np.arange(len(keys))
    return rank


def _needed(candidates: Candidates, shard: SignedShard) -> set[int]:
    """Corpus positions verification and the report read: candidate pairs, exact groups, repeats."""
    rep = candidates.representative
    grouped = np.flatnonzero(rep != np.arange(len(rep)))
    parts = [candidates.pairs.ravel(), grouped, rep[grouped], np.fromiter(shard.repeats, dtype=np.int64)]
    return set(np.concatenate(parts).tolist())


def read_articles(paths: Iterable[Path | str], max_chars: int) -> tuple[list[Article], list[RecordError]]:
    """All good articles and all record errors of the inputs."""
    articles: list[Article] = []
    errors: list[RecordError] = []
    for item in read_inputs(paths, max_chars):
        (articles if isinstance(item, Article) else errors).append(item)  # type: ignore[arg-type]
    return articles, errors


def scan(
    inputs: Iterable[Path | str | InputFile],
    out_dir: Path,
    detector: Detector | None = None,
    progress: Progress | None = None,
    with_features: bool = False,
    on_error: Callable[[RecordError], None] | None = None,
    texts: dict[str, str] | None = None,
    engine: Engine | None = None,
    checkpoints: Checkpoints | None = None,
) -> dict[str, Any]:
    """Scan input files into `out_dir` (relations, repeats, clusters, summary, errors, report.html);
    returns the summary.

    When `texts` is given, it is filled with the id -> text of every article that appears in a
    relation or has repeats, for reports that quote them. `checkpoints` keeps each stage's output
    (see `dedup.scan.manifest`; default: nothing kept).
    """
    clock = time.perf_counter()
    stage = _Stage(detector or Detector(), progress, with_features, engine, checkpoints or NoCheckpoints())
    with open_inputs(inputs) as files:
        return _scan_files(files.files, out_dir, stage, on_error, texts, clock)


def _scan_files(
    inputs: list[InputFile],
    out_dir: Path,
    stage: _Stage,
    on_error: Callable[[RecordError], None] | None,
    texts: dict[str, str] | None,
    clock: float,
) -> dict[str, Any]:
    detector, progress, engine = stage.detector, stage.progress, stage.engine
    stream = InputStream(inputs, detector, on_error, SHARD_SIZE)
    _start(progress, "sign", None)
    # Writing the outputs too: the report's rows are many small containers, and the default
    # thresholds would traverse the whole heap for them (Reuters: 0.06 s of full collections).
    with batch_gc():
        with _kept(engine):
            signed = stage.checkpoints.stage(
                "sign", lambda: (_sign_tasks(stream.tasks(), detector, progress, engine), stream.signed_state())
            )
            shard = signed[0]
            stream.resume(*signed[1])
            result = _finish(shard, stream.load, stage, stream.ids, stream.published, clock)
        result.errors = stream.errors
        result.timings["read"] = stream.read_seconds
        summary = finish_outputs(out_dir, result, {a.id: a for a in stream.loaded.values()}, progress)
    stage.checkpoints.finish(OUTPUT_FILES)
    if texts is not None:
        wanted = {r["a"] for r in result.relations} | {r["b"] for r in result.relations}
        wanted |= {r["id"] for r in result.repeats}
        texts.update({a.id: a.text for a in stream.loaded.values() if a.id in wanted})
    return summary
