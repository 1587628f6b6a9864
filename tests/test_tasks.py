"""Verification chunks: every candidate pair verified once, with few articles prepared again."""

from __future__ import annotations

import random

import numpy as np

from dedup.article import Article
from dedup.detector import Detector
from dedup.scan.tasks import _by_locality, verify_tasks


def _star_pairs(groups: int, size: int, seed: int = 3) -> list[tuple[int, int]]:
    """Groups of articles whose members all pair up, numbered so that groups interleave."""
    ids = list(range(groups * size))
    random.Random(seed).shuffle(ids)
    pairs = []
    for g in range(groups):
        members = sorted(ids[g * size : (g + 1) * size])
        pairs += [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
    return sorted(pairs)


def _prepared(tasks_pairs: list[list[tuple[int, int]]]) -> int:
    return sum(len({i for p in chunk for i in p}) for chunk in tasks_pairs)


def test_locality_order_keeps_every_pair_once() -> None:
    pairs = _star_pairs(40, 6)
    assert sorted(_by_locality(pairs)) == pairs


def test_chunks_prepare_each_group_once_when_groups_fit_in_a_chunk() -> None:
    pairs = _star_pairs(40, 6)  # 15 pairs per group, 600 in all
    articles = [Article(str(i), f"text {i}") for i in range(240)]
    detector = Detector()
    tasks, maps = verify_tasks(pairs, articles, detector, False, chunk=150)
    chunks = [[(m[a], m[b]) for a, b in t.pairs] for t, m in zip(tasks, maps, strict=True)]
    assert sorted(p for c in chunks for p in c) == pairs
    # Index order scatters each group over every chunk; by locality a group is cut at most once.
    in_index_order = _prepared([pairs[s : s + 150] for s in range(0, len(pairs), 150)])
    assert _prepared(chunks) <= 240 + len(chunks) * 6 < in_index_order


def _worker_pid(_: int) -> int:
    import os

    return os.getpid()


def test_process_engine_keeps_its_workers_across_maps_inside_a_with_block() -> None:
    from dedup.scan.engine import ProcessEngine

    engine = ProcessEngine(2)
    with engine:
        first = set(engine.map(_worker_pid, range(8)))
        assert engine._pool is not None
        workers = set(engine._pool._processes)  # type: ignore[attr-defined]
        second = set(engine.map(_worker_pid, range(8)))
    assert first | second <= workers  # one pool: signing's warm workers verify
    assert engine._pool is None  # shut down on exit
    assert set(engine.map(_worker_pid, range(4))).isdisjoint(workers)  # outside: a pool per map, as before


def test_exact_relations_are_the_same_whatever_the_chunk() -> None:
    from dedup.candidates import Candidates
    from dedup.scan.verify import exact_relations

    story = "The council approved the budget on Monday after a long debate about the roads."
    other = "A storm closed the harbour for two days and the ferries stayed in port."
    articles = [
        Article(id=str(i), text=t)
        for i, t in enumerate([story, other, story, "  " + story + "\n", other, "Something else entirely happened."])
    ]
    detector = Detector()
    rep = np.array([0, 1, 0, 0, 1, 5])
    found = {
        chunk: [
            (v.a, v.b, v.decision.relation if v.decision else None)
            for v in exact_relations(Candidates(rep, np.empty((0, 2), dtype=np.int64)), articles, detector, chunk)
        ]
        for chunk in (1, 2, 1000)
    }
    assert found[1] == found[2] == found[1000] == [(0, 2, "exact"), (0, 3, "exact"), (1, 4, "exact")]
