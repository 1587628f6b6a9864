"""Load on the HTTP service: POST /v1/articles from this process to a real `dedup serve` over loopback.

    python -m benchmarks.speed.service_load [--archive FILE] [--indexed 10000 100000] [--workers 1 2]
        [--stores sqlite redis] [--latency-posts 500] [--throughput-posts 2000] [--clients 4]
        [--seconds 60] [--without-keys] [--out benchmarks/results/service_load.json]

For each store and index size: fills a fresh store (SQLite file, or a redis-server started here with
`appendfsync everysec`) with the first `indexed` articles of the synthetic archive (with the index keys
the service stores beside each, unless `--without-keys`: then the store is as older versions wrote it),
starts `dedup serve` once to build the index and its snapshot (cold start), then for each worker count
restarts it (ready time from the snapshot) and measures, from this separate process:

- latency: one client posting `latency-posts` new articles one after the other (keep-alive), p50/p95/p99;
- throughput: `clients` concurrent clients posting `throughput-posts` new articles, articles per second.

Every request loop is bounded by its count and by `--seconds`; the servers listen on 127.0.0.1 only.
Writes the JSON figures to --out and the `service-load` section of benchmarks/results/service.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson

from benchmarks.data.archive import generate, reuters_pool
from benchmarks.results_md import replace_section
from dedup.article import article_from_mapping
from dedup.detector import Detector
from dedup.index import ArticleKeys, keys_tag, pack_terms
from dedup.sketch.shard import sign_shard
from dedup.store import open_store

__all__ = ["Server", "fill_store", "main", "measure_latency", "measure_throughput", "serve"]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ARCHIVE = ROOT / "benchmarks" / ".cache" / "archive-110000-seed7-runs4.jsonl"
DEFAULT_SOURCE = ROOT / ".." / "shared" / "corpora" / "reuters21578"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "service_load.json"
RESULTS = ROOT / "benchmarks" / "results" / "service.md"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A `dedup serve` process on a loopback port."""

    def __init__(self, store: str, workers: int, log: Path, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
        args = [sys.executable, "-m", "dedup.cli", "serve", "--store", store, "--workers", str(workers)]
        args += ["--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"]
        self.started = time.perf_counter()
        with log.open("ab") as out:
            self.proc = subprocess.Popen(args, cwd=ROOT, env=environ, stdout=out, stderr=subprocess.STDOUT)
        self.log = log

    def wait_ready(self, timeout: float = 600.0) -> float:
        """Seconds from the start until /readyz answers 200."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2.0).status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"not ready after {timeout} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@contextmanager
def serve(store: str, workers: int, log: Path, env: dict[str, str]) -> Iterator[tuple[Server, float]]:
    """A server and its seconds to ready; stopped with SIGTERM afterwards."""
    server = Server(store, workers, log, env)
    try:
        yield server, server.wait_ready()
    finally:
        server.stop()


@contextmanager
def _redis(folder: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", ""]
    args += ["--appendonly", "yes", "--appendfsync", "everysec"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}", timeout=0.2)
            except httpx.RemoteProtocolError:
                break  # something answers on the port (not HTTP): redis is up
            except httpx.TransportError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def fill_store(url: str, records: list[dict[str, Any]], shard: int = 1000, keys: bool = True) -> float:
    """Store the records directly, with the terms and (`keys`) index keys the service stores beside each
    article (as if they had been posted, without their reports), signed a shard at a time; seconds taken.
    Without keys the store is as an older version wrote it: every index over it signs each article again."""
    start = time.perf_counter()
    store = open_store(url)
    detector = Detector()
    tag = keys_tag(detector.config)
    try:
        for lo in range(0, len(records), shard):
            articles = [article_from_mapping(r) for r in records[lo : lo + shard]]
            signed = sign_shard(articles, detector)
            bounds = signed.term_bounds
            packed = ArticleKeys.of(signed).pack_each(tag) if keys else [None] * len(articles)
            for n, article in enumerate(articles):
                terms = slice(int(bounds[n]), int(bounds[n + 1]))
                store.put(article, None, pack_terms(signed.terms[terms], signed.term_counts[terms]), packed[n])
    finally:
        store.close()
    return time.perf_counter() - start


def measure_latency(base: str, records: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """One client, one POST after the other: milliseconds per POST (client side, HTTP and JSON included)."""
    times: list[float] = []
    refused = 0
    deadline = time.perf_counter() + seconds
    with httpx.Client(base_url=base, timeout=60) as client:
        for record in records:
            if time.perf_counter() > deadline:
                break
            start = time.perf_counter()
            status = client.post("/v1/articles", json=record).status_code
            times.append(time.perf_counter() - start)
            refused += status not in (200, 201)
    ms = np.array(times) * 1000
    return {
        "posts": len(times), "refused": refused,
        "p50_ms": round(float(np.percentile(ms, 50)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "p99_ms": round(float(np.percentile(ms, 99)), 2), "max_ms": round(float(ms.max()), 2),
    }  # fmt: skip


def measure_throughput(base: str, records: list[dict[str, Any]], clients: int, seconds: float) -> dict[str, Any]:
    """`clients` concurrent clients (own connections) posting until the records or `seconds` run out."""
    feed = iter(records)
    lock = threading.Lock()
    done: list[int] = []
    times: list[float] = []
    deadline = time.perf_counter() + seconds

    def client_loop() -> None:
        ok = 0
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.perf_counter() < deadline:
                with lock:
                    record = next(feed, None)
                if record is None:
                    break
                start = time.perf_counter()
                ok += client.post("/v1/articles", json=record).status_code in (200, 201)
                with lock:
                    times.append(time.perf_counter() - start)
        with lock:
            done.append(ok)

    start = time.perf_counter()
    threads = [threading.Thread(target=client_loop) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    ms = np.array(times) * 1000
    return {
        "clients": clients, "acknowledged": sum(done), "seconds": round(elapsed, 2),
        "articles_per_s": round(sum(done) / elapsed, 1),
        "p50_ms": round(float(np.percentile(ms, 50)), 2), "p99_ms": round(float(np.percentile(ms, 99)), 2),
    }  # fmt: skip


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user and system) of a process and all its descendants (uvicorn's workers)."""
    import psutil

    procs = [psutil.Process(pid)]
    procs += procs[0].children(recursive=True)
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def _with_cpu(server: Server, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`measure()`'s result with the CPU the server and this load generator spent on each
    acknowledged article: on 2 cores both share the machine, and the server's own share tells what
    it could sustain with its clients elsewhere."""
    server_before, client_before = _tree_cpu(server.proc.pid), time.process_time()
    out = measure()
    n = max(1, out["acknowledged"])
    out["server_cpu_ms_per_article"] = round((_tree_cpu(server.proc.pid) - server_before) * 1000 / n, 2)
    out["client_cpu_ms_per_article"] = round((time.process_time() - client_before) * 1000 / n, 2)
    return out


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run_store(kind: str, indexed: int, records: list[dict[str, Any]], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Every worker count over one freshly filled store of `indexed` articles."""
    rows: list[dict[str, Any]] = []
    fresh = itertools.count(indexed)
    with tempfile.TemporaryDirectory(prefix=f"load-{kind}-") as tmp:
        work = Path(tmp)
        with _redis(work) if kind == "redis" else _nothing(f"sqlite:///{work / 'index.db'}") as url:
            filled = fill_store(url, records[:indexed], keys=not args.without_keys)
            env = {"DEDUP_SNAPSHOT": str(work / "index.snapshot")}
            with serve(url, 1, work / "cold.log", env) as (_, cold):
                pass  # the index is built by re-signing every article, and its snapshot written
            for workers in args.workers:
                row: dict[str, Any] = {"store": kind, "indexed": indexed, "workers": workers}
                row.update(fill_seconds=round(filled, 1), cold_ready_s=round(cold, 2), load_before=_load())
                row["stored_keys"] = not args.without_keys
                with serve(url, workers, work / f"w{workers}.log", env) as (server, ready):
                    row["ready_after_restart_s"] = round(ready, 2)
                    latency = [records[next(fresh)] for _ in range(args.latency_posts)]
                    row["latency"] = measure_latency(server.base, latency, args.seconds)
                    burst = [records[next(fresh)] for _ in range(args.throughput_posts)]
                    measure = partial(measure_throughput, server.base, burst, args.clients, args.seconds)
                    row["throughput"] = _with_cpu(server, measure)
                row["load_after"] = _load()
                print(orjson.dumps(row).decode(), flush=True)
                rows.append(row)
    return rows


@contextmanager
def _nothing(url: str) -> Iterator[str]:
    yield url


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| store | indexed | workers | ready after restart | p50 | p95 | p99 | throughput | clients "
        "| server CPU / article | client CPU / article | load (1 min) |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    lines = [
        f"| {r['store']} | {r['indexed']:,} | {r['workers']} | {r['ready_after_restart_s']} s "
        f"| {r['latency']['p50_ms']} ms | {r['latency']['p95_ms']} ms | {r['latency']['p99_ms']} ms "
        f"| {r['throughput']['articles_per_s']}/s | {r['throughput']['clients']} "
        f"| {r['throughput'].get('server_cpu_ms_per_article', '—')} ms "
        f"| {r['throughput'].get('client_cpu_ms_per_article', '—')} ms "
        f"| {r['load_before'][0]} → {r['load_after'][0]} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def _section(rows: list[dict[str, Any]], command: str) -> str:
    cold = sorted({(r["store"], r["indexed"], r["cold_ready_s"], r.get("stored_keys", False)) for r in rows})
    how = {True: "each article's stored keys read", False: "every article re-signed"}
    cold_lines = "\n".join(f"- {s}, {n:,} articles: {c} s to ready with no snapshot ({how[k]})" for s, n, c, k in cold)
    return (
        "<!-- service-load:start -->\n## Load: POST /v1/articles over loopback (`benchmarks/speed/service_load.py`)\n\n"
        f"`{command}` on {datetime.now(UTC):%Y-%m-%d} (2 cores; load averages beside each row: other "
        "engineers' test suites were running). Latency: one client, one POST after another, measured by the "
        "client (HTTP and JSON included). Throughput: concurrent clients, each on its own connection.\n\n"
        + _table(rows)
        + "\nCold starts (first start over a filled store, snapshot written):\n\n"
        + cold_lines
        + "\n"
        "<!-- service-load:end -->\n"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE, help="synthetic archive (made if missing)")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="Reuters-21578 folder, to make it")
    parser.add_argument("--indexed", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--stores", nargs="+", default=["sqlite", "redis"], choices=["sqlite", "redis"])
    parser.add_argument("--latency-posts", type=int, default=500)
    parser.add_argument("--throughput-posts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--without-keys", action="store_true", help="fill the store without index keys, as older versions did"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="time bound of each measuring loop")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--results", type=Path, default=RESULTS, help="markdown file with the service-load section")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    posts = len(args.workers) * (args.latency_posts + args.throughput_posts)
    need = max(args.indexed) + posts
    if not args.archive.is_file():
        generate(reuters_pool(args.source), max(need, 110_000), seed=7, out=args.archive)
    records = [orjson.loads(line) for line in itertools.islice(args.archive.open("rb"), need)]
    if len(records) < need:
        raise SystemExit(f"error: {args.archive} has {len(records)} articles; {need} are needed")
    rows = [row for kind in args.stores for n in args.indexed for row in run_store(kind, n, records, args)]
    command = "python -m benchmarks.speed.service_load " + " ".join(argv if argv is not None else sys.argv[1:])
    args.out.write_text(orjson.dumps({"command": command, "rows": rows}, option=orjson.OPT_INDENT_2).decode())
    replace_section("service-load", _section(rows, command.strip()), args.results)
    print(_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
