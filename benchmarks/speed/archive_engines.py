"""The archive features measured: Dask beside the local engine, an interrupted scan resumed, and
`dedup dedup` on Reuters.

    python -m benchmarks.speed.archive_engines --reuters /work/base/reuters.jsonl \\
        --archive benchmarks/.cache/archive-100000-seed7-runs4.jsonl [--workers 2] [--out benchmarks/results]

For each corpus: `dedup scan` with the local engine (one worker process per core), with
`--engine dask` on a 2-worker LocalCluster, and with `--engine dask --scheduler` against a
scheduler and workers started separately (`dask scheduler`, `dask worker --nworkers 2
--nthreads 1`), as a user's cluster would be; each Dask run's relations, repeats, clusters, errors
and report.html are compared byte for byte with the local run's. On the archive, a scan is killed
(SIGKILL) once its manifest shows the candidates stage finished (so in verification), run again,
and compared with the uninterrupted run. Writes OUT/archive.json and OUT/archive.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
COMPARED = ("relations.jsonl", "repeats.jsonl", "clusters.jsonl", "errors.jsonl", "report.html")
DEDUP = [sys.executable, "-m", "dedup.cli"]


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def timed(cmd: list[str]) -> dict[str, Any]:
    """Wall seconds of a command, its exit code and the 1-minute load before it."""
    load = _load()
    start = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True)
    seconds = round(time.perf_counter() - start, 2)
    return {"command": " ".join(cmd), "seconds": seconds, "returncode": run.returncode, "load_before": load,
            "stderr_tail": run.stderr[-400:]}  # fmt: skip


def stage_timings(out: Path) -> dict[str, float]:
    """Microseconds per article of each stage, from the run's summary.json."""
    try:
        return dict(json.loads((out / "summary.json").read_text())["timings_us_per_article"])
    except (OSError, ValueError, KeyError):
        return {}


def same(a: Path, b: Path) -> dict[str, bool]:
    return {name: (a / name).read_bytes() == (b / name).read_bytes() for name in COMPARED}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def separate_cluster(workers: int, work: Path) -> Iterator[tuple[str, list[str]]]:
    """`dask scheduler` and `dask worker` started as commands; their address and command lines."""
    dask = shutil.which("dask") or "dask"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    commands = [
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0"],
        [dask, "worker", address, "--nworkers", str(workers), "--nthreads", "1", "--no-dashboard"],
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = []
    with (work / "cluster.log").open("w") as log:
        procs.append(subprocess.Popen(commands[0], stdout=log, stderr=subprocess.STDOUT, env=env))
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        procs.append(subprocess.Popen(commands[1], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=work))
        time.sleep(3)  # the workers register
        try:
            yield address, [" ".join(c[1:]).replace(dask, "dask") for c in commands]
        finally:
            for proc in reversed(procs):
                proc.terminate()
                proc.wait(timeout=60)


def engines(corpus: Path, work: Path, workers: int, separate: bool = True) -> dict[str, Any]:
    """The local engine, Dask on a LocalCluster and (`separate`) Dask on a separately started cluster."""
    out: dict[str, Any] = {"corpus": str(corpus)}
    local = work / "local"
    out["local"] = timed([*DEDUP, "scan", str(corpus), "--out", str(local), "-q", "--workers", str(workers)])
    summary = json.loads((local / "summary.json").read_text())
    out["summary"] = {k: v for k, v in summary.items() if k != "timings_us_per_article"}
    lc = work / "dask_local"
    out["dask_localcluster"] = timed(
        [*DEDUP, "scan", str(corpus), "--out", str(lc), "-q", "--engine", "dask", "--workers", str(workers)]
    )
    out["dask_localcluster"]["identical"] = same(local, lc)
    out["local"]["us_per_article"], out["dask_localcluster"]["us_per_article"] = stage_timings(local), stage_timings(lc)
    if not separate:
        return out
    with separate_cluster(workers, work) as (address, commands):
        sc = work / "dask_separate"
        run = timed([*DEDUP, "scan", str(corpus), "--out", str(sc), "-q", "--engine", "dask", "--scheduler", address])
        run["identical"] = same(local, sc)
        run["us_per_article"] = stage_timings(sc)
        run["cluster_commands"] = commands
        out["dask_scheduler"] = run
    return out


def _stages(out: Path) -> list[str]:
    try:
        return list(json.loads((out / "manifest.json").read_text())["stages"])
    except (OSError, ValueError, KeyError):
        return []


def resume_check(corpus: Path, whole: Path, work: Path, workers: int) -> dict[str, Any]:
    """Kill a scan in its verify stage, run it again, compare with the uninterrupted run in `whole`."""
    out = work / "killed"
    cmd = [*DEDUP, "scan", str(corpus), "--out", str(out), "-q", "--workers", str(workers)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, start_new_session=True)
    while "candidates" not in _stages(out) and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(2.0)  # well inside verification
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    killed_after = round(time.perf_counter() - start, 2)
    stages_at_kill, written = _stages(out), (out / "relations.jsonl").exists()
    resumed = timed(cmd)
    return {
        "killed_after_seconds": killed_after, "stages_kept_at_kill": stages_at_kill,
        "relations_written_before_resume": written, "resumed": resumed, "identical": same(whole, out),
    }  # fmt: skip


def dedup_counts(corpus: Path, scan_dir: Path, work: Path) -> dict[str, Any]:
    """`dedup dedup --from` on a finished scan: records kept, and whether they are exactly the
    unclustered articles plus one canonical per cluster (dropping every clustering relation)."""
    clusters = [json.loads(line) for line in (scan_dir / "clusters.jsonl").read_text().splitlines()]
    clustered = {m for c in clusters for m in c["members"]}
    canonical = {c["canonical"] for c in clusters}
    ids = [json.loads(line)["id"] for line in corpus.read_text(encoding="utf-8").splitlines() if line.strip()]
    expected = [i for i in ids if i not in clustered or i in canonical]
    out: dict[str, Any] = {"articles": len(ids), "clusters": len(clusters), "clustered": len(clustered)}
    runs = {
        "all_clustering": ["--drop", "exact,near_duplicate,copy,rewrite"],
        "default": [],
        "annotate": ["--annotate"],
    }
    for name, extra in runs.items():
        path = work / f"dedup-{name}.jsonl"
        run = timed([*DEDUP, "dedup", str(corpus), "--from", str(scan_dir), "--out", str(path), "-q", *extra])
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        run["kept"] = len(rows)
        if name == "all_clustering":
            run["exactly_unclustered_plus_canonicals"] = [r["id"] for r in rows] == expected
        if name == "annotate":
            run["with_cluster"] = sum(r["cluster"] is not None for r in rows)
        out[name] = run
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuters", type=Path, required=True, help="Reuters in the scan's JSONL format")
    parser.add_argument("--archive", type=Path, required=True, help="a generated archive (benchmarks.data.archive)")
    parser.add_argument("--large", type=Path, help="a larger archive: local and LocalCluster only")
    parser.add_argument("--only-large", action="store_true", help="measure the --large archive alone")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "cores": os.cpu_count()}
    name = "archive_large.json" if args.only_large else "archive.json"
    with tempfile.TemporaryDirectory(prefix="dedup-archive-bench-") as tmp:
        work = Path(tmp)
        corpora = [] if args.only_large else [("reuters", args.reuters), ("archive", args.archive)]
        for label, corpus in corpora:
            (work / label).mkdir()
            results[label] = engines(corpus, work / label, args.workers)
            print(json.dumps({label: results[label]}, indent=1), flush=True)
        if corpora:
            results["dedup_reuters"] = dedup_counts(args.reuters, work / "reuters" / "local", work / "reuters")
            results["resume"] = resume_check(args.archive, work / "archive" / "local", work / "archive", args.workers)
        if args.large:
            (work / "large").mkdir()
            results["large"] = engines(args.large, work / "large", args.workers, separate=False)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / name).write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps({k: v for k, v in results.items() if k in ("dedup_reuters", "resume", "large")}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
