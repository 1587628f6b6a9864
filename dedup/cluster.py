"""Clusters of one story's copies: union-find over relations, with a canonical member per cluster."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["CLUSTERING_RELATIONS", "Cluster", "UnionFind", "build_clusters"]

# Partial reuse does not make two articles the same story; the other relations do.
CLUSTERING_RELATIONS = frozenset({"exact", "near_duplicate", "copy", "rewrite"})


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


@dataclass(frozen=True)
class Cluster:
    """Members in input order and the canonical member."""

    cluster: int
    members: tuple[str, ...]
    canonical: str


def _canonical(members: Sequence[int], published: Sequence[datetime | None], size: Sequence[int]) -> int:
    """Earliest published when any member has a date; otherwise the most complete text."""
    dated = [m for m in members if published[m] is not None]
    if dated:
        return min(dated, key=lambda m: (published[m], -size[m], m))
    return min(members, key=lambda m: (-size[m], m))


def build_clusters(
    ids: Sequence[str],
    relations: Iterable[tuple[int, int, str]],
    published: Sequence[datetime | None],
    size: Sequence[int],
) -> list[Cluster]:
    """Clusters of two or more articles joined by clustering relations, numbered by first member."""
    uf = UnionFind(len(ids))
    for a, b, relation in relations:
        if relation in CLUSTERING_RELATIONS:
            uf.union(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(ids)):
        groups.setdefault(uf.find(i), []).append(i)
    multi = sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])
    return [Cluster(n, tuple(ids[m] for m in g), ids[_canonical(g, published, size)]) for n, g in enumerate(multi)]
