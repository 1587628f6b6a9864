"""The relation model: its file, its fitting recipe, and the decisions it makes with their reasons."""

from __future__ import annotations

import json
from dataclasses import replace
from importlib import resources
from pathlib import Path

import pytest

from dedup import Article, compare_texts
from dedup.calibration.fit import Row, fit_model, read_rows
from dedup.decide.evidence import Evidence
from dedup.decide.model import FEATURES, MODEL_VERSION, RelationModel, load_model
from dedup.decide.relation import VETOES, classify
from dedup.detector import Detector
from dedup.errors import ConfigError


def test_shipped_model_loads_with_its_provenance() -> None:
    raw = json.loads(resources.files("dedup.calibration").joinpath("model.json").read_text(encoding="utf-8"))
    model = load_model()
    assert model.version == MODEL_VERSION and model.features == FEATURES
    assert "pairs" in model.fitted_on and model.recipe.startswith("python -m")
    assert raw["threshold"] == model.threshold and 0 < model.threshold < 1
    assert set(model.vetoes) == {v.name for v in VETOES}


def test_model_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(load_model().to_json(), encoding="utf-8")
    assert load_model(path) == load_model()


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"version": 3}, "refit"),
        ({"features": ["containment_d", "nonsense"], "mean": [0, 0], "scale": [1, 1], "coef": [1, 1]}, "nonsense"),
        ({"coef": [1.0]}, "one value per feature"),
        ({"threshold": 1.5}, "threshold"),
        ({"vetoes": ["no_evidence", "made_up"]}, "made_up"),
        ({"prose_run": -1}, "prose_run"),
        ({"shiny": 1}, "unknown fields"),
    ],
)
def test_a_bad_model_file_is_refused_naming_the_field(tmp_path: Path, change: dict[str, object], names: str) -> None:
    data = {**json.loads(load_model().to_json()), **change}
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=names):
        load_model(path)


def _evidence(**values: object) -> Evidence:
    base = dict(
        d="b", dated=False, containment_d=0.0, containment_s=0.0, aligned_d=0.0, aligned_s=0.0, retold_d=0.0,
        retold_s=0.0, verbatim_d=0.0, verbatim_s=0.0, matched_d=0.0, matched_s=0.0, added_d=0, added_s=0,
        pairs_low=0.0, longest_run=0, close_sentences=0, copied_figures=0, figures_kept=1.0,
        figures_contained=True, titles_agree=True,
        leads_refilled=False, leads_alike=1.0, form_only=False, tokens_d=200, tokens_s=200, sentences_d=8,
        sentences_s=8,
        hours_apart=None, cosine=0.0,
    )  # fmt: skip
    return Evidence(**{**base, **values})  # type: ignore[arg-type]


def test_probability_rises_with_what_is_shared() -> None:
    model = load_model()
    low = _evidence(containment_d=0.05, aligned_d=0.05, pairs_low=0.05)
    high = _evidence(containment_d=0.9, aligned_d=0.9, pairs_low=0.9)
    assert model.probability(high) > model.probability(low)


def test_every_decision_says_why() -> None:
    model = load_model()
    copied = _evidence(containment_d=0.95, aligned_d=0.95, verbatim_d=0.95, retold_d=1.0, matched_d=1.0,
                       longest_run=150, close_sentences=8)  # fmt: skip
    relation, p, why = classify(copied, model)
    assert relation == "copy" and p >= model.threshold
    assert why[0].startswith("P(related)") and "containment_d" in why[0] and why[1].startswith("copy:")
    relation, _, why = classify(replace(copied, longest_run=0, close_sentences=0), model)
    assert relation is None and why[0].startswith("veto no_evidence")


def test_a_long_verbatim_run_is_never_cancelled_by_a_look_alike_veto() -> None:
    model = load_model()
    refilled = _evidence(containment_d=0.5, aligned_d=0.5, verbatim_d=0.5, leads_refilled=True, figures_kept=0.3,
                         longest_run=model.prose_run - 1, close_sentences=4)  # fmt: skip
    assert classify(refilled, model)[0] is None
    assert classify(replace(refilled, longest_run=model.prose_run), model)[0] is not None


def test_leads_with_other_figures_but_other_words_are_no_refilled_form() -> None:
    model = load_model()
    refilled = _evidence(containment_d=0.5, aligned_d=0.5, verbatim_d=0.5, leads_refilled=True, figures_kept=0.3,
                         longest_run=model.prose_run - 1, close_sentences=4, leads_alike=model.leads_alike)  # fmt: skip
    assert classify(refilled, model)[0] is None
    assert classify(replace(refilled, leads_alike=0.0), model)[0] is not None


# An encyclopedic text and another that repeats one long passage of it word for word, under a
# first sentence that pairs with the first's but gives dates the other lacks.
PASSAGE = (
    "The composer spent his last years at the court in Dresden, where he wrote most of the sacred music "
    "for which he is remembered today, directed the choir of the royal chapel every Sunday, taught a "
    "generation of organists the art of improvising fugues on a given theme, and corresponded with "
    "publishers in Leipzig and Amsterdam about the printing of his collected keyboard works"
)
ENCYCLOPEDIA = (
    f"Johann Weber (1702-1761) was a German composer and organist of the late Baroque. {PASSAGE}. "
    "His son Carl continued the family's musical tradition in Vienna."
)
SCHOOL_ESSAY = (
    f"Johann Weber was a German composer and organist who lived in the eighteenth century. {PASSAGE}. "
    "Many of his manuscripts were lost in a fire in 1945, and only a few works are played today."
)


def test_a_long_passage_copied_verbatim_stays_related_whatever_the_leads_say() -> None:
    decision = compare_texts(Article("encyclopedia", ENCYCLOPEDIA), Article("essay", SCHOOL_ESSAY))
    assert decision is not None and decision.relation in ("partial", "copy")
    assert any(p.kind == "verbatim" and p.a[1] - p.a[0] > 300 for p in decision.evidence)


def test_short_items_whose_figures_contradict_are_unrelated() -> None:
    a = Article("a", "Shares in Acme rose 5 pct to 12 dlrs in early trading on Tuesday.")
    b = Article("b", "Shares in Acme fell 3 pct to 11 dlrs in early trading on Tuesday.")
    assert compare_texts(a, b) is None


def test_a_related_short_item_always_shows_its_evidence() -> None:
    a = Article("a", "The city council approved the new budget for the harbour district on Monday evening.")
    b = Article("b", "The city council approved the new budget for the harbour district on Monday night.")
    decision = compare_texts(a, b)
    assert decision is not None and decision.evidence


def test_without_dates_the_derived_side_is_not_guessed(fiction: list[dict[str, object]]) -> None:
    wire = str(next(a for a in fiction if a["id"] == "wire-storm-01")["text"])
    trimmed = "\n\n".join(wire.split("\n\n")[:5])
    undated = compare_texts(Article("wire", wire), Article("trim", trimmed))
    assert undated is not None and undated.relation == "copy" and undated.derived is None
    dated = compare_texts(Article("wire", wire, published=_at(1)), Article("trim", trimmed, published=_at(5)))
    assert dated is not None and dated.derived == "b"


def _at(hour: int):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime(2026, 3, 2, hour, tzinfo=UTC)


def _rows(n: int) -> list[Row]:
    """Made-up labelled rows: related pairs share much, unrelated ones little (two corpora)."""
    rows = []
    for i in range(n):
        for corpus in ("x", "y"):
            share = 0.2 + 0.7 * (i % 2)
            rows.append(Row(corpus, f"{corpus}{i}", "whole" if i % 2 else "none",
                            _evidence(containment_d=share, aligned_d=share, pairs_low=share, verbatim_d=share,
                                      retold_d=share, longest_run=10, close_sentences=3)))  # fmt: skip
    return rows


def test_the_fitting_recipe_learns_what_separates_the_labels(tmp_path: Path) -> None:
    model = fit_model(_rows(40), RelationModel())
    assert all(c > 0 for c in model.coef)
    related = classify(
        _evidence(containment_d=0.9, aligned_d=0.9, pairs_low=0.9, longest_run=10, close_sentences=3), model
    )
    unrelated = classify(
        _evidence(containment_d=0.2, aligned_d=0.2, pairs_low=0.2, longest_run=10, close_sentences=3), model
    )
    assert related[0] is not None and unrelated[0] is None
    path = tmp_path / "rows.jsonl"
    path.write_text(
        "".join(
            json.dumps({"corpus": r.corpus, "unit": r.unit, "label": r.label, "evidence": r.evidence.as_row()}) + "\n"
            for r in _rows(3)
        )
    )
    assert [r.evidence for r in read_rows(path)] == [Evidence.from_row(r.evidence.as_row()) for r in _rows(3)]


def test_features_rows_carry_the_evidence_and_why(tmp_path: Path) -> None:
    detector = Detector()
    da, db = detector.prepare(Article("a", ENCYCLOPEDIA)), detector.prepare(Article("b", SCHOOL_ESSAY))
    decision, evidence, why = detector.explain(da, db, detector.measure(da, db))
    row = evidence.as_row()
    assert Evidence.from_row(json.loads(json.dumps(row))).longest_run == evidence.longest_run > 30
    assert decision is not None and why.startswith("P(related)")


def test_vetoes_made_before_alignment_decide_as_the_full_measurement(fiction: list[dict[str, object]]) -> None:
    """`Detector.decide` skips sentence alignment when a veto needs none; the decision is the one the
    full measurement gives (short items, forms refilled, other headlines, and stories of the corpus)."""
    detector = Detector()
    notice = "Qtly div {c} cts vs {c} cts prior\n    Pay April {d}\n    Record April 15\n Reuter\n"
    texts = [
        (notice.format(c="12-1/2", d=30), "TRINITY SETS QUARTERLY"),
        (notice.format(c="12-1/2", d=30), "QUAKER SETS QUARTERLY"),
        (notice.format(c="15", d=28), "TRINITY SETS QUARTERLY"),
        *((str(a["text"]), str(a.get("title") or "")) for a in fiction[:12]),
    ]
    docs = [detector.prepare(Article(f"t{i}", t, title=title)) for i, (t, title) in enumerate(texts)]
    screened = 0
    for da in docs:
        for db in docs:
            if da is db:
                continue
            full = detector.explain(da, db, detector.measure(da, db))[0]
            assert detector.decide(da, db) == full
            screened += full is None
    assert screened > 0


def test_a_paragraph_copied_into_a_long_story_is_reuse_whatever_the_shares() -> None:
    model = load_model()
    spliced = _evidence(containment_d=0.05, aligned_d=0.05, verbatim_d=0.05, pairs_low=0.05,
                        longest_run=model.prose_run, close_sentences=3, tokens_d=900, sentences_d=40)  # fmt: skip
    relation, p, why = classify(spliced, model)
    assert p < model.threshold and relation == "partial" and "shared prose" in why[0]
    assert classify(replace(spliced, longest_run=model.prose_run - 1), model)[0] is None
