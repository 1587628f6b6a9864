"""`dedup dedup`: the archive without its duplicates, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from dedup.cluster import CLUSTERING_RELATIONS
from dedup.scan.deduped import cut_repeats
from tests.conftest import SEED_A, SEED_B, SEEDS, made_up_archive, read_jsonl

ALL_CLUSTERING = ",".join(sorted(CLUSTERING_RELATIONS))


def _dedup(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dedup.cli", "dedup", *args], capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated archive and its scan folder (made by `dedup dedup` itself, beside the output)."""
    folder = tmp_path_factory.mktemp("archive")
    path = made_up_archive(folder / "archive.jsonl", 500)
    run = _dedup(str(path), "--out", str(folder / "first.jsonl"), "-q")
    assert run.returncode == 0, run.stderr
    assert (folder / "first.scan" / "clusters.jsonl").is_file()
    return path, folder / "first.scan"


def test_dropping_every_clustering_relation_keeps_the_unclustered_and_one_canonical_each(
    archive: tuple[Path, Path], tmp_path: Path
) -> None:
    path, scan = archive
    out = tmp_path / "d.jsonl"
    run = _dedup(str(path), "--out", str(out), "--from", str(scan), "--drop", ALL_CLUSTERING, "-q")
    assert run.returncode == 0, run.stderr
    clusters = read_jsonl(scan / "clusters.jsonl")
    assert clusters and any(len(c["members"]) > 2 for c in clusters)
    clustered = {m for c in clusters for m in c["members"]}
    records = read_jsonl(path)
    expected = [r["id"] for r in records if r["id"] not in clustered or r["id"] in {c["canonical"] for c in clusters}]
    assert [r["id"] for r in read_jsonl(out)] == expected


def test_default_drop_keeps_rewrites_and_no_two_kept_records_are_duplicates(
    archive: tuple[Path, Path], tmp_path: Path
) -> None:
    path, scan = archive
    out = tmp_path / "d.jsonl"
    assert _dedup(str(path), "--out", str(out), "--from", str(scan), "-q").returncode == 0
    kept = {r["id"] for r in read_jsonl(out)}
    relations = read_jsonl(scan / "relations.jsonl")
    cluster_of = {m: c["cluster"] for c in read_jsonl(scan / "clusters.jsonl") for m in c["members"]}
    dropping = [
        r for r in relations
        if r["relation"] in ("exact", "near_duplicate", "copy") and cluster_of.get(r["a"], -1) == cluster_of.get(r["b"])
    ]  # fmt: skip
    assert dropping and not any(r["a"] in kept and r["b"] in kept for r in dropping)
    removed = {r["id"] for r in read_jsonl(path)} - kept
    assert removed == {m for r in dropping for m in (r["a"], r["b"])} - kept
    rewrites = [r for r in relations if r["relation"] == "rewrite"]
    assert rewrites and any(r["a"] in kept and r["b"] in kept for r in rewrites)


def test_annotate_keeps_every_record_with_its_cluster_and_all_its_fields(
    archive: tuple[Path, Path], tmp_path: Path
) -> None:
    path, scan = archive
    out = tmp_path / "d.jsonl"
    assert _dedup(str(path), "--out", str(out), "--from", str(scan), "--annotate", "-q").returncode == 0
    rows, records = read_jsonl(out), read_jsonl(path)
    assert [r["id"] for r in rows] == [r["id"] for r in records]
    cluster_of = {m: c for c in read_jsonl(scan / "clusters.jsonl") for m in c["members"]}
    for row, record in zip(rows, records, strict=True):
        assert {k: row[k] for k in record} == record  # every field as given
        c = cluster_of.get(row["id"])
        assert row["cluster"] == (c["cluster"] if c else None)
        assert row["canonical"] == (c["canonical"] if c else None)
        on_path = row["relation_to_canonical"]
        assert (on_path is None) == (c is None or c["canonical"] == row["id"])
        assert on_path is None or on_path in CLUSTERING_RELATIONS
        assert row["kept"] == (row["duplicate_of"] is None)
    kept = {r["id"] for r in read_jsonl(tmp_path / "d.jsonl") if r["kept"]}
    plain = tmp_path / "plain.jsonl"
    assert _dedup(str(path), "--out", str(plain), "--from", str(scan), "-q").returncode == 0
    assert kept == {r["id"] for r in read_jsonl(plain)}


def test_parquet_output_keeps_the_fields(archive: tuple[Path, Path], tmp_path: Path) -> None:
    path, scan = archive
    out = tmp_path / "d.parquet"
    assert _dedup(str(path), "--out", str(out), "--from", str(scan), "--annotate", "-q").returncode == 0
    table = pq.read_table(out).to_pylist()
    records = {r["id"]: r for r in read_jsonl(path)}
    assert len(table) == len(records)
    fiction = next(r for r in table if r["id"].startswith("wire-"))
    assert fiction["title"] == records[fiction["id"]]["title"] and fiction["kind"] == "wire"


def test_seeds_fix_repeats_cuts_the_doubled_paragraphs(tmp_path: Path) -> None:
    out = tmp_path / "seeds.jsonl"
    run = _dedup(str(SEEDS), "--out", str(out), "--fix-repeats", "--drop", ALL_CLUSTERING)
    assert run.returncode == 0, run.stderr
    (row,) = read_jsonl(out)
    assert row["id"] == SEED_A.name  # the canonical of the rewrite's cluster
    (repeat,) = read_jsonl(tmp_path / "seeds.scan" / "repeats.jsonl")
    (block,) = repeat["blocks"]
    text = SEED_A.read_text(encoding="utf-8")
    first, second = text[slice(*block["first"])], text[slice(*block["repeat"])]
    assert first == second and text.count(first) == 2
    assert row["text"].count(first) == 1
    (cut,) = row["removed_repeats"]
    assert row["text"] == text[: cut[0]] + text[cut[1] :]
    assert "wrote 1 of 2 records" in run.stderr


def test_cut_repeats_takes_the_blank_lines_before_each_span() -> None:
    text = "One.\n\nTwo.\n\nOne.\n\nThree.\n\nTwo."
    assert cut_repeats(text, [[12, 16], [26, 30]]) == ("One.\n\nTwo.\n\nThree.", [[10, 16], [24, 30]])


def test_scan_of_other_inputs_and_bad_usage_fail_before_writing(tmp_path: Path, archive: tuple[Path, Path]) -> None:
    _, scan = archive
    out = tmp_path / "d.jsonl"
    run = _dedup(str(SEEDS), "--out", str(out), "--from", str(scan))
    assert run.returncode == 1 and "not in the inputs" in run.stderr and not out.exists()
    assert "Traceback" not in run.stderr
    bad: list[tuple[list[str], str]] = [
        (["--out", str(tmp_path / "d.txt")], "give a file ending in .jsonl"),
        (["--out", str(out), "--drop", "exact,twin"], "unknown relation twin"),
        (["--out", str(tmp_path), "--from", str(scan)], "is a folder"),
    ]
    for args, message in bad:
        run = _dedup(str(SEEDS), *args)
        assert run.returncode == 2 and message in run.stderr, run.stderr
    assert not list(tmp_path.iterdir())


def _ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in rows]


def test_stdin_input_is_read_again_for_the_records(tmp_path: Path) -> None:
    rows = [
        {"id": p.name, "text": p.read_text(encoding="utf-8"), "extra": {"n": i}} for i, p in enumerate([SEED_A, SEED_B])
    ]
    data = "".join(json.dumps(r) + "\n" for r in rows)
    out = tmp_path / "d.jsonl.gz"
    run = subprocess.run(
        [sys.executable, "-m", "dedup.cli", "dedup", "-", "--out", str(out), "--annotate", "-q"],
        input=data, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    import gzip

    written = [json.loads(line) for line in gzip.decompress(out.read_bytes()).splitlines()]
    assert _ids(written) == _ids(rows) and written[1]["extra"] == {"n": 1} and written[1]["cluster"] == 0
