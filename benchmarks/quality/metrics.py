"""Scoring: per-relation P/R/F1 on unordered pairs, ARI on clusters, METER ternary/binary figures."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sklearn.metrics import adjusted_rand_score, precision_recall_fscore_support

__all__ = [
    "METER_BINARY",
    "METER_TERNARY",
    "ari",
    "binary_prf",
    "meter_scores",
    "pair_key",
    "relation_prf",
    "to_binary",
]

PairKey = frozenset[str]
METER_TERNARY = ("wholly", "partially", "non")
METER_BINARY = ("derived", "non")


def pair_key(a: str, b: str) -> PairKey:
    """Unordered pair key."""
    return frozenset((a, b))


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "support": tp + fn,
    }


def relation_prf(
    predicted: Mapping[PairKey, str],
    truth: Mapping[PairKey, str],
    unscored: Iterable[PairKey] = (),
    relations: Sequence[str] | None = None,
) -> dict[str, Any]:
    """P/R/F1 per relation, macro-F1 over relations with support, and 'any relation' detection.

    A predicted pair counts for its predicted relation: a true positive if the truth has the same
    relation, else a false positive (and a false negative for the true relation, if any).
    Predicted pairs in `unscored` that the truth does not label are ignored.
    """
    skip = set(unscored) - set(truth)
    pred = {k: v for k, v in predicted.items() if k not in skip}
    labels = list(relations) if relations is not None else sorted(set(truth.values()) | set(pred.values()))
    per: dict[str, dict[str, float]] = {}
    for rel in labels:
        tp = sum(1 for k, v in pred.items() if v == rel and truth.get(k) == rel)
        fp = sum(1 for k, v in pred.items() if v == rel and truth.get(k) != rel)
        fn = sum(1 for k, v in truth.items() if v == rel and pred.get(k) != rel)
        per[rel] = _prf(tp, fp, fn)
    supported = [per[r]["f1"] for r in labels if per[r]["support"] > 0]
    found = sum(1 for k in pred if k in truth)
    return {
        "per_relation": per,
        "macro_f1": sum(supported) / len(supported) if supported else 0.0,
        "any_relation": _prf(found, len(pred) - found, len(truth) - found),
    }


def ari(clusters: Iterable[Sequence[str]], truth: Mapping[str, str]) -> float:
    """Adjusted Rand index over the ids of `truth`; ids in no predicted cluster are singletons."""
    label: dict[str, str] = {}
    for n, members in enumerate(clusters):
        for member in members:
            label.setdefault(member, f"c{n}")
    ids = sorted(truth)
    predicted = [label.get(i, f"single:{i}") for i in ids]
    return float(adjusted_rand_score([truth[i] for i in ids], predicted))


def to_binary(cls: str) -> str:
    """METER wholly/partially -> derived."""
    return "non" if cls == "non" else "derived"


def _class_table(gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]) -> dict[str, Any]:
    p, r, f, s = precision_recall_fscore_support(gold, pred, labels=list(labels), zero_division=0)
    per = {
        lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, lab in enumerate(labels)
    }
    correct = sum(1 for g, q in zip(gold, pred, strict=True) if g == q)
    return {
        "per_class": per,
        "macro_f1": float(sum(f) / len(labels)),
        "accuracy": correct / len(gold) if gold else 0.0,
        "n": len(gold),
    }


def meter_scores(predicted: Mapping[str, str], gold: Mapping[str, str]) -> dict[str, Any]:
    """Ternary (wholly/partially/non) and binary (derived/non) macro-F1 and per-class P/R/F1.

    Articles of `gold` missing from `predicted` count as 'non'.
    """
    ids = sorted(gold)
    g3 = [gold[i] for i in ids]
    p3 = [predicted.get(i, "non") for i in ids]
    return {
        "ternary": _class_table(g3, p3, METER_TERNARY),
        "binary": _class_table([to_binary(x) for x in g3], [to_binary(x) for x in p3], METER_BINARY),
    }


def binary_prf(gold: Sequence[int | bool], pred: Sequence[int | bool]) -> dict[str, float]:
    """P/R/F1 of the positive class plus accuracy (MRPC: positive = paraphrase / related)."""
    tp = sum(1 for g, p in zip(gold, pred, strict=True) if g and p)
    fp = sum(1 for g, p in zip(gold, pred, strict=True) if p and not g)
    fn = sum(1 for g, p in zip(gold, pred, strict=True) if g and not p)
    out = _prf(tp, fp, fn)
    out["accuracy"] = sum(1 for g, p in zip(gold, pred, strict=True) if bool(g) == bool(p)) / max(1, len(gold))
    return out
