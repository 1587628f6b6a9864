"""The type audit's drawing and counting (benchmarks.quality.type_audit) on made-up relations and labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.quality import type_audit as ta


def _relations(per_type: int) -> list[dict[str, object]]:
    kinds = ["exact", *ta.TYPES]
    return [
        {"a": f"{kind}-{i}-a", "b": f"{kind}-{i}-b", "relation": kind, "derived": None, "coverage": 1.0}
        for kind in kinds
        for i in range(per_type)
    ]


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_draw_takes_n_of_each_type_shuffled_and_reproducible() -> None:
    relations = _relations(10)
    sample = ta.draw(relations, seed=3, n=4)
    assert [r["pair"] for r in sample] == list(range(1, 17))
    assert sorted(r["relation"] for r in sample) == sorted(list(ta.TYPES) * 4)
    assert all(r["a"].startswith(r["relation"]) for r in sample)  # ids and relation stay together
    assert [r["relation"] for r in sample] != sorted(r["relation"] for r in sample)  # not grouped by type
    assert ta.draw(relations, seed=3, n=4) == sample
    assert ta.draw(relations, seed=4, n=4) != sample


def test_draw_takes_all_of_a_type_that_has_fewer_than_n() -> None:
    relations = [r for r in _relations(5) if r["relation"] != "rewrite" or str(r["a"]).endswith(("0-a", "1-a"))]
    sample = ta.draw(relations, seed=1, n=3)
    assert sum(r["relation"] == "rewrite" for r in sample) == 2
    assert len(sample) == 3 * 3 + 2


def test_the_list_to_label_holds_no_relation_and_the_key_does(tmp_path: Path) -> None:
    scan = tmp_path / "scan"
    scan.mkdir()
    _write(scan / "relations.jsonl", _relations(6))
    out = tmp_path / "sample"
    assert ta.main(["draw", str(scan), "--seed", "9", "--n", "5", "--out", str(out)]) == 0
    pairs = ta.read_jsonl(out / "pairs.jsonl")
    key = ta.read_jsonl(out / "key.jsonl")
    assert [set(p) for p in pairs] == [{"pair", "a", "b"}] * 20
    assert [(k["pair"], k["a"], k["b"]) for k in key] == [(p["pair"], p["a"], p["b"]) for p in pairs]
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 9 and meta["n"] == 5 and meta["date"]


def _rows(spec: dict[str, list[str]]) -> list[dict[str, object]]:
    """Audit rows from {detector type: [reader labels]}; unrelated ones get kind 'template'."""
    rows: list[dict[str, object]] = []
    for kind, labels in spec.items():
        for label in labels:
            row = {"pair": len(rows) + 1, "relation": kind, "label": label, "reason": "r"}
            rows.append(row | ({"kind": "template"} if label == "unrelated" else {}))
    return rows


def test_counts_give_precision_confusion_and_related_share_leaving_unsure_out() -> None:
    rows = _rows({
        "near_duplicate": ["near_duplicate", "near_duplicate", "exact", "unrelated"],
        "copy": ["copy", "partial", "partial", "unsure"],
        "partial": ["unrelated", "unrelated", "unrelated", "partial"],
        "rewrite": ["unsure", "unsure"],
    })  # fmt: skip
    counts = ta.type_counts(rows)
    nd, copy, partial, rewrite = (counts[k] for k in ta.TYPES)
    assert (nd["correct"], nd["judged"], nd["related"]) == (2, 4, 3)
    assert nd["precision"] == pytest.approx(0.5) and nd["related_share"] == pytest.approx(0.75)
    assert nd["labels"] == {"near_duplicate": 2, "exact": 1, "unrelated": 1}
    assert (copy["drawn"], copy["judged"], copy["correct"], copy["related"]) == (4, 3, 1, 3)
    assert copy["precision"] == pytest.approx(1 / 3) and copy["unrelated_share"] == 0
    assert partial["unrelated_share"] == pytest.approx(0.75) and partial["unrelated_kinds"] == {"template": 3}
    assert rewrite["judged"] == 0 and rewrite["precision"] is None and rewrite["precision_ci95"] is None
    low, high = nd["precision_ci95"]
    assert 0 < low < 0.5 < high < 1


def test_judgment_calls_bound_the_counts_both_ways() -> None:
    rows: list[dict[str, object]] = [
        {"relation": "rewrite", "label": "partial", "alt": ["unrelated"]},  # related only if the call stands
        {"relation": "rewrite", "label": "unrelated", "kind": "topic", "alt": ["partial"]},  # the reverse
        {"relation": "rewrite", "label": "partial", "alt": ["rewrite"]},  # rewrite if decided the other way
        {"relation": "rewrite", "label": "rewrite", "alt": ["copy"]},  # right only if the call stands
        {"relation": "rewrite", "label": "rewrite"},
        {"relation": "rewrite", "label": "unsure", "alt": ["rewrite"]},  # unsure stays out
    ]
    ranges = ta.judgment_ranges(rows, "rewrite")
    assert ranges == {"correct": (1, 3), "related": (3, 5)}
    counts = ta.type_counts([{**r, "pair": i, "reason": "r"} for i, r in enumerate(rows)])["rewrite"]
    assert (counts["correct"], counts["related"], counts["judged"], counts["judgment_calls"]) == (2, 4, 5, 5)


def test_report_table_has_one_row_per_type_with_counts() -> None:
    rows = _rows({"near_duplicate": ["near_duplicate"] * 3, "copy": ["partial", "copy"], "partial": [], "rewrite": []})
    table = ta.report_markdown(rows)
    lines = [line for line in table.splitlines() if line.startswith("| `")]
    assert [line.split("|")[1].strip() for line in lines] == [f"`{k}`" for k in ta.TYPES]
    assert "3/3 = 1.00" in lines[0] and "1/2 = 0.50" in lines[1]
    assert "All types: 4/5 read as the type reported, 5/5 related at all" in table


def test_merge_joins_labels_to_the_key_and_refuses_gaps_or_unknown_labels() -> None:
    key = [{"pair": 1, "a": "x", "b": "y", "relation": "copy", "derived": "y"}]
    meta = {"seed": 1, "commit": "abc", "date": "2026-01-01", "n": 1}
    label = {"pair": 1, "label": "unrelated", "kind": "topic", "reason": "other day"}
    merged = ta.merge(key, [label], meta)
    assert merged == [{**key[0], "label": "unrelated", "kind": "topic", "reason": "other day", **{
        "seed": 1, "commit": "abc", "date": "2026-01-01"}}]  # fmt: skip
    with pytest.raises(SystemExit, match="without a label"):
        ta.merge(key, [], meta)
    with pytest.raises(SystemExit, match="is not one of"):
        ta.merge(key, [{**label, "label": "same"}], meta)
    with pytest.raises(SystemExit, match="needs kind"):
        ta.merge(key, [{"pair": 1, "label": "unrelated", "reason": "x"}], meta)
    with pytest.raises(SystemExit, match="must be other labels"):
        ta.merge(key, [{**label, "alt": ["unrelated"]}], meta)
    assert ta.merge(key, [{**label, "alt": ["partial"]}], meta)[0]["alt"] == ["partial"]


def test_a_missing_scan_folder_is_one_line_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = ta.main(["draw", str(tmp_path / "nowhere"), "--seed", "1", "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "relations.jsonl" in err
