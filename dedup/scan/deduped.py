"""`dedup dedup`: the archive without its duplicates, from a finished scan's folder and the inputs.

Which records go: the members of one cluster joined by a relation named in `drop` (by default
exact, near_duplicate and copy; a rewrite is another telling and stays unless asked) form groups,
and each group keeps one record: its cluster's canonical when the group holds it, otherwise the
group's earliest published record, then the longest text, then the first in input order. A relation
between two clusters (or unclustered articles) removes nothing: clusters are the scan's stories.
Every other record is kept, with all its fields as given. `annotate` keeps every record and says
what the scan found; `fix_repeats` cuts the second printing of each block an article repeats,
recording the spans removed.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from dedup.article import Article
from dedup.cluster import CLUSTERING_RELATIONS, UnionFind
from dedup.decide.relation import RELATIONS
from dedup.errors import ConfigError, InputError
from dedup.io.readers import Record, read_records
from dedup.io.sources import InputFile

__all__ = [
    "ANNOTATIONS",
    "DEFAULT_DROP",
    "DedupCounts",
    "DedupOptions",
    "DedupPlan",
    "cut_repeats",
    "deduplicated_records",
    "plan_from_scan",
]

DEFAULT_DROP = frozenset({"exact", "near_duplicate", "copy"})
# From the closest relation to the loosest: a path to the canonical is as close as its loosest step.
_CLOSENESS = ("exact", "near_duplicate", "copy", "rewrite", "partial")
ANNOTATIONS = ("cluster", "canonical", "relation_to_canonical", "kept", "duplicate_of")


@dataclass(frozen=True)
class DedupOptions:
    """What `dedup dedup` removes and adds."""

    drop: frozenset[str] = DEFAULT_DROP
    annotate: bool = False
    fix_repeats: bool = False

    def __post_init__(self) -> None:
        unknown = sorted(set(self.drop) - set(RELATIONS))
        if unknown:
            raise ConfigError(f"drop: unknown relation {', '.join(unknown)}; choose from {', '.join(RELATIONS)}")


def _rows(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        raise InputError(f"{path.parent}: no {path.name} here; give the folder of a finished `dedup scan`")
    with path.open("rb") as fh:
        for line in fh:
            if line.strip():
                yield orjson.loads(line)


@dataclass
class DedupPlan:
    """What the scan found, by article id, and the groups of records that dropped relations join."""

    cluster: dict[str, int] = field(default_factory=dict)
    canonical: dict[str, str] = field(default_factory=dict)  # member -> its cluster's canonical
    closeness: dict[str, str] = field(default_factory=dict)  # member -> loosest relation on its path
    group: dict[str, str] = field(default_factory=dict)  # member -> an id standing for its group
    keeper: dict[str, str] = field(default_factory=dict)  # group -> the record it keeps, once known
    joined_by: dict[str, str] = field(default_factory=dict)  # member -> its closest dropped relation
    repeats: dict[str, list[list[int]]] = field(default_factory=dict)  # id -> spans printed a second time

    def needs_choice(self) -> set[str]:
        """Ids of the groups whose kept record is not a canonical: chosen by date and length."""
        return {g for g in set(self.group.values()) if g not in self.keeper}

    def kept(self, rid: str) -> bool:
        g = self.group.get(rid)
        return g is None or self.keeper[g] == rid


def _edges(relations: Iterable[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(a, b, relation) of the relations that make two articles one story (records of older
    versions, without `one_story`, by their relation alone)."""
    return [(r["a"], r["b"], r["relation"]) for r in relations if r.get("one_story", True)]


def _closeness(canonical: str, members: set[str], adjacent: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    """Each member's loosest relation on a shortest path of clustering relations from the canonical."""
    rank = {r: k for k, r in enumerate(_CLOSENESS)}
    found: dict[str, str] = {canonical: "exact"}
    queue = deque([canonical])
    while queue:
        at = queue.popleft()
        for other, relation in sorted(adjacent.get(at, ()), key=lambda e: rank[e[1]]):
            if other in members and other not in found:
                found[other] = max(found[at], relation, key=rank.__getitem__)
                queue.append(other)
    del found[canonical]
    return found


def _groups(edges: list[tuple[str, str, str]]) -> dict[str, str]:
    """Member id -> the first-seen id of its group (records joined by these relations)."""
    ids: dict[str, int] = {}
    joined = [(ids.setdefault(a, len(ids)), ids.setdefault(b, len(ids))) for a, b, _ in edges]
    uf = UnionFind(len(ids))
    for a, b in joined:
        uf.union(a, b)
    names = list(ids)
    return {name: names[uf.find(i)] for i, name in enumerate(names)}


def plan_from_scan(scan_dir: Path, options: DedupOptions) -> DedupPlan:
    """The plan of a finished scan's folder (relations, clusters and repeats)."""
    edges = _edges(_rows(scan_dir / "relations.jsonl"))
    plan = DedupPlan()
    adjacent: dict[str, list[tuple[str, str]]] = {}
    for a, b, relation in edges:
        if relation in CLUSTERING_RELATIONS:
            adjacent.setdefault(a, []).append((b, relation))
            adjacent.setdefault(b, []).append((a, relation))
    for row in _rows(scan_dir / "clusters.jsonl"):
        number, canonical, members = row["cluster"], row["canonical"], set(row["members"])
        for m in members:
            plan.cluster[m] = number
            plan.canonical[m] = canonical
        plan.closeness.update(_closeness(canonical, members, adjacent))
    # Only within a cluster: clusters hold one story (a form reprinted days apart with other figures
    # is related, but two stories, and both stay).
    dropping = [e for e in edges if e[2] in options.drop and plan.cluster.get(e[0], -1) == plan.cluster.get(e[1])]
    plan.group = _groups(dropping)
    rank = {r: k for k, r in enumerate(_CLOSENESS)}
    for a, b, relation in dropping:
        for m in (a, b):
            plan.joined_by[m] = min(plan.joined_by.get(m, relation), relation, key=rank.__getitem__)
    for rid, g in plan.group.items():
        if plan.canonical.get(rid) == rid:
            plan.keeper[g] = rid
    for row in _rows(scan_dir / "repeats.jsonl"):
        plan.repeats[row["id"]] = [b["repeat"] for b in row["blocks"]]
    return plan


def _choose_keepers(plan: DedupPlan, inputs: list[InputFile], max_chars: int) -> None:
    """Keep, in each group without a canonical, the earliest published record, then the longest, then the first."""
    open_groups = plan.needs_choice()
    if not open_groups:
        return
    best: dict[str, tuple[tuple[bool, datetime | str, int, int], str]] = {}
    for position, item in enumerate(read_records(inputs, max_chars)):
        if not isinstance(item, tuple):
            continue
        article = item[1]
        g = plan.group.get(article.id)
        if g in open_groups:
            undated = article.published is None
            key = (undated, article.published or "", -len(article.text), position)
            if g not in best or key < best[g][0]:
                best[g] = (key, article.id)
    plan.keeper.update({g: rid for g, (_, rid) in best.items()})
    plan.keeper.update({g: g for g in open_groups - set(best)})  # scanned from other inputs: caught later


def cut_repeats(text: str, spans: list[list[int]]) -> tuple[str, list[list[int]]]:
    """The text without the spans (each widened back over the blank space before it, so no empty
    paragraph is left), and the spans removed, in offsets of the given text."""
    cuts: list[list[int]] = []
    for start, end in sorted(spans):
        start = len(text[:start].rstrip()) if text[:start].strip() else start
        if cuts and start <= cuts[-1][1]:
            cuts[-1][1] = max(cuts[-1][1], end)
        else:
            cuts.append([start, end])
    pieces, at = [], 0
    for start, end in cuts:
        pieces.append(text[at:start])
        at = end
    pieces.append(text[at:])
    return "".join(pieces), cuts


def _annotated(fields: dict[str, Any], article: Article, plan: DedupPlan) -> dict[str, Any]:
    rid = article.id
    g = plan.group.get(rid)
    keeper = plan.keeper.get(g) if g is not None else None
    return {
        **fields,
        "cluster": plan.cluster.get(rid),
        "canonical": plan.canonical.get(rid),
        "relation_to_canonical": plan.closeness.get(rid),
        "kept": keeper is None or keeper == rid,
        "duplicate_of": keeper if keeper is not None and keeper != rid else None,
    }


@dataclass
class DedupCounts:
    """What `deduplicated_records` read and wrote."""

    read: int = 0
    written: int = 0
    dropped: Counter[str] = field(default_factory=Counter)  # by the closest relation that joined it to its group
    repeats_cut: int = 0
    rejected: int = 0


def _output_row(record: Record, article: Article, plan: DedupPlan, options: DedupOptions) -> dict[str, Any]:
    row = _annotated(record.fields, article, plan) if options.annotate else dict(record.fields)
    spans = plan.repeats.get(article.id)
    if options.fix_repeats and spans:
        row["text"], removed = cut_repeats(article.text, spans)
        row["removed_repeats"] = removed
    return row


def deduplicated_records(
    inputs: list[InputFile], plan: DedupPlan, options: DedupOptions, max_chars: int, counts: DedupCounts
) -> Iterator[dict[str, Any]]:
    """The records to write, in input order, all their fields kept; `counts` is filled as they go.

    Raises InputError at the end if an article of the scan was not among the inputs (the scan was
    made from other inputs: its groups cannot be trusted), so that the writer keeps no output."""
    _choose_keepers(plan, inputs, max_chars)
    unseen = set(plan.group) | set(plan.cluster)
    for item in read_records(inputs, max_chars):
        if not isinstance(item, tuple):
            counts.rejected += item.severity == "error"
            continue
        record, article = item
        counts.read += 1
        unseen.discard(article.id)
        kept = plan.kept(article.id)
        if not kept:
            counts.dropped[plan.joined_by[article.id]] += 1
        if kept or options.annotate:
            row = _output_row(record, article, plan, options)
            counts.repeats_cut += "removed_repeats" in row
            counts.written += 1
            yield row
    if unseen:
        example = ", ".join(sorted(unseen)[:3])
        raise InputError(
            f"{len(unseen):,} articles of the scan are not in the inputs (such as {example}); "
            "give the inputs the scan was made from"
        )
