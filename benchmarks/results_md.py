"""Sections of benchmarks/RESULTS.md that each benchmark owns, between `<!-- name:start -->` markers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = ["RESULTS_MD", "markers", "publish", "replace_section"]

RESULTS_MD = Path(__file__).resolve().parent / "RESULTS.md"


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of section `name`."""
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def replace_section(name: str, section: str, path: Path | None = None) -> None:
    """Replace section `name` (its text includes both markers), or append it; leave the rest untouched."""
    path = path or RESULTS_MD
    start, end = markers(name)
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmark results\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def publish(name: str, results: Any, section: str, out: Path, results_md: bool = True) -> None:
    """A benchmark's outputs: `out/NAME.json`, the section printed, and (unless `results_md` is
    False) the section of RESULTS.md it owns replaced."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(section)
    if results_md:
        replace_section(name, section)
