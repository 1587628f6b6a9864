"""The near-duplicate script a user would write without `dedup`: plain datasketch over word 5-grams.

Reads Reuters-21578 (a directory of reut2-*.xml files) or a JSONL file of {id, text}, builds one
document MinHash per article from word 5-gram strings with datasketch's default SHA-1 `update` per
shingle (128 permutations), inserts everything into `MinHashLSH(threshold=0.5)`, queries every
article and writes the near-duplicate pairs as JSONL.

    python -m benchmarks.baselines.plain_datasketch --corpus ../shared/corpora/reuters21578 --out pairs.jsonl

This module also holds the benchmarks' private Reuters reader (`read_reuters`), used when
`benchmarks.data.loaders` is not available.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from datasketch import MinHash, MinHashLSH

__all__ = ["iter_jsonl", "load_articles", "load_reuters", "minhash", "read_reuters", "shingles"]

NUM_PERM = 128
K = 5
THRESHOLD = 0.5

_BLOCK = re.compile(rb"<REUTERS([^>]*)>(.*?)</REUTERS>", re.S)
_NEWID = re.compile(rb'NEWID="(\d+)"')
_BODY = re.compile(rb"<BODY>(.*?)</BODY>", re.S)
_TITLE = re.compile(rb"<TITLE>(.*?)</TITLE>", re.S)
_DATE = re.compile(rb"<DATE>(.*?)</DATE>", re.S)


def _text(raw: bytes) -> str:
    # reut2-017.xml carries stray non-UTF-8 and control bytes: decode leniently, never parse as XML.
    return html.unescape(raw.decode("utf-8", errors="replace"))


def _iso_date(raw: str) -> str | None:
    try:
        return datetime.strptime(raw.strip()[:20], "%d-%b-%Y %H:%M:%S").isoformat()
    except ValueError:
        return None


def read_reuters(root: str | Path) -> list[dict[str, Any]]:
    """Articles with a body from reut2-*.xml under `root`: {id, text, title, published}."""
    out: list[dict[str, Any]] = []
    files = sorted(Path(root).glob("reut2-*.xml"))
    if not files:
        raise FileNotFoundError(f"no reut2-*.xml files under {root}")
    for path in files:
        for attrs, block in _BLOCK.findall(path.read_bytes()):
            body = _BODY.search(block)
            if body is None:
                continue
            newid = _NEWID.search(attrs)
            title, date = _TITLE.search(block), _DATE.search(block)
            out.append(
                {
                    "id": f"reuters-{newid.group(1).decode() if newid else len(out)}",
                    "text": _text(body.group(1)),
                    "title": _text(title.group(1)).strip() if title else None,
                    "published": _iso_date(_text(date.group(1))) if date else None,
                }
            )
    return out


def load_reuters(root: str | Path) -> list[dict[str, Any]]:
    """Reuters articles via `benchmarks.data.loaders` when present, else the private reader."""
    try:
        from benchmarks.data.loaders import load_reuters as shared_loader
    except ImportError:
        return read_reuters(root)
    return list(shared_loader(root))


def iter_jsonl(path: str | Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file, one JSON object per non-blank line."""
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                yield orjson.loads(line)


def load_articles(corpus: str | Path) -> list[dict[str, Any]]:
    """Articles from a Reuters directory or a JSONL file."""
    path = Path(corpus)
    return load_reuters(path) if path.is_dir() else list(iter_jsonl(path))


def shingles(text: str, k: int = K) -> set[str]:
    """Word k-gram strings of lower-cased, whitespace-split text (the whole text if shorter than k)."""
    words = text.lower().split()
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def minhash(shingle_set: set[str]) -> MinHash:
    """Document MinHash with datasketch defaults: SHA-1, one `update` per shingle."""
    m = MinHash(num_perm=NUM_PERM)
    for s in shingle_set:
        m.update(s.encode("utf-8"))
    return m


def find_pairs(articles: list[dict[str, Any]], timings: dict[str, float]) -> list[dict[str, Any]]:
    """Near-duplicate pairs (a < b) with their estimated Jaccard similarity."""
    t0 = time.perf_counter()
    sketches = {str(a["id"]): minhash(shingles(a["text"])) for a in articles if a.get("text")}
    t1 = time.perf_counter()
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    for key, m in sketches.items():
        lsh.insert(key, m)
    t2 = time.perf_counter()
    pairs: set[tuple[str, str]] = set()
    for key, m in sketches.items():
        for other in lsh.query(m):
            if other != key:
                pairs.add((key, other) if key < other else (other, key))
    t3 = time.perf_counter()
    timings.update(minhash=t1 - t0, lsh_insert=t2 - t1, lsh_query=t3 - t2)
    return [{"a": a, "b": b, "jaccard": round(sketches[a].jaccard(sketches[b]), 4)} for a, b in sorted(pairs)]


def main(argv: list[str] | None = None) -> int:
    """Command line: --corpus DIR_OR_JSONL --out FILE."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="../shared/corpora/reuters21578", help="Reuters dir or JSONL")
    parser.add_argument("--out", required=True, help="JSONL file for the near-duplicate pairs")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    timings: dict[str, float] = {}
    articles = load_articles(args.corpus)
    timings["read"] = time.perf_counter() - start
    pairs = find_pairs(articles, timings)
    t_write = time.perf_counter()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "wb") as fh:
        for pair in pairs:
            fh.write(orjson.dumps(pair) + b"\n")
    timings["write"] = time.perf_counter() - t_write
    total = time.perf_counter() - start
    parts = ", ".join(f"{k} {v:.2f}s" for k, v in timings.items())
    summary = f"{len(articles)} articles, {len(pairs)} pairs in {total:.2f}s ({parts})"
    print(f"plain_datasketch: {summary}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
