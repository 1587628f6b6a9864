"""Decide the one relation of a verified pair from its evidence, and say why."""

from dedup.decide.evidence import Evidence, measure_evidence
from dedup.decide.model import RelationModel, load_model
from dedup.decide.relation import RELATIONS, VETOES, Decision, Relation, decide

__all__ = [
    "RELATIONS",
    "VETOES",
    "Decision",
    "Evidence",
    "Relation",
    "RelationModel",
    "decide",
    "load_model",
    "measure_evidence",
]
