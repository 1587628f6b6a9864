"""Throughput, side by side in one run: signatures per core, `dedup scan` against plain datasketch on
Reuters-21578, and `dedup scan` on synthetic archives of growing size.

    python -m benchmarks.throughput [--corpus ../shared/corpora/reuters21578] [--sizes 100000,1000000]
                                    [--skip-large] [--out benchmarks/results]

Child processes are measured with /usr/bin/time -v (wall seconds, CPU seconds, peak RSS), or, without
it, through a fresh helper process reading getrusage(RUSAGE_CHILDREN), each under an address-space
cap (--child-memory-gb, default 16) so that a runaway scan fails alone. Synthetic archives are cached
in benchmarks/.cache/. Writes OUT/throughput.json and the `## Throughput` section of
benchmarks/RESULTS.md (between its markers, nothing else).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from benchmarks import archive, sigbench
from benchmarks.plain_datasketch import load_reuters

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = ROOT / ".." / "shared" / "corpora" / "reuters21578"
CACHE = ROOT / "benchmarks" / ".cache"
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- throughput:start -->", "<!-- throughput:end -->"
LARGE = 100_000
# Address-space cap for every measured child, so a runaway scan fails alone instead of pushing the
# shared machine into swap or the OOM killer; set from --child-memory-gb (0: no cap).
CHILD_MEMORY_GB = 16.0
_TIME_FIELDS = {
    "Maximum resident set size (kbytes)": "peak_rss_kb",
    "User time (seconds)": "user_s",
    "System time (seconds)": "sys_s",
}
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b:?")
_RUSAGE_HELPER = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(u.ru_maxrss, u.ru_utime, u.ru_stime, file=sys.stderr); sys.exit(r.returncode)"
)


def _cap_memory() -> None:
    limit = int(CHILD_MEMORY_GB * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def measure(cmd: list[str], label: str) -> dict[str, Any]:
    """Run `cmd` from the project root; wall seconds, CPU seconds and peak RSS of the child."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        gnu_time = Path("/usr/bin/time")
        if gnu_time.exists():
            full = [str(gnu_time), "-v", "-o", report.name, *cmd]
        else:
            full = [sys.executable, "-c", _RUSAGE_HELPER, *cmd]
        start = time.perf_counter()
        cap = _cap_memory if CHILD_MEMORY_GB > 0 else None
        load = os.getloadavg()[0]
        proc = subprocess.run(full, cwd=ROOT, capture_output=True, text=True, preexec_fn=cap)
        seconds = time.perf_counter() - start
        usage = _parse_time(report.read()) if gnu_time.exists() else _parse_rusage(proc.stderr)
    out: dict[str, Any] = {"label": label, "command": shlex.join(cmd), "returncode": proc.returncode}
    out["seconds"] = round(seconds, 3)
    out["cpu_seconds"] = round(usage.get("user_s", 0.0) + usage.get("sys_s", 0.0), 3)
    out["peak_rss_mb"] = round(usage.get("peak_rss_kb", 0.0) / 1024, 1)
    out["load_1min_before"] = round(load, 2)  # other work on the machine inflates wall, not CPU, seconds
    if proc.returncode != 0:
        out["stderr_tail"] = proc.stderr[-2000:]
    return out


def _parse_time(report: str) -> dict[str, float]:
    usage: dict[str, float] = {}
    for line in report.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key in _TIME_FIELDS:
            usage[_TIME_FIELDS[key]] = float(value)
    return usage


def _parse_rusage(stderr: str) -> dict[str, float]:
    last = stderr.strip().splitlines()[-1].split() if stderr.strip() else []
    if len(last) != 3:
        return {}
    return {"peak_rss_kb": float(last[0]), "user_s": float(last[1]), "sys_s": float(last[2])}


def scan_available() -> bool:
    """True when `python -m dedup.cli scan --help` runs."""
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "dedup.cli", "scan", "--help"], cwd=ROOT, capture_output=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        return False
    return proc.returncode == 0


def run_scan(data: Path, n: int, label: str, workdir: Path) -> dict[str, Any]:
    """`dedup scan` of a JSONL file, with its summary.json stage timings when it writes them."""
    outdir = workdir / label.replace(" ", "-")
    result = measure([sys.executable, "-m", "dedup.cli", "scan", str(data), "--out", str(outdir)], label)
    result["articles"] = n
    result["articles_per_s"] = round(n / result["seconds"], 1) if result["seconds"] else None
    summary_path = outdir / "summary.json"
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text())
        result["timings_us_per_article"] = summary.get("timings_us_per_article") or {}
        result["summary"] = {k: v for k, v in summary.items() if k != "timings_us_per_article"}
    shutil.rmtree(outdir, ignore_errors=True)
    return result


def run_plain(data: Path, n: int, workdir: Path) -> dict[str, Any]:
    """`benchmarks.plain_datasketch` on the same JSONL file."""
    pairs = workdir / "plain-pairs.jsonl"
    cmd = [sys.executable, "-m", "benchmarks.plain_datasketch", "--corpus", str(data), "--out", str(pairs)]
    result = measure(cmd, "plain datasketch")
    result["articles"] = n
    result["articles_per_s"] = round(n / result["seconds"], 1) if result["seconds"] else None
    if pairs.is_file():
        with open(pairs, "rb") as fh:
            result["pairs"] = sum(1 for _ in fh)
    return result


def write_reuters_jsonl(corpus: Path, path: Path) -> int:
    """Write the Reuters articles with a body as scan-contract JSONL; return the count."""
    keys = ("id", "text", "title", "source", "published", "url")
    articles = [a for a in load_reuters(corpus) if str(a.get("text") or "").strip()]
    with open(path, "wb") as fh:
        for art in articles:
            fh.write(orjson.dumps({k: art[k] for k in keys if art.get(k) is not None}) + b"\n")
    return len(articles)


def ensure_archive(size: int, seed: int, corpus: Path, pool: list[archive.ParagraphPool]) -> dict[str, Any]:
    """Path and generation stats of a cached synthetic archive, generating it when missing."""
    path = CACHE / f"archive-{size}-seed{seed}.jsonl"
    stats_path = path.with_name(path.name + ".stats.json")
    if path.is_file() and stats_path.is_file():
        return {"path": path, "generated_now": False, **json.loads(stats_path.read_text())}
    if not pool:
        t0 = time.perf_counter()
        pool.append(archive.reuters_pool(corpus))
        print(f"paragraph pool: {len(pool[0]):,} paragraphs in {time.perf_counter() - t0:.1f}s")
    stats = archive.generate(pool[0], size, seed, path)
    stats_path.write_text(json.dumps(stats, indent=2))
    return {"path": path, "generated_now": True, **stats}


def _git_commit() -> str | None:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return None
    commit = head.stdout.strip() or None
    return f"{commit}+dirty" if commit and dirty.stdout.strip() else commit


def reuters_section(corpus: Path, workdir: Path, have_scan: bool) -> dict[str, Any]:
    """`dedup scan` against plain datasketch on the Reuters articles with a body."""
    data = workdir / "reuters.jsonl"
    n = write_reuters_jsonl(corpus, data)
    section: dict[str, Any] = {"articles": n, "plain": run_plain(data, n, workdir)}
    if have_scan:
        scan = run_scan(data, n, "dedup scan reuters", workdir)
        section["scan"] = scan
        if scan["returncode"] == 0 and section["plain"]["returncode"] == 0:
            section["speedup_vs_plain"] = round(section["plain"]["seconds"] / scan["seconds"], 2)
            cpu = scan["cpu_seconds"] or float("nan")
            section["speedup_vs_plain_cpu"] = round(section["plain"]["cpu_seconds"] / cpu, 2)
    return section


def archive_section(sizes: list[int], seed: int, corpus: Path, workdir: Path, have_scan: bool) -> dict[str, Any]:
    """Generate (or reuse) each archive size and scan it; growth of time per article."""
    pool: list[archive.ParagraphPool] = []
    runs = []
    for size in sizes:
        made = ensure_archive(size, seed, corpus, pool)
        path = made.pop("path")
        run: dict[str, Any] = {"size": size, "file": os.path.relpath(path, ROOT), "generation": made}
        if have_scan:
            run["scan"] = run_scan(path, size, f"dedup scan archive-{size}", workdir)
        runs.append(run)
    out: dict[str, Any] = {"seed": seed, "runs": runs}
    ok = [r["scan"] for r in runs if r.get("scan", {}).get("returncode") == 0]
    if len(ok) >= 2:
        per = [s["seconds"] / s["articles"] for s in (ok[0], ok[-1])]
        out["time_per_article_growth"] = round(per[1] / per[0], 3)
    return out


def _row(res: dict[str, Any]) -> list[str]:
    if res.get("returncode"):
        return [res["label"], f"failed at {res['seconds']:,.1f}", "-", "-", f"{res['peak_rss_mb']:,.0f}"]
    return [
        res["label"],
        f"{res['seconds']:,.1f}",
        f"{res['cpu_seconds']:,.1f}",
        f"{res['articles_per_s']:,.0f}",
        f"{res['peak_rss_mb']:,.0f}",
    ]


def _runs(results: dict[str, Any]) -> list[dict[str, Any]]:
    runs = [results["reuters"]["plain"]]
    runs += [r for r in [results["reuters"].get("scan")] if r]
    runs += [r["scan"] for r in results["archives"]["runs"] if "scan" in r]
    return runs


def _stage_rows(results: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    scans = [r for r in _runs(results)[1:] if r.get("timings_us_per_article")]
    stages = list(dict.fromkeys(k for s in scans for k in s["timings_us_per_article"]))
    rows = [[s, *(f"{r['timings_us_per_article'].get(s, 0):,.1f}" for r in scans)] for s in stages]
    return ["stage (µs/article)", *(r["label"] for r in scans)], rows


def render(results: dict[str, Any]) -> None:
    """Print the rich tables of a run."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if results.get("sigbench"):
        console.print(sigbench.render_table(results["sigbench"]))
        console.print(sigbench.render_split(results["sigbench"]))
    table = Table(title="Whole runs (child processes)")
    for col in ("run", "wall s", "CPU s", "articles/s", "peak RSS MB"):
        table.add_column(col, justify="left" if col == "run" else "right")
    for res in _runs(results):
        table.add_row(*_row(res))
    console.print(table)
    header, rows = _stage_rows(results)
    if rows:
        stages = Table(title="dedup scan stages (summary.json)")
        for col in header:
            stages.add_column(col, justify="left" if col == header[0] else "right")
        for row in rows:
            stages.add_row(*row)
        console.print(stages)
    for line in _notes(results):
        console.print(line)


def _notes(results: dict[str, Any]) -> list[str]:
    notes = []
    if "speedup_vs_plain" in results["reuters"]:
        reuters = results["reuters"]
        notes.append(
            f"dedup scan vs plain datasketch on Reuters: {reuters['speedup_vs_plain']}x wall time, "
            f"{reuters['speedup_vs_plain_cpu']}x CPU time"
        )
    if not results["scan_available"]:
        notes.append("`python -m dedup.cli scan` is not available: scan rows skipped")
    for run in results["archives"]["runs"]:
        gen = run["generation"]
        state = "generated now" if gen.get("generated_now") else "cached"
        notes.append(f"archive {run['size']:,}: {state}, generation {gen.get('articles_per_s', 0):,.0f} art/s")
    if "time_per_article_growth" in results["archives"]:
        notes.append(f"time per article growth, smallest -> largest: {results['archives']['time_per_article_growth']}x")
    for res in _runs(results):
        if res.get("returncode"):
            notes.append(f"{res['label']} failed: {failure_reason(res.get('stderr_tail', ''))}")
    return notes


def failure_reason(stderr: str) -> str:
    """The last exception line of a child's stderr (rich may wrap it), else its last line."""
    lines = [ln.strip() for ln in stderr.splitlines()]
    for k in range(len(lines) - 1, -1, -1):
        if _EXCEPTION.match(lines[k]):
            tail = []
            for ln in lines[k + 1 :]:
                if not ln or not ln[0].isalnum():
                    break
                tail.append(ln)
            return " ".join([lines[k], *tail])
    return next((ln for ln in reversed(lines) if ln), "no output")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    aligns = ["---", *["---:"] * (len(header) - 1)]
    return [f"| {' | '.join(r)} |" for r in (header, aligns, *rows)]


def markdown(results: dict[str, Any]) -> str:
    """The `## Throughput` section, markers included."""
    lines = [START, "## Throughput", ""]
    lines += [
        f"`{results['command']}` — {results['date']}, commit `{results['commit']}`, {results['machine']}",
        "",
    ]
    sig = results.get("sigbench")
    if sig:
        header = ["signature method", "articles/s", "µs/article", "vs plain"]
        rows = [
            [
                m["method"],
                f"{m['articles_per_s']:,.0f}",
                f"{m['us_per_article']:,.1f}",
                f"{m['speedup_vs_plain']}x",
            ]
            for m in sig["methods"]
        ]
        lines += [
            f"Signatures per core, {sig['articles']} Reuters articles:",
            "",
            *_md_table(header, rows),
            "",
        ]
        lines += [sigbench.render_split(sig), ""]
    rows = [_row(r) for r in _runs(results)]
    lines += [*_md_table(["run", "wall s", "CPU s", "articles/s", "peak RSS MB"], rows), ""]
    header, stage_rows = _stage_rows(results)
    if stage_rows:
        lines += [*_md_table(header, stage_rows), ""]
    lines += [f"- {n}" for n in _notes(results)]
    return "\n".join([*lines, END]) + "\n"


def update_results_md(section: str, path: Path | None = None) -> None:
    """Replace the throughput section between its markers, or append it; leave the rest untouched."""
    path = path or RESULTS_MD
    text = path.read_text() if path.is_file() else "# Benchmark results\n"
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END) + r"\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="Reuters-21578 directory")
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated archive sizes")
    parser.add_argument("--skip-large", action="store_true", help=f"drop archive sizes above {LARGE:,}")
    parser.add_argument("--seed", type=int, default=7, help="archive generator seed")
    parser.add_argument("--sig-articles", type=int, default=2000, help="articles for sigbench (0: skip)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--child-memory-gb", type=float, default=CHILD_MEMORY_GB, help="0: no cap")
    args = parser.parse_args(argv)
    args.sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    if args.skip_large:
        args.sizes = [s for s in args.sizes if s <= LARGE]
    return args


def main(argv: list[str] | None = None) -> int:
    """Run every part, print the tables, write throughput.json and the RESULTS.md section."""
    global CHILD_MEMORY_GB
    args = parse_args(argv)
    CHILD_MEMORY_GB = args.child_memory_gb
    corpus = args.corpus.resolve()
    results: dict[str, Any] = {
        "command": shlex.join(["python", "-m", "benchmarks.throughput", *(sys.argv[1:] if argv is None else argv)]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "child_memory_cap_gb": args.child_memory_gb or None,
        "scan_available": scan_available(),
    }
    if args.sig_articles > 0:
        results["sigbench"] = sigbench.run_sigbench(load_reuters(corpus), args.sig_articles)
    with tempfile.TemporaryDirectory(prefix="dedup-throughput-") as tmp:
        results["reuters"] = reuters_section(corpus, Path(tmp), results["scan_available"])
        results["archives"] = archive_section(args.sizes, args.seed, corpus, Path(tmp), results["scan_available"])
    render(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "throughput.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    update_results_md(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
