"""Synthetic news archive for scale benchmarks, reproducible by seed, streamed to disk.

Each base article is 4-12 paragraphs with the lengths of paragraphs drawn at random from a pool of
real Reuters-21578 paragraphs; a paragraph's words are runs of `run_words` (4) consecutive words
taken from random places of the pool's word stream. Whole pool paragraphs cannot be reused: the
~85k of them, each drawn ~100 times in a 1M archive, would be ~100-way paragraph copies that no
real archive has, and related pairs among them would grow with the square of the archive
(replacing 15% of the words still left 25,000 partial-reuse pairs among 100k articles; runs of 8
words, each drawn ~10 times in 1M articles, made short paragraphs near-identical, and pairs grew
~24x from 100k to 1M). Runs of 4 keep real phrasing, names and figures, while any 5-gram spans two
runs from unrelated places, so the planted pairs are the archive's reuse. (`run_words=0` draws whole
paragraphs; `mutate` replaces a fraction of the words.) A fraction `rate` of the articles are
planted copies of a recent base article:

- exact: the same text re-posted under a new id;
- trimmed: the first half or more of its paragraphs;
- header_footer: the same text with a byline/header and/or a copyright footer added;
- partial: 2 consecutive paragraphs spliced into a new base article.

Every planted pair goes to the truth sidecar (`X.truth.jsonl` beside `X.jsonl`) as {a, b, relation},
a being the source. Memory is O(pool + window): articles are written as they are made.

    python -m benchmarks.data.archive --size 100000 --seed 7 --out archive.jsonl [--source DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson

__all__ = ["ParagraphPool", "generate", "reuters_pool", "split_paragraphs", "truth_path"]

MIN_PARAS, MAX_PARAS = 4, 12
MIN_WORDS = 8
RELATIONS = ("exact", "trimmed", "header_footer", "partial")
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
_PARA_BREAK = re.compile(r"\n(?=[ \t]{2,}\S)|\n[ \t]*\n")
_SIGNOFF = re.compile(r"\s*\bReuter\s*$")
_OUTLETS = ("The Daily Ledger", "Metro Business Wire", "Harbor Times", "Valley Courier", "Finance Today")
_NAMES = ("Jane Holt", "Omar Reyes", "Li Wei", "Anna Berg", "Tom Okafor", "Sara Quinn")
_HEADERS = ("By {name}, {outlet} staff", "From the {outlet} news desk", "{outlet} - wire copy, updated")
_FOOTERS = (
    "Copyright {year} {outlet}. All rights reserved.",
    "This story was first published by Reuters and is republished by {outlet} with permission.",
    "(Reporting by {name}; editing by {name2})",
)


def split_paragraphs(body: str) -> list[str]:
    """Paragraphs of a Reuters body (indent or blank line starts one), unwrapped, >= MIN_WORDS words."""
    body = _SIGNOFF.sub("", body)
    out = []
    for piece in _PARA_BREAK.split(body):
        words = piece.split()
        if len(words) >= MIN_WORDS:
            out.append(" ".join(words))
    return out


@dataclass(frozen=True)
class ParagraphPool:
    """Unique paragraphs as word ids: words of paragraph i are vocab[ids[offsets[i]:offsets[i+1]]]."""

    vocab: np.ndarray
    ids: np.ndarray
    offsets: np.ndarray

    @classmethod
    def from_paragraphs(cls, paragraphs: Iterable[str]) -> ParagraphPool:
        """Pool of the distinct paragraphs (first-seen order) that have at least one word."""
        words: dict[str, int] = {}
        flat: list[int] = []
        offsets = [0]
        for para in dict.fromkeys(paragraphs):
            toks = para.split()
            if toks:
                flat.extend(words.setdefault(t, len(words)) for t in toks)
                offsets.append(len(flat))
        if len(offsets) < 2:
            raise ValueError("the paragraph pool is empty")
        vocab = np.array(list(words), dtype=object)
        return cls(vocab, np.array(flat, dtype=np.int32), np.array(offsets, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.offsets) - 1


def reuters_pool(root: str | Path) -> ParagraphPool:
    """Paragraph pool of every Reuters-21578 body under `root` (own reader: layout kept as is)."""
    from benchmarks.baselines.plain_datasketch import read_reuters

    return ParagraphPool.from_paragraphs(p for a in read_reuters(root) for p in split_paragraphs(a["text"]))


def truth_path(out: str | Path) -> Path:
    """The truth sidecar of an archive: archive.jsonl -> archive.truth.jsonl."""
    out = Path(out)
    stem = out.name[: -len(".jsonl")] if out.name.endswith(".jsonl") else out.name
    return out.with_name(f"{stem}.truth.jsonl")


class _Maker:
    """Makes base articles in numpy batches and planted copies from a window of recent ones."""

    def __init__(self, pool: ParagraphPool, seed: int, mutate: float, window: int, run_words: int) -> None:
        self.pool, self.mutate, self.window, self.run_words = pool, mutate, window, run_words
        self.np_rng = np.random.default_rng(seed)
        self.rng = random.Random(seed)
        self.queue: list[list[str]] = []
        self.recent: list[tuple[str, list[str]]] = []

    def _batch(self, n: int) -> None:
        pool, rng = self.pool, self.np_rng
        counts = rng.integers(MIN_PARAS, MAX_PARAS + 1, n)
        picks = rng.integers(0, len(pool), int(counts.sum()))
        lens = np.diff(pool.offsets)[picks]
        ends = np.cumsum(lens)
        ids = pool.ids[self._positions(pool.offsets[picks], lens, ends)]
        if self.mutate > 0:
            hit = np.flatnonzero(rng.random(len(ids)) < self.mutate)
            ids[hit] = pool.ids[rng.integers(0, len(pool.ids), len(hit))]
        words = pool.vocab[ids].tolist()
        starts = (ends - lens).tolist()
        paras = [" ".join(words[s:e]) for s, e in zip(starts, ends.tolist(), strict=True)]
        cuts = np.concatenate(([0], np.cumsum(counts))).tolist()
        self.queue.extend(paras[cuts[i] : cuts[i + 1]] for i in range(n - 1, -1, -1))

    def _positions(self, firsts: np.ndarray, lens: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Word-stream positions of the batch's words: whole paragraphs, or runs from random places
        (each paragraph starting a run)."""
        total = int(ends[-1])
        offset = np.arange(total) - np.repeat(ends - lens, lens)
        if not self.run_words:
            return offset + np.repeat(firsts, lens)
        run = self.run_words
        runs = -(-lens // run)
        first_run = np.concatenate(([0], np.cumsum(runs)[:-1]))
        starts = self.np_rng.integers(0, max(1, len(self.pool.ids) - run), int(runs.sum()))
        return starts[np.repeat(first_run, lens) + offset // run] + offset % run

    def base(self) -> list[str]:
        """Paragraphs of a fresh base article."""
        if not self.queue:
            self._batch(2048)
        return self.queue.pop()

    def remember(self, article_id: str, paras: list[str]) -> None:
        """Make a base article available as a copy source."""
        if len(self.recent) < self.window:
            self.recent.append((article_id, paras))
        else:
            self.recent[self.rng.randrange(self.window)] = (article_id, paras)

    def copy(self) -> tuple[str, str, list[str]]:
        """(source id, relation, paragraphs) of a planted copy of a recent base article."""
        rng = self.rng
        source_id, src = rng.choice(self.recent)
        relation = rng.choice(RELATIONS)
        if relation == "exact":
            return source_id, relation, list(src)
        if relation == "trimmed":
            return source_id, relation, src[: rng.randint(max(1, (len(src) + 1) // 2), len(src) - 1)]
        if relation == "header_footer":
            return source_id, relation, self._wrap(src)
        host = self.base()
        at, cut = rng.randint(0, len(host)), rng.randint(0, len(src) - 2)
        return source_id, relation, host[:at] + src[cut : cut + 2] + host[at:]

    def _wrap(self, src: list[str]) -> list[str]:
        rng = self.rng
        fill = {
            "outlet": rng.choice(_OUTLETS),
            "name": rng.choice(_NAMES),
            "name2": rng.choice(_NAMES),
            "year": rng.randint(1990, 2024),
        }
        which = rng.randrange(3)  # 0: header, 1: footer, 2: both
        head = [rng.choice(_HEADERS).format(**fill)] if which != 1 else []
        foot = [rng.choice(_FOOTERS).format(**fill)] if which != 0 else []
        return head + src + foot


def _write_atomically(path: Path) -> tuple[IO[bytes], Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    return open(tmp, "wb", buffering=1 << 20), tmp


def generate(
    pool: ParagraphPool,
    size: int,
    seed: int,
    out: str | Path,
    rate: float = 0.05,
    mutate: float = 0.0,
    window: int = 2000,
    run_words: int = 4,
) -> dict[str, Any]:
    """Write `size` articles to `out` and the planted pairs to its truth sidecar; return stats."""
    start = time.perf_counter()
    out = Path(out)
    maker = _Maker(pool, seed, mutate, window, run_words)
    fh, tmp = _write_atomically(out)
    th, ttmp = _write_atomically(truth_path(out))
    relations = dict.fromkeys(RELATIONS, 0)
    width = max(7, len(str(size - 1)))
    with fh, th:
        for i in range(size):
            article_id = f"a{i:0{width}d}"
            if maker.recent and maker.rng.random() < rate:
                source_id, relation, paras = maker.copy()
                relations[relation] += 1
                th.write(orjson.dumps({"a": source_id, "b": article_id, "relation": relation}) + b"\n")
            else:
                paras = maker.base()
                maker.remember(article_id, paras)
            published = (EPOCH + timedelta(seconds=20 * i)).isoformat()
            fh.write(orjson.dumps({"id": article_id, "text": "\n\n".join(paras), "published": published}))
            fh.write(b"\n")
    os.replace(tmp, out)
    os.replace(ttmp, truth_path(out))
    seconds = time.perf_counter() - start
    return {
        "articles": size,
        "seed": seed,
        "rate": rate,
        "mutate": mutate,
        "run_words": run_words,
        "pool_paragraphs": len(pool),
        "planted": relations,
        "bytes": out.stat().st_size,
        "seconds": round(seconds, 3),
        "articles_per_s": round(size / seconds, 1) if seconds else None,
    }


def main(argv: list[str] | None = None) -> int:
    """Command line: --size, --seed, --out, --source, --rate, --mutate, --run-words."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True, help="archive JSONL (truth goes to X.truth.jsonl)")
    parser.add_argument("--source", default="../shared/corpora/reuters21578", help="Reuters-21578 dir")
    parser.add_argument("--rate", type=float, default=0.05, help="fraction of planted copies")
    parser.add_argument("--mutate", type=float, default=0.0, help="fraction of words replaced per draw")
    parser.add_argument("--run-words", type=int, default=4, help="words per run from the pool (0: whole paragraphs)")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    pool = reuters_pool(args.source)
    pool_s = time.perf_counter() - t0
    stats = generate(pool, args.size, args.seed, args.out, args.rate, args.mutate, run_words=args.run_words)
    print(orjson.dumps({**stats, "pool_seconds": round(pool_s, 3)}).decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
