"""The shipped relation model: it loads, says where it came from, and its sentence-pair regression
tells a sentence retold from two sentences that merely share words."""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from pathlib import Path

import pytest

from dedup import Article, compare_texts
from dedup.decide.relation import MODEL_VERSION, classify, features_from_row, load_model
from dedup.detector import Detector
from dedup.errors import ConfigError
from dedup.sketch.idf import IdfTable
from dedup.verify.align import PairFeatures
from dedup.verify.sentence_pair import FEATURES, SentencePairModel

RETOLD = [
    (
        "The company said quarterly profit rose 12 percent to $4.2 billion, beating analysts' forecasts.",
        "Quarterly profit at the company climbed 12 percent to $4.2 billion, ahead of analysts' forecasts, it said.",
    ),
    (
        "Police arrested two men after the robbery at a downtown jewellery store on Friday night.",
        "Two men were arrested by police following Friday night's robbery of a jewellery store downtown.",
    ),
]
UNRELATED = [
    (
        "The storm knocked out power to 40,000 homes in the county, the utility said.",
        "The utility said it would raise electricity prices for homes in the county next year.",
    ),
    (
        "The city council approved the new budget on Tuesday after a long debate.",
        "Officials said the council will hold a public debate on the transport plan next month.",
    ),
]


def _shipped() -> dict[str, object]:
    raw = resources.files("dedup.calibration").joinpath("model.json").read_text(encoding="utf-8")
    data: dict[str, object] = json.loads(raw)
    return data


def _features(detector: Detector, a: str, b: str) -> PairFeatures:
    da, db = detector.prepare(Article("a", a)), detector.prepare(Article("b", b))
    return detector.measure(da, db, IdfTable.from_documents([da, db]))


def test_shipped_model_loads_with_its_provenance() -> None:
    raw = _shipped()
    model = load_model()
    assert model.version == MODEL_VERSION == raw["version"]
    sentences = model.sentence_pair
    assert sentences is not None and set(sentences.features) <= set(FEATURES)
    assert 0.0 < sentences.threshold < 1.0
    provenance = raw["sentence_pair_provenance"]
    assert isinstance(provenance, dict)
    assert "MRPC" in provenance["fitted_on"] and "calibrate" in provenance["command"]
    assert provenance["cross_validated"]["mrpc_f1"] >= 0.83  # the figure it was accepted on, out of fold
    assert model.rewrite_min_cosine <= model.article_rewrite_cosine


def test_model_file_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(load_model().to_json(), encoding="utf-8")
    assert load_model(path) == load_model()


def test_a_model_file_of_another_version_is_refused(tmp_path: Path) -> None:
    data = _shipped()
    data["params"] = {**data["params"], "version": MODEL_VERSION - 1}  # type: ignore[dict-item]
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="version"):
        load_model(path)


@pytest.mark.parametrize(
    "change",
    [{"coef": (1.0,)}, {"features": ("words", "no_such_feature")}, {"threshold": 1.5}, {"scale": (0.0, 1.0)}],
)
def test_sentence_pair_model_is_validated(change: dict[str, object]) -> None:
    good = {
        "features": ("words", "chars"),
        "mean": (0.5, 0.5),
        "scale": (0.2, 0.2),
        "coef": (1.0, 1.0),
        "intercept": 0.0,
        "threshold": 0.5,
    }
    SentencePairModel(**good)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        SentencePairModel(**{**good, **change})  # type: ignore[arg-type]


@pytest.mark.parametrize(("a", "b"), RETOLD)
def test_a_sentence_retold_in_other_words_is_a_rewrite(detector: Detector, a: str, b: str) -> None:
    decision = compare_texts(Article("a", a), Article("b", b), detector)
    assert decision is not None and decision.relation == "rewrite"
    assert decision.derived in ("a", "b") and decision.evidence


@pytest.mark.parametrize(("a", "b"), UNRELATED)
def test_sentences_that_only_share_words_are_unrelated(detector: Detector, a: str, b: str) -> None:
    assert compare_texts(Article("a", a), Article("b", b), detector) is None


def test_other_figures_with_other_actors_are_never_a_retelling(detector: Detector) -> None:
    f = _features(detector, *RETOLD[0])
    assert f.sentence_pair is not None
    assert classify(f, False, model=detector.model) is not None
    look_alike = dataclasses.replace(f.sentence_pair, figures_differ=1.0, names_shared=0.0, named=1.0)
    assert classify(dataclasses.replace(f, sentence_pair=look_alike), False, model=detector.model) is None
    anonymous_form = dataclasses.replace(f.sentence_pair, figures_differ=1.0, named=0.0, form=1.0)
    assert classify(dataclasses.replace(f, sentence_pair=anonymous_form), False, model=detector.model) is None


def test_a_sentence_rewrite_needs_the_rewrite_cosine(detector: Detector) -> None:
    """The scan skips rewrite candidates below `rewrite_min_cosine`; compare must agree with it."""
    f = _features(detector, *RETOLD[1])
    model = detector.model
    assert classify(f, False, model=model).relation == "rewrite"  # type: ignore[union-attr]
    low = dataclasses.replace(f, cosine=model.rewrite_min_cosine - 0.01)
    decision = classify(low, False, model=model)
    assert decision is None or decision.relation != "rewrite"


def test_feature_rows_keep_the_sentence_pair_and_copied_figures(detector: Detector) -> None:
    f = _features(detector, *RETOLD[0])
    row = json.loads(json.dumps(f.as_row()))
    back = features_from_row(row)
    assert back.sentence_pair == f.sentence_pair and back.copied_figures == f.copied_figures
    assert classify(back, False, model=detector.model).relation == "rewrite"  # type: ignore[union-attr]
