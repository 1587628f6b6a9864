"""Memory and latency of the streaming `Index`: index n Reuters-21578 stories one `add` at a time.

    python -m benchmarks.speed.index_memory [--corpus ../shared/corpora/reuters21578] [--n 5000]
                                      [--archive archive.jsonl] [--out benchmarks/results/index_memory.json]

`--archive` indexes the first n articles of a synthetic archive made by `python -m benchmarks.data.archive`
instead (its `.truth.jsonl` sidecar is not read; results go to index_memory_archive.json unless --out
says otherwise): runs long enough for the bounded memos to stop growing.

Reports the index's own accounting (`memory_per_article`, `Index.nbytes` and its parts), the process RSS growth per
article read from /proc/self/statm with the store's articles (texts, ids, titles, dates, their objects
and the store's dict) subtracted, both over the whole run and over its second half (the marginal
cost, once fixed costs such as the bounded document cache are paid), the median and p95 milliseconds
per `add`, and the relations found. Texts are held as UTF-8 bytes until their `add`, so the strings
the store keeps are created inside the measured interval and subtracted again. The entries of the
process's bounded caches (the index's document cache, the detector's token-hash and content-word
memos) are printed too, with the bytes each memo holds: they, not the index's tables, are most of the
RSS growth of a short run, so the marginal figure is also given with the memos' growth subtracted.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shlex
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from benchmarks.data.loaders import load_reuters
from dedup._util.memo import memos
from dedup.article import Article, parse_published
from dedup.index import Index, give_back_freed_memory, memory_per_article
from dedup.store import MemoryStore

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = ROOT / ".." / "shared" / "corpora" / "reuters21578"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "index_memory.json"
DEFAULT_ARCHIVE_OUT = ROOT / "benchmarks" / "results" / "index_memory_archive.json"
PAGE = os.sysconf("SC_PAGE_SIZE")

Packed = tuple[bytes, bytes, bytes, str | None]


def rss_bytes() -> int:
    """Resident set size of this process, from /proc/self/statm (second field, in pages).

    Heap that glibc keeps after frees (the index's merged runs, per-article temporaries) is given
    back first, so that the figure counts memory in use rather than the allocator's reserve.
    """
    give_back_freed_memory()
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * PAGE


def read_archive(path: Path, n: int) -> Iterator[dict[str, Any]]:
    """The first n articles of a `benchmarks.data.archive` JSONL, read lazily; never its truth sidecar."""
    if path.name.endswith(".truth.jsonl"):
        raise ValueError(f"{path} is an archive's truth sidecar (pairs), not its articles")
    return islice(_jsonl_rows(path), n)


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as fh:
        yield from (orjson.loads(line) for line in fh if line.strip())


def pack(rows: Iterable[dict[str, Any]]) -> list[Packed]:
    """Corpus rows as UTF-8 bytes, so no article string exists before its `add`."""
    out = []
    for row in rows:
        title = (row.get("title") or "").encode()
        out.append((row["id"].encode(), row["text"].encode(), title, row.get("published")))
    return out


def unpack(record: Packed) -> Article:
    """A fresh Article (new strings) from a packed row."""
    rid, text, title, published = record
    return Article(rid.decode(), text.decode(), title=title.decode() or None, published=parse_published(published))


def article_bytes(a: Article) -> int:
    """Bytes a stored article occupies: its object, id, text, title and date."""
    total = sys.getsizeof(a) + sys.getsizeof(a.id) + sys.getsizeof(a.text)
    return total + sum(sys.getsizeof(v) for v in (a.title, a.published) if v is not None)


def dict_bytes(n: int) -> int:
    """Size of a dict grown by n insertions (the MemoryStore's container)."""
    grown: dict[int, None] = {}
    for i in range(n):
        grown[i] = None
    return sys.getsizeof(grown)


def memo_bytes(memo: dict[Any, Any]) -> int:
    """Bytes a memo dict holds: the table, its keys and its values (each counted once)."""
    return sys.getsizeof(memo) + sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in memo.items())


def bounded_memos(index: Index) -> dict[str, dict[Any, Any]]:
    """The process's bounded memos that indexing fills: fixed costs once full, not per article."""
    return {"token_hashes": index.detector.hasher.cache, **memos()}


def caches_bytes(index: Index) -> int:
    """Bytes held by the bounded memos now."""
    return sum(memo_bytes(m) for m in bounded_memos(index).values())


def run(records: list[Packed], paragraph_bands: int | None = None) -> dict[str, Any]:
    """Index every record; time each `add`, sample RSS at the start, half-way and the end."""
    index = Index(store=MemoryStore(), paragraph_bands=paragraph_bands)
    times, relations = np.zeros(len(records)), list[tuple[str, str, str]]()
    half, stored = len(records) // 2, 0
    gc.collect()
    rss, store, caches = {0: rss_bytes()}, {0: 0}, {0: caches_bytes(index)}
    for i, record in enumerate(records):
        if i == half:
            gc.collect()
            rss[i], store[i], caches[i] = rss_bytes(), stored, caches_bytes(index)
        article = unpack(record)
        t0 = time.perf_counter()
        report = index.add(article)
        times[i] = time.perf_counter() - t0
        stored += article_bytes(article)
        relations.extend((r["a"], r["b"], r["relation"]) for r in report.relations)
    gc.collect()
    rss[len(records)], store[len(records)], caches[len(records)] = rss_bytes(), stored, caches_bytes(index)
    store[half] += dict_bytes(half)
    store[len(records)] += dict_bytes(len(records))
    return {"index": index, "times": times, "relations": relations, "rss": rss, "store": store, "caches": caches}


def index_parts(index: Index) -> dict[str, dict[str, int]]:
    """What `Index.nbytes` is made of: each band table's entries, runs and bytes, the rewrite path's
    sketches and facts, and the ids."""
    parts = {name: {"entries": len(t), "runs": t.runs, "bytes": t.nbytes} for name, t in index._tables.items()}
    ids = {"entries": len(index), "bytes": index.ids_nbytes}
    rewrite = {"entries": len(index), "bytes": index.rewrite_path_nbytes}
    return {**parts, "rewrite_path": rewrite, "ids": ids}


def summarise(n: int, out: dict[str, Any]) -> dict[str, Any]:
    """The figures of one run (see the module docstring)."""
    index, ms = out["index"], out["times"] * 1000.0
    rss, store = out["rss"], out["store"]
    half, end = sorted(rss)[1], sorted(rss)[2]
    grow_all = rss[end] - rss[0]
    grow_half = (rss[end] - rss[half]) - (store[end] - store[half])
    caches, memos = out["caches"], bounded_memos(index)
    limits = {name: getattr(m, "limit", None) for name, m in memos.items()}
    limits["token_hashes"] = getattr(index.detector.hasher, "_cache_limit", None)
    return {
        "articles": n,
        "memory_per_article_bytes": round(memory_per_article(index), 1),  # band tables + ids
        "index_nbytes": int(index.nbytes),
        "index_nbytes_per_article": round(index.nbytes / n, 1),
        "index_parts": index_parts(index),
        "store_bytes_per_article": round(store[end] / n, 1),
        "rss_growth_bytes": grow_all,
        "rss_growth_per_article_beyond_store": round((grow_all - store[end]) / n, 1),
        "rss_growth_per_article_beyond_store_second_half": round(grow_half / (end - half), 1),
        # The bounded memos are still filling in a run this short; once full they stop growing.
        "rss_growth_per_article_beyond_store_and_memos_second_half": round(
            (grow_half - (caches[end] - caches[half])) / (end - half), 1
        ),
        "memo_bytes": {name: memo_bytes(m) for name, m in memos.items()},
        "memo_limits": limits,
        # Bytes per entry so far times the limit: what the memos hold once full, in a long-running index.
        "memo_bytes_when_full": sum(
            round(memo_bytes(m) / len(m) * limits[name]) for name, m in memos.items() if len(m) and limits[name]
        ),
        "add_ms_median": round(float(np.median(ms)), 3),
        "add_ms_p95": round(float(np.percentile(ms, 95)), 3),
        "add_ms_mean": round(float(ms.mean()), 3),
        "cache_entries": {
            "index_documents": len(getattr(index, "_docs", ())),
            **{name: len(m) for name, m in memos.items()},
        },
        "relations_found": len(out["relations"]),
        "relations_by_type": dict(sorted(Counter(r[2] for r in out["relations"]).items())),
        "relations": [list(r) for r in out["relations"]],
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="Reuters-21578 directory")
    parser.add_argument("--n", type=int, default=5000, help="stories to index (in corpus order)")
    parser.add_argument(
        "--archive", type=Path, help="index a synthetic archive JSONL (benchmarks.data.archive) instead"
    )
    parser.add_argument("--out", type=Path, help=f"JSON results file ({DEFAULT_OUT.name}, {DEFAULT_ARCHIVE_OUT.name})")
    parser.add_argument("--paragraph-bands", type=int, help="paragraph LSH bands the index keeps (default: all)")
    args = parser.parse_args(argv)
    args.out = args.out or (DEFAULT_ARCHIVE_OUT if args.archive else DEFAULT_OUT)
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print its figures and write the JSON results."""
    args = parse_args(argv)
    rows = read_archive(args.archive, args.n) if args.archive else load_reuters(args.corpus)[: args.n]
    records = pack(rows)
    gc.collect()
    figures = summarise(len(records), run(records, args.paragraph_bands))
    results = {
        "command": shlex.join(
            ["python", "-m", "benchmarks.speed.index_memory", *(sys.argv[1:] if argv is None else argv)]
        ),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "corpus": str(args.archive or args.corpus),
        "paragraph_bands": args.paragraph_bands,
        **figures,
    }
    for key, value in results.items():
        if key != "relations":
            print(f"{key}: {value}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
