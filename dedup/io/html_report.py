"""`report.html`: what a scan found, for a person to read, in one self-contained file.

The page (dedup/io/report_template.html) holds its styles, its script and the scan's findings as
JSON: no network, no CDN, it opens offline. It shows the summary figures and relation counts, the
relations (searchable, fifty to a page) with the two texts side by side, verbatim and rewritten
passages marked apart, each article's repeated blocks marked, and the largest clusters with titles
and dates. Texts are embedded for the relations first, up to `text_budget` characters, so the file
stays openable for an archive of millions; relations past the budget are listed without their texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from dedup.article import Article
from dedup.cluster import Cluster

__all__ = ["REPORT_NAME", "TEXT_BUDGET", "report_data", "write_html_report"]

REPORT_NAME = "report.html"
TEXT_BUDGET = 40_000_000  # characters of article text embedded at most
_PLACEHOLDER = "/*__DATA__*/"
_SUMMARY_FIELDS = (
    "articles", "rejected", "warnings", "candidate_pairs", "relations",
    "articles_with_repeats", "clusters", "clustered_articles",
)  # fmt: skip


def utf16_offsets(text: str) -> Any:
    """A function from offsets in `text` (code points, as every output gives them) to offsets in the
    browser's UTF-16 string: characters beyond U+FFFF take two units there."""
    if text.isascii() or max(map(ord, text)) < 0x10000:
        return lambda i: i
    extra, count = [0], 0
    for ch in text:
        count += ord(ch) > 0xFFFF
        extra.append(count)
    return lambda i: i + extra[min(max(i, 0), len(text))]


class _Articles:
    """The articles the page refers to, each once, numbered in order of first reference."""

    def __init__(self, articles: Mapping[str, Article], budget: int) -> None:
        self.source, self.budget = articles, budget
        self.index: dict[str, int] = {}
        self.rows: list[dict[str, Any]] = []
        self.units: dict[str, Any] = {}

    def ref(self, rid: str, with_text: bool = True) -> int:
        if rid not in self.index:
            self.index[rid] = len(self.rows)
            a = self.source.get(rid)
            row: dict[str, Any] = {"id": rid, "title": a.title if a else None, "published": _date(a)}
            self.rows.append(row)
        row = self.rows[self.index[rid]]
        a = self.source.get(rid)
        if with_text and "text" not in row and a is not None and self.budget >= len(a.text):
            self.budget -= len(a.text)
            row["text"] = a.text
        return self.index[rid]

    def to_units(self, rid: str, offset: int) -> int:
        if rid not in self.units:
            a = self.source.get(rid)
            self.units[rid] = utf16_offsets(a.text) if a is not None else (lambda i: i)
        return int(self.units[rid](offset))


def _date(a: Article | None) -> str | None:
    published: datetime | None = a.published if a is not None else None
    return published.isoformat() if published is not None else None


def _relation_row(r: dict[str, Any], arts: _Articles) -> list[Any]:
    a, b = arts.ref(r["a"]), arts.ref(r["b"])
    derived = {r["a"]: a, r["b"]: b}.get(r.get("derived"))
    evidence = [
        [arts.to_units(r["a"], e["a"][0]), arts.to_units(r["a"], e["a"][1]),
         arts.to_units(r["b"], e["b"][0]), arts.to_units(r["b"], e["b"][1]), e["kind"]]
        for e in r.get("evidence", [])
    ]  # fmt: skip
    why = r.get("why")
    return [a, b, r["relation"], derived, r.get("coverage", 0.0), r.get("score", 0.0), evidence, why or []]


def report_data(
    summary: Mapping[str, Any],
    relations: Iterable[dict[str, Any]],
    repeats: Iterable[dict[str, Any]],
    clusters: Iterable[Cluster],
    articles: Mapping[str, Article],
    text_budget: int = TEXT_BUDGET,
) -> dict[str, Any]:
    """The page's data: compact rows of relations, clusters (largest first) and repeats, referring
    to articles by number. A relation's `why` (its reasons, when the detector gives them) is shown
    under it; other fields stay in relations.jsonl."""
    arts = _Articles(articles, text_budget)
    rows = [_relation_row(r, arts) for r in relations]
    with_repeats = []
    for r in repeats:
        i = arts.ref(r["id"])
        convert = lambda o, rid=r["id"]: arts.to_units(rid, o)  # noqa: E731
        arts.rows[i]["repeats"] = [
            [[convert(b["first"][0]), convert(b["first"][1])], [convert(b["repeat"][0]), convert(b["repeat"][1])]]
            for b in r["blocks"]
        ]
        with_repeats.append(i)
    largest = sorted(clusters, key=lambda c: (-len(c.members), c.cluster))
    cluster_rows = [
        [c.cluster, [arts.ref(m, with_text=False) for m in c.members], arts.ref(c.canonical, with_text=False)]
        for c in largest
    ]
    return {
        "summary": {k: summary[k] for k in _SUMMARY_FIELDS if k in summary},
        "articles": arts.rows,
        "relations": rows,
        "clusters": cluster_rows,
        "repeats": with_repeats,
    }


def _template() -> str:
    return resources.files("dedup.io").joinpath("report_template.html").read_text(encoding="utf-8")


def write_html_report(out_dir: Path, data: dict[str, Any]) -> Path:
    """Write DIR/report.html (atomically) from `report_data`; returns its path."""
    # "</script>" or "<!--" inside a script element would end or change it; JSON reads "\\u003c" as "<".
    payload = orjson.dumps(data).decode().replace("<", "\\u003c")
    page = _template().replace(_PLACEHOLDER, payload, 1)
    path = out_dir / REPORT_NAME
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path
