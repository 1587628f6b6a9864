"""Does each relation type mean what the README says? A blind reading of a random sample of a scan.

    python -m benchmarks.quality.type_audit draw SCAN_DIR --seed 20 --n 25 --out SAMPLE_DIR
    python -m benchmarks.quality.type_audit show SAMPLE_DIR --corpus CORPUS.jsonl [--pair K]
    python -m benchmarks.quality.type_audit merge SAMPLE_DIR --labels LABELS.jsonl --out AUDIT.jsonl
    python -m benchmarks.quality.type_audit report AUDIT.jsonl

`draw` samples N relations of each audited type from SCAN_DIR/relations.jsonl and writes, in
SAMPLE_DIR, `pairs.jsonl` (the pairs shuffled and numbered, without the relation or direction, to
label from), `key.jsonl` (pair -> the detector's relation, read only when counting) and `meta.json`
(seed, commit, date). `show` prints a pair's two texts for reading. The reader writes LABELS.jsonl,
one row per pair: `{"pair": K, "label": ..., "reason": "a few words"}`, with `"kind"` for unrelated
ones (template / event / topic / other). `merge` joins labels and key into the audit file (ids,
labels and reasons only, never text); `report` prints precision and confusion per type.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scipy.stats import binomtest

from benchmarks.quality.common import PROJECT

__all__ = ["LABELS", "TYPES", "draw", "merge", "report_markdown", "type_counts"]

TYPES = ("near_duplicate", "copy", "partial", "rewrite")
RELATED = ("exact", *TYPES)
LABELS = (*RELATED, "unrelated", "unsure")
UNRELATED_KINDS = ("template", "event", "topic", "other")
Row = dict[str, Any]


def read_jsonl(path: Path) -> list[Row]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_jsonl(path: Path, rows: Iterable[Row]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row) + "\n" for row in rows)


def draw(relations: Sequence[Row], seed: int, n: int) -> list[Row]:
    """N relations of each type (fewer if the scan has fewer), shuffled and numbered from 1."""
    rng = random.Random(seed)
    picked: list[Row] = []
    for kind in TYPES:
        pool = [r for r in relations if r["relation"] == kind]
        picked += rng.sample(pool, min(n, len(pool)))
    rng.shuffle(picked)
    return [
        {"pair": k, "a": r["a"], "b": r["b"], "relation": r["relation"], "derived": r.get("derived")}
        for k, r in enumerate(picked, start=1)
    ]


def _check_label(row: Row) -> None:
    if row.get("label") not in LABELS:
        raise SystemExit(f"pair {row.get('pair')}: label {row.get('label')!r} is not one of {', '.join(LABELS)}")
    if row["label"] == "unrelated" and row.get("kind") not in UNRELATED_KINDS:
        raise SystemExit(f"pair {row['pair']}: an unrelated label needs kind, one of {', '.join(UNRELATED_KINDS)}")
    if not str(row.get("reason", "")).strip():
        raise SystemExit(f"pair {row['pair']}: reason is empty; say in a few words why")
    bad = [alt for alt in row.get("alt", []) if alt not in LABELS or alt == row["label"]]
    if bad:
        raise SystemExit(f"pair {row['pair']}: alt {bad} must be other labels, from {', '.join(LABELS)}")


def merge(key: Sequence[Row], labels: Sequence[Row], meta: Mapping[str, Any]) -> list[Row]:
    """Audit rows: the key's ids and relation, the reader's label, reason and kind, the sample's meta."""
    by_pair = {row["pair"]: row for row in labels}
    missing = [row["pair"] for row in key if row["pair"] not in by_pair]
    if missing:
        raise SystemExit(f"pairs without a label: {missing}; label every pair of pairs.jsonl")
    out = []
    for row in key:
        label = by_pair[row["pair"]]
        _check_label(label)
        extra = {"kind": label["kind"]} if label["label"] == "unrelated" else {}
        extra |= {"alt": label["alt"]} if label.get("alt") else {}
        sample = {k: meta[k] for k in ("seed", "commit", "date")}
        out.append({**row, "label": label["label"], **extra, "reason": label["reason"], **sample})
    return out


def judgment_ranges(rows: Sequence[Row], kind: str) -> dict[str, tuple[int, int]]:
    """How many of one type's rows are read as that type, and as related, if every judgment call (a
    row with `alt`, the other reading(s) the reader found defensible) went against / for the detector."""
    calls = [r for r in rows if r.get("alt") and r["label"] != "unsure"]
    correct = sum(r["label"] == kind for r in rows)
    related = sum(r["label"] in RELATED for r in rows)
    return {
        "correct": (
            correct - sum(r["label"] == kind for r in calls),
            correct + sum(r["label"] != kind and kind in r["alt"] for r in calls),
        ),
        "related": (
            related - sum(r["label"] in RELATED and "unrelated" in r["alt"] for r in calls),
            related + sum(r["label"] == "unrelated" and bool(set(r["alt"]) & set(RELATED)) for r in calls),
        ),
    }


def type_counts(rows: Sequence[Row]) -> dict[str, dict[str, Any]]:
    """Per detector type: labels read, precision (label == type, unsure left out), related share, and
    the same counts' range over the reader's judgment calls."""
    out: dict[str, dict[str, Any]] = {}
    for kind in TYPES:
        of_kind = [r for r in rows if r["relation"] == kind]
        labels = Counter(r["label"] for r in of_kind)
        kinds = Counter(r["kind"] for r in of_kind if r["label"] == "unrelated")
        judged = sum(labels.values()) - labels["unsure"]
        related = sum(labels[label] for label in RELATED)
        out[kind] = {
            "drawn": sum(labels.values()),
            "judged": judged,
            "labels": dict(labels),
            "unrelated_kinds": dict(kinds),
            "judgment_calls": sum(bool(r.get("alt")) for r in of_kind),
            "ranges": judgment_ranges(of_kind, kind),
            "correct": labels[kind],
            "related": related,
            "precision": labels[kind] / judged if judged else None,
            "precision_ci95": _wilson(labels[kind], judged),
            "related_share": related / judged if judged else None,
            "related_ci95": _wilson(related, judged),
            "unrelated_share": labels["unrelated"] / judged if judged else None,
        }
    return out


def _wilson(k: int, n: int) -> tuple[float, float] | None:
    if not n:
        return None
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return (round(float(ci.low), 3), round(float(ci.high), 3))


def _cell(k: int, n: int, ci: tuple[float, float] | None) -> str:
    if not n:
        return "-"
    low, high = ci or (0.0, 0.0)
    return f"{k}/{n} = {k / n:.2f} ({low:.2f}-{high:.2f})"


def report_markdown(rows: Sequence[Row]) -> str:
    """The per-type table (precision, confusion, related share) in Markdown."""
    counts = type_counts(rows)
    head = [
        "detector says", "read as the same type", *[f"read `{lab}`" for lab in LABELS], "related at all",
        "judgment calls", "same type / related, calls all against - all for the detector",
    ]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for kind, c in counts.items():
        confusion = [str(c["labels"].get(lab, 0)) for lab in LABELS]
        (c_low, c_high), (r_low, r_high) = c["ranges"]["correct"], c["ranges"]["related"]
        cells = [
            f"`{kind}`", _cell(c["correct"], c["judged"], c["precision_ci95"]), *confusion,
            _cell(c["related"], c["judged"], c["related_ci95"]), str(c["judgment_calls"]),
            f"{c_low}-{c_high} / {r_low}-{r_high} of {c['judged']}",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    total_judged = sum(c["judged"] for c in counts.values())
    total_related = sum(c["related"] for c in counts.values())
    total_correct = sum(c["correct"] for c in counts.values())
    kinds = Counter(r["kind"] for r in rows if r["label"] == "unrelated")
    lines += [
        "",
        f"All types: {total_correct}/{total_judged} read as the type reported, "
        f"{total_related}/{total_judged} related at all (unsure left out of every denominator; "
        "95% Wilson intervals in brackets).",
        "Unrelated, by kind: " + (", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "none") + ".",
    ]
    return "\n".join(lines)


def _commit() -> str | None:
    out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT, capture_output=True, text=True)
    return out.stdout.strip() or None


def _cmd_draw(args: argparse.Namespace) -> None:
    relations = read_jsonl(args.scan / "relations.jsonl")
    sample = draw(relations, args.seed, args.n)
    args.out.mkdir(parents=True, exist_ok=True)
    write_jsonl(args.out / "pairs.jsonl", ({"pair": r["pair"], "a": r["a"], "b": r["b"]} for r in sample))
    write_jsonl(args.out / "key.jsonl", sample)
    meta = {"seed": args.seed, "n": args.n, "scan": str(args.scan), "commit": _commit()}
    meta["date"] = datetime.now(UTC).date().isoformat()
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"{len(sample)} pairs -> {args.out}/pairs.jsonl (label these; key.jsonl holds the relations)")


def _cmd_show(args: argparse.Namespace) -> None:
    pairs = read_jsonl(args.sample / "pairs.jsonl")
    wanted = [p for p in pairs if args.pair is None or p["pair"] == args.pair]
    ids = {i for p in wanted for i in (p["a"], p["b"])}
    with args.corpus.open(encoding="utf-8") as fh:
        texts = {r["id"]: r["text"] for r in map(json.loads, fh) if r["id"] in ids}
    for p in wanted:
        for side in ("a", "b"):
            print(f"===== pair {p['pair']} {side}: {p[side]} ({len(texts[p[side]].split())} words)")
            print(texts[p[side]])
        print()


def _cmd_merge(args: argparse.Namespace) -> None:
    meta = json.loads((args.sample / "meta.json").read_text(encoding="utf-8"))
    rows = merge(read_jsonl(args.sample / "key.jsonl"), read_jsonl(args.labels), meta)
    write_jsonl(args.out, rows)
    print(f"{len(rows)} audit rows -> {args.out}")


def _cmd_report(args: argparse.Namespace) -> None:
    print(report_markdown(read_jsonl(args.audit)))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality.type_audit", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("draw", help="sample relations per type; write the blind list and the key")
    p.add_argument("scan", type=Path, help="a `dedup scan --out` folder")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--n", type=int, default=25, help="relations per type")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(run=_cmd_draw)
    p = sub.add_parser("show", help="print the texts of the sampled pairs")
    p.add_argument("sample", type=Path)
    p.add_argument("--corpus", type=Path, required=True, help="the scan's input JSONL")
    p.add_argument("--pair", type=int, default=None)
    p.set_defaults(run=_cmd_show)
    p = sub.add_parser("merge", help="join labels with the key into the audit file")
    p.add_argument("sample", type=Path)
    p.add_argument("--labels", type=Path, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(run=_cmd_merge)
    p = sub.add_parser("report", help="precision and confusion per type")
    p.add_argument("audit", type=Path)
    p.set_defaults(run=_cmd_report)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        args.run(args)
    except (OSError, ValueError, KeyError) as exc:
        # A missing file, a line that is not JSON or a row without an id: one line, no traceback.
        print(f"type_audit {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
