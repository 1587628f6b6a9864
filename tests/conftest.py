"""Shared fixtures: the detector, the seeds and the project's fictional articles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dedup.detector import Detector

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpora" / "seeds"
FICTION = ROOT / "corpora" / "fiction" / "articles.jsonl"


@pytest.fixture(scope="session")
def detector() -> Detector:
    return Detector()


@pytest.fixture(scope="session")
def seeds() -> list[Path]:
    return sorted(SEEDS.glob("*.txt"))


@pytest.fixture(scope="session")
def fiction() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FICTION.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
