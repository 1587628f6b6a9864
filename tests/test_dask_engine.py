"""The Dask engine finds what the local engine finds, byte for byte, on a LocalCluster and on a
scheduler started separately (`dask scheduler` + `dask worker`), and says how to install it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dedup.article import Article
from dedup.cluster import UnionFind
from dedup.config import SHARED_RUN_TOKENS, DetectorConfig
from dedup.detector import Detector
from dedup.io.readers import Record, read_inputs
from dedup.io.sources import open_inputs
from dedup.io.tables import LineCount
from dedup.scan import scan
from dedup.scan.dask_engine import DaskSettings, dask_client, dask_scan
from dedup.scan.splits import plan_splits, split_records
from tests.conftest import free_port, made_up_archive, read_jsonl, wait_for_port

pytest.importorskip("distributed")

COMPARED = ("relations.jsonl", "repeats.jsonl", "clusters.jsonl", "errors.jsonl", "report.html")


def _inputs(folder: Path) -> list[Path]:
    """A generated archive with bad lines and a duplicate id in a later split, a CSV and a Parquet
    file of several row groups (with its own duplicate)."""
    archive = made_up_archive(folder / "archive.jsonl", 1200, seed=3, rate=0.3)
    lines = archive.read_bytes().splitlines(keepends=True)
    first = json.loads(lines[5])
    extra = [
        b"{not json\n",
        b'{"id": "latin", "text": "caf\xe9 owners said"}\n',
        json.dumps({**first, "text": first["text"] + " Updated."}).encode() + b"\n",
    ]
    archive.write_bytes(b"".join(lines[:700] + extra[:2] + lines[700:] + extra[2:]))
    rows = [json.loads(line) for line in lines[40:60]]
    csv_rows = [{"id": f"csv-{r['id']}", "text": r["text"]} for r in rows]
    csv_path = folder / "more.csv"
    csv_path.write_text(
        "id,text\n" + "".join(f'{r["id"]},"{r["text"].replace(chr(34), chr(34) * 2)}"\n' for r in csv_rows)
    )
    table = pa.table(
        {
            "id": [f"pq-{r['id']}" for r in rows] + [rows[0]["id"]],
            "text": [r["text"] + " (reprinted)" for r in rows] + ["A duplicate id."],
            "published": pa.array(
                [datetime(2021, 3, 1, 10, tzinfo=UTC)] * (len(rows) + 1), pa.timestamp("s", tz="UTC")
            ),
        }
    )
    pq.write_table(table, folder / "more.parquet", row_group_size=6)
    return [archive, csv_path, folder / "more.parquet"]


def _same_outputs(a: Path, b: Path) -> None:
    for name in COMPARED:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    timing = ("seconds", "timings_us_per_article")
    sa, sb = (
        {k: v for k, v in json.loads((d / "summary.json").read_text()).items() if k not in timing} for d in (a, b)
    )
    assert sa == sb


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    folder = tmp_path_factory.mktemp("dask")
    inputs = _inputs(folder)
    scan(inputs, folder / "local")
    summary = json.loads((folder / "local" / "summary.json").read_text())
    assert summary["relations"]["copy"] > 50 and summary["relations"]["rewrite"] > 0
    assert summary["rejected"] == 4  # two bad lines, two duplicate ids
    return inputs, folder / "local"


def test_dask_on_a_local_cluster_equals_the_local_engine(local_run: tuple[list[Path], Path], tmp_path: Path) -> None:
    inputs, local = local_run
    settings = DaskSettings(workers=2, split_bytes=150_000, partitions=3, components_min_edges=0)
    with open_inputs(inputs) as files:
        assert len(plan_splits(files.files, settings.split_bytes)) > 10
        dask_scan(files.files, tmp_path, Detector(), None, False, settings)
    _same_outputs(local, tmp_path)
    errors = read_jsonl(tmp_path / "errors.jsonl")
    assert next(e["line"] for e in errors if "duplicate" in e["reason"]) > 700


def test_dask_with_the_shared_run_path_equals_the_local_engine(
    local_run: tuple[list[Path], Path], tmp_path: Path
) -> None:
    inputs, off = local_run
    config = DetectorConfig()
    detector = Detector(replace(config, lsh=replace(config.lsh, run_tokens=SHARED_RUN_TOKENS)))
    scan(inputs, tmp_path / "local", detector)
    settings = DaskSettings(workers=2, split_bytes=150_000, partitions=3, components_min_edges=0)
    with open_inputs(inputs) as files:
        dask_scan(files.files, tmp_path / "dask", detector, None, False, settings)
    _same_outputs(tmp_path / "local", tmp_path / "dask")
    summary = json.loads((tmp_path / "local" / "summary.json").read_text())
    assert summary["candidate_pairs"] > json.loads((off / "summary.json").read_text())["candidate_pairs"]


@pytest.fixture()
def separate_cluster(tmp_path: Path) -> Iterator[str]:
    """A scheduler and a worker started as a user starts them, from the command line."""
    dask = shutil.which("dask")
    assert dask is not None, "the dask command is not installed (pip install 'newsdedup[dask]')"
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    logs = (tmp_path / "scheduler.log").open("w"), (tmp_path / "worker.log").open("w")
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
        stdout=logs[0], stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    wait_for_port(port, 60.0, step=0.1)
    worker = subprocess.Popen(
        [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
        stdout=logs[1], stderr=subprocess.STDOUT, env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        yield address
    finally:
        for proc in (worker, scheduler):
            proc.terminate()
            proc.wait(timeout=30)
        for log in logs:
            log.close()


def test_dask_on_a_scheduler_started_separately(
    local_run: tuple[list[Path], Path], tmp_path: Path, separate_cluster: str
) -> None:
    inputs, local = local_run
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "dedup.cli", "scan", *map(str, inputs), "--out", str(out),
         "--engine", "dask", "--scheduler", separate_cluster, "-q"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    _same_outputs(local, out)


def test_without_the_extra_the_error_gives_the_pip_command(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['distributed'] = None; sys.modules['dask'] = None\n"
        "from dedup.cli import main; sys.argv = ['dedup'] + sys.argv[1:]; main()"
    )
    seeds = Path(__file__).resolve().parent.parent / "corpora" / "seeds"
    run = subprocess.run(
        [sys.executable, "-c", code, "scan", str(seeds), "--out", str(tmp_path), "--engine", "dask"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "error: --engine dask needs dask.distributed, which is not installed: pip install 'newsdedup[dask]'"
    ]


def test_json_line_splits_read_every_line_once(tmp_path: Path) -> None:
    path = made_up_archive(tmp_path / "a.jsonl", 300, with_fiction=False)
    with open_inputs([path]) as files:
        whole = [a.id for a in read_inputs(files.files) if isinstance(a, Article)]
        for size in (1, 977, 20_000, 10**9):
            ids, lines = [], 0
            for split in plan_splits(files.files, size):
                count = LineCount()
                ids += [r.fields["id"] for r in split_records(split, count) if isinstance(r, Record)]
                lines += count.lines
            assert ids == whole and lines == 300, size


def test_components_on_the_workers_equal_union_find() -> None:
    from dedup.scan.components import component_labels

    rng = np.random.default_rng(4)
    edges = rng.integers(0, 400, (300, 2))
    uf = UnionFind(400)
    for a, b in edges.tolist():
        uf.union(a, b)
    with dask_client(DaskSettings(workers=1)) as client:
        labels = component_labels(client, [client.scatter(e) for e in np.array_split(edges, 4)], 3, lambda *_: None)
    touched = sorted(set(edges.ravel().tolist()))
    by_node = dict(labels.tolist())
    assert sorted(by_node) == touched
    for node in touched:
        members = [m for m in touched if uf.find(m) == uf.find(node)]
        assert by_node[node] == min(members)
