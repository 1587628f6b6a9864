"""The METER ceiling benchmark's measurements and classifier, on texts and data made here."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from benchmarks.meter_ceiling import LEXICAL, features, markdown, scores

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
    text = markdown({"containment": {**r, "binary_mean": 0.6, "binary_sd": 0.01}}, "2026-01-01", "cmd")
    assert text.startswith("<!-- meter_ceiling:start -->") and text.rstrip().endswith("<!-- meter_ceiling:end -->")
    assert "| containment | 0.500 | 0.500 | 0.500 ± 0.500 | 0.600 ± 0.010 |" in text
