"""Where labelled pairs are lost, stage by stage, and whether the scan and the index agree.

    python -m benchmarks.quality.pipeline [--corpora ../shared/corpora] [--agreement 3000]

For each development corpus (`benchmarks.quality.labelled`), its articles are scanned as `dedup scan`
scans them (sign, candidates, verify, cluster), and each labelled pair is followed:

- candidate recall: related pairs that reach verification (a candidate pair, or one exact group);
- decision with the pair given: related pairs the detector relates when handed the pair;
- end to end: related pairs the scan relates, and unrelated labelled pairs it relates;
- direction: of the pairs the scan relates whose source is known, `derived` right, wrong or None.

Then `--agreement N` Reuters stories are added one by one to an `Index` and scanned at once, and the
relations compared (same pair, same relation). MRPC's sentence pairs are independent pairs, not a
corpus to scan, and are left out here. `answers` (short answers written from a source text without
figures) is in no fit: its row is of text the shipped model never saw.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.data.loaders import contract_record, load_reuters
from benchmarks.quality.labelled import PROJECT, LabelledPair, labelled_pairs
from benchmarks.results_md import markers, publish
from dedup import scan_articles
from dedup.article import Article, article_from_mapping
from dedup.candidates import find_candidates
from dedup.config import SHARED_RUN_TOKENS, DetectorConfig, LSHConfig
from dedup.detector import Detector
from dedup.index import Index
from dedup.scan.run import publication_rank
from dedup.sketch.shard import sign_shard

__all__ = ["corpus_pipeline", "index_agreement", "main"]

SCANNED = ("meter", "reuters_audit", "suite", "fiction", "answers")


def _articles(pairs: Sequence[LabelledPair], reuters: Sequence[dict[str, Any]] | None) -> list[Article]:
    """The corpus's articles, each once; the Reuters audit is scanned within all of Reuters."""
    if reuters is not None:
        return [article_from_mapping(contract_record(r)) for r in reuters]
    seen: dict[str, Article] = {}
    for p in pairs:
        seen.setdefault(p.a.id, p.a)
        seen.setdefault(p.b.id, p.b)
    return list(seen.values())


def _reached(articles: Sequence[Article], detector: Detector) -> tuple[dict[str, int], set[tuple[int, int]], Any]:
    """Article positions, the candidate pairs (positions), and the exact-group representatives."""
    shard = sign_shard(list(articles), detector)
    rank = publication_rank([a.published for a in articles])
    candidates = find_candidates(shard, detector.config.lsh, detector.weights, rank)
    pairs = {(int(a), int(b)) for a, b in candidates.pairs.tolist()}
    return {a.id: i for i, a in enumerate(articles)}, pairs, candidates.representative


def corpus_pipeline(
    name: str,
    pairs: Sequence[LabelledPair],
    reuters: Sequence[dict[str, Any]] | None = None,
    detector: Detector | None = None,
) -> dict[str, Any]:
    """The stage-by-stage figures of one corpus's labelled pairs."""
    detector = detector or Detector()
    articles = _articles(pairs, reuters)
    at, candidates, rep = _reached(articles, detector)
    found = {frozenset((r["a"], r["b"])): r for r in scan_articles(articles, detector).relations}
    out: dict[str, Any] = {"articles": len(articles), "related_pairs": 0, "reached": 0, "given": 0, "end_to_end": 0}
    out.update({"unrelated_pairs": 0, "unrelated_related": 0, "direction": {"right": 0, "wrong": 0, "none": 0}})
    units: dict[str, list[bool]] = {}  # related unit -> reached, given, end to end (any of its pairs)
    for p in pairs:
        i, j = at[p.a.id], at[p.b.id]
        ri, rj = int(rep[i]), int(rep[j])
        reached = ri == rj or (min(ri, rj), max(ri, rj)) in candidates
        got = found.get(frozenset((p.a.id, p.b.id)))
        if not p.related:
            out["unrelated_pairs"] += 1
            out["unrelated_related"] += got is not None
            continue
        given = detector.decide(detector.prepare(p.a), detector.prepare(p.b)) is not None
        out["related_pairs"] += 1
        out["reached"] += reached
        out["given"] += given
        out["end_to_end"] += got is not None
        was = units.setdefault(p.unit, [False, False, False])
        units[p.unit] = [was[0] or reached, was[1] or given, was[2] or got is not None]
        if got is not None and p.derived is not None and got["relation"] not in ("exact", "near_duplicate"):
            want = p.a.id if p.derived == "a" else p.b.id
            key = "none" if got["derived"] is None else "right" if got["derived"] == want else "wrong"
            out["direction"][key] += 1
    out["related_units"] = len(units)
    out["units"] = [sum(u[k] for u in units.values()) for k in range(3)]
    return out


def index_agreement(articles: Sequence[Article]) -> dict[str, Any]:
    """Relations of articles added one by one to an Index against a scan of the same input."""
    index, added = Index(), set()
    for article in articles:
        added.update((r["a"], r["b"], r["relation"]) for r in index.add(article).relations)
    scanned = {(r["a"], r["b"], r["relation"]) for r in scan_articles(list(articles), Detector()).relations}
    same = len(added & scanned)
    return {
        "articles": len(articles),
        "index": len(added),
        "scan": len(scanned),
        "same": same,
        "agreement": same / max(1, len(added | scanned)),
        "index_only": len(added - scanned),
        "index_only_partial": sum(r[2] == "partial" for r in added - scanned),
        "scan_only": len(scanned - added),
    }


def markdown(results: dict[str, Any], command: str, name: str = "pipeline") -> str:
    start, end = markers(name)
    title = "## Where labelled pairs are lost: candidates, decision, end to end"
    if name != "pipeline":
        title += " (`dedup scan --shared-runs`)"
    lines = [start, title, "", f"`{command}`", ""]
    lines += [
        "| corpus | related pairs | reach verification | related, pair given | related by the scan "
        "| labelled unrelated related by the scan | derived right / wrong / None |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, r in results["corpora"].items():
        n, d = r["related_pairs"], r["direction"]
        share = {k: f"{r[k]} ({r[k] / max(1, n):.3f})" for k in ("reached", "given", "end_to_end")}
        unrelated = f"{r['unrelated_related']} of {r['unrelated_pairs']}"
        direction = f"{d['right']} / {d['wrong']} / {d['none']}"
        cells = [name, str(n), share["reached"], share["given"], share["end_to_end"], unrelated, direction]
        if r["related_units"] != n:  # METER: a newspaper article counts once, over its story's PA files
            reached_u, given_u, found_u = r["units"]
            cells[0] = f"{name} (articles: {r['related_units']}; reached {reached_u}, given {given_u}, scan {found_u})"
        lines.append("| " + " | ".join(cells) + " |")
    agree = results.get("agreement")
    if agree:
        lines += [
            "",
            f"Index and scan on the first {agree['articles']:,} Reuters stories: {agree['same']:,} relations alike, "
            f"{agree['index']:,} from the index, {agree['scan']:,} from the scan "
            f"(agreement {agree['agreement']:.3f}: same over either); {agree['scan_only']} from the scan alone, "
            f"{agree['index_only']} from the index alone, of which {agree['index_only_partial']} are partials: "
            "the scan drops a partial whose evidence lies in boilerplate (paragraphs printed in three or more of "
            "the whole corpus's clusters); the index counts them as the stories arrive, and keeps a partial "
            "resting on chrome it has not yet seen in three clusters.",
        ]
    return "\n".join([*lines, end, ""])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=PROJECT.parent / "shared" / "corpora")
    parser.add_argument(
        "--agreement", type=int, default=3000, help="Reuters stories for the index/scan check (0: skip)"
    )
    parser.add_argument("--out", type=Path, default=PROJECT / "benchmarks" / "results")
    parser.add_argument("--no-results-md", action="store_true")
    parser.add_argument(
        "--shared-runs", action="store_true", help="with the shared-run path on, as `dedup scan --shared-runs`"
    )
    args = parser.parse_args(argv)
    corpora = args.corpora.resolve()
    pairs = labelled_pairs(corpora, SCANNED)
    reuters = [r for r in load_reuters(corpora / "reuters21578") if str(r.get("text") or "").strip()]
    results: dict[str, Any] = {"corpora": {}}
    detector = Detector(DetectorConfig(lsh=LSHConfig(run_tokens=SHARED_RUN_TOKENS))) if args.shared_runs else None
    for name in SCANNED:
        reuters_if = reuters if name == "reuters_audit" else None
        results["corpora"][name] = corpus_pipeline(name, pairs[name], reuters_if, detector)
    if args.agreement and not args.shared_runs:
        results["agreement"] = index_agreement(
            [article_from_mapping(contract_record(r)) for r in reuters[: args.agreement]]
        )
    command = "python -m benchmarks.quality.pipeline " + " ".join(argv if argv is not None else sys.argv[1:])
    section = "pipeline_shared_runs" if args.shared_runs else "pipeline"
    publish(section, results, markdown(results, command.strip(), section), args.out, not args.no_results_md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
