"""Sections of benchmarks/RESULTS.md that each benchmark owns, between `<!-- name:start -->` markers."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["RESULTS_MD", "markers", "replace_section"]

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
