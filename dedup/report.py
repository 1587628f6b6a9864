"""What a person reads: the scan summary and a comparison with its shared passages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from dedup.decide.relation import Decision
from dedup.prepare.segment import paragraphs

__all__ = ["print_comparison", "print_scan_report"]

out = Console(highlight=False, soft_wrap=True)
_SHOW = 20


def _snippet(text: str, span: list[int] | tuple[int, int], width: int = 90) -> str:
    piece = " ".join(text[span[0] : span[1]].split())
    return piece if len(piece) <= width else piece[: width - 1] + "…"


def _rows(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _repeat_line(rid: str, block: dict[str, Any], texts: dict[str, str]) -> str:
    f, s = block["first"], block["repeat"]
    where = f"chars {f[0]}-{f[1]} printed again at {s[0]}-{s[1]}"
    text = texts.get(rid)
    if text is None:
        return f"[cyan]repeat[/] in {rid}: {where}"
    n = len(paragraphs(text[f[0] : f[1]]))
    what = f"{n} paragraph" + ("s" if n != 1 else "")
    return f"[cyan]repeat[/] in {rid}: {what} ({where}): “{_snippet(text, f, 60)}”"


def print_scan_report(out_dir: Path, summary: dict[str, Any], texts: dict[str, str] | None = None) -> None:
    """Counts, then each repeated block and each relation (the first few of each)."""
    texts = texts or {}
    rel = summary["relations"]
    out.print(
        f"[bold]{summary['articles']}[/] articles scanned in {summary['seconds']:.2f} s; "
        f"{summary['rejected']} rejected, {summary['warnings']} warnings"
    )
    found = ", ".join(f"{v} {k}" for k, v in rel.items() if v) or "none"
    out.print(f"relations: {found}; clusters: {summary['clusters']}")
    repeats = _rows(out_dir / "repeats.jsonl")
    for r in repeats[:_SHOW]:
        for block in r["blocks"]:
            out.print(_repeat_line(r["id"], block, texts))
    for r in _rows(out_dir / "relations.jsonl")[:_SHOW]:
        derived = f" (derived: {r['derived']})" if r["derived"] else ""
        out.print(
            f"[green]{r['relation']}[/] {r['a']} ~ {r['b']}{derived} "
            f"coverage {r['coverage']:.2f}, score {r['score']:.2f}, {len(r['evidence'])} passages"
        )
    if rel and sum(rel.values()) > _SHOW:
        out.print(f"… and more in {out_dir / 'relations.jsonl'}")
    relations = sum(rel.values()) if rel else 0
    out.print(
        f"done: {summary['articles']:,} articles, {relations:,} relations, {summary['clusters']:,} clusters "
        f"in {summary['seconds']:.1f} s; outputs in {out_dir}/, to read: {out_dir / 'report.html'}"
    )


def print_comparison(a: str, b: str, ta: str, tb: str, decision: Decision | None, why: str = "") -> None:
    """The relation between two texts and the passages they share (for unrelated ones, `why`)."""
    if decision is None:
        out.print(f"{a} and {b}: [bold]unrelated[/]")
        if why:
            out.print(f"why: {why}", markup=False)
        return
    derived = {"a": a, "b": b, None: None}[decision.derived]
    out.print(f"[bold green]{decision.relation}[/]" + (f", derived: {derived}" if derived else ""))
    out.print(f"coverage {decision.coverage:.2f}, score {decision.score:.2f}")
    for p in decision.evidence:
        out.print(f"[cyan]{p.kind}[/] {a}[{p.a[0]}:{p.a[1]}] ~ {b}[{p.b[0]}:{p.b[1]}]")
        out.print(f"  a: {_snippet(ta, p.a)}")
        out.print(f"  b: {_snippet(tb, p.b)}")
