"""The command line as a user runs it: scan, compare, compare --pairs, exit codes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import SEED_A, SEED_B, SEEDS, read_jsonl


def _dedup(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dedup.cli", *args], capture_output=True, text=True, input=stdin, timeout=120
    )


def test_scan_seeds_finds_the_rewrite_and_the_doubled_paragraphs(tmp_path: Path) -> None:
    run = _dedup("scan", str(SEEDS), "--out", str(tmp_path))
    assert run.returncode == 0, run.stderr
    relations = read_jsonl(tmp_path / "relations.jsonl")
    assert [(r["a"], r["b"], r["relation"]) for r in relations] == [(SEED_A.name, SEED_B.name, "rewrite")]
    text = SEED_A.read_text(encoding="utf-8")
    lines = [m for m in re.finditer(r"[^\n]+", text) if m.group().strip()]
    (repeat,) = read_jsonl(tmp_path / "repeats.jsonl")
    (block,) = repeat["blocks"]
    assert block["first"] == [lines[1].start(), lines[6].end()]
    assert block["repeat"] == [lines[7].start(), lines[12].end()]
    assert "6 paragraphs" in run.stdout and "rewrite" in run.stdout
    clusters = read_jsonl(tmp_path / "clusters.jsonl")
    assert clusters == [{"cluster": 0, "members": [SEED_A.name, SEED_B.name], "canonical": SEED_A.name}]


def test_rewrite_evidence_lands_on_shared_facts(tmp_path: Path) -> None:
    _dedup("scan", str(SEEDS), "--out", str(tmp_path))
    (rel,) = read_jsonl(tmp_path / "relations.jsonl")
    a, b = SEED_A.read_text(encoding="utf-8"), SEED_B.read_text(encoding="utf-8")
    kinds = {e["kind"] for e in rel["evidence"]}
    assert kinds == {"verbatim", "rewritten"}
    for e in rel["evidence"]:
        if e["kind"] == "verbatim":
            assert a[slice(*e["a"])].split()[-3:] == b[slice(*e["b"])].split()[-3:]
    assert any("$30 billion" in b[slice(*e["b"])] for e in rel["evidence"])


def test_compare_two_files_and_stdin() -> None:
    run = _dedup("compare", str(SEED_A), "-", stdin=SEED_B.read_text(encoding="utf-8"))
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("rewrite")
    assert "rewritten" in run.stdout


def test_compare_pairs_keeps_order_and_reports_bad_lines(tmp_path: Path) -> None:
    a, b = SEED_A.read_text(encoding="utf-8"), SEED_B.read_text(encoding="utf-8")
    lines = [
        json.dumps({"id": "p1", "a": a, "b": a.replace("  ", " ")}),
        "{not json",
        json.dumps({"id": "p3", "a": "The council met on Tuesday to discuss parking.", "b": b}),
        json.dumps({"id": "p4", "a": a, "b": b}),
        json.dumps({"id": "p5", "a": "", "b": b}),
    ]
    (tmp_path / "pairs.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run = _dedup("compare", "--pairs", str(tmp_path / "pairs.jsonl"), "--out", str(tmp_path / "res.jsonl"))
    assert run.returncode == 0, run.stderr
    rows = read_jsonl(tmp_path / "res.jsonl")
    assert [r["id"] for r in rows] == ["p1", None, "p3", "p4", "p5"]
    assert [r["relation"] for r in rows] == ["exact", None, None, "rewrite", None]
    assert "line 2" in rows[1]["error"] and "non-empty" in rows[4]["error"]
    assert rows[3]["derived"] is None  # no dates: which side was taken from the other cannot be told
    assert rows[2]["why"] and rows[2]["why"][0].startswith(("veto ", "P(related)"))  # unrelated, and why


def test_compare_says_why_two_texts_are_unrelated(tmp_path: Path) -> None:
    (tmp_path / "rose.txt").write_text("Shares in Acme rose 5 pct to 12 dlrs in early trading on Tuesday.\n")
    (tmp_path / "fell.txt").write_text("Shares in Acme fell 3 pct to 11 dlrs in early trading on Tuesday.\n")
    run = _dedup("compare", str(tmp_path / "rose.txt"), str(tmp_path / "fell.txt"))
    assert run.returncode == 0, run.stderr
    assert "unrelated" in run.stdout and "why: veto short_other_news" in run.stdout


def test_exit_codes(tmp_path: Path) -> None:
    assert _dedup("scan", str(tmp_path / "missing.jsonl"), "--out", str(tmp_path / "o")).returncode == 1
    assert _dedup("scan", str(SEEDS)).returncode == 2
    assert _dedup("compare", str(SEED_A)).returncode == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n", encoding="utf-8")
    assert _dedup("scan", str(bad), "--out", str(tmp_path / "o2")).returncode == 1


def test_command_line_start_leaves_the_streaming_index_unimported() -> None:
    """`dedup scan` never needs the index and its stores: `dedup.Index` is imported on first use."""
    code = (
        "import sys, dedup.cli; assert 'dedup.index' not in sys.modules; "
        "from dedup import Index; assert Index.__module__ == 'dedup.index.incremental'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
