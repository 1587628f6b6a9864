"""report.html: self-contained, its data true to the scan's outputs, and working in a real browser."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from dedup.article import Article
from dedup.cluster import Cluster
from dedup.io.html_report import report_data, utf16_offsets, write_html_report
from dedup.scan import scan
from tests.conftest import SEEDS, read_jsonl

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (scripts/test.sh installs it)")


@pytest.fixture(scope="module")
def seeds_scan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seeds")
    scan([SEEDS], out)
    return out


def _embedded(page: str) -> dict[str, Any]:
    found = re.search(r'<script id="data" type="application/json">(.*?)</script>', page, re.S)
    assert found
    return dict(json.loads(found.group(1)))


def test_every_scan_writes_a_self_contained_report(seeds_scan: Path) -> None:
    page = (seeds_scan / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "the page must load nothing"
    assert "@import" not in page and "url(" not in page
    data = _embedded(page)
    relations = read_jsonl(seeds_scan / "relations.jsonl")
    assert len(data["relations"]) == len(relations) == 1
    a, _, relation, derived, *_, evidence, why = data["relations"][0]
    assert why == relations[0].get("why", [])
    assert data["articles"][a]["id"] == relations[0]["a"] and relation == "rewrite"
    assert (None if derived is None else data["articles"][derived]["id"]) == relations[0]["derived"]
    assert [e[4] for e in evidence] == [e["kind"] for e in relations[0]["evidence"]]
    (repeat,) = read_jsonl(seeds_scan / "repeats.jsonl")
    (i,) = data["repeats"]
    assert data["articles"][i]["id"] == repeat["id"]
    assert data["articles"][i]["repeats"] == [[b["first"], b["repeat"]] for b in repeat["blocks"]]
    assert data["summary"]["clusters"] == 1 and "seconds" not in data["summary"]


def test_script_breaking_text_stays_data(tmp_path: Path) -> None:
    text = "</script><script>alert(1)</script> <!-- a story -->"
    data = report_data({"articles": 1}, [], [{"id": "x", "blocks": []}], [], {"x": Article("x", text)})
    page = write_html_report(tmp_path, data).read_text(encoding="utf-8")
    assert page.count("</script>") == 2 and "<!-- a story" not in page
    assert _embedded(page)["articles"][0]["text"] == text


def test_offsets_are_turned_into_the_browsers_utf16_units() -> None:
    text = "A 🚀 launch, then 🚀 again."
    to_units = utf16_offsets(text)
    start = text.index("then")
    assert text.encode("utf-16-le")[2 * to_units(start) :].decode("utf-16-le").startswith("then")
    assert utf16_offsets("plain")(3) == 3


def test_texts_past_the_budget_are_left_out_but_listed() -> None:
    articles = {f"a{i}": Article(f"a{i}", f"Story {i} " + "word " * 100) for i in range(6)}
    relations = [{"a": f"a{i}", "b": f"a{i + 1}", "relation": "copy", "evidence": []} for i in range(0, 6, 2)]
    data = report_data({}, relations, [], [], articles, text_budget=1200)
    assert len(data["relations"]) == 3
    assert [("text" in a) for a in data["articles"]] == [True, True, False, False, False, False]


def _dom(page: Path, fragment: str = "") -> str:
    assert CHROMIUM is not None
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--dump-dom", page.as_uri() + fragment],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    return run.stdout


def _spans(dom: str, cls: str) -> list[str]:
    """Texts of the marked spans (not the legend's keys) whose classes include `cls`."""
    found = re.findall(r'<span class="([^"]*)">([^<]*)</span>', dom)
    return [html.unescape(text) for classes, text in found if cls in classes.split() and "key" not in classes]


@needs_chromium
def test_seeds_report_in_chromium_marks_the_doubled_paragraphs_and_the_rewrite(seeds_scan: Path) -> None:
    dom = _dom(seeds_scan / "report.html")
    (repeat,) = read_jsonl(seeds_scan / "repeats.jsonl")
    (block,) = repeat["blocks"]
    text = (SEEDS / repeat["id"]).read_text(encoding="utf-8")
    assert "".join(_spans(dom, "rep2")) == text[slice(*block["repeat"])]
    assert "".join(_spans(dom, "rep1")) == text[slice(*block["first"])]
    rewritten = " ".join(_spans(dom, "r"))
    assert "$30 billion" in rewritten and _spans(dom, "v")
    assert "1–1 of 1" in dom
    for line in read_jsonl(seeds_scan / "relations.jsonl")[0].get("why", []):
        assert html.escape(line, quote=False) in dom


@needs_chromium
def test_search_and_pages_in_chromium(tmp_path: Path) -> None:
    articles = {
        f"s{i:03d}": Article(f"s{i:03d}", f"Story {i} about the harbour.", title=f"Harbour {i}") for i in range(121)
    }
    relations = [{"a": f"s{i:03d}", "b": f"s{i + 1:03d}", "relation": "copy", "evidence": []} for i in range(120)]
    clusters = [Cluster(0, tuple(articles), "s000")]
    page = write_html_report(tmp_path, report_data({"relations": {"copy": 120}}, relations, [], clusters, articles))
    assert "1–50 of 120" in _dom(page)
    assert "101–120 of 120" in _dom(page, "#page=2")
    found = _dom(page, "#q=s077")
    assert "1–2 of 2" in found and "Harbour 77" in found and "Harbour 12<" not in found
    assert "Nothing to show" in _dom(page, "#q=no-such-story")
    assert "Cluster #0: 121 articles" in _dom(page, "#tab=clusters")
