"""Resumable scans: each stage's output kept in the output folder, with a manifest saying for what.

`DIR/manifest.json` names the run (a fingerprint of every input's bytes, the detector configuration,
the relation model and the package version) and the stages finished; `DIR/stages/NAME.pkl` holds
each finished stage's output, written to a temporary file and renamed, so a killed run leaves
either the whole file or none. Running the same command again loads the finished stages and goes on
from the first unfinished one; the outputs are byte-identical to an uninterrupted run's (only the
timings in summary.json differ). Another input, configuration or model starts afresh, and says so.
The stage files are removed once the outputs are written; the manifest then marks the run complete.

Stage files are pickles: load them only from output folders you made.
"""

from __future__ import annotations

import os
import pickle
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import orjson
import xxhash

from dedup.detector import Detector
from dedup.io.sources import InputFile

__all__ = ["MANIFEST", "Checkpoints", "InputFingerprint", "NoCheckpoints", "RunKey", "StageCheckpoints", "run_key"]

T = TypeVar("T")
MANIFEST = "manifest.json"
STAGES_DIR = "stages"
# Raised whenever what a stage file holds changes shape: older stage files are then not loaded.
STAGE_FORMAT = 1
_CHUNK = 1 << 22


class Checkpoints(Protocol):
    """Where a scan keeps each stage's output: `stage` returns the kept output, or computes and keeps
    it; `finish` is told the outputs are written."""

    def stage(self, name: str, compute: Callable[[], T]) -> T: ...
    def finish(self, outputs: Sequence[str]) -> None: ...


class NoCheckpoints:
    """Keeps nothing (the in-memory twin): every stage is computed."""

    def stage(self, name: str, compute: Callable[[], T]) -> T:
        return compute()

    def finish(self, outputs: Sequence[str]) -> None:
        return None


@dataclass(frozen=True)
class InputFingerprint:
    """An input's name, the xxh3-128 of its bytes, and its records when they can be counted cheaply
    (JSON lines: lines; Parquet: rows; folders: .txt files), for the progress bar's total."""

    name: str
    digest: str
    records: int | None


def _hash_file(path: Path, h: Any, count_lines: bool) -> int:
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
            lines += chunk.count(b"\n") if count_lines else 0
    return lines


def _fingerprint(inp: InputFile) -> InputFingerprint:
    h = xxhash.xxh3_128()
    if inp.kind == "folder":
        files = sorted(p for p in inp.path.rglob("*") if p.suffix.lower() == ".txt" and p.is_file())
        for p in files:
            h.update(p.relative_to(inp.path).as_posix().encode() + b"\0")
            _hash_file(p, h, False)
        return InputFingerprint(inp.name, h.hexdigest(), len(files))
    lines = _hash_file(inp.path, h, inp.kind == "jsonl" and not inp.compressed)
    records: int | None = lines if inp.kind == "jsonl" and not inp.compressed else None
    if inp.kind == "parquet":
        records = _parquet_rows(inp.path)
    return InputFingerprint(inp.name, h.hexdigest(), records)


def _parquet_rows(path: Path) -> int | None:
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception:  # a broken file: its reader reports it, the count is only for progress
        return None


@dataclass(frozen=True)
class RunKey:
    """What makes two runs the same run: their outputs would be byte-identical."""

    inputs: tuple[InputFingerprint, ...]
    config: str
    model: str
    version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "inputs": [{"name": i.name, "xxh3_128": i.digest} for i in self.inputs],
            "config": self.config,
            "model": self.model,
            "version": self.version,
        }

    @property
    def records(self) -> int | None:
        """Records in the inputs, when every input could count them."""
        counts = [i.records for i in self.inputs]
        return None if any(c is None for c in counts) else sum(c for c in counts if c is not None)


def run_key(inputs: Sequence[InputFile], detector: Detector, with_features: bool) -> RunKey:
    """The key of a scan of `inputs` (reads every input once, at disk speed)."""
    from dedup import __version__

    model = xxhash.xxh3_128_hexdigest(repr(detector.model).encode())
    config = f"{detector.config!r} features={with_features}"
    return RunKey(tuple(_fingerprint(i) for i in inputs), config, model, f"{__version__}/stages-{STAGE_FORMAT}")


def _differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    changed = [name for name in ("inputs", "config", "model", "version") if old.get(name) != new.get(name)]
    words = {"inputs": "the inputs", "config": "the configuration", "model": "the model", "version": "the version"}
    return " and ".join(words[c] for c in changed) or "the run"


class StageCheckpoints:
    """Stage outputs kept in `out_dir` for the run `key`; `notes` says what was resumed or restarted."""

    def __init__(self, out_dir: Path, key: RunKey, restart: bool = False, note: Callable[[str], None] | None = None):
        self.out_dir, self.key, self.note = out_dir, key, note or (lambda _: None)
        self.stages_dir = out_dir / STAGES_DIR
        self.done: dict[str, dict[str, Any]] = {}
        self.complete = False
        old = self._read_manifest()
        if old is not None and old.get("key") == key.as_dict() and not restart:
            self.done = {k: v for k, v in old.get("stages", {}).items() if (self.stages_dir / v["file"]).is_file()}
            self.complete = bool(old.get("complete")) and all((out_dir / f).is_file() for f in old.get("outputs", []))
        elif old is not None:
            why = "--restart" if restart else f"{_differences(old.get('key', {}), key.as_dict())} changed"
            self.note(f"{out_dir} holds an earlier run; {why}: starting afresh")
        if not self.done and not self.complete:
            shutil.rmtree(self.stages_dir, ignore_errors=True)
            self._write_manifest()

    def _read_manifest(self) -> dict[str, Any] | None:
        try:
            value = orjson.loads((self.out_dir / MANIFEST).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return None
        return value if isinstance(value, dict) else None

    def _write_manifest(self, outputs: Sequence[str] = ()) -> None:
        manifest = {
            "key": self.key.as_dict(),
            "stages": self.done,
            "complete": self.complete,
            "outputs": list(outputs),
        }
        tmp = self.out_dir / (MANIFEST + ".tmp")
        tmp.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
        os.replace(tmp, self.out_dir / MANIFEST)

    def stage(self, name: str, compute: Callable[[], T]) -> T:
        """The stage's kept output if it finished in an earlier run of this key, else computed and kept."""
        entry = self.done.get(name)
        if entry is not None:
            try:
                with (self.stages_dir / entry["file"]).open("rb") as fh:
                    value: T = pickle.load(fh)
                self.note(f"{name}: resumed (finished {entry['finished']})")
                return value
            except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as err:
                self.note(f"{name}: the kept output cannot be read ({err}); computing it again")
        value = compute()
        self._keep(name, value)
        return value

    def _keep(self, name: str, value: Any) -> None:
        self.stages_dir.mkdir(parents=True, exist_ok=True)
        path = self.stages_dir / f"{name}.pkl"
        tmp = path.with_name(path.name + ".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        self.done[name] = {"file": path.name, "finished": datetime.now(UTC).isoformat(timespec="seconds")}
        self._write_manifest()

    def finish(self, outputs: Sequence[str]) -> None:
        """Mark the run complete (its outputs written) and remove the stage files."""
        self.complete = True
        self.done = {}
        shutil.rmtree(self.stages_dir, ignore_errors=True)
        self._write_manifest(outputs)
