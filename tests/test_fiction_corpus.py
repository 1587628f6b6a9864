"""Invariants of the labelled fictional corpus (corpora/fiction/articles.jsonl).

The labels are only worth something if the texts are what the labels say: a heavy rewrite that
still shares a 5-word phrase with its wire story, a follow-up that copied a paragraph with one
character changed, or a "brief" that is not cut from its source would make every quality figure
measured on the corpus wrong. So each check measures the texts themselves (word n-grams, verbatim
paragraphs, substrings, figures, timestamps) rather than trusting the labels.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from datetime import datetime, timedelta
from difflib import SequenceMatcher
from functools import cache
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "corpora" / "fiction" / "articles.jsonl"
README = CORPUS.with_name("README.md")

Article = dict[str, Any]

REQUIRED = ("id", "kind", "story", "title", "source", "published", "text")
# reference field -> the kind that carries it, the kind it points to, whether that kind must carry it
REFERENCES = {
    "rewrite_of": ("rewrite", "wire", True),
    "independent_of": ("independent", "wire", False),
    "follow_up_of": ("follow_up", "wire", True),
    "brief_of": ("brief", "wire", True),
    "topic_of": ("same_topic", "wire", True),
    "template_of": ("template", "template", False),
}
KINDS = {"wire", "template"} | {kind for kind, _, _ in REFERENCES.values()}
# How long after its source each derived kind may be published (the brief's windows).
DELAYS = {
    "rewrite_of": (timedelta(hours=1), timedelta(hours=24)),
    "follow_up_of": (timedelta(days=1), timedelta(days=7)),
    "brief_of": (timedelta(0), timedelta(hours=3)),
}
INDEPENDENT_WINDOW = timedelta(hours=6)

# Real news agencies and broadcasters: the corpus must name none of them. Acronyms are matched
# case-sensitively as whole words ("AP" but not "cap"); names case-insensitively.
AGENCY_ACRONYMS = re.compile(r"\b(?:AP|AFP|UPI|PA|dpa|EFE|ANSA|TASS|BBC|CNN|NBC|ABC|CBS)\b")
AGENCY_NAMES = re.compile(
    r"associated press|reuters|agence france|bloomberg|united press international|pa media|"
    r"(?<!northern )press association|deutsche presse|xinhua|kyodo|yonhap|dow jones|interfax",
    re.IGNORECASE,
)
NUMBER = re.compile(r"\d[\d,.]*\d|\d")
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’]))\s+(?=[\"“A-Z])")


def words(text: str) -> list[str]:
    """Lower-cased words with punctuation and symbols removed ("$38.5" -> "385", "it's" -> "its")."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in text if unicodedata.category(c)[0] not in "PS").split()


def ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    ws = words(text)
    return [tuple(ws[i : i + n]) for i in range(len(ws) - n + 1)]


def shared_share(text: str, source: str, n: int) -> float:
    """The share of `text`'s word n-grams that also occur in `source`."""
    grams, theirs = ngrams(text, n), set(ngrams(source, n))
    return sum(g in theirs for g in grams) / len(grams)


def paragraphs(text: str) -> list[str]:
    return text.split("\n\n")


def numbers(text: str) -> Counter[str]:
    return Counter(NUMBER.findall(text))


def has_figure(text: str, figure: str) -> bool:
    """Whether `figure` ("1,450", "6.1", "3-2") occurs in `text` as a whole number, not inside another."""
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?!\d|[.,]\d)", text) is not None


def published(article: Article) -> datetime:
    return datetime.fromisoformat(article["published"].replace("Z", "+00:00"))


@cache
def lines() -> tuple[str, ...]:
    return tuple(line for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip())


@cache
def corpus() -> dict[str, Article]:
    return {a["id"]: a for a in map(json.loads, lines())}


def of_kind(kind: str) -> list[Article]:
    return [a for a in corpus().values() if a["kind"] == kind]


def source_of(article: Article) -> Article:
    ref = next(field for field in REFERENCES if field in article)
    return corpus()[article[ref]]


def test_every_line_is_a_json_object_with_a_unique_id() -> None:
    ids = []
    for number, line in enumerate(lines(), 1):
        record = json.loads(line)
        assert isinstance(record, dict), f"line {number} is not an object"
        ids.append(record.get("id"))
    repeated = [i for i, n in Counter(ids).items() if n > 1]
    assert not repeated, f"ids used more than once: {repeated}"
    assert len(corpus()) == len(lines())


def test_required_fields_are_present_non_empty_strings() -> None:
    bad = [(a["id"], f) for a in corpus().values() for f in REQUIRED if not isinstance(a.get(f), str) or not a[f]]
    assert not bad, f"missing or empty fields: {bad}"
    assert {a["kind"] for a in corpus().values()} <= KINDS


def test_text_is_plain_paragraphs_separated_by_one_blank_line() -> None:
    bad = [
        a["id"]
        for a in corpus().values()
        if a["text"] != a["text"].strip() or "\n\n\n" in a["text"] or any(p != p.strip() for p in paragraphs(a["text"]))
    ]
    assert not bad, f"stray whitespace around paragraphs: {bad}"


def test_every_reference_points_to_an_article_of_the_right_kind() -> None:
    problems = []
    for article in corpus().values():
        for field, (kind, target_kind, required) in REFERENCES.items():
            if article["kind"] == kind and required and field not in article:
                problems.append(f"{article['id']}: {kind} without {field}")
            if field not in article:
                continue
            target = corpus().get(article[field])
            if article["kind"] != kind:
                problems.append(f"{article['id']}: {field} on a {article['kind']}")
            elif target is None or target["kind"] != target_kind:
                problems.append(f"{article['id']}: {field}={article[field]} is not a {target_kind}")
    assert not problems, "\n".join(problems)


def test_derived_and_parallel_reports_share_their_sources_story_and_others_do_not() -> None:
    same = {"rewrite", "independent", "brief"}
    problems = [
        a["id"]
        for a in corpus().values()
        if any(f in a for f in REFERENCES) and (a["story"] == source_of(a)["story"]) != (a["kind"] in same)
    ]
    assert not problems, f"story does not match the kind: {problems}"


def test_rewrites_say_whether_the_revision_was_light_or_heavy() -> None:
    assert {a.get("revision") for a in of_kind("rewrite")} == {"light", "heavy"}
    assert not [a["id"] for a in corpus().values() if "revision" in a and a["kind"] != "rewrite"]


def test_published_is_utc_and_derived_pieces_come_later_than_their_sources() -> None:
    problems = []
    for article in corpus().values():
        when = published(article)
        if when.utcoffset() != timedelta(0):
            problems.append(f"{article['id']}: not UTC")
        for field, (low, high) in DELAYS.items():
            if field in article and not low < when - published(corpus()[article[field]]) <= high:
                problems.append(f"{article['id']}: {when - published(corpus()[article[field]])} after its source")
        if "independent_of" in article:
            gap = abs(when - published(corpus()[article["independent_of"]]))
            if gap > INDEPENDENT_WINDOW:
                problems.append(f"{article['id']}: {gap} from the wire story")
    assert not problems, "\n".join(problems)


def test_wire_stories_are_full_length_with_dateline_figures_and_quotes() -> None:
    problems = []
    for wire in of_kind("wire"):
        text = wire["text"]
        if not 300 <= len(text.split()) <= 650 or not 6 <= len(paragraphs(text)) <= 12:
            problems.append(f"{wire['id']}: {len(text.split())} words, {len(paragraphs(text))} paragraphs")
        if len(numbers(text)) < 5 or not re.search(r"[\"“]", text):
            problems.append(f"{wire['id']}: too few figures or no quote")
        if "place" in wire and wire["place"].upper() not in paragraphs(text)[0][:40].upper():
            problems.append(f"{wire['id']}: dateline does not name {wire['place']}")
        missing = [f for f in wire.get("key_figures", []) if not has_figure(text, f)]
        if missing:
            problems.append(f"{wire['id']}: key figures not in the text: {missing}")
    assert not problems, "\n".join(problems)


def test_heavy_rewrites_share_no_five_word_phrase_with_their_wire_story() -> None:
    problems = []
    for rewrite in (a for a in of_kind("rewrite") if a["revision"] == "heavy"):
        wire = source_of(rewrite)
        shared = set(ngrams(rewrite["text"], 5)) & set(ngrams(wire["text"], 5))
        if shared:
            problems.append(f"{rewrite['id']}: {sorted(' '.join(g) for g in shared)}")
        ratio = len(words(rewrite["text"])) / len(words(wire["text"]))
        if not 0.6 <= ratio <= 1.2:
            problems.append(f"{rewrite['id']}: {ratio:.2f} times the wire story's length")
    assert not problems, "\n".join(problems)


def test_light_rewrites_keep_short_phrases_but_fewer_than_half_their_five_grams() -> None:
    problems = []
    heavy = {a["rewrite_of"]: a for a in of_kind("rewrite") if a["revision"] == "heavy"}
    for rewrite in (a for a in of_kind("rewrite") if a["revision"] == "light"):
        wire = source_of(rewrite)["text"]
        three, five = shared_share(rewrite["text"], wire, 3), shared_share(rewrite["text"], wire, 5)
        if not three > 0 or not five < 0.5:
            problems.append(f"{rewrite['id']}: 3-grams shared {three:.2f}, 5-grams {five:.2f}")
        sibling = heavy.get(rewrite["rewrite_of"])
        if sibling is None or three <= shared_share(sibling["text"], wire, 3):
            problems.append(f"{rewrite['id']}: not closer to the wire story than its heavy sibling")
    assert not problems, "\n".join(problems)


def test_rewrites_keep_every_key_figure_name_and_the_place() -> None:
    problems = []
    for rewrite in of_kind("rewrite"):
        wire = source_of(rewrite)
        missing = [f for f in wire.get("key_figures", []) if not has_figure(rewrite["text"], f)]
        names = [wire.get("place", ""), *wire.get("key_names", [])]
        missing += [n for n in names if n.casefold() not in rewrite["text"].casefold()]
        if missing:
            problems.append(f"{rewrite['id']}: lacks {missing}")
    assert not problems, "\n".join(problems)
    light = {a["rewrite_of"] for a in of_kind("rewrite") if a["revision"] == "light"}
    unlabelled = [w for w in light if not {"place", "key_names", "key_figures"} <= set(corpus()[w])]
    assert not unlabelled, f"wire stories with light rewrites but no key facts listed: {unlabelled}"


def test_independent_reports_share_the_facts_but_not_the_wording() -> None:
    problems = []
    for report in (a for a in of_kind("independent") if "independent_of" in a):
        wire = source_of(report)
        shared = [f for f in wire["key_figures"] if has_figure(report["text"], f)]
        if wire["place"].casefold() not in report["text"].casefold() or len(shared) < 2:
            problems.append(f"{report['id']}: place or key figures missing (has {shared})")
        five = shared_share(report["text"], wire["text"], 5)
        if five > 0.02:
            problems.append(f"{report['id']}: {five:.1%} of its 5-grams are in the wire story")
    assert not problems, "\n".join(problems)


def test_follow_ups_copy_background_paragraphs_verbatim_and_add_as_much_new_text() -> None:
    problems = []
    for follow in of_kind("follow_up"):
        theirs = set(paragraphs(source_of(follow)["text"]))
        copied = [p for p in paragraphs(follow["text"]) if p in theirs]
        new = [p for p in paragraphs(follow["text"]) if p not in theirs]
        if len(copied) < 2 or sum(map(len, new)) < sum(map(len, copied)):
            problems.append(f"{follow['id']}: {len(copied)} paragraphs copied, {sum(map(len, new))} new characters")
        if paragraphs(follow["text"])[0] in theirs:
            problems.append(f"{follow['id']}: the lead is not new")
    assert not problems, "\n".join(problems)


def test_briefs_are_cut_verbatim_from_the_start_of_their_wire_story() -> None:
    problems = []
    for brief in of_kind("brief"):
        text, wire = " ".join(brief["text"].split()), source_of(brief)["text"]
        opening = " ".join(" ".join(paragraphs(wire)[:3]).split())
        sentences = len(SENTENCE_END.split(text))
        if text not in opening or not 2 <= sentences <= 4:
            problems.append(f"{brief['id']}: {sentences} sentences, verbatim from the opening: {text in opening}")
    assert not problems, "\n".join(problems)


def template_pairs() -> dict[str, list[Article]]:
    """Template reports grouped by their `template` field (older ones by their id without the date)."""
    pairs: dict[str, list[Article]] = {}
    for article in of_kind("template"):
        pairs.setdefault(article.get("template") or article["id"].rsplit("-", 1)[0], []).append(article)
    return pairs


def masked(text: str) -> list[str]:
    """The words of `text` with every figure and every capitalised word (names, days, months) as "#"."""
    tokens = ("".join(c for c in t if unicodedata.category(c)[0] not in "PS") for t in text.split())
    return ["#" if any(c.isdigit() for c in w) or w[0].isupper() else w for w in tokens if w]


def test_template_pairs_match_word_for_word_except_the_figures() -> None:
    problems = []
    for name, pair in template_pairs().items():
        if len(pair) != 2:
            problems.append(f"{name}: {len(pair)} articles")
            continue
        a, b = pair
        if a["story"] == b["story"] or numbers(a["text"]) == numbers(b["text"]):
            problems.append(f"{name}: same story or the same figures")
        similarity = SequenceMatcher(None, masked(a["text"]), masked(b["text"]), autojunk=False).ratio()
        if similarity < 0.95:
            problems.append(f"{name}: only {similarity:.2f} alike once figures and names are masked")
        if a.get("template_of", b["id"]) != b["id"] or b.get("template_of", a["id"]) != a["id"]:
            problems.append(f"{name}: template_of does not name the other article of the pair")
    assert not problems, "\n".join(problems)


def test_same_topic_stories_share_only_generic_wording_with_their_wire_story() -> None:
    problems = [
        f"{a['id']}: {shared_share(a['text'], source_of(a)['text'], 5):.1%}"
        for a in of_kind("same_topic")
        if shared_share(a["text"], source_of(a)["text"], 5) > 0.02
    ]
    assert not problems, "\n".join(problems)


def test_no_real_news_agency_is_named() -> None:
    hits = [
        (a["id"], m.group())
        for a in corpus().values()
        for field in ("text", "title", "source")
        for m in [*AGENCY_ACRONYMS.finditer(a[field]), *AGENCY_NAMES.finditer(a[field])]
    ]
    assert not hits, f"real agency names: {hits}"


def test_readme_counts_match_the_corpus() -> None:
    table = dict(re.findall(r"^\| `(\w+)` +\| (\d+) ", README.read_text(encoding="utf-8"), re.MULTILINE))
    measured = Counter(a["kind"] for a in corpus().values())
    assert {kind: int(n) for kind, n in table.items()} == dict(measured)
