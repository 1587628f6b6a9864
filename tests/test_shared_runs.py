"""The shared-run candidate path (`LSHConfig.run_tokens`, off by default): articles that share one
run of prose inside otherwise different text reach verification, in the scan, the index and the
Dask engine alike, and a run printed by many articles pairs none of the later ones."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dedup import scan_articles
from dedup.article import Article
from dedup.config import DetectorConfig, LSHConfig
from dedup.detector import Detector
from dedup.errors import ConfigError
from dedup.index import Index
from dedup.sketch.lsh import streamed_pairs
from tests.conftest import read_jsonl

# A sentence a newspaper takes from the wire into a story otherwise its own.
TAKEN = (
    "The inspectors found that the pumping station on the east bank had been left unmanned for most of "
    "the night while the river rose above the level its alarms were set to report, and that the duty "
    "engineer had been sent to a fault at the reservoir instead, leaving the gates on the lower channel "
    "closed until well after the water had reached the first streets of the old town"
)


def _detector(run_tokens: int) -> Detector:
    config = DetectorConfig()
    return Detector(replace(config, lsh=replace(config.lsh, run_tokens=run_tokens)))


def _articles(fiction: list[dict[str, Any]]) -> list[Article]:
    """Fiction's stories, then two of other stories each given the same wire sentence mid-text."""
    out = [Article(r["id"], r["text"]) for r in fiction]
    wires = [r for r in fiction if r["kind"] == "wire"]
    for k, r in enumerate((wires[1], wires[4])):
        words = r["text"].split()
        half = len(words) // 2
        out.append(Article(f"taker-{k}", " ".join(words[:half]) + " " + TAKEN + ". " + " ".join(words[half:])))
    return out


def _pairs(relations: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["a"], r["b"]) for r in relations}


def test_a_shared_run_reaches_verification_only_with_the_path_on(fiction: list[dict[str, Any]]) -> None:
    articles = _articles(fiction)
    off = scan_articles(articles, _detector(0))
    on = scan_articles(articles, _detector(8))
    assert ("taker-0", "taker-1") not in _pairs(off.relations)
    taken = [r for r in on.relations if (r["a"], r["b"]) == ("taker-0", "taker-1")]
    assert [r["relation"] for r in taken] == ["partial"] and on.candidates > off.candidates
    assert _pairs(off.relations) <= _pairs(on.relations)


def test_the_index_finds_what_the_scan_finds_with_the_path_on(fiction: list[dict[str, Any]]) -> None:
    articles, detector = _articles(fiction), _detector(8)
    index, found = Index(detector), []
    for article in articles:
        found += index.add(article).relations
    place = {a.id: k for k, a in enumerate(articles)}
    found.sort(key=lambda r: (place[r["a"]], place[r["b"]]))
    assert found == scan_articles(articles, detector).relations
    assert ("taker-0", "taker-1") in _pairs(found) and len(index._tables["run"]) > 0


def test_a_run_held_by_many_earlier_articles_pairs_no_later_one() -> None:
    # Key 7 is held by articles 0..5 in order; at most 2 earlier holders pair.
    keys = np.array([7, 7, 7, 7, 7, 7, 9, 9], dtype=np.uint64)
    owner = np.array([0, 1, 2, 3, 4, 5, 0, 5])
    pairs = {tuple(p) for p in streamed_pairs(keys, owner, max_earlier=2).tolist()}
    assert pairs == {(0, 1), (0, 2), (1, 2), (0, 5)}


@pytest.mark.parametrize(("name", "value"), [("run_tokens", 65), ("run_sample", 0), ("run_max_bucket", 0)])
def test_run_settings_are_validated(name: str, value: int) -> None:
    with pytest.raises(ConfigError, match=name):
        LSHConfig(**{name: value})


def test_scan_shared_runs_on_the_command_line(fiction: list[dict[str, Any]], tmp_path: Path) -> None:
    inputs = tmp_path / "articles.jsonl"
    inputs.write_text("".join(json.dumps({"id": a.id, "text": a.text}) + "\n" for a in _articles(fiction)))
    found = {}
    for flag in ("--no-shared-runs", "--shared-runs"):
        out = tmp_path / flag
        run = subprocess.run(
            [sys.executable, "-m", "dedup.cli", "scan", str(inputs), "--out", str(out), "-q", flag],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        found[flag] = _pairs(read_jsonl(out / "relations.jsonl"))
    assert ("taker-0", "taker-1") in found["--shared-runs"] - found["--no-shared-runs"]
