"""The `dedup` command line: `dedup scan`, `dedup compare` and `dedup serve`.

Exit codes: 0 success, 1 the input could not be read at all, 2 bad usage.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dedup.article import Article
from dedup.compare import compare_pairs, compare_texts
from dedup.config import DetectorConfig
from dedup.detector import Detector
from dedup.errors import DedupError
from dedup.io.readers import RecordError
from dedup.report import print_comparison, print_scan_report
from dedup.scan.engine import default_engine
from dedup.scan.run import scan as run_scan
from dedup.serve import serve

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="Find duplicated, copied, reused and rewritten news."
)
err = Console(stderr=True)
app.command()(serve)


class _Bar:
    """A rich progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self) -> None:
        self.progress = Progress(
            TextColumn("{task.description:>8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            console=err, transient=True, disable=not err.is_terminal,
        )  # fmt: skip
        self.task: Any = None

    def start(self, stage: str, total: int | None) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(stage, total=total)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)


def _detector(model: Path | None, max_chars: int) -> Detector:
    try:
        return Detector(DetectorConfig(model_path=model, max_doc_chars=max_chars))
    except DedupError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(2) from e


@app.command()
def scan(
    inputs: Annotated[list[Path], typer.Argument(help="JSONL, CSV or Parquet files, or folders of .txt files")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the output files")],
    features: Annotated[bool, typer.Option(help="Also write features.jsonl for every verified pair")] = False,
    model: Annotated[Path | None, typer.Option(help="Relation model file (default: the shipped one)")] = None,
    max_chars: Annotated[int, typer.Option(help="Reject articles longer than this")] = 1_000_000,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors")] = False,
    workers: Annotated[int, typer.Option(help="Worker processes (default: one per core)")] = 0,
) -> None:
    """Scan articles for exact, near-duplicate, copied, partly reused and rewritten pairs."""
    if workers < 0:
        err.print("[red]error:[/] --workers must be 0 (one per core) or more")
        raise typer.Exit(2)
    detector = _detector(model, max_chars)
    bar = _Bar()

    def report_error(e: RecordError) -> None:
        where = f"{e.source}" + (f":{e.line}" if e.line else "")
        err.print(f"[yellow]{e.severity}:[/] {where}: {e.reason}", highlight=False)

    texts: dict[str, str] = {}
    try:
        with bar.progress:
            engine = default_engine(workers or None)
            summary = run_scan(inputs, out, detector, bar, features, report_error, texts, engine)
    except DedupError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(1) from e
    if summary["articles"] == 0 and summary["rejected"] > 0:
        err.print("[red]error:[/] no article could be read; see errors.jsonl")
        raise typer.Exit(1)
    if not quiet:
        print_scan_report(out, summary, texts)


def _read_text(path: str) -> str:
    raw = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        err.print(f"[yellow]warning:[/] {path} is not valid UTF-8; decoded as cp1252")
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
            err.print(f"[yellow]error:[/] {reason}", highlight=False)
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
            err.print(f"[red]error:[/] {pairs}: no such file")
            raise typer.Exit(1)
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
        decision = compare_texts(Article(a, ta), Article(b, tb), detector)
    except (OSError, DedupError) as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(1) from e
    print_comparison(a, b, ta, tb, decision)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
