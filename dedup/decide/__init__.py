"""Decide the one relation of a verified pair from what verification measured."""

from dedup.decide.relation import RELATIONS, Decision, Model, Relation, classify, load_model

__all__ = ["RELATIONS", "Decision", "Model", "Relation", "classify", "load_model"]
