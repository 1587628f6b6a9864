"""Profile the scan's two heavy stages with pyinstrument, in one process, on Reuters-21578 articles.

- sign: `sign_shard` over the first `--articles` articles (prepare, shingle, sign, band keys, repeats);
- verify: `verify_pairs` over the candidate pairs those articles give.

Writes the call trees as text to OUT/profile_sign.txt and OUT/profile_verify.txt and prints the
top frames of each; the findings are summarised by hand in benchmarks/RESULTS.md.

    python -m benchmarks.speed.profile_scan [--corpus ../shared/corpora/reuters21578] [--articles 4000]
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from benchmarks.baselines.plain_datasketch import load_reuters
from dedup.article import Article
from dedup.candidates import find_candidates
from dedup.detector import Detector
from dedup.scan.verify import verify_pairs
from dedup.sketch.shard import sign_shard

ROOT = Path(__file__).resolve().parents[2]


def _profiled(label: str, run: Any, out: Path) -> Any:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    profiler.start()
    result = run()
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    (out / f"profile_{label}.txt").write_text(text)
    print(f"== {label}: {profiler.last_session.duration if profiler.last_session else 0:.2f} s")
    print("\n".join(text.splitlines()[:40]))
    return result


def main(argv: list[str] | None = None) -> int:
    """Command line: --corpus, --articles, --out."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(ROOT / ".." / "shared" / "corpora" / "reuters21578"))
    parser.add_argument("--articles", type=int, default=4000)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = [a for a in load_reuters(args.corpus) if str(a.get("text") or "").strip()][: args.articles]
    articles = [Article(id=str(a["id"]), text=a["text"], title=a.get("title")) for a in rows]
    detector = Detector()
    detector.prepare(articles[0])  # imports and first-call set-up stay out of the profile
    shard = _profiled("sign", lambda: sign_shard(articles, detector), out)
    candidates = find_candidates(shard, detector.config.lsh, detector.weights)
    print(f"{len(articles)} articles, {len(candidates.pairs)} candidate pairs")
    _profiled("verify", lambda: list(verify_pairs(candidates, articles, detector)), out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
