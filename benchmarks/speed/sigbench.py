"""Signatures per second per core: our batched kernel against datasketch and rensa, same articles.

All methods run in this one process, one after another, on the same Reuters articles:

- ours: per batch of texts, folded bytes (`text_bytes`), token spans, token hashes, 5-gram hashes,
  `MinHasher.sign_many`: the same tokens and signatures as normalize, word_tokens, token_hashes,
  kgrams and sign per text (checked against datasketch below);
- datasketch plain: word 5-gram strings, `MinHash(num_perm=128)`, SHA-1 `update` per shingle;
- datasketch batch: the same shingles through `MinHash.bulk` and through `update_batch`;
- rensa (if installed): `RMinHash(num_perm=128, seed=1).update(shingles)`, and its bulk matrix call.

Times are CPU seconds of this process (`time.process_time`), so other load on the machine barely
moves them; each figure is the best of `--repeat` runs (ours starts each with a cold token cache).

    python -m benchmarks.speed.sigbench --corpus ../shared/corpora/reuters21578 --articles 2000
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from datasketch import MinHash

from benchmarks.baselines.plain_datasketch import load_articles, minhash, shingles
from dedup.prepare.normalize import normalize
from dedup.sketch.minhash import MinHasher
from dedup.sketch.shingle import TokenHasher, text_bytes, token_spans, word_tokens

# rensa's bulk calls use a thread pool; keep this a per-core figure.
os.environ.setdefault("RAYON_NUM_THREADS", "1")

__all__ = ["MethodResult", "check_bit_compatible", "render_table", "run_sigbench"]

BATCH = 512
PLAIN = "datasketch plain (SHA-1 update)"


@dataclass
class MethodResult:
    """Timing of one signature method over n articles; `stages` in seconds."""

    name: str
    n: int
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.n / self.seconds if self.seconds else float("inf")

    @property
    def us_per_article(self) -> float:
        return 1e6 * self.seconds / self.n if self.n else 0.0

    def as_dict(self, baseline: float | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.name,
            "articles": self.n,
            "seconds": round(self.seconds, 4),
            "articles_per_s": round(self.per_second, 1),
            "us_per_article": round(self.us_per_article, 1),
            "stages_us_per_article": {k: round(1e6 * v / self.n, 1) for k, v in self.stages.items()},
        }
        if baseline:
            out["speedup_vs_plain"] = round(baseline / self.seconds, 2)
        if self.note:
            out["note"] = self.note
        return out


def _ours_once(texts: list[str]) -> dict[str, float]:
    """One cold run of our path, raw text to signatures; seconds per stage.

    normalize: each text to its folded bytes (the exact str path for non-ASCII texts), one buffer per
    batch; tokenize: token spans in the buffer; token_hash, kgram, sign: one vectorized pass each.
    """
    hasher, signer = TokenHasher(), MinHasher()
    st = dict.fromkeys(("normalize", "tokenize", "token_hash", "kgram", "sign"), 0.0)
    clock = time.process_time
    for lo in range(0, len(texts), BATCH):
        t0 = clock()
        buf, offsets = text_bytes(texts[lo : lo + BATCH])
        t1 = clock()
        starts, ends, token_bounds = token_spans(buf, offsets)
        t2 = clock()
        th = hasher.span_hashes(buf, starts, ends)
        t3 = clock()
        flat, bounds = hasher.kgrams_many(th, token_bounds)
        t4 = clock()
        signer.sign_many(flat, bounds)
        t5 = clock()
        for key, dt in zip(st, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
            st[key] += dt
    return st


def _best(run: Callable[[], dict[str, float]], repeat: int) -> dict[str, float]:
    runs = [run() for _ in range(repeat)]
    return min(runs, key=lambda st: sum(st.values()))


def _timed(prep: Callable[[], Any], sign: Callable[[Any], Any]) -> Callable[[], dict[str, float]]:
    def run() -> dict[str, float]:
        t0 = time.process_time()
        data = prep()
        t1 = time.process_time()
        sign(data)
        return {"shingle": t1 - t0, "sign": time.process_time() - t1}

    return run


def _plain_prep(texts: list[str]) -> Callable[[], list[set[str]]]:
    return lambda: [shingles(t) for t in texts]


def _datasketch_methods(texts: list[str], repeat: int) -> list[MethodResult]:
    prep = _plain_prep(texts)

    def batch_each(sets: list[set[str]]) -> None:
        for sh in sets:
            MinHash(num_perm=128).update_batch([s.encode("utf-8") for s in sh])

    def bulk(sets: list[set[str]]) -> None:
        MinHash.bulk([[s.encode("utf-8") for s in sh] for sh in sets], num_perm=128)

    out = [
        MethodResult(PLAIN, len(texts), 0.0, _best(_timed(prep, lambda d: [minhash(s) for s in d]), repeat)),
        MethodResult("datasketch MinHash.bulk", len(texts), 0.0, _best(_timed(prep, bulk), repeat)),
        MethodResult("datasketch update_batch", len(texts), 0.0, _best(_timed(prep, batch_each), repeat)),
    ]
    return out


def _rensa_methods(texts: list[str], repeat: int) -> list[MethodResult]:
    try:
        import rensa
    except ImportError:
        return []
    prep = _plain_prep(texts)

    def each(sets: list[set[str]]) -> None:
        for sh in sets:
            rensa.RMinHash(num_perm=128, seed=1).update(list(sh))

    def matrix(sets: list[set[str]]) -> None:
        rensa.RMinHash.digest_matrix_from_token_sets([list(sh) for sh in sets], 128, 1)

    note = f"rensa {getattr(rensa, '__version__', '?')}, not datasketch-compatible"
    n = len(texts)
    return [
        MethodResult("rensa RMinHash.update", n, 0.0, _best(_timed(prep, each), repeat), note),
        MethodResult("rensa digest_matrix (bulk)", n, 0.0, _best(_timed(prep, matrix), repeat), note),
    ]


def check_bit_compatible(texts: list[str]) -> bool:
    """Our batched signatures equal datasketch MinHash(seed=1, affine32, hashfunc=shingle_hash32) on `texts`."""
    hasher, signer = TokenHasher(), MinHasher()
    batched = signer.sign_many(*hasher.shingle_texts(texts))
    k = hasher.config.k
    for text, ours in zip(texts, batched, strict=True):
        toks = word_tokens(normalize(text))
        grams = [toks] if len(toks) < k else [toks[i : i + k] for i in range(len(toks) - k + 1)]
        ref = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=hasher.shingle_hash32)
        for g in grams:
            if g:
                ref.update(" ".join(g).encode("utf-8"))
        if not np.array_equal(ours, ref.hashvalues):
            return False
    return True


def run_sigbench(articles: list[dict[str, Any]], n: int = 2000, repeat: int = 3) -> dict[str, Any]:
    """Time every method on the first `n` articles with text; results plus our stage split."""
    texts = [a["text"] for a in articles if a.get("text")][:n]
    ours_stages = _best(lambda: _ours_once(texts), repeat)
    results = [MethodResult("dedup (ours, batched)", len(texts), 0.0, ours_stages)]
    results += _datasketch_methods(texts, repeat)
    results += _rensa_methods(texts, repeat)
    for r in results:
        r.seconds = sum(r.stages.values())
    baseline = next(r.seconds for r in results if r.name == PLAIN)
    shingle_counts = [len(shingles(t)) for t in texts]
    return {
        "articles": len(texts),
        "mean_shingles_per_article": round(float(np.mean(shingle_counts)), 1),
        "repeat": repeat,
        "bit_compatible_with_datasketch": check_bit_compatible(texts[:50]),
        "methods": [r.as_dict(baseline) for r in results],
    }


def render_table(bench: dict[str, Any]) -> Any:
    """A rich Table of a `run_sigbench` result."""
    from rich.table import Table

    title = f"Signatures per core ({bench['articles']} Reuters articles, best of {bench['repeat']})"
    table = Table(title=title)
    for col in ("method", "articles/s", "µs/article", "shingle µs", "sign µs", "vs plain"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for m in bench["methods"]:
        st = m["stages_us_per_article"]
        prep = st.get("shingle", sum(v for k, v in st.items() if k != "sign"))
        table.add_row(
            m["method"],
            f"{m['articles_per_s']:,.0f}",
            f"{m['us_per_article']:,.1f}",
            f"{prep:,.1f}",
            f"{st.get('sign', 0.0):,.1f}",
            f"{m.get('speedup_vs_plain', 1.0):.2f}x",
        )
    return table


def render_split(bench: dict[str, Any]) -> str:
    """One line with the stage split of our path."""
    ours = bench["methods"][0]["stages_us_per_article"]
    total = sum(ours.values()) or 1.0
    return "ours, µs/article: " + ", ".join(f"{k} {v:.1f} ({100 * v / total:.0f}%)" for k, v in ours.items())


def main(argv: list[str] | None = None) -> int:
    """Command line: --corpus, --articles, --repeat, --json."""
    from rich.console import Console

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="../shared/corpora/reuters21578", help="Reuters dir or JSONL")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the result to this JSON file")
    args = parser.parse_args(argv)
    bench = run_sigbench(load_articles(args.corpus), args.articles, args.repeat)
    console = Console()
    console.print(render_table(bench))
    console.print(render_split(bench))
    console.print(f"bit-compatible with datasketch (50 articles): {bench['bit_compatible_with_datasketch']}")
    if args.json:
        import orjson

        with open(args.json, "wb") as fh:
            fh.write(orjson.dumps(bench, option=orjson.OPT_INDENT_2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
