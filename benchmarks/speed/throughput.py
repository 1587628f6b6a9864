"""Throughput, side by side in one run: signatures per core, `dedup scan` against plain datasketch on
Reuters-21578, and `dedup scan` on synthetic archives of growing size.

    python -m benchmarks.speed.throughput [--corpus ../shared/corpora/reuters21578] [--sizes 100000,1000000]
                                    [--skip-large] [--out benchmarks/results]

Child processes are measured with /usr/bin/time -v (wall seconds, CPU seconds, peak RSS), or, without
it, through a fresh helper process reading getrusage(RUSAGE_CHILDREN), each under an address-space
cap (--child-memory-gb, default 16) so that a runaway scan fails alone. Synthetic archives are cached
in benchmarks/.cache/. Writes OUT/throughput.json and the `## Throughput` section of
benchmarks/RESULTS.md (between its markers, nothing else).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from benchmarks.baselines.plain_datasketch import load_reuters
from benchmarks.data import archive
from benchmarks.results_md import markers, replace_section
from benchmarks.speed import sigbench

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = ROOT / ".." / "shared" / "corpora" / "reuters21578"
CACHE = ROOT / "benchmarks" / ".cache"
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"
START, END = markers("throughput")
LARGE = 100_000
GNU_TIME = Path("/usr/bin/time")
# Memory cap for every measured child (address space of each process, and PSS of the whole process
# tree), so a runaway scan fails alone instead of pushing the shared machine into the OOM killer;
# set from --child-memory-gb (0: no cap).
CHILD_MEMORY_GB = 16.0
_TIME_FIELDS = {
    "Maximum resident set size (kbytes)": "peak_rss_kb",
    "User time (seconds)": "user_s",
    "System time (seconds)": "sys_s",
}
RUN_COLUMNS = ("run", "wall s", "CPU s", "articles/s", "peak RSS MB (largest process)", "peak MB (process tree, PSS)")
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Interrupt|Exit)\b:?")
_RUSAGE_HELPER = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
    "print(u.ru_maxrss, u.ru_utime, u.ru_stime, file=sys.stderr); sys.exit(r.returncode)"
)


def _cap_memory() -> None:
    limit = int(CHILD_MEMORY_GB * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _pss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def tree_memory_kb(pid: int) -> int:
    """Proportional set size summed over a process and all its descendants (workers included)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            total += _pss_kb(current)
            for task in os.listdir(f"/proc/{current}/task"):
                stack.extend(int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


def _watch(proc: subprocess.Popen[bytes]) -> tuple[int, bool]:
    """Sample the child tree's memory until it exits; kill its session when over the cap."""
    peak, cap_kb = 0, CHILD_MEMORY_GB * 2**20
    while proc.poll() is None:
        peak = max(peak, tree_memory_kb(proc.pid))
        if cap_kb and peak > cap_kb:
            os.killpg(proc.pid, signal.SIGKILL)  # the session was started for this child alone
            proc.wait()
            return peak, True
        # Not a plain sleep: the wall time is taken when this returns, so it must return at the exit.
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.5)
    return peak, False


def measure(cmd: list[str], label: str, articles: int) -> dict[str, Any]:
    """Run `cmd` from the project root: wall and CPU seconds, articles/s, peak RSS of its largest
    process and peak memory (PSS) of its whole process tree."""
    with tempfile.TemporaryDirectory(prefix="dedup-measure-") as tmp:
        report, log = Path(tmp) / "time.txt", Path(tmp) / "stderr.txt"
        gnu = GNU_TIME.exists()
        full = [str(GNU_TIME), "-v", "-o", str(report), *cmd] if gnu else [sys.executable, "-c", _RUSAGE_HELPER, *cmd]
        load = os.getloadavg()[0]
        start = time.perf_counter()
        with open(log, "wb") as err:
            cap = _cap_memory if CHILD_MEMORY_GB > 0 else None
            proc = subprocess.Popen(
                full, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=cap, start_new_session=True
            )
            peak_tree_kb, killed = _watch(proc)
        seconds = time.perf_counter() - start
        stderr = log.read_text(errors="replace")
        usage = _parse_time(report.read_text()) if gnu and report.is_file() else _parse_rusage(stderr)
    out: dict[str, Any] = {"label": label, "command": shlex.join(cmd), "returncode": proc.returncode}
    out["seconds"] = round(seconds, 3)
    out["articles"], out["articles_per_s"] = articles, round(articles / seconds, 1)
    out["cpu_seconds"] = round(usage.get("user_s", 0.0) + usage.get("sys_s", 0.0), 3)
    out["peak_rss_mb"] = round(usage.get("peak_rss_kb", 0.0) / 1024, 1)
    out["peak_tree_mb"] = round(peak_tree_kb / 1024, 1)
    out["load_1min_before"] = round(load, 2)  # other work on the machine inflates wall, not CPU, seconds
    if killed:
        stderr += f"\nMemoryCapExceeded: process tree above {CHILD_MEMORY_GB:g} GB, killed\n"
    if proc.returncode != 0:
        out["stderr_tail"] = stderr[-2000:]
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


def run_scan(data: Path, n: int, label: str, workdir: Path, truth: Path | None = None) -> dict[str, Any]:
    """`dedup scan` of a JSONL file, with its summary.json stage timings when it writes them, and
    the planted pairs it found when the file has a truth sidecar."""
    outdir = workdir / label.replace(" ", "-")
    result = measure([sys.executable, "-m", "dedup.cli", "scan", str(data), "--out", str(outdir)], label, n)
    summary_path = outdir / "summary.json"
    if summary_path.is_file():
        summary = json.loads(summary_path.read_text())
        result["timings_us_per_article"] = summary.get("timings_us_per_article") or {}
        result["summary"] = {k: v for k, v in summary.items() if k != "timings_us_per_article"}
    relations = outdir / "relations.jsonl"
    if truth is not None and truth.is_file() and relations.is_file():
        result["planted"] = score_planted(_jsonl(truth), _jsonl(relations))
    shutil.rmtree(outdir, ignore_errors=True)
    return result


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with open(path, "rb") as fh:
        return [orjson.loads(line) for line in fh if line.strip()]


def score_planted(truth: list[dict[str, Any]], relations: list[dict[str, Any]]) -> dict[str, Any]:
    """Planted pairs found (any relation), per planted kind, and the relations no plant explains."""
    found = {frozenset((r["a"], r["b"])) for r in relations}
    planted = {frozenset((t["a"], t["b"])) for t in truth}
    kinds: dict[str, list[int]] = {}
    for t in truth:
        hit = kinds.setdefault(t["relation"], [0, 0])
        hit[0] += frozenset((t["a"], t["b"])) in found
        hit[1] += 1
    return {
        "found": sum(h[0] for h in kinds.values()),
        "planted": len(truth),
        "by_kind": {k: {"found": h[0], "planted": h[1]} for k, h in sorted(kinds.items())},
        "unplanted_relations": len(found - planted),
    }


def run_plain(data: Path, n: int, workdir: Path) -> dict[str, Any]:
    """`benchmarks.baselines.plain_datasketch` on the same JSONL file."""
    pairs = workdir / "plain-pairs.jsonl"
    cmd = [sys.executable, "-m", "benchmarks.baselines.plain_datasketch", "--corpus", str(data), "--out", str(pairs)]
    result = measure(cmd, "plain datasketch", n)
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
    # The name carries the generator's settings, so archives made by older settings are not reused.
    path = CACHE / f"archive-{size}-seed{seed}-runs4.jsonl"
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


def _median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run of median wall time (runs that failed sort last), with every run's seconds beside it."""
    ranked = sorted(runs, key=lambda r: (r["returncode"] != 0, r["seconds"]))
    median = dict(ranked[(len(ranked) - 1) // 2])
    median["runs_seconds"] = [r["seconds"] for r in runs]
    median["runs_cpu_seconds"] = [r["cpu_seconds"] for r in runs]
    return median


def reuters_section(corpus: Path, workdir: Path, have_scan: bool, repeat: int = 3) -> dict[str, Any]:
    """`dedup scan` against plain datasketch on the Reuters articles with a body, run `repeat` times
    alternately (plain, scan, plain, ...) so that both meet the same machine; medians are compared."""
    data = workdir / "reuters.jsonl"
    n = write_reuters_jsonl(corpus, data)
    plain_runs: list[dict[str, Any]] = []
    scan_runs: list[dict[str, Any]] = []
    for _ in range(repeat):
        plain_runs.append(run_plain(data, n, workdir))
        if have_scan:
            scan_runs.append(run_scan(data, n, "dedup scan reuters", workdir))
    section: dict[str, Any] = {"articles": n, "repeat": repeat, "plain": _median_run(plain_runs)}
    if scan_runs:
        scan = section["scan"] = _median_run(scan_runs)
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
            run["scan"] = run_scan(path, size, f"dedup scan archive-{size}", workdir, archive.truth_path(path))
        runs.append(run)
    out: dict[str, Any] = {"seed": seed, "runs": runs}
    ok = [r["scan"] for r in runs if r.get("scan", {}).get("returncode") == 0]
    if len(ok) >= 2:
        per = [s["seconds"] / s["articles"] for s in (ok[0], ok[-1])]
        out["time_per_article_growth"] = round(per[1] / per[0], 3)
    return out


def _row(res: dict[str, Any]) -> list[str]:
    tree = f"{res['peak_tree_mb']:,.0f}" if "peak_tree_mb" in res else "-"
    memory = [f"{res['peak_rss_mb']:,.0f}", tree]
    if res.get("returncode"):
        return [res["label"], f"failed at {res['seconds']:,.1f}", "-", "-", *memory]
    speed = [f"{res['seconds']:,.1f}", f"{res['cpu_seconds']:,.1f}", f"{res['articles_per_s']:,.0f}"]
    return [res["label"], *speed, *memory]


def _runs(results: dict[str, Any]) -> list[dict[str, Any]]:
    runs = [results["reuters"]["plain"]]
    runs += [r for r in [results["reuters"].get("scan")] if r]
    return runs + [r["scan"] for r in results["archives"]["runs"] if "scan" in r]


Table = tuple[str, list[str], list[list[str]]]


def tables(results: dict[str, Any]) -> list[Table]:
    """(title, header, rows) of every table of a run, for the terminal and for RESULTS.md."""
    out: list[Table] = []
    if sig := results.get("sigbench"):
        rows = [
            [m["method"], f"{m['articles_per_s']:,.0f}", f"{m['us_per_article']:,.1f}", f"{m['speedup_vs_plain']}x"]
            for m in sig["methods"]
        ]
        title = f"Signatures per core (CPU time), {sig['articles']} Reuters articles"
        out.append((title, ["signature method", "articles/s", "µs/article", "vs plain"], rows))
    out.append(("Whole runs (child processes)", list(RUN_COLUMNS), [_row(r) for r in _runs(results)]))
    scans = [r for r in _runs(results)[1:] if r.get("timings_us_per_article")]
    stages = list(dict.fromkeys(k for r in scans for k in r["timings_us_per_article"]))
    rows = [[st, *(f"{r['timings_us_per_article'].get(st, 0):,.1f}" for r in scans)] for st in stages]
    if rows:
        out.append(("dedup scan stages (summary.json)", ["stage (µs/article)", *(r["label"] for r in scans)], rows))
    if planted := _planted_rows(results):
        header = ["archive", "found / planted", *planted[0]]
        out.append(("Planted pairs found in the synthetic archives", header, planted[1]))
    return out


def _planted_rows(results: dict[str, Any]) -> tuple[list[str], list[list[str]]] | None:
    scored = [(r["size"], r["scan"]["planted"]) for r in results["archives"]["runs"] if "planted" in r.get("scan", {})]
    if not scored:
        return None
    kinds = sorted({k for _, p in scored for k in p["by_kind"]})

    def cell(hits: dict[str, int]) -> str:
        return f"{hits.get('found', 0):,} / {hits.get('planted', 0):,}"

    rows = [
        [
            f"{size:,}",
            cell(p),
            *(cell(p["by_kind"].get(k, {})) for k in kinds),
            f"{p['unplanted_relations']:,}",
        ]
        for size, p in scored
    ]
    return [*kinds, "relations not planted"], rows


def render(results: dict[str, Any]) -> None:
    """Print the tables and notes of a run."""
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console()
    for title, header, rows in tables(results):
        table = RichTable(title=title)
        for i, col in enumerate(header):
            table.add_column(col, justify="left" if i == 0 else "right")
        for row in rows:
            table.add_row(*row)
        console.print(table)
    for line in _notes(results):
        console.print(line)


def _notes(results: dict[str, Any]) -> list[str]:
    reuters, archives = results["reuters"], results["archives"]
    notes = [sigbench.render_split(results["sigbench"])] if results.get("sigbench") else []
    if "speedup_vs_plain" in reuters:
        runs = {k: ", ".join(f"{x:.1f}" for x in reuters[k].get("runs_seconds", [])) for k in ("plain", "scan")}
        notes.append(
            f"dedup scan vs plain datasketch on Reuters: {reuters['speedup_vs_plain']}x wall time, "
            f"{reuters['speedup_vs_plain_cpu']}x CPU time (medians of {reuters.get('repeat', 1)} alternating runs; "
            f"plain {runs['plain']} s, scan {runs['scan']} s)"
        )
    if not results["scan_available"]:
        notes.append("`python -m dedup.cli scan` is not available: scan rows skipped")
    for run in archives["runs"]:
        gen = run["generation"]
        state = "generated now" if gen.get("generated_now") else "cached"
        notes.append(f"archive {run['size']:,}: {state}, generation {gen.get('articles_per_s', 0):,.0f} art/s")
    if "time_per_article_growth" in archives:
        notes.append(f"time per article growth, smallest -> largest size: {archives['time_per_article_growth']}x")
    notes += [
        f"{r['label']} failed: {failure_reason(r.get('stderr_tail', ''))}" for r in _runs(results) if r["returncode"]
    ]
    loads = {r["label"]: r["load_1min_before"] for r in _runs(results) if r.get("load_1min_before", 0) > 1.0}
    if loads:
        busy = ", ".join(f"{k} {v}" for k, v in loads.items())
        notes.append(
            f"1-min load average above 1 before: {busy} (mostly the previous measured run's own load, which takes"
            " a minute to decay; other work on the machine would inflate wall s, CPU s less so)"
        )
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


def markdown(results: dict[str, Any]) -> str:
    """The `## Throughput` section, markers included."""
    lines = [START, "## Throughput", ""]
    lines += [f"`{results['command']}` — {results['date']}, commit `{results['commit']}`, {results['machine']}", ""]
    for title, header, rows in tables(results):
        aligns = ["---", *["---:"] * (len(header) - 1)]
        lines += [f"{title}:", "", *(f"| {' | '.join(r)} |" for r in (header, aligns, *rows)), ""]
    lines += [f"- {n}" for n in _notes(results)]
    return "\n".join([*lines, END]) + "\n"


def update_results_md(section: str, path: Path | None = None) -> None:
    """Replace the throughput section between its markers, or append it; leave the rest untouched."""
    replace_section("throughput", section, path or RESULTS_MD)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="Reuters-21578 directory")
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated archive sizes")
    parser.add_argument("--skip-large", action="store_true", help=f"drop archive sizes above {LARGE:,}")
    parser.add_argument("--seed", type=int, default=7, help="archive generator seed")
    parser.add_argument("--repeat", type=int, default=3, help="alternating Reuters runs of each (medians)")
    parser.add_argument("--sig-articles", type=int, default=2000, help="articles for sigbench (0: skip)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--child-memory-gb", type=float, default=CHILD_MEMORY_GB, help="0: no cap")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat: run each side at least once")
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
        "command": shlex.join(
            ["python", "-m", "benchmarks.speed.throughput", *(sys.argv[1:] if argv is None else argv)]
        ),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "child_memory_cap_gb": args.child_memory_gb or None,
        "scan_available": scan_available(),
    }
    if args.sig_articles > 0:
        results["sigbench"] = sigbench.run_sigbench(load_reuters(corpus), args.sig_articles)
    with tempfile.TemporaryDirectory(prefix="dedup-throughput-") as tmp:
        results["reuters"] = reuters_section(corpus, Path(tmp), results["scan_available"], args.repeat)
        results["archives"] = archive_section(args.sizes, args.seed, corpus, Path(tmp), results["scan_available"])
    render(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "throughput.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    update_results_md(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
