"""The `dedup` command line: `dedup scan`, `dedup compare` and `dedup serve`.

Exit codes: 0 success, 1 the input could not be read at all, 2 bad usage.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape

from dedup.article import Article
from dedup.compare import compare_explained, compare_pairs
from dedup.config import SHARED_RUN_TOKENS, DetectorConfig, LSHConfig
from dedup.detector import Detector
from dedup.errors import ConfigError, DedupError
from dedup.io.progress import ConsoleProgress
from dedup.io.sources import Inputs, open_inputs
from dedup.io.writers import RECORD_SUFFIXES, check_out_dir, check_out_file, write_records
from dedup.report import print_comparison, print_scan_report
from dedup.scan.deduped import DEFAULT_DROP, DedupCounts, DedupOptions, deduplicated_records, plan_from_scan
from dedup.scan.job import ScanJob, run_job
from dedup.serve import serve

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Find duplicated, copied, reused and rewritten news.",
)
# soft_wrap: a message is one line however narrow the terminal or pipe (paths are never split).
err = Console(stderr=True, soft_wrap=True, highlight=False)
app.command()(serve)
DROP_DEFAULT = ",".join(r for r in ("exact", "near_duplicate", "copy") if r in DEFAULT_DROP)


def _detector(model: Path | None, max_chars: int, shared_runs: bool = False) -> Detector:
    try:
        lsh = LSHConfig(run_tokens=SHARED_RUN_TOKENS if shared_runs else 0)
        return Detector(DetectorConfig(model_path=model, max_doc_chars=max_chars, lsh=lsh))
    except DedupError as e:
        raise _fail(str(e), 2) from e


def _fail(message: str, code: int) -> typer.Exit:
    err.print(f"[red]error:[/] {escape(message)}")
    return typer.Exit(code)


def _open_inputs(inputs: list[str], wait: float, delimiter: str | None) -> Inputs:
    try:
        return open_inputs(inputs, wait, delimiter)
    except DedupError as e:
        raise _fail(str(e), 1) from e


def _check_out_dir(out: Path) -> None:
    try:
        check_out_dir(out)
    except ConfigError as e:
        raise _fail(str(e), 2) from e


InputsArg = Annotated[
    list[str], typer.Argument(help="JSONL, CSV or Parquet files (.gz too), folders of .txt files, or - for stdin")
]
DelimiterOpt = Annotated[str | None, typer.Option(help="CSV delimiter (default: detected from the header line)")]
TimeoutOpt = Annotated[
    float, typer.Option("--input-timeout", help="Seconds to wait for a FIFO's writer before giving up")
]
ModelOpt = Annotated[Path | None, typer.Option(help="Relation model file (default: the shipped one)")]
MaxCharsOpt = Annotated[int, typer.Option(help="Reject articles longer than this")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors")]
WorkersOpt = Annotated[int, typer.Option(help="Local worker processes (default: one per core)")]
EngineOpt = Annotated[
    str, typer.Option(help="Where stages run: local (processes) or dask (pip install newsdedup[dask])")
]
SchedulerOpt = Annotated[
    str | None, typer.Option(help="Dask scheduler address (tcp://host:8786); default: a LocalCluster")
]
RestartOpt = Annotated[bool, typer.Option(help="Start afresh, not from the stages an earlier run finished")]


@app.command()
def scan(
    inputs: InputsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the output files")],
    features: Annotated[bool, typer.Option(help="Also write features.jsonl for every verified pair")] = False,
    model: ModelOpt = None,
    max_chars: MaxCharsOpt = 1_000_000,
    quiet: QuietOpt = False,
    workers: WorkersOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    restart: RestartOpt = False,
    delimiter: DelimiterOpt = None,
    input_timeout: TimeoutOpt = 10.0,
    shared_runs: Annotated[
        bool,
        typer.Option(
            help="Also pair articles that share one run of prose (about a sentence) amid their own text: "
            "more wire copy reused in fragments is found, and more stock phrases (see RESULTS.md)"
        ),
    ] = False,
) -> None:
    """Scan articles for exact, near-duplicate, copied, partly reused and rewritten pairs."""
    job = _job(out, features, workers, engine, scheduler, restart, quiet)
    _check_out_dir(out)
    detector = _detector(model, max_chars, shared_runs)
    with _open_inputs(inputs, input_timeout, delimiter) as files:
        summary, texts = _run_scan(job, files, detector)
    _check_found(summary, out)
    if not quiet:
        print_scan_report(out, summary, texts)


def _job(out: Path, features: bool, workers: int, *how: Any) -> ScanJob:
    """The scan job; `how` is engine, scheduler, restart, quiet."""
    try:
        return ScanJob(out, features, workers, *how)
    except ConfigError as e:
        raise _fail(str(e), 2) from e


def _run_scan(job: ScanJob, files: Inputs, detector: Detector) -> tuple[dict[str, Any], dict[str, str]]:
    try:
        return run_job(job, files, detector, err)
    except DedupError as e:
        raise _fail(str(e), 1) from e


def _check_found(summary: dict[str, Any], out: Path) -> None:
    """Exit 1 when no article was read: an empty input is a mistake, not an empty result."""
    if summary["articles"]:
        return
    if summary["rejected"]:
        raise _fail(f"no article could be read; {summary['rejected']:,} rejected (see {out / 'errors.jsonl'})", 1)
    raise _fail("no articles in the inputs", 1)


def _drop_set(drop: str) -> frozenset[str]:
    return frozenset(r.strip() for r in drop.split(",") if r.strip())


@app.command("dedup")
def dedup_archive(
    inputs: InputsArg,
    out: Annotated[Path, typer.Option("--out", "-o", help="The deduplicated archive: .jsonl, .jsonl.gz or .parquet")],
    annotate: Annotated[
        bool, typer.Option(help="Keep every record, adding cluster, canonical, relation_to_canonical, kept")
    ] = False,
    drop: Annotated[str, typer.Option(help="Relations that remove a record, comma-separated")] = DROP_DEFAULT,
    fix_repeats: Annotated[bool, typer.Option(help="Cut the second printing of blocks an article repeats")] = False,
    from_dir: Annotated[Path | None, typer.Option("--from", help="Use this finished scan's folder")] = None,
    scan_dir: Annotated[Path | None, typer.Option(help="Folder for the scan's outputs (default: OUT.scan)")] = None,
    model: ModelOpt = None,
    max_chars: MaxCharsOpt = 1_000_000,
    quiet: QuietOpt = False,
    workers: WorkersOpt = 0,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    restart: RestartOpt = False,
    delimiter: DelimiterOpt = None,
    input_timeout: TimeoutOpt = 10.0,
) -> None:
    """Write the archive without its duplicates: one record per group of duplicates, every other record."""
    try:
        check_out_file(out, RECORD_SUFFIXES)
        options = DedupOptions(_drop_set(drop), annotate, fix_repeats)
    except ConfigError as e:
        raise _fail(str(e), 2) from e
    folder = from_dir or scan_dir or out.with_name(out.name.split(".")[0] + ".scan")
    job = _job(folder, False, workers, engine, scheduler, restart, quiet)
    if from_dir is None:
        _check_out_dir(folder)
    detector = _detector(model, max_chars) if from_dir is None else None
    with _open_inputs(inputs, input_timeout, delimiter) as files:
        if detector is not None:
            summary, _ = _run_scan(job, files, detector)
            _check_found(summary, folder)
        counts = _write_deduplicated(files, folder, out, options, max_chars, quiet)
    if not quiet:
        _print_written(counts, options, out, folder)


def _print_written(counts: DedupCounts, options: DedupOptions, out: Path, folder: Path) -> None:
    dropped = ", ".join(f"{n:,} {r}" for r, n in counts.dropped.most_common()) or "none"
    what = f"{counts.written:,} of {counts.read:,} records" + ("" if options.annotate else f" (dropped: {dropped})")
    cut = f"; repeats cut in {counts.repeats_cut:,}" if options.fix_repeats else ""
    err.print(f"wrote {escape(what)}{cut} to {escape(str(out))}; the scan is in {escape(str(folder))}/")


def _write_deduplicated(
    files: Inputs, folder: Path, out: Path, options: DedupOptions, max_chars: int, quiet: bool
) -> DedupCounts:
    counts = DedupCounts()
    try:
        plan = plan_from_scan(folder, options)
        rows = deduplicated_records(files.files, plan, options, max_chars, counts)
        with ConsoleProgress(err, quiet) as progress:
            progress.start("write", _articles_scanned(folder))
            write_records(out, _counted(rows, counts, progress))
    except DedupError as e:
        raise _fail(f"{folder}: {e}" if "scan" in str(e) else str(e), 1) from e
    return counts


def _articles_scanned(folder: Path) -> int | None:
    try:
        return int(orjson.loads((folder / "summary.json").read_bytes())["articles"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


Rows = Iterator[dict[str, Any]]


def _counted(rows: Rows, counts: DedupCounts, progress: ConsoleProgress) -> Rows:
    """The rows, the progress advanced by the records read for each."""
    seen = 0
    for row in rows:
        progress.advance(counts.read - seen)
        seen = counts.read
        yield row


def _read_text(path: str) -> str:
    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        err.print(f"[yellow]warning:[/] {escape(path)} is not valid UTF-8; decoded as cp1252")
        return raw.decode("cp1252", errors="replace")


def _pair_lines(path: Path) -> list[tuple[Any, str, str] | dict[str, Any]]:
    rows: list[tuple[Any, str, str] | dict[str, Any]] = []
    for number, raw in enumerate(path.read_bytes().splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = orjson.loads(raw)
            a, b = obj["a"], obj["b"]
            if not (isinstance(a, str) and isinstance(b, str) and a.strip() and b.strip()):
                raise ValueError("'a' and 'b' must be non-empty strings")
            rows.append((obj.get("id"), a, b))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as e:
            pid = obj.get("id") if "obj" in locals() and isinstance(obj, dict) else None
            reason = f"line {number}: {e if not isinstance(e, KeyError) else f'missing field {e}'}"
            rows.append({"id": pid, "relation": None, "derived": None, "coverage": 0.0, "score": 0.0,
                         "evidence": [], "error": reason})  # fmt: skip
            err.print(f"[yellow]error:[/] {escape(reason)}")
        obj = None
    return rows


@app.command()
def compare(
    a: Annotated[str | None, typer.Argument(help="First text file, or - for stdin")] = None,
    b: Annotated[str | None, typer.Argument(help="Second text file, or - for stdin")] = None,
    pairs: Annotated[Path | None, typer.Option(help='JSONL of {"id","a","b"} text pairs')] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="With --pairs: output file (default stdout)")] = None,
    model: Annotated[Path | None, typer.Option(help="Relation model file (default: the shipped one)")] = None,
) -> None:
    """Show the relation between two texts, or decide many pairs (--pairs)."""
    detector = _detector(model, 1_000_000)
    if pairs is not None:
        if a or b:
            err.print("[red]error:[/] give either two files or --pairs, not both")
            raise typer.Exit(2)
        if not pairs.is_file():
            raise _fail(f"{pairs}: no such file", 1)
        sink = out.open("wb") if out else sys.stdout.buffer
        for row in compare_pairs(_pair_lines(pairs), detector):
            sink.write(orjson.dumps(row) + b"\n")
        sink.flush()
        return
    if not a or not b or a == b == "-":
        err.print("[red]error:[/] give two files (one may be - for stdin), or --pairs FILE")
        raise typer.Exit(2)
    try:
        ta, tb = _read_text(a), _read_text(b)
        decision, why = compare_explained(Article(a, ta), Article(b, tb), detector)
    except (OSError, DedupError) as e:
        raise _fail(str(e), 1) from e
    print_comparison(a, b, ta, tb, decision, why)


def _usage_error(e: Exception) -> tuple[str, int] | None:
    """(message, exit code) of a command-line parsing error, from click or from typer's own copy of
    click (either may be installed); None for any other exception."""
    format_message, code = getattr(e, "format_message", None), getattr(e, "exit_code", None)
    if not callable(format_message) or not isinstance(code, int):
        return None
    ctx = getattr(e, "ctx", None)
    hint = f" (see {ctx.command_path} --help)" if ctx is not None and code == 2 else ""
    return f"{format_message()}{hint}", code


def main() -> None:
    """Console-script entry point: every failure is one line on stderr and exit code 1 or 2."""
    try:
        code = app(standalone_mode=False)
    except (typer.Abort, KeyboardInterrupt):
        err.print("[red]interrupted[/]")
        code = 130
    except DedupError as e:
        err.print(f"[red]error:[/] {escape(str(e))}")
        code = 1
    except OSError as e:
        where = f"{e.filename}: " if e.filename else ""
        err.print(f"[red]error:[/] {escape(where + str(e.strerror or e))}")
        code = 1
    except Exception as e:
        usage = _usage_error(e)
        if usage is not None:
            err.print(f"[red]error:[/] {escape(usage[0])}")
            sys.exit(usage[1])
        if os.environ.get("DEDUP_TRACEBACK"):
            raise
        what = f"{type(e).__name__}: {e}"
        err.print(f"[red]internal error:[/] {escape(what)} (set DEDUP_TRACEBACK=1 to see where, and report it)")
        code = 1
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
