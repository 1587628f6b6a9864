"""Labelled pairs of every development corpus, in one shape, for fitting and judging the decision.

Each corpus becomes `LabelledPair`s: two articles, a coarse label (`none`, `partial`, `whole`, or
`related` where a corpus says only that), the typed relation where the corpus knows it, which side
is derived where it is known, the group that cross-validation keeps together (a story, a source
and its variants, a connected set of audited pairs) and the unit a figure is counted by (METER
counts a newspaper article once, against all the PA files of its story).

- `meter`: each labelled newspaper article against each PA file of its story (wholly -> whole,
  partially -> partial, non -> none); grouped by story; unit = the newspaper article.
- `mrpc`: sentence pairs (paraphrase -> whole, a `rewrite`; else none); each pair its own group.
- `reuters_audit`: the hand-labelled Reuters pairs (same_story -> related, lookalike -> none);
  grouped by connected component.
- `reuters_types`: the type audit's Reuters pairs (a random sample of a scan's relations, read
  blind): unrelated -> none, partial -> partial, the other types -> whole; grouped by component.
- `suite`: the generated syndication suite (variants of Reuters stories, typed; look-alike pairs
  and same-topic negatives -> none), grouped by source.
- `fiction`: the project's fictional corpus (`corpora/fiction`): rewrites, briefs, follow-ups
  (typed), independent reports, templates and same-topic stories (none), grouped by story.

`answers` (`corpora/answers`: short answers cut, lightly or heavily revised from a source text
without figures, and independent answers) is not in `CORPORA`: no fit sees it, so the scan's
figures on it (`benchmarks.quality.pipeline`) are of text the recipe never saw.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.baselines.methods import components
from benchmarks.data.loaders import contract_record, load_meter, load_mrpc, load_reuters, meter_story
from benchmarks.data.suite import load_fiction_rewrites, load_seed_rewrites, make_suite
from benchmarks.quality.reuters import load_audit
from dedup.article import Article, article_from_mapping

__all__ = [
    "CORPORA",
    "LabelledPair",
    "answers_pairs",
    "fiction_pairs",
    "labelled_pairs",
    "meter_pairs",
    "mrpc_pairs",
    "suite_pairs",
]

CORPORA = ("meter", "mrpc", "reuters_audit", "reuters_types", "suite", "fiction")
METER_LEVEL = {"wholly": "whole", "partially": "partial", "non": "none"}
WHOLE = frozenset({"exact", "near_duplicate", "copy", "rewrite"})
PROJECT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LabelledPair:
    """Two articles and what a person said of them."""

    corpus: str
    group: str
    unit: str
    a: Article
    b: Article
    label: str  # none | partial | whole | related
    relation: str | None = None  # the typed relation, where the corpus knows it
    derived: str | None = None  # "a" | "b" where the corpus knows which side was taken from the other

    @property
    def related(self) -> bool:
        return self.label != "none"


def _article(record: dict[str, Any]) -> Article:
    return article_from_mapping(contract_record(record))


def meter_pairs(corpora: Path) -> list[LabelledPair]:
    articles, labels, stories = load_meter(corpora / "meter-dev")
    by_id = {a["id"]: a for a in articles}
    out = []
    for paper, cls in sorted(labels.items()):
        for pa in stories.get(paper, []):
            out.append(
                LabelledPair(
                    "meter",
                    meter_story(paper),
                    paper,
                    _article(by_id[pa]),
                    _article(by_id[paper]),
                    METER_LEVEL[cls],
                    None,
                    "b",
                )
            )
    return out


def mrpc_pairs(corpora: Path) -> list[LabelledPair]:
    rows = load_mrpc(corpora / "mrpc-train" / "msr_paraphrase_train.txt")
    return [
        LabelledPair(
            "mrpc",
            pid,
            pid,
            Article(f"{pid}/a", a),
            Article(f"{pid}/b", b),
            "whole" if y else "none",
            "rewrite" if y else None,
        )
        for pid, a, b, y in rows
    ]


def _components(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Each article's connected component (named by its first member), for grouped folds."""
    return {m: group[0] for group in components([frozenset(p) for p in pairs]) for m in group}


def reuters_audit_pairs(corpora: Path, reuters: Sequence[dict[str, Any]] | None = None) -> list[LabelledPair]:
    audit = load_audit()
    by_id = {a["id"]: a for a in (reuters if reuters is not None else load_reuters(corpora / "reuters21578"))}
    labelled = [(tuple(sorted(k)), label) for k, (label, _) in audit.items() if label in ("same_story", "lookalike")]
    group = _components(k for k, _ in labelled)
    return [
        LabelledPair(
            "reuters_audit",
            group[a],
            f"{a}~{b}",
            _article(by_id[a]),
            _article(by_id[b]),
            "related" if label == "same_story" else "none",
        )
        for (a, b), label in sorted(labelled)
        if a in by_id and b in by_id
    ]


TYPE_AUDIT = PROJECT / "benchmarks" / "data" / "type_audit.jsonl"


def reuters_types_pairs(corpora: Path, reuters: Sequence[dict[str, Any]] | None = None) -> list[LabelledPair]:
    """The type audit's Reuters pairs (a random sample of one scan's relations, 25 of each type, read
    blind; `benchmarks.quality.type_audit`): unrelated -> none, partial -> partial, others -> whole."""
    rows = [json.loads(line) for line in TYPE_AUDIT.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["label"] != "unsure"]
    by_id = {a["id"]: a for a in (reuters if reuters is not None else load_reuters(corpora / "reuters21578"))}
    group = _components((r["a"], r["b"]) for r in rows)
    out = []
    for r in rows:
        label = "none" if r["label"] == "unrelated" else "partial" if r["label"] == "partial" else "whole"
        relation = None if label == "none" else r["label"]
        a, b = by_id[r["a"]], by_id[r["b"]]
        out.append(
            LabelledPair(
                "reuters_types", group[r["a"]], f"{r['a']}~{r['b']}", _article(a), _article(b), label, relation
            )
        )
    return out


def suite_pairs(
    corpora: Path, seed: int = 13, n_sources: int = 60, reuters: Sequence[Any] | None = None
) -> list[LabelledPair]:
    """The syndication suite as the quality benchmark makes it (Reuters sources; no fiction, which is
    its own corpus here; the seeds' rewrite kept)."""
    reuters = list(reuters) if reuters is not None else load_reuters(corpora / "reuters21578")
    seeds = load_seed_rewrites(PROJECT / "corpora" / "seeds")
    articles, truth = make_suite(reuters, seed, n_sources, rewrites=seeds)
    by_id = {a["id"]: a for a in articles}
    out = []
    for a, b, rel, derived in truth.pairs:
        side = None if derived is None else ("a" if derived == a else "b")
        level = "whole" if rel in WHOLE else "partial"
        out.append(
            LabelledPair("suite", truth.groups[a], f"{a}~{b}", _article(by_id[a]), _article(by_id[b]), level, rel, side)
        )
    for a, b in truth.lookalikes:
        out.append(LabelledPair("suite", f"look:{a}", f"{a}~{b}", _article(by_id[a]), _article(by_id[b]), "none"))
    for art_id, role in sorted(truth.roles.items()):
        if role["role"] == "negative":
            src = role["of"]
            out.append(
                LabelledPair(
                    "suite", truth.groups[src], f"{src}~{art_id}", _article(by_id[src]), _article(by_id[art_id]), "none"
                )
            )
    return out


_FICTION_LINKS = {  # kind -> (reference field, coarse label, typed relation)
    "rewrite": ("rewrite_of", "whole", "rewrite"),
    "brief": ("brief_of", "whole", "copy"),
    "follow_up": ("follow_up_of", "partial", "partial"),
    "independent": ("independent_of", "none", None),
    "same_topic": ("topic_of", "none", None),
    "template": ("template_of", "none", None),
}


def fiction_pairs(path: Path | None = None) -> list[LabelledPair]:
    """Labelled pairs of the fictional corpus: each derived or look-alike article with the one it names."""
    path = path or PROJECT / "corpora" / "fiction" / "articles.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_id = {r["id"]: r for r in rows}
    out = []
    for row in rows:
        link = _FICTION_LINKS.get(row.get("kind", ""))
        other = by_id.get(row.get(link[0], "")) if link else None
        if link is None or other is None:
            continue
        _, level, relation = link
        derived = "b" if relation else None
        group = str(other.get("story") or other["id"])
        out.append(
            LabelledPair(
                "fiction", group, f"{other['id']}~{row['id']}", _article(other), _article(row), level, relation, derived
            )
        )
    if not any(p.relation == "rewrite" for p in out):  # older corpus files: rewrites only via suite's loader
        for orig, rew in load_fiction_rewrites(path):
            out.append(
                LabelledPair(
                    "fiction",
                    orig["id"],
                    f"{orig['id']}~{rew['id']}",
                    _article(orig),
                    _article(rew),
                    "whole",
                    "rewrite",
                    "b",
                )
            )
    return out


ANSWER_RELATION = {"cut": "copy", "light": "rewrite", "heavy": "rewrite"}


def answers_pairs(path: Path | None = None) -> list[LabelledPair]:
    """Labelled pairs of the short-answer corpus (`corpora/answers`, held out of every fit): each
    answer with its topic's source text (cut, light and heavy revisions -> whole; independent answers
    -> none); grouped by topic; unit = the answer."""
    path = path or PROJECT / "corpora" / "answers" / "answers.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    sources = {r["topic"]: r for r in rows if r["kind"] == "source"}
    out = []
    for row in rows:
        source = sources.get(row["topic"])
        if row["kind"] == "source" or source is None:
            continue
        relation = ANSWER_RELATION.get(row["kind"])
        label, derived = ("whole", "b") if relation else ("none", None)
        pair = (Article(source["id"], source["text"]), Article(row["id"], row["text"]))  # no outlet, no date
        out.append(LabelledPair("answers", row["topic"], row["id"], *pair, label, relation, derived))
    return out


def labelled_pairs(corpora: Path, names: Sequence[str] = CORPORA, quick: bool = False) -> dict[str, list[LabelledPair]]:
    """Every named corpus's labelled pairs (`quick`: a sample of each, for tests and trials)."""
    reuters = (
        load_reuters(corpora / "reuters21578") if {"reuters_audit", "reuters_types", "suite"} & set(names) else None
    )
    build = {
        "meter": lambda: meter_pairs(corpora),
        "mrpc": lambda: mrpc_pairs(corpora),
        "reuters_audit": lambda: reuters_audit_pairs(corpora, reuters),
        "reuters_types": lambda: reuters_types_pairs(corpora, reuters),
        "suite": lambda: suite_pairs(corpora, reuters=reuters),
        "fiction": lambda: fiction_pairs(),
        "answers": lambda: answers_pairs(),
    }
    out = {name: build[name]() for name in names}
    if quick:
        rng = random.Random(7)
        out = {k: v if len(v) <= 400 else rng.sample(v, 400) for k, v in out.items()}
    return out
