"""Tests of the quality-benchmark code on tiny data made here (never ../shared/corpora)."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.baselines.methods import containment_pairs, cv_predict, fit_one_threshold, fit_two_thresholds
from benchmarks.data.loaders import clean_pa_text, load_meter, load_mrpc, load_reuters
from benchmarks.data.suite import (
    KIND_RELATION,
    content_paragraphs,
    load_seed_rewrites,
    make_suite,
    shared_passages,
    split_paragraphs,
    title_template,
)
from benchmarks.quality.common import pr_points
from benchmarks.quality.metrics import ari, binary_prf, meter_scores, pair_key, relation_prf
from benchmarks.quality.reuters import (
    audit_figures,
    exact_groups,
    load_audit,
    lookalikes_merged,
    near_dup_precision,
    same_entity,
)

PA_RAW = (
    "  ------------------------------------------------------------------------\r\n\r\n"
    "                15:51 01/03/00: Page 1 (HHH) COURTS Wagstaff\r\n"
    "  ------------------------------------------------------------------------\r\n"
    "TV PRESENTER DENIES #55,000 CON<\n"
    "\x19By A Reporter, PA News<\n"
    "\x19The presenter today denied conning colleagues\n"
    "out of more than #55,000. <\n"
    "\x19No trial date was set.<\n"
    "\x19end<\n\x19\n"
)


def _meter_tree(root: Path) -> None:
    pa = root / "PA" / "rawtexts" / "courts" / "01.03.00" / "wagstaff"
    news = root / "newspapers" / "rawtexts" / "courts" / "01.03.00" / "wagstaff"
    other_news = root / "newspapers" / "rawtexts" / "showbiz" / "31.12.99" / "party"
    for folder in (pa, news, other_news, root / "file_index" / "courts", root / "file_index" / "showbiz"):
        folder.mkdir(parents=True)
    (pa / "wagstaff1.txt").write_bytes(PA_RAW.encode("latin-1"))
    (news / "wagstaff381_sun.txt").write_bytes("Presenter denied a \xa355,000 con.\n\nBailed.".encode("latin-1"))
    (other_news / "party7_times.txt").write_bytes("Caf\xe9 party story.".encode("latin-1"))
    idx = root / "file_index"
    (idx / "courts" / "wholly_derived.txt").write_text(
        "newspapers/rawtexts/courts/01.03.00/wagstaff/wagstaff381_sun.txt\n"
    )
    (idx / "courts" / "partially_derived.txt").write_text("")
    (idx / "showbiz" / "non_derived.txt").write_text("newspapers/rawtexts/showbiz/31.12.99/party/party7_times.txt\n")


def test_load_meter_cleans_pa_and_dates_papers(tmp_path: Path) -> None:
    _meter_tree(tmp_path)
    articles, labels, stories = load_meter(tmp_path)
    by_id = {a["id"]: a for a in articles}
    pa_id = "PA/rawtexts/courts/01.03.00/wagstaff/wagstaff1.txt"
    sun_id = "newspapers/rawtexts/courts/01.03.00/wagstaff/wagstaff381_sun.txt"
    times_id = "newspapers/rawtexts/showbiz/31.12.99/party/party7_times.txt"
    pa = by_id[pa_id]
    assert pa["text"].startswith("TV PRESENTER DENIES #55,000 CON\n\nBy A Reporter, PA News\n\n")
    assert "colleagues\nout of more than #55,000.\n\nNo trial date was set." in pa["text"]
    assert "---" not in pa["text"] and "Page 1" not in pa["text"]
    assert "<" not in pa["text"] and "\x19" not in pa["text"] and "\r" not in pa["text"]
    assert pa["published"] == "2000-03-01T15:51:00" and pa["source"] == "PA"
    assert by_id[sun_id]["text"].startswith("Presenter denied a £55,000 con.")
    assert by_id[sun_id]["published"] == "2000-03-02T00:00:00"
    assert by_id[sun_id]["source"] == "The Sun"
    assert by_id[times_id]["published"] == "2000-01-01T00:00:00"  # next day across a year end
    assert by_id[times_id]["text"] == "Café party story."
    assert labels == {sun_id: "wholly", times_id: "non"}
    assert stories == {sun_id: [pa_id], times_id: []}


def test_clean_pa_text_without_banner_keeps_text() -> None:
    text, stamp = clean_pa_text("Headline<\nBody line one\nline two.<\n")
    assert stamp is None
    assert text == "Headline\n\nBody line one\nline two.\n"


def test_load_mrpc_reads_quotes_literally(tmp_path: Path) -> None:
    path = tmp_path / "mrpc.txt"
    rows = "\ufeffQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n"
    rows += '1\t11\t12\tHe said "the witness" lied.\tThe "witness" lied, he said.\n'
    rows += "0\t13\t14\tPrices rose.\tPrices fell sharply.\n"
    path.write_text(rows, encoding="utf-8")
    pairs = load_mrpc(path)
    assert pairs[0] == ("mrpc-1-11-12", 'He said "the witness" lied.', 'The "witness" lied, he said.', 1)
    assert [p[3] for p in pairs] == [1, 0]
    assert len({p[0] for p in pairs}) == 2


REUTERS_XML = (
    b'<?xml version="1.0"?>\n<LEWIS>\n'
    b'<REUTERS TOPICS="YES" NEWID="5">\n<DATE>26-FEB-1987 15:01:01.79</DATE>\n'
    b"<TOPICS><D>cocoa</D></TOPICS>\n<TEXT>\n<TITLE>BAHIA &lt;COCOA&gt; REVIEW</TITLE>\n"
    b"<BODY>Showers continued throughout\nthe week.\x03\n    Second paragraph \xfc here.\n Reuter\n</BODY>"
    b"</TEXT>\n</REUTERS>\n"
    b'<REUTERS TOPICS="NO" NEWID="6">\n<DATE>27-FEB-1987 10:00:00.00</DATE>\n'
    b'<TEXT TYPE="BRIEF">\n<TITLE>NO BODY HERE</TITLE>\n</TEXT>\n</REUTERS>\n</LEWIS>\n'
)


def test_load_reuters_tolerates_control_bytes(tmp_path: Path) -> None:
    (tmp_path / "reut2-017.xml").write_bytes(REUTERS_XML)
    stories = load_reuters(tmp_path)
    assert len(stories) == 1
    story = stories[0]
    assert story["id"] == "reuters-5" and story["title"] == "BAHIA <COCOA> REVIEW"
    assert story["published"] == "1987-02-26T15:01:01"
    assert story["topics"] == ["cocoa"]
    assert story["text"].startswith("Showers continued throughout\nthe week.\n    Second paragraph ")
    assert "\x03" not in story["text"]


# suite ----------------------------------------------------------------------------------------------


def _fake_articles(n: int = 40, paragraphs: int = 8, table_rows: bool = False) -> list[dict]:
    rng = random.Random(0)
    out = []
    for i in range(n):
        vocab = [f"w{i}x{j}" for j in range(60)]
        paras = [" ".join(rng.choice(vocab) for _ in range(25)) for _ in range(paragraphs)]
        if table_rows:  # short lines, as a results table prints them ("Div 6p vs 4p")
            paras[3:3] = [f"Div {i}p vs {j}p" for j in range(3)]
        out.append(
            {
                "id": f"art{i:02d}",
                "text": "\n\n".join(paras) + "\n",
                "title": f"STORY {i}",
                "published": f"1987-03-{1 + i % 5:02d}T10:00:00",
                "topics": ["grain" if i % 2 else "oil"],
            }
        )
    for j, (company, profit) in enumerate((("ALPHA CORP", 12), ("BETA INC", 31), ("GAMMA CO", 45))):
        out.append(
            {
                "id": f"tmpl{j}",
                "title": f"{company} 4TH QTR NET",
                "published": "1987-03-02T09:00:00",
                "text": f"Shr {profit} cts vs {profit - 3} cts\n    Net {profit * 100} vs {profit * 90}\n",
            }
        )
    return out


def test_suite_is_reproducible_by_seed() -> None:
    arts = _fake_articles()
    first, truth1 = make_suite(arts, seed=7, n_sources=3)
    again, truth2 = make_suite(list(reversed(arts)), seed=7, n_sources=3)
    other, _ = make_suite(arts, seed=8, n_sources=3)
    assert first == again and truth1 == truth2
    assert first != other


@pytest.mark.parametrize("table_rows", [False, True])
def test_suite_relations_as_documented(table_rows: bool) -> None:
    arts = _fake_articles(table_rows=table_rows)
    out, truth = make_suite(arts, seed=3, n_sources=3, lookalike_pairs=1)
    by_id = {a["id"]: a for a in out}
    assert len({a["id"] for a in out}) == len(out)
    sources = [i for i, r in truth.roles.items() if r["role"] == "source"]
    assert len(sources) == 3 and len(truth.pairs) == 3 * len(KIND_RELATION)
    for src, var, rel, derived in truth.pairs:
        kind = truth.roles[var]["kind"]
        assert rel == KIND_RELATION[kind] and derived == var and truth.roles[var]["of"] == src
        assert datetime.fromisoformat(by_id[var]["published"]) > datetime.fromisoformat(by_id[src]["published"])
        _check_variant(kind, by_id[src]["text"], by_id[var]["text"])
    paired = {x for p in truth.pairs for x in p[:2]}
    for role in ("negative", "lookalike"):
        ids = [i for i, r in truth.roles.items() if r["role"] == role]
        assert ids and not set(ids) & paired
    ((a, b),) = truth.lookalikes
    templates = [title_template(by_id[x]["title"]) for x in (a, b)]
    assert [t[1] if t else None for t in templates] == ["quarter results", "quarter results"]
    assert not truth.unscored() & set(truth.labelled())
    assert frozenset((f"{sources[0]}~repost", f"{sources[0]}~trimmed")) in truth.unscored()
    assert truth.clusters[f"{sources[0]}~trimmed"] == sources[0]
    assert truth.clusters[f"{sources[0]}~spliced_part"] != sources[0]


def test_drawn_stories_that_share_a_passage_are_not_scored_as_unrelated() -> None:
    arts = _fake_articles()
    # Two drawn stories of the fake corpus that really reuse a sentence, and one with a stock phrase.
    passage = "the central bank said it would keep its key lending rate unchanged for the rest of the year"
    arts[5]["text"] += passage + "\n"
    arts[9]["text"] += passage + "\n"
    arts[13]["text"] += "the central bank said it would keep\n"
    _, truth = make_suite(arts, seed=3, n_sources=8, lookalike_pairs=1)
    drawn = {o for held in truth.originals.values() for o in held}
    assert {"art05", "art09", "art13"} <= drawn, "the fixture must draw the three stories"
    assert truth.shared == {frozenset(("art05", "art09"))}
    unscored = truth.unscored()
    holders = truth.originals
    with_5 = [i for i, held in holders.items() if "art05" in held]
    with_9 = [i for i, held in holders.items() if "art09" in held]
    expected = {frozenset((a, b)) for a in with_5 for b in with_9} - set(truth.labelled())
    assert expected and expected <= unscored
    assert not any(frozenset(("art05", x)) in unscored for x in holders if "art13" in holders[x])
    # The deliberate negatives stay scored whatever they share.
    assert not {frozenset(p) for p in truth.lookalikes} & unscored
    assert shared_passages({"x": passage, "y": "so " + passage, "z": "the central bank said"}) == {
        frozenset(("x", "y"))
    }


def _check_variant(kind: str, src: str, var: str) -> None:
    # Every line of the source but its sign-off (short table lines included); the spliced part is prose.
    sp, _ = split_paragraphs(src)
    while len(sp[-1].split()) < 5:
        sp = sp[:-1]
    prose, _ = content_paragraphs(src)
    vp, _ = split_paragraphs(var)
    if kind == "repost":
        assert var == src
    elif kind == "syndicated":
        assert src.strip() in var and len(vp) == len(sp) + 2
    elif kind == "trimmed":
        assert vp == sp[: len(vp)] and 0.4 * len(sp) - 1 <= len(vp) <= 0.7 * len(sp) + 1
    elif kind == "spliced_whole":
        # Every paragraph of the source but its closing sign-off, short table lines included.
        whole, _ = split_paragraphs(src)
        while len(whole[-1].split()) < 5:
            whole = whole[:-1]
        start = vp.index(whole[0])
        assert vp[start : start + len(whole)] == whole and len(vp) > len(whole)
    elif kind == "spliced_part":
        shared = [p for p in vp if p in prose]
        assert 1 <= len(shared) <= 3 and len(vp) >= 2 * len(shared)
        host_words = sum(len(p.split()) for p in vp if p not in prose)
        # The host stays the longer story (down to one source paragraph).
        assert len(shared) == 1 or sum(len(p.split()) for p in shared) < host_words
    elif kind == "copyedit":
        old, new = " ".join(sp).split(), " ".join(vp).split()
        changed = sum(1 for x, y in zip(old, new, strict=False) if x != y)
        assert old != new and len(new) >= 0.94 * len(old) and changed > 0
    elif kind == "reordered":
        assert sorted(vp) == sorted(sp) and vp != sp
    elif kind == "doubled":
        assert len(vp) == len(sp) + 1 and sorted(set(vp)) == sorted(sp)


def test_suite_adds_rewrite_pairs(tmp_path: Path) -> None:
    (tmp_path / "000_a.txt").write_text("First telling of the story.\n", encoding="utf-8")
    (tmp_path / "001_b.txt").write_text("Second telling of the story.\n", encoding="utf-8")
    rewrites = load_seed_rewrites(tmp_path)
    _, truth = make_suite(_fake_articles(), seed=1, n_sources=1, rewrites=rewrites)
    assert ("seed-000_a", "seed-001_b", "rewrite", None) in truth.pairs
    assert truth.clusters["seed-000_a"] == truth.clusters["seed-001_b"]


# metrics --------------------------------------------------------------------------------------------


def test_relation_prf_hand_computed() -> None:
    truth = {pair_key("a", "b"): "copy", pair_key("c", "d"): "exact", pair_key("e", "f"): "partial"}
    pred = {
        pair_key("b", "a"): "copy",
        pair_key("c", "d"): "near_duplicate",
        pair_key("g", "h"): "copy",
        pair_key("i", "j"): "copy",
    }
    res = relation_prf(pred, truth, unscored=[pair_key("i", "j")])
    copy = res["per_relation"]["copy"]
    assert (copy["tp"], copy["fp"], copy["fn"]) == (1, 1, 0)
    assert copy["precision"] == 0.5 and copy["recall"] == 1.0 and copy["f1"] == pytest.approx(2 / 3)
    assert res["per_relation"]["exact"]["fn"] == 1 and res["per_relation"]["near_duplicate"]["fp"] == 1
    assert res["macro_f1"] == pytest.approx((2 / 3) / 3)  # copy, exact, partial have support
    assert res["any_relation"]["precision"] == pytest.approx(2 / 3)
    assert res["any_relation"]["recall"] == pytest.approx(2 / 3)


def test_ari_implies_singletons() -> None:
    truth = {"a": "1", "b": "1", "c": "c", "d": "d"}
    assert ari([["a", "b"]], truth) == 1.0
    assert ari([["a", "b", "x"]], truth) == 1.0  # ids outside the truth are ignored
    # pred {a,c},{b},{d} vs truth {a,b},{c},{d}: index 0, expected 1*1/6, max (1+1)/2 -> (0-1/6)/(1-1/6)
    assert ari([["a", "c"]], truth) == pytest.approx(-0.2)


def test_meter_scores_hand_computed() -> None:
    gold = {"a": "wholly", "b": "partially", "c": "non", "d": "non"}
    res = meter_scores({"a": "wholly", "b": "non", "c": "non"}, gold)  # d missing -> non
    tern, binary = res["ternary"], res["binary"]
    assert tern["per_class"]["wholly"]["f1"] == 1.0 and tern["per_class"]["partially"]["f1"] == 0.0
    assert tern["per_class"]["non"]["precision"] == pytest.approx(2 / 3)
    assert tern["macro_f1"] == pytest.approx((1 + 0 + 0.8) / 3)
    assert binary["per_class"]["derived"]["recall"] == 0.5
    assert binary["macro_f1"] == pytest.approx((2 / 3 + 0.8) / 2)
    assert tern["accuracy"] == 0.75


def test_binary_prf_and_thresholds() -> None:
    res = binary_prf([1, 1, 0, 0], [1, 0, 1, 0])
    assert res["precision"] == 0.5 and res["recall"] == 0.5 and res["accuracy"] == 0.5
    assert fit_one_threshold([0.9, 0.8, 0.8, 0.3, 0.1], [1, 1, 0, 1, 0]) == 0.3
    assert fit_two_thresholds(
        [0.9, 0.7, 0.4, 0.3, 0.1],
        ["wholly", "wholly", "partially", "partially", "non"],
        [0.1, 0.2, 0.3, 0.5, 0.8],
    ) == (0.2, 0.5)
    preds, fitted = cv_predict(
        ["a", "b", "c", "d"],
        [0.9, 0.9, 0.2, 0.1],
        [1, 1, 0, 0],
        ["g1", "g2", "g1", "g2"],
        folds=2,
        ternary=False,
    )
    assert preds == {"a": 1, "b": 1, "c": 0, "d": 0} and len(fitted) == 2


def test_pr_points_and_containment_pairs() -> None:
    precision, recall, ap = pr_points({"x": 0.9, "y": 0.5, "z": 0.1}, {"x", "z", "missing"})
    assert precision == [1.0, 0.5, pytest.approx(2 / 3)] and recall[-1] == pytest.approx(2 / 3)
    assert ap == pytest.approx((1 + 2 / 3) / 3)
    precision, recall, ap = pr_points({"x": 0.9, "y": 0.0, "z": 0.0}, {"x", "z"})  # y, z tie: one step
    assert precision == [1.0, pytest.approx(2 / 3)] and recall == [0.5, 1.0]
    assert ap == pytest.approx(0.5 + 0.5 * 2 / 3)
    texts = {
        "a": "one two three four five six",
        "b": "one two three four five six seven eight",
        "c": "nothing in common at all here",
    }
    assert containment_pairs(texts, 3, 0.5) == {frozenset(("a", "b")): 1.0}


def test_reuters_helpers() -> None:
    arts = [
        {"id": "1", "text": "Same  body\nHere", "title": "X"},
        {"id": "2", "text": "same body here", "title": "Y"},
        {"id": "3", "text": "Shr 10 cts", "title": "ALPHA CORP 4TH QTR NET"},
        {"id": "4", "text": "Shr 12 cts", "title": "BETA INC 1ST QTR NET"},
        {"id": "5", "text": "Shr 12 cts, up", "title": "GAMMA INC 1ST QTR NET"},
    ]
    assert exact_groups(arts) == [["1", "2"]]
    by_id = {a["id"]: a for a in arts}
    assert lookalikes_merged([["3", "4", "5"], ["1", "2"]], by_id) == 2  # 4/5 share every number


def test_audit_counts_related_pairs_of_each_label_among_the_stories_present() -> None:
    audit = {
        frozenset(("1", "2")): ("lookalike", "s1"),
        frozenset(("1", "3")): ("lookalike", "s2"),
        frozenset(("2", "3")): ("same_story", "s1"),
        frozenset(("3", "4")): ("unsure", "s1"),  # left out
        frozenset(("1", "9")): ("same_story", "s2"),  # story 9 not in this run: left out
    }
    related = [frozenset(("1", "2")), frozenset(("2", "3")), frozenset(("3", "4"))]
    clusters = [["1", "3"], ["2"]]  # 1 and 3 merged through a pair not related directly
    got = audit_figures(related, clusters, audit, {"1", "2", "3", "4"})
    by_sample = got.pop("by_sample")
    assert by_sample["s1"]["lookalikes_related"] == 1 and by_sample["s1"]["same_story_related"] == 1
    assert by_sample["s2"] == {**dict.fromkeys(by_sample["s2"], 0), "lookalikes": 1, "lookalikes_merged": 1}
    assert got == {
        "lookalikes": 2,
        "lookalikes_related": 1,
        "lookalikes_merged": 1,
        "same_story": 1,
        "same_story_related": 1,
        "same_story_merged": 0,
    }


def test_near_duplicate_precision_over_a_sample_and_over_every_pair() -> None:
    story = "the council voted on tuesday to close the old library and open a new one by the river next year"
    texts = {"a": story, "b": story + " officials said", "c": "heavy rain flooded the harbour road on sunday night"}
    pairs = [frozenset(("a", "b")), frozenset(("a", "c")), frozenset(("b", "c"))]
    got = near_dup_precision(pairs, texts, seed=1, sample=2)
    assert got["reported"] == 3 and got["sampled"] == 2
    assert got["precision_all"] == pytest.approx(1 / 3)  # only a-b share their 5-grams
    assert got["precision"] in (0.0, 0.5)


def test_the_shipped_audit_is_labelled_pairs_of_reuters_ids() -> None:
    audit = load_audit()
    assert len(audit) == 220 and all(len(p) == 2 for p in audit)
    assert {label for label, _ in audit.values()} == {"lookalike", "same_story", "unsure"}
    assert {sample for _, sample in audit.values()} == {"low_overlap", "refilled_leads", "random", "random_partial"}
    assert all(i.startswith("reuters-") for p in audit for i in p)


def test_meter_mapping_from_relations() -> None:
    from benchmarks.quality.detector import meter_from_relations

    labels = {"n1": "wholly", "n2": "partially", "n3": "non", "n4": "non", "n5": "wholly"}
    stories = {"n1": ["p1"], "n2": ["p1"], "n3": ["p1"], "n4": ["p1"], "n5": ["p1", "p2"]}
    relations: list[dict[str, Any]] = [
        {"a": "p1", "b": "n1", "relation": "copy", "derived": "n1", "score": 0.9},
        {"a": "n2", "b": "p1", "relation": "partial", "derived": "n2", "score": 0.4},
        {"a": "n3", "b": "p1", "relation": "copy", "derived": "p1", "score": 0.8},  # PA derived: ignored
        {"a": "n4", "b": "p9", "relation": "exact", "derived": None, "score": 1.0},  # not its story
        {"a": "n5", "b": "p1", "relation": "partial", "derived": "n5", "score": 0.3},
        {"a": "n5", "b": "p2", "relation": "near_duplicate", "derived": None, "score": 0.7},
    ]
    pred, score = meter_from_relations(relations, labels, stories)
    assert pred == {"n1": "wholly", "n2": "partially", "n3": "non", "n4": "non", "n5": "wholly"}
    assert score == {"n1": 0.9, "n2": 0.4, "n3": 0.0, "n4": 0.0, "n5": 0.7}


def test_report_renders_tables_and_markdown(tmp_path: Path) -> None:
    from benchmarks.quality import report as quality_report

    gold = {"a": "wholly", "b": "non"}
    meter = {"labelled": 2, "classes": {"wholly": 1}, "detector": {"error": "DetectorError: no CLI"}}
    meter["baselines"] = {"containment_3gram": meter_scores({"a": "wholly"}, gold)}
    mrpc = {"pairs": 2, "paraphrases": 1, "detector": binary_prf([1, 0], [1, 1]), "baselines": {}}
    results = {
        "meta": {
            "command": "python -m benchmarks.quality --quick",
            "date": "2026-01-01",
            "git": {"commit": "abc"},
            "detector": "x",
            "text_dedup": "skipped",
            "quick": True,
            "folds": 5,
            "seed": 1,
        },
        "meter": meter,
        "mrpc": mrpc,
    }
    titles = [t[0] for t in quality_report.tables(results)]
    assert titles[0].startswith("METER") and titles[1].startswith("MRPC")
    text = quality_report.markdown(results, {"meter": tmp_path / "results" / "pr_meter.png"}, tmp_path / "R.md")
    assert "`python -m benchmarks.quality --quick`" in text and "| detector | DetectorError: no CLI" in text
    assert "![meter](results/pr_meter.png)" in text


@pytest.mark.parametrize(
    ("ea", "eb", "same"),
    [
        ("CHUBB CORP <CB>", "THE CHUBB CORP <CB>", True),
        ("INTERNATIONAL HYDRON CORP <HYD>", "INT'L HYDRON CORP <HYD>", True),  # the ticker says so
        ("CANADA SOUTHERN PETROLEUM LTD<CSW>", "<CANADA SOUTHERN PETROLEUM LTD>", True),  # no ticker
        ("CORRECTED - PEGASUS GOLD INC<PGULF>", "PEGASUS GOLD INC <PGULF>", True),
        ("MURRAY OHIO <MUR>", "MURRAY OHIO <MYO>", True),
        ("GTI CORP <GTI>", "INTERNATIONAL HYDRON CORP <HYD>", False),
        ("FRANKLIN PENNSYLVANIA TAX-FREE", "FRANKLIN PENNSYLVANIA U.S.", False),
        ("<ACC CORP>", "<ABC CORP>", False),
    ],
)
def test_title_entities_of_one_company(ea: str, eb: str, same: bool) -> None:
    assert same_entity(ea, eb) is same


def test_same_company_releases_are_not_look_alikes() -> None:
    arts = [
        {"id": "1", "text": "Shr 10 cts", "title": "CHUBB CORP <CB> 4TH QTR NET"},
        {"id": "2", "text": "Shr 10 cts, corrected 11", "title": "THE CHUBB CORP <CB> 4TH QTR NET"},
        {"id": "3", "text": "Shr 12 cts", "title": "GTI CORP <GTI> 4TH QTR NET"},
    ]
    by_id = {a["id"]: a for a in arts}
    assert lookalikes_merged([["1", "2"]], by_id) == 0
    assert lookalikes_merged([["1", "2", "3"]], by_id) == 2
