"""The reuse-level regression: it loads and validates, decides whole for a copied story and none for
an unrelated one, and a malformed model file fails naming the field to fix."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from dedup import Article
from dedup.decide.level import FEATURES, LEVELS, LevelFeatures, LevelModel, level_features
from dedup.decide.relation import MODEL_VERSION, Model, classify, is_close, is_reworded, load_model
from dedup.detector import Detector
from dedup.errors import ConfigError
from dedup.sketch.idf import IdfTable
from dedup.verify.align import PairFeatures

USED = ("sentence_verbatim", "reworded", "close", "cosine")
# A hand-set model, so these tests claim the mechanics and not one fit: `partial` wins for some
# reuse, `whole` for most of the derived side reused, `none` for nothing shared.
LEVEL: dict[str, Any] = {
    "features": list(USED),
    "mean": [0.0, 0.0, 0.0, 0.0],
    "scale": [1.0, 1.0, 1.0, 1.0],
    "coef": [[0.0, 0.0, 0.0, 0.0], [8.0, 8.0, 0.0, 0.0], [16.0, 16.0, 4.0, 0.0]],
    "intercept": [0.0, -1.5, -9.0],
}


def _by_id(fiction: list[dict[str, Any]], rid: str) -> str:
    return str(next(a for a in fiction if a["id"] == rid)["text"])


def _measure(detector: Detector, a: str, b: str) -> PairFeatures:
    da, db = detector.prepare(Article("a", a)), detector.prepare(Article("b", b))
    return detector.measure(da, db, IdfTable.from_documents([da, db]))


def _model() -> Model:
    return dataclasses.replace(load_model(), level=LevelModel(**LEVEL))


def _level(f: PairFeatures, model: Model, derived: str = "b") -> str:
    assert model.level is not None
    x = level_features(f, derived, lambda s: is_reworded(s, model), lambda s: is_close(s, model))
    return model.level.decide(x)[0]


def _write(tmp_path: Path, params: dict[str, Any], version: int = MODEL_VERSION) -> Path:
    path = tmp_path / "model.json"
    path.write_text(json.dumps({"version": version, "params": {**params, "version": version}}), encoding="utf-8")
    return path


def test_shipped_model_loads_and_its_level_model_if_any_is_valid() -> None:
    model = load_model()
    assert model.version == MODEL_VERSION == 3
    if model.level is not None:
        assert set(model.level.features) <= set(FEATURES)
        assert len(model.level.coef) == len(LEVELS) == len(model.level.intercept)


def test_level_model_round_trips_through_a_model_file(tmp_path: Path) -> None:
    model = _model()
    loaded = load_model(_write(tmp_path, json.loads(model.to_json())))
    assert loaded.level == model.level


def test_probabilities_sum_to_one_and_nothing_shared_is_none() -> None:
    x = LevelFeatures(**dict.fromkeys(FEATURES, 0.0))
    p = LevelModel(**LEVEL).probabilities(x)
    assert len(p) == 3 and abs(sum(p) - 1.0) < 1e-9
    assert LevelModel(**LEVEL).decide(x)[0] == "none"


def test_wholly_copied_story_decides_whole(detector: Detector, fiction: list[dict[str, Any]]) -> None:
    wire = _by_id(fiction, "wire-storm-01")
    paragraphs = [p for p in wire.split("\n\n") if p.strip()]
    edited = "\n\n".join(paragraphs[:-1]).replace("said", "told reporters", 2)  # trimmed, lightly edited
    assert _level(_measure(detector, wire, edited), _model()) == "whole"


def test_unrelated_stories_decide_none_and_stay_unrelated(detector: Detector, fiction: list[dict[str, Any]]) -> None:
    f = _measure(detector, _by_id(fiction, "wire-storm-01"), _by_id(fiction, "wire-court-01"))
    assert _level(f, _model()) == "none"
    assert classify(f, False, model=_model()) is None


def test_whole_retelling_in_new_words_is_a_rewrite(detector: Detector, fiction: list[dict[str, Any]]) -> None:
    f = _measure(detector, _by_id(fiction, "wire-court-01"), _by_id(fiction, "rewrite-court-01"))
    decision = classify(f, False, model=_model())
    assert decision is not None and decision.relation == "rewrite" and decision.derived == "b"


def test_two_sentences_are_left_to_the_sentence_pair_rules(detector: Detector) -> None:
    f = _measure(
        detector,
        "Police arrested two men after the robbery at a downtown jewellery store on Friday night.",
        "Two men were arrested by police following Friday night's robbery of a jewellery store downtown.",
    )
    model = _model()
    assert model.level is not None and not model.level.applies(f)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"coef": LEVEL["coef"][:2]}, "level.coef"),
        ({"features": ["verbatim", "no_such_feature", "close", "cosine"]}, "level.features"),
        ({"scale": [1.0, 0.0, 1.0, 1.0]}, "level.scale"),
        ({"mean": [0.0, 0.0]}, "level.mean"),
        ({"intercept": [0.0, 1.0]}, "level.intercept"),
        ({"min_cosine": 1.5}, "level.min_cosine"),
        ({"coef": "not a list"}, "level.coef"),
    ],
)
def test_malformed_level_model_names_the_field(tmp_path: Path, change: dict[str, Any], field: str) -> None:
    params = json.loads(_model().to_json())
    params["level"] = {**params["level"], **change}
    with pytest.raises(ConfigError, match=field.replace(".", r"\.")):
        load_model(_write(tmp_path, params))


def test_level_model_missing_a_field_names_it(tmp_path: Path) -> None:
    params = json.loads(_model().to_json())
    del params["level"]["intercept"]
    with pytest.raises(ConfigError, match=r"level: .*missing fields \['intercept'\]"):
        load_model(_write(tmp_path, params))


def test_model_file_of_an_older_version_says_how_to_refit(tmp_path: Path) -> None:
    params = json.loads(load_model().to_json())
    with pytest.raises(ConfigError, match=r"version: model file is version 2, this build reads 3; refit"):
        load_model(_write(tmp_path, params, version=2))
