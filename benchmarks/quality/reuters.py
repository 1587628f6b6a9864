"""Reuters-21578 figures: exact-duplicate recall, sampled near-duplicate precision and templated
look-alikes merged, which need no labels, and the related pairs of a hand-labelled audit
(`reuters_audit.jsonl`).

The audit holds pairs the detector related, labelled by reading both stories, in four samples:
`low_overlap`, 60 drawn at random (seed 1) at commit 6fedd6a from its near_duplicate and copy pairs
whose word 5-gram containment is under 0.5; `refilled_leads`, 40 drawn at random (seed 5) at 6fedd6a
from its partial pairs whose leads pair in the same words with other figures or names; `random`, 80
drawn at random (seed 2026) at commit 69fe8e6, 20 of each relation other than exact; `random_partial`,
40 more partial pairs drawn at random (seed 7) at commit 0d013d9. `lookalike`: one
form filled in for other actors, or the same actor's form another day or edition with other figures
(two borrowers' eurobond issues, two weeks' deposit auctions, two USDA tables); `same_story`: one
story retold, updated, corrected, or reusing the other's background; `unsure`: left out of the
counts. Only ids and labels are kept, never the corpus's text."""

from __future__ import annotations

import itertools
import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.data.suite import title_template, word_shingles

__all__ = [
    "audit_figures",
    "exact_groups",
    "load_audit",
    "lookalikes_merged",
    "near_dup_precision",
    "reuters_figures",
    "reuters_sample",
    "same_entity",
]

PairKey = frozenset[str]
Article = dict[str, Any]
AUDIT = Path(__file__).resolve().parents[1] / "data" / "reuters_audit.jsonl"
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_TICKER = re.compile(r"<([A-Z][A-Z0-9]*)(?:\.[A-Z]+)?>")
# Legal-form words a second release of one company's results may add, drop or spell out.
_LEGAL = frozenset({
    "THE", "INC", "CORP", "CORPORATION", "CO", "COS", "LTD", "LP", "MLP", "PLC", "GROUP", "HOLDINGS", "AND",
    "BANCORP", "BANCORPORATION",
})  # fmt: skip


def fold(text: str) -> str:
    """Whitespace- and case-folded text (the exact-duplicate ground truth)."""
    return " ".join(text.lower().split())


def exact_groups(articles: Sequence[Article]) -> list[list[str]]:
    """Groups (2+) of ids whose bodies are equal after whitespace/case folding."""
    groups: dict[str, list[str]] = {}
    for art in articles:
        groups.setdefault(fold(art["text"]), []).append(art["id"])
    return [ids for ids in groups.values() if len(ids) > 1]


def _pairs_of(groups: Sequence[Sequence[str]]) -> set[PairKey]:
    return {frozenset(p) for g in groups for p in itertools.combinations(g, 2)}


def exact_recall(
    pairs: Mapping[PairKey, str | None], clusters: Sequence[Sequence[str]], truth: set[PairKey]
) -> dict[str, Any]:
    """Share of true exact-duplicate pairs reported (any relation / as 'exact') or co-clustered."""
    co = _pairs_of(clusters)
    n = max(1, len(truth))
    return {
        "pairs": len(truth),
        "recall_any_relation": sum(1 for p in truth if p in pairs) / n,
        "recall_as_exact": sum(1 for p in truth if pairs.get(p) == "exact") / n,
        "recall_same_cluster": sum(1 for p in truth if p in co) / n,
    }


def _contained(pair: PairKey, texts: Mapping[str, str], min_containment: float) -> bool:
    a, b = (word_shingles(texts[x]) for x in sorted(pair))
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= min_containment


def near_dup_precision(
    pairs: Sequence[PairKey],
    texts: Mapping[str, str],
    seed: int,
    sample: int = 200,
    min_containment: float = 0.5,
) -> dict[str, Any]:
    """Precision on a sample of reported pairs: correct when word 5-gram containment >= 0.5; and the
    same check over every reported pair (`precision_all`), which no sampling moves."""
    ordered = sorted(pairs, key=lambda p: sorted(p))
    chosen = random.Random(seed).sample(ordered, min(sample, len(ordered)))
    contained = {pair: _contained(pair, texts, min_containment) for pair in ordered}
    good = sum(contained[pair] for pair in chosen)
    return {
        "reported": len(ordered),
        "sampled": len(chosen),
        "precision": good / len(chosen) if chosen else None,
        "precision_all": sum(contained.values()) / len(ordered) if ordered else None,
    }


def _ticker(entity: str) -> str | None:
    found = _TICKER.search(entity)
    return found.group(1) if found else None


def _name(entity: str) -> tuple[str, ...]:
    # '<ACME CORP>' is how Reuters prints a company without a ticker: keep the name inside.
    text = re.sub(r"^CORRECTED\s*-\s*", " ", _TICKER.sub(" ", entity.upper()))
    return tuple(w for w in re.findall(r"[A-Z0-9]+", text.replace("'", "").replace(".", "")) if w not in _LEGAL)


def same_entity(ea: str, eb: str) -> bool:
    """Two title entities name one company: the same ticker ('<CB>' and '<CB>'), or the same name
    once legal forms, punctuation, a 'CORRECTED -' mark and tickers are dropped ('CHUBB CORP <CB>'
    and 'THE CHUBB CORP <CB>'; "INT'L HYDRON" is not 'INTERNATIONAL HYDRON' unless tickers agree)."""
    ta, tb = _ticker(ea), _ticker(eb)
    if ta is not None and ta == tb:
        return True
    na, nb = _name(ea), _name(eb)
    return bool(na) and na == nb


def _lookalike(a: Article, b: Article) -> bool:
    ta, tb = title_template(a.get("title")), title_template(b.get("title"))
    if ta is None or tb is None or ta[1] != tb[1] or same_entity(ta[0], tb[0]):
        return False
    return set(_NUMBER.findall(a["text"])) != set(_NUMBER.findall(b["text"]))


def lookalikes_merged(clusters: Sequence[Sequence[str]], by_id: Mapping[str, Article]) -> int:
    """Pairs in one cluster whose titles share a template, name different entities, and whose
    bodies hold different numbers (e.g. two companies' '4TH QTR NET')."""
    merged = 0
    for members in clusters:
        templated = [by_id[m] for m in members if m in by_id and title_template(by_id[m].get("title"))]
        merged += sum(1 for a, b in itertools.combinations(templated, 2) if _lookalike(a, b))
    return merged


def reuters_sample(articles: Sequence[Article], n: int, seed: int) -> list[Article]:
    """Up to n stories: exact-duplicate groups first (a quarter), templated stories, then random."""
    if n >= len(articles):
        return list(articles)
    rng = random.Random(seed)
    by_id = {a["id"]: a for a in articles}
    chosen: dict[str, Article] = {}
    groups = exact_groups(articles)
    rng.shuffle(groups)
    for ids in groups:
        if len(chosen) + len(ids) > n // 4:
            break
        chosen.update({i: by_id[i] for i in ids})
    templated = [a for a in articles if title_template(a.get("title")) and a["id"] not in chosen]
    for art in rng.sample(templated, min(len(templated), n // 4)):
        chosen[art["id"]] = art
    rest = [a for a in articles if a["id"] not in chosen]
    for art in rng.sample(rest, min(len(rest), n - len(chosen))):
        chosen[art["id"]] = art
    return sorted(chosen.values(), key=lambda a: a["id"])


def load_audit(path: Path = AUDIT) -> dict[PairKey, tuple[str, str]]:
    """The audited pairs: (label, sample), labels lookalike, same_story or unsure."""
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return {frozenset((str(r["a"]), str(r["b"]))): (str(r["label"]), str(r.get("sample", ""))) for r in rows}


def _audit_counts(
    related: set[PairKey], cluster_of: Mapping[str, int], audit: Mapping[PairKey, str], ids: set[str]
) -> dict[str, int]:
    out = {f"{key}{part}": 0 for key in ("lookalikes", "same_story") for part in ("", "_related", "_merged")}
    for pair, label in audit.items():
        if label not in ("lookalike", "same_story") or not pair <= ids:
            continue
        key = "lookalikes" if label == "lookalike" else "same_story"
        a, b = sorted(pair)
        out[key] += 1
        out[f"{key}_related"] += pair in related
        out[f"{key}_merged"] += a in cluster_of and cluster_of.get(a) == cluster_of.get(b)
    return out


def audit_figures(
    pairs: Iterable[PairKey],
    clusters: Sequence[Sequence[str]],
    audit: Mapping[PairKey, tuple[str, str]],
    ids: set[str],
) -> dict[str, Any]:
    """How many audited look-alikes and same-story pairs a method relates, and how many it puts in one
    cluster (audited pairs whose two stories are both among `ids`; unsure ones left out), in all and
    per sample (`by_sample`)."""
    related = set(pairs)
    cluster_of = {member: n for n, members in enumerate(clusters) for member in members}
    out: dict[str, Any] = _audit_counts(related, cluster_of, {p: lab for p, (lab, _) in audit.items()}, ids)
    samples = sorted({sample for _, sample in audit.values() if sample})
    out["by_sample"] = {
        name: _audit_counts(related, cluster_of, {p: lab for p, (lab, s) in audit.items() if s == name}, ids)
        for name in samples
    }
    return out


def reuters_figures(
    pairs: Mapping[PairKey, str | None],
    clusters: Sequence[Sequence[str]],
    articles: Sequence[Article],
    seed: int,
    near_relations: tuple[str, ...] | None,
) -> dict[str, Any]:
    """All three figures for one method; `near_relations` None means untyped pairs (baselines):
    their non-identical pairs are sampled instead of near_duplicate/copy ones."""
    by_id = {a["id"]: a for a in articles}
    texts = {a["id"]: a["text"] for a in articles}
    truth = _pairs_of(exact_groups(articles))
    if near_relations is None:
        near = [p for p in pairs if len({fold(texts[x]) for x in p}) == 2]
    else:
        near = [p for p, rel in pairs.items() if rel in near_relations]
    return {
        "exact": exact_recall(pairs, clusters, truth),
        "near_duplicate": near_dup_precision(near, texts, seed),
        "lookalikes_merged": lookalikes_merged(clusters, by_id),
        "lookalikes_related": lookalikes_merged([sorted(p) for p in pairs], by_id),
        "audit": audit_figures(pairs, clusters, load_audit(), set(by_id)),
        "largest_cluster": max((len(c) for c in clusters), default=0),
        "pairs_reported": len(pairs),
        "clusters": len(clusters),
    }
