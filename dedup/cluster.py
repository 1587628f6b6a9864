"""Clusters of one story's copies, with a canonical member per cluster.

Relations join articles strongest first (exact, near_duplicate, copy, rewrite; partial reuse does not
make two articles one story, nor a copy that is not `one_story`: the callers leave those out). A join
that would put two dated articles more than a window apart in one cluster is made only when every such
pair is itself related as exact or near_duplicate: a chain of days does not make one story of a daily
form whose days happen to print the same figures.

The canonical member is the earliest published; among equals (or undated), the one that adds the
least around what it shares (no site header and footer), then the most complete text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["CLUSTERING_RELATIONS", "STRONG_RELATIONS", "Cluster", "Edge", "UnionFind", "build_clusters"]

CLUSTERING_RELATIONS = frozenset({"exact", "near_duplicate", "copy", "rewrite"})
STRONG_RELATIONS = frozenset({"exact", "near_duplicate"})
_ORDER = {"exact": 0, "near_duplicate": 1, "copy": 2, "rewrite": 3}
_MAX_CHECKED_PAIRS = 10_000  # a join spanning more than the window is checked pair by pair up to this


@dataclass(frozen=True)
class Edge:
    """A relation between articles a and b (indices), its strength, and what each side adds around
    what it shares (edge tokens: a site's header and footer)."""

    a: int
    b: int
    relation: str
    score: float = 1.0
    added_a: int = 0
    added_b: int = 0


class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def grow(self, n: int) -> None:
        """Add singletons up to n elements (a stream's new articles)."""
        start = len(self.parent)
        self.parent.extend(range(start, n))
        self.size.extend([1] * (n - start))

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> int:
        """Join the sets of a and b; the root of the joined set."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        return ra


@dataclass(frozen=True)
class Cluster:
    """Members in input order and the canonical member."""

    cluster: int
    members: tuple[str, ...]
    canonical: str


class _WindowedSets:
    """Union-find whose sets remember their members and the span of their dates."""

    def __init__(self, published: Sequence[datetime | None], window: timedelta, strong: set[tuple[int, int]]) -> None:
        self.uf = UnionFind(len(published))
        self.published, self.window, self.strong = published, window, strong
        self.members: dict[int, list[int]] = {}
        self.span: dict[int, tuple[datetime, datetime] | None] = {}

    def _of(self, root: int) -> tuple[list[int], tuple[datetime, datetime] | None]:
        if root not in self.members:
            when = self.published[root]
            self.members[root], self.span[root] = [root], (when, when) if when is not None else None
        return self.members[root], self.span[root]

    def join(self, a: int, b: int) -> None:
        ra, rb = self.uf.find(a), self.uf.find(b)
        if ra == rb:
            return
        (ma, sa), (mb, sb) = self._of(ra), self._of(rb)
        span = sa if sb is None else sb if sa is None else (min(sa[0], sb[0]), max(sa[1], sb[1]))
        if span is not None and span[1] - span[0] > self.window and not self._directly_strong(ma, mb):
            return
        root = self.uf.union(ra, rb)
        other = rb if root == ra else ra
        self.members[root] = ma + mb
        self.span[root] = span
        self.members.pop(other, None)
        self.span.pop(other, None)

    def _directly_strong(self, ma: list[int], mb: list[int]) -> bool:
        """Every pair of the two sets further apart than the window is related exact or near_duplicate."""
        if len(ma) * len(mb) > _MAX_CHECKED_PAIRS:
            return False
        for x in ma:
            for y in mb:
                tx, ty = self.published[x], self.published[y]
                apart = tx is not None and ty is not None and abs(tx - ty) > self.window
                if apart and (min(x, y), max(x, y)) not in self.strong:
                    return False
        return True


def _canonical(
    members: Sequence[int], published: Sequence[datetime | None], size: Sequence[int], chrome: dict[int, int]
) -> int:
    """Earliest published, then least added around the shared text, then the most complete, then first."""
    dated = [m for m in members if published[m] is not None]
    pool = [m for m in dated if published[m] == min(published[d] for d in dated)] if dated else list(members)  # type: ignore[type-var]
    return min(pool, key=lambda m: (chrome.get(m, 0), -size[m], m))


def build_clusters(
    ids: Sequence[str],
    relations: Iterable[Edge],
    published: Sequence[datetime | None],
    size: Sequence[int],
    window_days: float = 3.0,
) -> list[Cluster]:
    """Clusters of two or more articles joined by clustering relations, numbered by first member."""
    edges = sorted(
        (e for e in relations if e.relation in CLUSTERING_RELATIONS),
        key=lambda e: (_ORDER[e.relation], -e.score, min(e.a, e.b), max(e.a, e.b)),
    )
    strong = {(min(e.a, e.b), max(e.a, e.b)) for e in edges if e.relation in STRONG_RELATIONS}
    sets = _WindowedSets(published, timedelta(days=window_days), strong)
    chrome: dict[int, int] = {}
    for e in edges:
        sets.join(e.a, e.b)
        chrome[e.a] = max(chrome.get(e.a, 0), e.added_a)
        chrome[e.b] = max(chrome.get(e.b, 0), e.added_b)
    groups: dict[int, list[int]] = {}
    for i in range(len(ids)):
        groups.setdefault(sets.uf.find(i), []).append(i)
    multi = sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])
    return [
        Cluster(n, tuple(ids[m] for m in g), ids[_canonical(g, published, size, chrome)]) for n, g in enumerate(multi)
    ]
