"""Memory and latency of the HTTP service: POST n Reuters-21578 stories, one by one, to a real uvicorn.

    python -m benchmarks.speed.service_memory [--corpus ../shared/corpora/reuters21578] [--n 19000]
                                        [--store sqlite] [--articles FILE.jsonl] [--out FILE.json]

Starts `python -m uvicorn --factory service.app:create_app` with its store in a temporary directory
(`--store sqlite`, the default, keeps the texts on disk, so the server's RSS growth is memory beyond
the stored text; `--store memory` keeps them in the process), POSTs each article to `/v1/articles` from
this process, and reads the server's resident set size from /proc/PID/statm every few articles.
Reports RSS growth per article over the whole run and over its second half (the marginal cost, once
fixed costs such as the bounded memos' first fill are paid), the median and p95 milliseconds per POST
measured here, client side (HTTP, JSON and validation included), and the relations the service found.
`--articles` posts the first n records of a JSONL file in the `dedup scan` contract instead of Reuters.
`--warmup FILE --warmup-n N` first POSTs N records of another JSONL file, unmeasured, so that the
server's bounded caches are full before the measured run (a service that has been up for a while).

Unlike `benchmarks.speed.index_memory` the server's C heap is not trimmed before each reading (it is
another process): the figures are what a deployed service holds, the allocator's reserve included.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks.data.loaders import contract_record, load_reuters

__all__ = ["Run", "load_records", "main", "post_all", "rss_bytes", "serve", "summarise", "warm_up"]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = ROOT / ".." / "shared" / "corpora" / "reuters21578"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "service_memory.json"
PAGE = os.sysconf("SC_PAGE_SIZE")
STORES = ("sqlite", "memory")


def rss_bytes(pid: int) -> int:
    """Resident set size of process `pid`, from /proc/PID/statm (second field, in pages)."""
    with open(f"/proc/{pid}/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * PAGE


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"server not ready after {timeout} s:\n{log.read_text()}")


@contextmanager
def serve(store_url: str, log: Path, paragraph_bands: int | None = None) -> Iterator[tuple[str, int]]:
    """A uvicorn process over `store_url`: yields its base URL and pid, stops it with SIGTERM."""
    env = {**os.environ, "DEDUP_STORE": store_url}
    if paragraph_bands is not None:
        env["DEDUP_PARAGRAPH_BANDS"] = str(paragraph_bands)
    port = _free_port()
    args = [sys.executable, "-m", "uvicorn", "--factory", "service.app:create_app", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, log)
        yield base, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class Run:
    """What one run measured: per-POST times, RSS samples (articles posted, bytes) and relations."""

    times: np.ndarray
    rss: list[tuple[int, int]] = field(default_factory=list)
    relations: Counter[str] = field(default_factory=Counter)
    refused: Counter[int] = field(default_factory=Counter)
    text_bytes: int = 0
    index_bytes: dict[int, int] = field(default_factory=dict)


def post_all(base: str, pid: int, records: list[dict[str, Any]], every: int) -> Run:
    """POST each record in order; read the server's RSS before the first, every `every`, half-way and after the last."""
    n, half = len(records), len(records) // 2
    run = Run(times=np.zeros(n))
    run.rss.append((0, rss_bytes(pid)))
    with httpx.Client(base_url=base, timeout=60.0) as client:
        run.index_bytes[0] = client.get("/readyz").json()["index_bytes"]
        for i, record in enumerate(records):
            t0 = time.perf_counter()
            response = client.post("/v1/articles", json=record)
            run.times[i] = time.perf_counter() - t0
            if response.status_code == 201:
                run.relations.update(r["relation"] for r in response.json()["relations"])
                run.text_bytes += len(record["text"].encode())
            else:
                run.refused[response.status_code] += 1
            if i + 1 == half or (i + 1) % every == 0 or i + 1 == n:
                run.rss.append((i + 1, rss_bytes(pid)))
            if i + 1 in (half, n):
                run.index_bytes[i + 1] = client.get("/readyz").json()["index_bytes"]
    return run


def _at(rss: list[tuple[int, int]], articles: int) -> int:
    return dict(rss)[articles]


def warm_up(base: str, records: list[dict[str, Any]]) -> int:
    """POST `records` (ids prefixed with "warmup:") before the measured run; how many were added.

    Fills the server's bounded caches first, so that the run measures what each article costs once
    they are full, as in a service that has been up for a while."""
    added = 0
    with httpx.Client(base_url=base, timeout=60.0) as client:
        for record in records:
            response = client.post("/v1/articles", json={**record, "id": f"warmup:{record['id']}"})
            added += response.status_code == 201
    return added


def _slope(samples: list[tuple[int, int]], since: int) -> float:
    """Least-squares bytes per article of the RSS samples taken from `since` articles on."""
    points = np.array([s for s in samples if s[0] >= since], dtype=float)
    if len(points) < 2 or np.ptp(points[:, 0]) == 0:
        return float("nan")
    return float(np.polyfit(points[:, 0], points[:, 1], 1)[0])


def summarise(run: Run) -> dict[str, Any]:
    """Growth per article over the whole run and its second half, latency percentiles, relations."""
    ms, n = run.times * 1000.0, len(run.times)
    half = n // 2
    start, middle, end = _at(run.rss, 0), _at(run.rss, half), _at(run.rss, n)
    index_start, index_half, index_end = run.index_bytes.get(0, 0), run.index_bytes.get(half), run.index_bytes.get(n)
    return {
        "articles": n,
        "added": n - sum(run.refused.values()),
        "refused_by_status": {str(k): v for k, v in sorted(run.refused.items())},
        "rss_start_bytes": start,
        "rss_end_bytes": end,
        "rss_growth_per_article": round((end - start) / n, 1) if n else float("nan"),
        "rss_growth_per_article_second_half": round((end - middle) / (n - half), 1) if n - half else float("nan"),
        "rss_slope_per_article_second_half": round(_slope(run.rss, half), 1),
        "index_bytes_per_article": (
            round((index_end - index_start) / n, 1) if n and index_end is not None else float("nan")
        ),
        "index_growth_per_article_second_half": (
            round((index_end - index_half) / (n - half), 1)
            if n - half and index_end is not None and index_half is not None
            else float("nan")
        ),
        "text_bytes_per_article": round(run.text_bytes / n, 1) if n else float("nan"),
        "post_ms_median": round(float(np.median(ms)), 3),
        "post_ms_p95": round(float(np.percentile(ms, 95)), 3),
        "post_ms_mean": round(float(ms.mean()), 3),
        "relations_found": sum(run.relations.values()),
        "relations_by_type": dict(sorted(run.relations.items())),
        "rss_samples": [list(s) for s in run.rss],
    }


def load_records(corpus: Path, articles: Path | None, n: int) -> list[dict[str, Any]]:
    """The first n records, in the `dedup scan` contract: Reuters-21578 by default, or a JSONL file."""
    if articles is None:
        rows = load_reuters(corpus)[:n]
    else:
        with articles.open(encoding="utf-8") as fh:  # an archive may be large: read only its first n lines
            lines = (line for line in fh if line.strip())
            rows = [json.loads(line) for _, line in zip(range(n), lines, strict=False)]
    return [contract_record(row) for row in rows]


def _table(figures: dict[str, Any]) -> str:
    rows = [
        ("articles POSTed (added)", f"{figures['articles']:,} ({figures['added']:,})"),
        ("store", f"{figures['store']} ({figures['store_file_bytes'] / 1e6:.1f} MB on disk)"),
        ("RSS growth per article, whole run", f"{figures['rss_growth_per_article']:,.0f} B"),
        ("RSS growth per article, second half", f"{figures['rss_growth_per_article_second_half']:,.0f} B"),
        ("  least-squares slope, second half", f"{figures['rss_slope_per_article_second_half']:,.0f} B"),
        ("index entries per article (GET /readyz)", f"{figures['index_bytes_per_article']:,.0f} B"),
        ("  their growth, second half", f"{figures['index_growth_per_article_second_half']:,.0f} B"),
        ("text per article (UTF-8)", f"{figures['text_bytes_per_article']:,.0f} B"),
        ("POST ms median / p95", f"{figures['post_ms_median']:.2f} / {figures['post_ms_p95']:.2f}"),
        ("relations found", f"{figures['relations_found']:,} {figures['relations_by_type']}"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def _commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="Reuters-21578 directory")
    parser.add_argument("--n", type=int, default=19000, help="articles to POST (in corpus order)")
    parser.add_argument("--store", choices=STORES, default="sqlite", help="the server's store (default: sqlite)")
    parser.add_argument("--articles", type=Path, help="POST the records of this JSONL file instead of Reuters")
    parser.add_argument("--every", type=int, help="read the server's RSS every this many articles (default: n/100)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument("--paragraph-bands", type=int, help="DEDUP_PARAGRAPH_BANDS for the server (default: all)")
    parser.add_argument("--warmup", type=Path, help="JSONL whose records are POSTed first, unmeasured, to fill caches")
    parser.add_argument("--warmup-n", type=int, default=40000, help="warm-up records to POST (default 40000)")
    return parser.parse_args(argv)


def measure(
    records: list[dict[str, Any]],
    store: str,
    every: int,
    paragraph_bands: int | None = None,
    warmup: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Start a server with a fresh store in a temporary directory, POST every record, stop it."""
    with tempfile.TemporaryDirectory(prefix="service_memory-") as tmp:
        db = Path(tmp) / "index.db"
        url = f"sqlite:///{db}" if store == "sqlite" else "memory://"
        with serve(url, Path(tmp) / "server.log", paragraph_bands) as (base, pid):
            warmed = warm_up(base, warmup) if warmup else 0
            figures = summarise(post_all(base, pid, records, every))
        on_disk = sum(p.stat().st_size for p in Path(tmp).glob("index.db*"))
    return {"store": store, "store_file_bytes": on_disk, "warmup_articles": warmed, **figures}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print its table and write the JSON results."""
    args = parse_args(argv)
    records = load_records(args.corpus, args.articles, args.n)
    every = args.every or max(1, len(records) // 100)
    warmup = load_records(args.corpus, args.warmup, args.warmup_n) if args.warmup else None
    figures = measure(records, args.store, every, args.paragraph_bands, warmup)
    results = {
        "command": shlex.join(
            ["python", "-m", "benchmarks.speed.service_memory", *(sys.argv[1:] if argv is None else argv)]
        ),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _commit(),
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "corpus": str(args.articles or args.corpus),
        "paragraph_bands": args.paragraph_bands,
        "warmup": str(args.warmup) if args.warmup else None,
        **figures,
    }
    print(_table(results))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
