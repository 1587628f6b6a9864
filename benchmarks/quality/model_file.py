"""Writing the shipped model file (`dedup/calibration/model.json`) with the provenance of each fit."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dedup.decide.level import LevelModel
from dedup.decide.relation import Model
from dedup.verify.sentence_pair import SentencePairModel

__all__ = ["MODEL_FILE", "write_level", "write_model", "write_sentence_pair"]

MODEL_FILE = Path(__file__).resolve().parents[2] / "dedup" / "calibration" / "model.json"


def write_model(model: Model, cv: dict[str, Any], command: str) -> None:
    payload = {
        "version": model.version,
        "fitted_on": "METER dev (all labelled newspaper articles) + MRPC train",
        "fitted_at": datetime.now(UTC).date().isoformat(),
        "command": command,
        "cross_validated": {
            "meter_ternary_macro_f1": round(cv["meter"]["ternary_macro_f1"], 4),
            "meter_binary_macro_f1": round(cv["meter"]["binary_macro_f1"], 4),
            "mrpc_f1": round(cv["mrpc"]["f1"], 4),
        },
        "params": dataclasses.asdict(model),
    }
    MODEL_FILE.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def write_sentence_pair(sentence_pair: SentencePairModel, cv: dict[str, Any], folds: int, command: str) -> None:
    """Refit only the sentence-pair regression into the shipped model, keeping its thresholds."""
    payload = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    payload["params"]["sentence_pair"] = dataclasses.asdict(sentence_pair)
    payload["sentence_pair_provenance"] = {
        "fitted_on": sentence_pair.fitted_on,
        "fitted_at": datetime.now(UTC).date().isoformat(),
        "command": command,
        "cross_validated": {"mrpc_f1": round(cv["mrpc"]["f1"], 4), "folds": folds},
        "note": "the thresholds above are kept as they were; only params.sentence_pair was refitted",
    }
    MODEL_FILE.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def write_level(level: LevelModel, cv: dict[str, Any], folds: int, command: str) -> None:
    """Refit only the reuse-level regression into the shipped model, keeping its thresholds."""
    payload = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    payload["version"] = payload["params"]["version"] = Model().version
    payload["params"]["level"] = dataclasses.asdict(level)
    meter = cv["meter"]
    payload["level_provenance"] = {
        "fitted_on": level.fitted_on,
        "fitted_at": datetime.now(UTC).date().isoformat(),
        "command": command,
        "cross_validated": {
            "meter_ternary_macro_f1": round(meter["ternary_macro_f1"], 4),
            "meter_binary_macro_f1": round(meter["binary_macro_f1"], 4),
            "folds": folds,
            "grouped_by": "story (domain/date/catchline)",
        },
        "note": "the thresholds are kept as they were; only params.level was refitted",
    }
    MODEL_FILE.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
