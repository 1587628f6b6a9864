"""Stage 3b of a scan: joint decisions over the sources of each derived article.

Verification decides each pair alone; an article put together from several wire takes is then
partly reused from each. Here the pairs of one derived article are decided together
(`dedup.detect.sources.joint_decisions`); the supports they carried are dropped afterwards.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from dedup.batch.verify import Verified
from dedup.detect.relation import Model
from dedup.detect.sources import joint_decisions

__all__ = ["join_sources"]


def join_sources(verified: Sequence[Verified], model: Model) -> list[Verified]:
    """`verified` with the pairs of each derived article that has two or more supports decided
    jointly; every support dropped. Order is kept."""
    groups: dict[int, list[int]] = {}
    for k, v in enumerate(verified):
        if v.support is not None:
            groups.setdefault(v.a if v.support.derived == "a" else v.b, []).append(k)
    out = [dataclasses.replace(v, support=None) if v.support is not None else v for v in verified]
    for derived, members in groups.items():
        if len(members) < 2:
            continue
        supports = [s for k in members if (s := verified[k].support) is not None]
        decisions, joins = joint_decisions(supports, [verified[k].decision for k in members], model)
        if not any(joins):
            continue
        sources = tuple(sorted(_other(verified[k], derived) for k, j in zip(members, joins, strict=True) if j))
        for k, decision, j in zip(members, decisions, joins, strict=True):
            if j:
                out[k] = dataclasses.replace(out[k], decision=decision, sources=sources)
    return out


def _other(v: Verified, derived: int) -> int:
    return v.b if v.a == derived else v.a
