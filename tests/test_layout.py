"""The code's layout rules, checked on the source: what a newcomer may rely on when reading it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dedup.errors import StoreUnavailable
from dedup.store import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
# Tests may reach private helpers to test them; product and lab code may not.
PACKAGES = ("dedup", "service", "benchmarks")


def _imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, module, imported name) of every absolute import of a file; name "" for `import x`."""
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, node.module, a.name) for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, "") for a in node.names]
    return found


def _sources(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def test_no_private_name_is_imported_from_another_module() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line}: from {module} import {name}"
        for path in _sources(*PACKAGES)
        for line, module, name in _imports(path)
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not bad, "private names imported across modules:\n" + "\n".join(bad)


def test_the_service_imports_no_store_library_and_nothing_private_of_dedup() -> None:
    bad = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in _sources("service")
        for line, module, _ in _imports(path)
        if module.split(".")[0] in ("sqlite3", "redis")
        or (any(p.startswith("_") for p in module.split(".")[1:]) and module.startswith("dedup"))
    ]
    assert not bad, "the service reaches past dedup's public modules:\n" + "\n".join(bad)


def test_dedup_never_imports_the_service() -> None:
    bad = [f"{p.relative_to(ROOT)}:{line}" for p in _sources("dedup") for line, m, _ in _imports(p) if m == "service"]
    assert not bad


def test_the_pipeline_stages_are_folders_of_dedup() -> None:
    stages = ["prepare", "sketch", "verify", "decide", "scan", "index", "store", "io"]
    assert all((ROOT / "dedup" / s / "__init__.py").is_file() for s in stages)
    assert all((ROOT / "dedup" / f"{m}.py").is_file() for m in ("candidates", "cluster", "cli"))


def test_a_sqlite_failure_leaves_the_store_as_store_unavailable(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "a.db")
    store.close()  # any later call fails in sqlite3 itself
    with pytest.raises(StoreUnavailable, match="SQLite store"):
        len(store)
    with pytest.raises(StoreUnavailable):
        list(store)
