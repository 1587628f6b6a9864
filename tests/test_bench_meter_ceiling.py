"""The METER ceiling benchmark's measurements and classifier, on texts and data made here."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from benchmarks.data.loaders import meter_spans
from benchmarks.quality.meter_ceiling import (
    LEXICAL,
    SPAN_FEATURES,
    features,
    forest,
    markdown,
    scores,
    span_features,
    span_shares,
)

WIRE = (
    "A man who stole a painting from the city museum was jailed for three years today. "
    "The judge said the theft had shocked the town. The painting was found in a garage in May."
)
OTHER = "Heavy rain flooded the harbour road on Sunday and the ferry service to the island was cancelled."


def _measure(article: str, source: str) -> dict[str, float]:
    tfidf = TfidfVectorizer(token_pattern=r"[a-z0-9]+").fit([WIRE.lower(), OTHER.lower()])
    return features(article, source, lambda w: 2.0, tfidf)


def test_a_copy_is_wholly_contained_and_aligned() -> None:
    f = _measure(WIRE, WIRE)
    assert set(f) == set(LEXICAL)
    assert all(f[f"c{n}"] == 1.0 for n in range(1, 6))
    assert f["verbatim8"] == 1.0 and f["aligned"] == 1.0 and f["new_words"] == 0.0
    assert f["cosine"] == pytest.approx(1.0) and f["length_ratio"] == 0.0


def test_an_unrelated_story_shares_nothing_that_counts() -> None:
    f = _measure(OTHER, WIRE)
    assert f["c3"] == f["c5"] == f["verbatim8"] == f["aligned"] == 0.0
    assert f["new_words"] > 0.9


def test_a_trimmed_copy_sits_between() -> None:
    f = _measure(WIRE.split(". ")[0] + ". " + OTHER, WIRE)
    assert 0.0 < f["c3"] < 1.0 and 0.0 < f["verbatim8"] < 1.0 and 0.0 < f["aligned"] < 1.0


def test_scores_are_out_of_fold_and_high_only_where_features_tell_the_classes() -> None:
    rng = np.random.default_rng(0)
    y = np.array(["wholly", "partially", "non"] * 40)
    centre = {"wholly": 4.0, "partially": 0.0, "non": -4.0}
    x = np.array([[centre[c] + rng.normal(0, 0.3), rng.normal()] for c in y])
    groups = np.array([f"story-{i // 3}" for i in range(len(y))])
    ternary, binary = scores(x, y, groups, 5, None)
    assert ternary > 0.9 and binary > 0.9
    # Labels that carry no signal: out-of-fold figures must not reach 1 (no fold sees its own labels).
    ternary, _ = scores(rng.normal(size=(len(y), 2)), rng.permutation(y), groups, 5, 3)
    assert ternary < 0.6


def test_markdown_is_one_marked_section() -> None:
    r = dict.fromkeys(("ternary_fixed_folds", "binary_fixed_folds", "ternary_mean", "ternary_sd"), 0.5)
    text = markdown({"containment": {**r, "articles": 9, "binary_mean": 0.6, "binary_sd": 0.01}}, "2026-01-01", "cmd")
    assert text.startswith("<!-- meter_ceiling:start -->") and text.rstrip().endswith("<!-- meter_ceiling:end -->")
    assert "| containment | 9 | 0.500 | 0.500 | 0.500 ± 0.500 | 0.600 ± 0.010 |" in text


ANNOTATED = """<meterdocument newspaper="sun" classification="partially-derived">
<body>
<Verbatim PAsource="" >A man who stole </Verbatim>
<Verbatim PAsource="" >a painting </Verbatim>
<Rewrite PAsource="" >was locked up </Rewrite>
<New PAsource="" >
</New>
<New PAsource="" >for what locals called a crime of the decade. </New>
<Verbatim PAsource="" >The judge said the theft had shocked the town.</Verbatim>
</body></meterdocument>
"""


def test_annotated_spans_are_runs_of_one_kind_in_text_order() -> None:
    # Adjacent Verbatim spans join; the empty New span (a bare newline) is dropped and does not split
    # the New run that follows it.
    assert meter_spans(ANNOTATED) == [("Verbatim", 6), ("Rewrite", 3), ("New", 9), ("Verbatim", 9)]
    assert meter_spans("<body>no marks here</body>") == []


def test_span_features_measure_shares_runs_and_long_derived_runs() -> None:
    f = dict(zip(SPAN_FEATURES, span_features(meter_spans(ANNOTATED)), strict=True))
    total = 27
    assert f["verbatim_share"] == pytest.approx(15 / total) and f["rewrite_share"] == pytest.approx(3 / total)
    assert f["new_share"] == pytest.approx(9 / total) and f["new_longest"] == pytest.approx(9 / total)
    assert f["verbatim_longest"] == pytest.approx(9 / total)
    assert f["verbatim_runs"] == pytest.approx(np.log1p(2)) and f["rewrite_runs"] == pytest.approx(np.log1p(1))
    # Only the 9-word verbatim run is long enough to count as a derived run of 8 or more.
    assert f["derived_in_runs_of_8"] == pytest.approx(9 / total)
    assert f["length"] == pytest.approx(np.log1p(total))


def test_a_wholly_copied_article_is_all_verbatim() -> None:
    f = dict(zip(SPAN_FEATURES, span_features([("Verbatim", 40)]), strict=True))
    assert f["verbatim_share"] == f["verbatim_longest"] == f["derived_in_runs_of_8"] == 1.0
    assert f["new_share"] == f["rewrite_share"] == f["new_runs"] == 0.0


def test_the_forest_is_scored_out_of_fold_too() -> None:
    rng = np.random.default_rng(1)
    y = np.array(["wholly", "partially", "non"] * 30)
    groups = np.array([f"story-{i // 3}" for i in range(len(y))])
    # A class told by a step in one feature, which the forest draws.
    x = np.array([[{"wholly": 2, "partially": 1, "non": 0}[c] + rng.uniform(-0.3, 0.3)] for c in y])
    assert min(scores(x, y, groups, 5, None, forest)) > 0.9
    ternary, _ = scores(rng.normal(size=(len(y), 2)), rng.permutation(y), groups, 5, 2, forest)
    assert ternary < 0.6


def test_markdown_names_the_best_binary_on_the_annotated_subset_and_the_shares() -> None:
    row = dict.fromkeys(("ternary_fixed_folds", "ternary_mean", "ternary_sd", "binary_sd"), 0.5)
    results = {
        "lexical; annotated subset": {**row, "articles": 9, "binary_fixed_folds": 0.61, "binary_mean": 0.64},
        "spans; annotated subset": {**row, "articles": 9, "binary_fixed_folds": 0.72, "binary_mean": 0.70},
        "lexical, all": {**row, "articles": 20, "binary_fixed_folds": 0.9, "binary_mean": 0.9},
    }
    shares = {"non": {"Verbatim": 0.24, "Rewrite": 0.133, "New": 0.627}}
    text = markdown(results, "2026-01-01", "cmd", shares)
    assert "above 0.720" in text  # the best of the subset's rows, not the 0.9 of the whole set
    assert "non: 24% verbatim, 13% rewritten, 63% new" in text


def test_span_shares_are_mean_shares_per_class_of_the_labelled_articles() -> None:
    spans = {
        "w1": [("Verbatim", 30), ("Rewrite", 10)],
        "w2": [("Verbatim", 20)],
        "n1": [("New", 30), ("Verbatim", 10)],
        "x": [("New", 5)],  # not labelled: left out
    }
    shares = span_shares(spans, {"w1": "wholly", "w2": "wholly", "n1": "non"})
    assert shares == {
        "non": {"Verbatim": 0.25, "Rewrite": 0.0, "New": 0.75},
        "wholly": {"Verbatim": 0.875, "Rewrite": 0.125, "New": 0.0},
    }
