"""Loaders for the research corpora in ../shared/corpora (METER, MRPC, Reuters-21578).

Nothing here copies data into the project: every loader takes the corpus path and returns
article dicts in the `dedup scan` JSONL contract (id, text, optional title/source/published/url).
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = [
    "clean_pa_text",
    "load_meter",
    "load_meter_spans",
    "load_mrpc",
    "load_reuters",
    "meter_spans",
    "meter_story",
    "parse_reuters_file",
]

Article = dict[str, Any]

METER_CLASSES = ("wholly", "partially", "non")
_RULE = re.compile(r"^\s*-{5,}\s*$")
_BANNER = re.compile(r"^\s*(\d{1,2}):(\d{2}) (\d{2})/(\d{2})/(\d{2}): Page \d+ \(\w+\)(?: .*)?$")
_HTML_TAG = re.compile(r"<[A-Za-z/!][^>]*>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PARA_END = re.compile(r"[ \t]*<[ \t]*$", re.MULTILINE)
_NEWSPAPERS = {
    "sun": "The Sun",
    "mirror": "Daily Mirror",
    "star": "Daily Star",
    "express": "Daily Express",
    "mail": "Daily Mail",
    "times": "The Times",
    "telegraph": "Daily Telegraph",
    "guardian": "The Guardian",
    "independent": "The Independent",
    "morningstar": "Morning Star",
}


def _two_digit_year(yy: str) -> int:
    value = int(yy)
    return 1900 + value if value >= 50 else 2000 + value


def _folder_date(name: str) -> date:
    """METER date folders are DD.MM.YY."""
    dd, mm, yy = name.split(".")
    return date(_two_digit_year(yy), int(mm), int(dd))


def clean_pa_text(raw: str) -> tuple[str, datetime | None]:
    """Strip PA rules/banner (and the one HTML wrapper), keep paragraphs; return (text, banner time)."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "<HTML>" in text.upper():
        text = re.sub(r"<HEAD>.*?</HEAD>", "", text, flags=re.DOTALL | re.IGNORECASE)
        text = _HTML_TAG.sub("\n", text)
    text = _CONTROL.sub("", text)
    stamp: datetime | None = None
    kept: list[str] = []
    for line in text.split("\n"):
        if _RULE.match(line):
            continue
        banner = _BANNER.match(line)
        if banner:
            hh, mi, dd, mm, yy = banner.groups()
            stamp = stamp or datetime(_two_digit_year(yy), int(mm), int(dd), int(hh), int(mi))
            continue
        kept.append(line.rstrip())
    body = _PARA_END.sub("\n", "\n".join(kept))
    body = re.sub(r"\n{3,}", "\n\n", body).strip()
    return body + "\n", stamp


def meter_story(relpath: str) -> str:
    """Story key domain/date/catchline of a METER file path (relative to the METER root)."""
    parts = Path(relpath).parts
    return "/".join(parts[2:5])


def _read_latin1(path: Path) -> str:
    return path.read_bytes().decode("latin-1")


def _meter_pa(root: Path) -> list[Article]:
    out: list[Article] = []
    for path in sorted((root / "PA" / "rawtexts").glob("*/*/*/*.txt")):
        rel = path.relative_to(root).as_posix()
        text, stamp = clean_pa_text(_read_latin1(path))
        when = stamp or datetime.combine(_folder_date(path.parts[-3]), datetime.min.time())
        out.append({"id": rel, "text": text, "source": "PA", "published": when.isoformat()})
    return out


def _meter_newspapers(root: Path) -> list[Article]:
    out: list[Article] = []
    for path in sorted((root / "newspapers" / "rawtexts").glob("*/*/*/*.txt")):
        rel = path.relative_to(root).as_posix()
        text = _read_latin1(path).replace("\r\n", "\n").replace("\r", "\n")
        paper = path.stem.rsplit("_", 1)[-1].lower()
        day = _folder_date(path.parts[-3]) + timedelta(days=1)
        published = datetime.combine(day, datetime.min.time()).isoformat()
        out.append({"id": rel, "text": text, "source": _NEWSPAPERS.get(paper, paper.title()), "published": published})
    return out


def _meter_labels(root: Path) -> dict[str, str]:
    labels: dict[str, str] = {}
    for index in sorted((root / "file_index").glob("*/*_derived.txt")):
        cls = index.name.split("_", 1)[0]
        if cls not in METER_CLASSES:
            continue
        for line in index.read_text(encoding="latin-1").splitlines():
            if line.strip():
                labels[line.strip()] = cls
    return labels


def load_meter(root: str | Path) -> tuple[list[Article], dict[str, str], dict[str, list[str]]]:
    """Load METER: (PA + newspaper articles, newspaper id -> class, newspaper id -> PA ids of its story)."""
    root = Path(root)
    pa = _meter_pa(root)
    papers = _meter_newspapers(root)
    labels = _meter_labels(root)
    by_story: dict[str, list[str]] = {}
    for art in pa:
        by_story.setdefault(meter_story(art["id"]), []).append(art["id"])
    stories = {art["id"]: by_story.get(meter_story(art["id"]), []) for art in papers}
    return pa + papers, labels, stories


SPAN_KINDS = ("Verbatim", "Rewrite", "New")
_SPAN = re.compile(r"<(Verbatim|Rewrite|New)\b[^>]*>(.*?)</\1\s*>", re.DOTALL)


def meter_spans(sgml: str) -> list[tuple[str, int]]:
    """An annotated METER newspaper file's reuse spans in text order, as runs of one kind and their
    word counts (adjacent spans of one kind joined; empty spans dropped)."""
    runs: list[tuple[str, int]] = []
    for found in _SPAN.finditer(sgml):
        kind, n = found.group(1), len(found.group(2).split())
        if not n:
            continue
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, runs[-1][1] + n)
        else:
            runs.append((kind, n))
    return runs


def load_meter_spans(root: str | Path) -> dict[str, list[tuple[str, int]]]:
    """The annotators' Verbatim / Rewrite / New spans of METER's newspaper articles, by the article's
    id in `load_meter` (only the articles the corpus annotated at that level: about half)."""
    root = Path(root)
    out: dict[str, list[tuple[str, int]]] = {}
    for path in sorted((root / "newspapers" / "annotated").glob("*/*/*/*.sgml")):
        runs = meter_spans(_read_latin1(path))
        if runs:
            rel = path.relative_to(root).with_suffix(".txt").as_posix()
            out[rel.replace("newspapers/annotated/", "newspapers/rawtexts/", 1)] = runs
    return out


def load_mrpc(path: str | Path) -> list[tuple[str, str, str, int]]:
    """Load MRPC: (id, sentence a, sentence b, label 1 = paraphrase); tab-separated, quoting off."""
    rows: list[tuple[str, str, str, int]] = []
    text = Path(path).read_text(encoding="utf-8-sig")
    for n, line in enumerate(text.splitlines()[1:], start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 5:
            raise ValueError(f"{path}: line {n + 1} has {len(fields)} fields, expected 5")
        quality, id1, id2, a, b = fields[:5]
        rows.append((f"mrpc-{n}-{id1}-{id2}", a, b, int(quality)))
    return rows


_STORY = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.DOTALL)
_NEWID = re.compile(r'NEWID="(\d+)"')
_MONTHS = {
    m: i
    for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], start=1)
}
_DATE = re.compile(r"(\d{1,2})-([A-Z]{3})-(\d{4})\s+(\d{1,2}):(\d{2}):(\d{2})")


def _tag(block: str, name: str) -> str | None:
    found = re.search(rf"<{name}>(.*?)</{name}>", block, re.DOTALL)
    return html.unescape(found.group(1)) if found else None


def _reuters_date(raw: str | None) -> str | None:
    found = _DATE.search(raw or "")
    if not found or found.group(2).upper() not in _MONTHS:
        return None
    dd, mon, yyyy, hh, mi, ss = found.groups()
    try:
        return datetime(int(yyyy), _MONTHS[mon.upper()], int(dd), int(hh), int(mi), int(ss)).isoformat()
    except ValueError:
        return None


def parse_reuters_file(raw: bytes) -> list[Article]:
    """Parse one reut2-NNN.xml with regexes (tolerates control and stray non-UTF-8 bytes)."""
    text = _CONTROL.sub("", raw.decode("utf-8", errors="replace"))
    out: list[Article] = []
    for attrs, block in _STORY.findall(text):
        body = _tag(block, "BODY")
        newid = _NEWID.search(attrs)
        if body is None or not body.strip() or newid is None:
            continue
        topics = re.findall(r"<D>(.*?)</D>", _tag(block, "TOPICS") or "")
        art: Article = {
            "id": f"reuters-{newid.group(1)}",
            "text": body,
            "source": "Reuters",
            "title": (_tag(block, "TITLE") or "").strip() or None,
            "published": _reuters_date(_tag(block, "DATE")),
            "topics": topics,
        }
        out.append(art)
    return out


def load_reuters(root: str | Path) -> list[Article]:
    """Load every Reuters-21578 story with a body; `topics` is kept as an extra (non-contract) field."""
    out: list[Article] = []
    for path in sorted(Path(root).glob("reut2-*.xml")):
        out.extend(parse_reuters_file(path.read_bytes()))
    return out


def contract_record(article: Article) -> Article:
    """Only the fields of the `dedup scan` JSONL contract (drops helper fields like `topics`)."""
    keys = ("id", "text", "title", "source", "published", "url")
    return {k: article[k] for k in keys if article.get(k) is not None}
