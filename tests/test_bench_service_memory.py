"""The service-memory benchmark on the project's own articles: a real server, real POSTs, sane figures."""

from __future__ import annotations

import json
import math
import os
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # benchmarks/ is not installed: a bare `pytest` does not see it otherwise
    sys.path.insert(0, str(ROOT))

from benchmarks.speed.service_memory import Run, load_records, main, rss_bytes, summarise  # noqa: E402
from dedup.article import article_from_mapping  # noqa: E402
from dedup.index import Index  # noqa: E402
from tests.conftest import FICTION  # noqa: E402


def test_rss_is_read_for_another_process_in_bytes() -> None:
    with open("/proc/self/statm", encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    assert rss_bytes(os.getpid()) == pytest.approx(pages * os.sysconf("SC_PAGE_SIZE"), rel=0.05)


def test_growth_is_per_article_over_the_run_and_its_second_half() -> None:
    run = Run(times=np.array([0.001, 0.002, 0.003, 0.010]), rss=[(0, 1000), (2, 1400), (3, 1900), (4, 2200)])
    run.refused[409] += 1
    run.index_bytes = {0: 100, 2: 500, 4: 1300}
    figures = summarise(run)
    assert figures["rss_growth_per_article"] == (2200 - 1000) / 4
    assert figures["rss_growth_per_article_second_half"] == (2200 - 1400) / 2
    assert figures["rss_slope_per_article_second_half"] == pytest.approx(400.0)  # fit of (2,1400) (3,1900) (4,2200)
    assert (figures["index_bytes_per_article"], figures["index_growth_per_article_second_half"]) == (300.0, 400.0)
    assert figures["post_ms_median"] == 2.5 and figures["post_ms_median"] <= figures["post_ms_p95"] <= 10
    assert (figures["added"], figures["refused_by_status"]) == (3, {"409": 1})


def test_a_short_run_posts_every_article_and_finds_what_the_library_finds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "service_memory.json"
    assert main(["--articles", str(FICTION), "--n", "21", "--every", "4", "--out", str(out)]) == 0
    figures = json.loads(out.read_text())
    records = load_records(ROOT, FICTION, 21)
    index, expected = Index(), Counter[str]()
    for record in records:
        expected.update(r["relation"] for r in index.add(article_from_mapping(record)).relations)
    assert figures["articles"] == figures["added"] == 21 and figures["store"] == "sqlite"
    assert figures["relations_by_type"] == dict(expected) and figures["relations_found"] > 0
    assert figures["store_file_bytes"] > figures["text_bytes_per_article"] * 21  # the texts went to disk
    assert [s[0] for s in figures["rss_samples"]] == [0, 4, 8, 10, 12, 16, 20, 21]
    assert all(s[1] > 10_000_000 for s in figures["rss_samples"])  # a Python server, not this test's numbers
    for key in ("rss_growth_per_article", "rss_growth_per_article_second_half", "rss_slope_per_article_second_half"):
        assert math.isfinite(figures[key])
    assert 0 < figures["index_bytes_per_article"] < 20_000  # the index's own accounting, read from /health
    assert 0 < figures["post_ms_median"] <= figures["post_ms_p95"]
    assert figures["command"].startswith("python -m benchmarks.speed.service_memory --articles")
    assert "RSS growth per article, second half" in capsys.readouterr().out


def test_a_warm_up_is_posted_first_and_left_out_of_the_figures(tmp_path: Path) -> None:
    out = tmp_path / "service_memory.json"
    args = ["--articles", str(FICTION), "--n", "5", "--warmup", str(FICTION), "--warmup-n", "3", "--out", str(out)]
    assert main(args) == 0
    figures = json.loads(out.read_text())
    assert (figures["warmup_articles"], figures["articles"], figures["added"]) == (3, 5, 5)
    assert figures["warmup"] == str(FICTION) and 0 < figures["index_bytes_per_article"] < 20_000
