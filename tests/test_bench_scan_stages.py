"""The stage timer reports each stage of a real scan and leaves the scan module as it found it."""

from __future__ import annotations

import importlib
from pathlib import Path

from benchmarks.speed.scan_stages import STAGES, measure_stages

SEEDS = Path(__file__).resolve().parents[1] / "corpora" / "seeds"


def test_stages_of_a_scan_are_timed_and_the_module_restored(tmp_path: Path) -> None:
    module = importlib.import_module("dedup.scan.run")
    before = {fn: getattr(module, fn) for fn in STAGES.values()}
    found = measure_stages(SEEDS, tmp_path / "out", workers=1)
    assert found["articles"] == 2 and found["candidate_pairs"] >= 1
    assert set(found["stages"]) == set(STAGES)
    for row in found["stages"].values():
        assert row["wall_s"] >= 0 and row["main_cpu_s"] >= 0 and "wall_us_per_article" in row
    assert (tmp_path / "out" / "relations.jsonl").read_text().strip()
    assert {fn: getattr(module, fn) for fn in STAGES.values()} == before
