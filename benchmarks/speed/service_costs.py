"""Where one POST /v1/articles spends its time: the parts of the service measured apart, in one process.

    python -m benchmarks.speed.service_costs [--archive FILE] [--indexed 10000] [--n 300] [--out FILE.json]

Over a SQLite store holding `indexed` articles of the synthetic archive (with the terms and index keys the
service stores), the time to open the index from the stored keys, by re-signing every article (as over a
store written without keys), each time writing its snapshot, and from the snapshot; then, per article:
`Index.check`, `Index.add` (check, store, index), another index over the store following that add (as
another worker does: from the stored keys), signing an article (what that worker did before keys were
stored), and the HTTP framework (a small check driven through the ASGI app, no network). Prints a table and
writes JSON; the figures explain the throughput the load benchmark measures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from benchmarks.speed.service_load import DEFAULT_ARCHIVE, fill_store
from dedup.article import Article, article_from_mapping
from dedup.index import Index
from dedup.sketch.shard import sign_shard
from dedup.store import SQLiteStore

__all__ = ["main", "per_call_ms"]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "service_costs.json"
# --out defaults to service_costs-INDEXED.json beside it


def per_call_ms(call: Callable[[Any], object], items: list[Any]) -> float:
    """Mean milliseconds of `call(item)` over the items."""
    start = time.perf_counter()
    for item in items:
        call(item)
    return round((time.perf_counter() - start) / len(items) * 1000, 3)


def _asgi_check_ms(n: int) -> float:
    """A small POST /v1/articles/check through the app (memory store), framework included, no socket."""
    from service.app import create_app
    from service.settings import Settings

    app = create_app(Settings())

    async def call(i: int) -> None:
        body = orjson.dumps({"id": f"x{i}", "text": "Harbour fees rose in March."})
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": "/v1/articles/check", "raw_path": b"/v1/articles/check", "query_string": b"", "root_path": "",
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 8000), "state": {},
        }  # fmt: skip
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: Any) -> None:
            pass

        await app(scope, receive, send)

    async def run() -> float:
        async with app.router.lifespan_context(app):
            for i in range(50):
                await call(i)
            start = time.perf_counter()
            for i in range(50, 50 + n):
                await call(i)
            return round((time.perf_counter() - start) / n * 1000, 3)

    return asyncio.run(run())


def measure(archive: Path, indexed: int, n: int) -> dict[str, Any]:
    records = [orjson.loads(line) for line in itertools.islice(archive.open("rb"), indexed + 4 * n)]
    fresh = [article_from_mapping(r) for r in records[indexed:]]
    with tempfile.TemporaryDirectory(prefix="costs-") as tmp:
        db, bare, snapshot = Path(tmp) / "index.db", Path(tmp) / "bare.db", Path(tmp) / "index.snapshot"
        fill_store(f"sqlite:///{db}", records[:indexed])
        fill_store(f"sqlite:///{bare}", records[:indexed], keys=False)
        load = [round(x, 2) for x in os.getloadavg()]
        opened = {
            "open_from_stored_keys_and_write_snapshot_s": _seconds(
                lambda: Index(store=SQLiteStore(db), snapshot=snapshot)
            ),
            "open_resign_and_write_snapshot_s": _seconds(
                lambda: Index(store=SQLiteStore(bare), snapshot=Path(tmp) / "bare.snapshot")
            ),
            "open_from_snapshot_s": _seconds(lambda: Index(store=SQLiteStore(db), snapshot=snapshot)),
        }
        index, follower = Index(store=SQLiteStore(db), snapshot=snapshot), Index(store=SQLiteStore(db))
        tiny = Index()
        figures = {
            "indexed": indexed, "n": n, "load": load, **opened,
            "snapshot_mb": round(snapshot.stat().st_size / 1e6, 1),
            "check_ms": per_call_ms(index.check, fresh[:n]),
            "add_ms": per_call_ms(index.add, fresh[n : 2 * n]),
            "follow_one_ms (another worker)": _follow_ms(index, follower, fresh[2 * n : 3 * n]),
            "sign_one_ms (another worker, before keys were stored)": per_call_ms(
                lambda a: sign_shard([a], index.detector), fresh[3 * n : 4 * n]
            ),
            "tiny_check_in_process_ms": per_call_ms(
                lambda i: tiny.check(Article(f"x{i}", "Harbour fees rose in March.")), list(range(n))
            ),
            "tiny_check_through_asgi_ms": _asgi_check_ms(n),
        }  # fmt: skip
    return figures


def _seconds(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return round(time.perf_counter() - start, 3)


def _follow_ms(index: Index, follower: Index, articles: list[Article]) -> float:
    """Mean milliseconds `follower` takes to apply one article `index` added (read from the log, inserted)."""
    follower.sync()
    spent = 0.0
    for article in articles:
        index.add(article)
        start = time.perf_counter()
        follower.sync()
        spent += time.perf_counter() - start
    return round(spent / len(articles) * 1000, 3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE)
    parser.add_argument("--indexed", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default: results/service_costs-N.json)")
    args = parser.parse_args(argv)
    args.out = args.out or DEFAULT_OUT.with_name(f"service_costs-{args.indexed}.json")
    figures = measure(args.archive, args.indexed, args.n)
    args.out.write_text(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
    for name, value in figures.items():
        print(f"{name:>32}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
