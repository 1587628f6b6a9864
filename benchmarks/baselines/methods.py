"""Baselines measured on the same data as the detector.

(a) naive datasketch: document MinHash over word 5-grams, 128 perms, MinHashLSH(threshold=0.5);
(b) word n-gram containment / overlap with thresholds fit on training folds (METER paper's method);
(c) SimHash (PyPI `simhash`): related when `distance <= k`, k fit on training folds;
(d) text-dedup's MinHash script, run in a subprocess when the package can be imported.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from datasketch import MinHash, MinHashLSH
from scipy import sparse
from simhash import Simhash, SimhashIndex
from sklearn.model_selection import GroupKFold

__all__ = [
    "cluster_pairs",
    "components",
    "containment",
    "containment_pairs",
    "cv_predict",
    "fit_one_threshold",
    "fit_two_thresholds",
    "minhash_lsh_pairs",
    "minhash_signatures",
    "ngrams",
    "simhash_pairs",
    "simhash_values",
    "text_dedup_clusters",
    "text_dedup_env",
    "words",
]

PairKey = frozenset[str]
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return _WORD.findall(text.lower())


def ngrams(text: str, n: int) -> set[str]:
    """Set of word n-grams joined by spaces."""
    toks = words(text)
    return {" ".join(toks[i : i + n]) for i in range(len(toks) - n + 1)}


def containment(part: set[str], whole: set[str]) -> float:
    """|part & whole| / |part| (0 for an empty part)."""
    return len(part & whole) / len(part) if part else 0.0


# (a) naive datasketch MinHash + LSH ---------------------------------------------------------------


def minhash_signatures(texts: Mapping[str, str], k: int = 5, num_perm: int = 128) -> dict[str, MinHash]:
    """Document MinHash over word k-grams with datasketch defaults; texts shorter than k are skipped."""
    ids = [i for i, t in texts.items() if len(words(t)) >= k]
    grams = [[g.encode("utf-8") for g in ngrams(texts[i], k)] for i in ids]
    return dict(zip(ids, MinHash.bulk(grams, num_perm=num_perm), strict=True))


def minhash_lsh_pairs(sigs: Mapping[str, MinHash], threshold: float = 0.5, num_perm: int = 128) -> dict[PairKey, float]:
    """All LSH candidate pairs with their estimated Jaccard."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    for key, sig in sigs.items():
        lsh.insert(key, sig)
    pairs: dict[PairKey, float] = {}
    for key, sig in sigs.items():
        for other in lsh.query(sig):
            if other != key:
                pairs.setdefault(frozenset((key, other)), float(sig.jaccard(sigs[other])))
    return pairs


# (c) SimHash --------------------------------------------------------------------------------------


def simhash_values(texts: Mapping[str, str], n: int = 3) -> dict[str, Simhash]:
    """64-bit SimHash of each text over its word n-grams (unigrams when shorter)."""
    out = {}
    for key, text in texts.items():
        feats = sorted(ngrams(text, n)) or words(text) or [""]
        out[key] = Simhash(feats)
    return out


def simhash_pairs(values: Mapping[str, Simhash], k: int) -> dict[PairKey, int]:
    """Pairs within Hamming distance k, found with SimhashIndex (k + 1 permuted tables)."""
    index = SimhashIndex(list(values.items()), k=k)
    pairs: dict[PairKey, int] = {}
    for key, value in values.items():
        for other in index.get_near_dups(value):
            if other != key:
                pairs.setdefault(frozenset((key, other)), value.distance(values[other]))
    return pairs


# (b) threshold fitting shared by containment and SimHash -----------------------------------------


def fit_one_threshold(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Threshold t (predict 1 when score >= t) maximizing F1 of the positive class."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    if not len(s) or not y.any():
        return float("inf")
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last = np.r_[s[1:] != s[:-1], True]  # cut after the last copy of each distinct score
    tp = np.cumsum(y)[last]
    n_pred = (np.arange(1, len(s) + 1))[last]
    f1 = 2 * tp / (n_pred + y.sum())
    return float(s[last][int(np.argmax(f1))])


def containment_pairs(
    texts: Mapping[str, str], n: int = 3, threshold: float = 0.5, max_df: int | None = None
) -> dict[PairKey, float]:
    """Pairs whose word n-gram containment (larger direction) is >= threshold.

    Candidates share at least one n-gram occurring in at most `max_df` documents (all n-grams when
    None), found by a sparse matrix product; containment is then computed exactly.
    """
    ids = list(texts)
    sets = [ngrams(texts[i], n) for i in ids]
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for r, grams in enumerate(sets):
        for g in grams:
            rows.append(r)
            cols.append(vocab.setdefault(g, len(vocab)))
    x = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(ids), len(vocab)))
    rare = x
    if max_df is not None:
        df = np.asarray(x.sum(axis=0)).ravel()
        rare = x[:, np.flatnonzero(df <= max_df)]
    cand = sparse.triu(rare @ rare.T, k=1).tocoo()
    size = np.asarray(x.sum(axis=1)).ravel()
    common = np.empty(cand.nnz)
    for start in range(0, cand.nnz, 200_000):
        i, j = cand.row[start : start + 200_000], cand.col[start : start + 200_000]
        common[start : start + 200_000] = np.asarray(x[i].multiply(x[j]).sum(axis=1)).ravel()
    score = common / np.maximum(1, np.minimum(size[cand.row], size[cand.col]))
    keep = np.flatnonzero(score >= threshold)
    return {frozenset((ids[cand.row[k]], ids[cand.col[k]])): float(score[k]) for k in keep}


def _macro_f1_3(pred: np.ndarray, gold: np.ndarray) -> float:
    f1s = []
    for c in range(3):
        tp = np.sum((pred == c) & (gold == c))
        denom = np.sum(pred == c) + np.sum(gold == c)
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s))


def fit_two_thresholds(
    scores: Sequence[float], gold: Sequence[str], grid: Sequence[float] | None = None
) -> tuple[float, float]:
    """(t_partially, t_wholly), t_p <= t_w, maximizing ternary macro-F1 (wholly >= t_w > partially >= t_p)."""
    s = np.asarray(scores, dtype=float)
    code = {"wholly": 0, "partially": 1, "non": 2}
    g = np.asarray([code[x] for x in gold])
    grid_arr = np.unique(np.asarray(grid if grid is not None else np.round(np.linspace(0, 1, 101), 2)))
    best, best_f = (float(grid_arr[0]), float(grid_arr[-1])), -1.0
    for i, t_p in enumerate(grid_arr):
        for t_w in grid_arr[i:]:
            pred = np.where(s >= t_w, 0, np.where(s >= t_p, 1, 2))
            f = _macro_f1_3(pred, g)
            if f > best_f:
                best, best_f = (float(t_p), float(t_w)), f
    return best


def _ternary(score: float, thresholds: tuple[float, float]) -> str:
    t_p, t_w = thresholds
    return "wholly" if score >= t_w else "partially" if score >= t_p else "non"


def cv_predict(
    ids: Sequence[str],
    scores: Sequence[float],
    gold: Sequence[Any],
    groups: Sequence[str],
    folds: int,
    ternary: bool,
    grid: Sequence[float] | None = None,
) -> tuple[dict[str, Any], list[Any]]:
    """Predictions for every id from thresholds fit on the other folds (GroupKFold by `groups`).

    Ternary fits (t_partially, t_wholly) over `grid` (default: the training scores).
    """
    s = np.asarray(scores, dtype=float)
    preds: dict[str, Any] = {}
    fitted: list[Any] = []
    n_splits = min(folds, len(set(groups)))
    for train, test in GroupKFold(n_splits=n_splits).split(s, groups=list(groups)):
        if ternary:
            pair = fit_two_thresholds(s[train], [gold[i] for i in train], grid if grid is not None else s[train])
            preds.update({ids[i]: _ternary(float(s[i]), pair) for i in test})
            fitted.append(pair)
        else:
            one = fit_one_threshold(s[train], [int(gold[i]) for i in train])
            preds.update({ids[i]: int(s[i] >= one) for i in test})
            fitted.append(one)
    return preds, fitted


# (d) text-dedup ------------------------------------------------------------------------------------

_TEXT_DEDUP_RUNNER = r"""
import json, pickle, sys, uuid
import datasets, datasets.fingerprint as fp
# datasets' cache fingerprinting cannot pickle pyarrow's MonthDayNano here; it only names cache
# files, so replace it with random fingerprints (the dedup logic itself is untouched).
fp.Hasher.hash = classmethod(lambda cls, value: uuid.uuid4().hex)
from text_dedup import minhash
src, work, threshold = sys.argv[1], sys.argv[2], sys.argv[3]
rows = [json.loads(line) for line in open(src, encoding="utf-8")]
datasets.Dataset.from_list(rows).save_to_disk(work + "/in")
minhash.main(["--path", work + "/in", "--local", "--output", work + "/out", "--column", "text",
              "--idx_column", "id", "--debug", "--threshold", threshold, "--num_proc", "1",
              "--cache_dir", work + "/cache"], standalone_mode=False)
uf = pickle.load(open(work + "/out/uf.pkl", "rb"))
groups = {}
for x in list(uf.parent):
    groups.setdefault(uf.find(x), []).append(x)
json.dump([g for g in groups.values() if len(g) > 1], open(work + "/clusters.json", "w"))
"""


def text_dedup_env(site: str | Path | None = None) -> dict[str, str] | None:
    """Environment in which `import text_dedup` works (site = an isolated `pip --target` dir), or None."""
    env = dict(os.environ)
    if site:
        env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    probe = subprocess.run(
        [sys.executable, "-c", "import text_dedup.minhash"],
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    return env if probe.returncode == 0 else None


def text_dedup_clusters(
    texts: Mapping[str, str], env: Mapping[str, str], threshold: float = 0.7, timeout: int = 3600
) -> list[list[str]]:
    """Clusters (2+ members) found by text-dedup's MinHash script with its defaults (5-grams, 250 perms)."""
    with tempfile.TemporaryDirectory(prefix="textdedup-") as work:
        src = Path(work) / "docs.jsonl"
        src.write_bytes(b"\n".join(orjson.dumps({"id": k, "text": v}) for k, v in texts.items()) + b"\n")
        proc = subprocess.run(
            [sys.executable, "-c", _TEXT_DEDUP_RUNNER, str(src), work, str(threshold)],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"text-dedup failed: {proc.stderr[-2000:]}")
        return [list(map(str, c)) for c in orjson.loads((Path(work) / "clusters.json").read_bytes())]


def cluster_pairs(clusters: Sequence[Sequence[str]]) -> set[PairKey]:
    """All unordered pairs inside each cluster."""
    return {frozenset(p) for c in clusters for p in itertools.combinations(c, 2)}


def components(pairs: Sequence[PairKey] | set[PairKey] | Mapping[PairKey, Any]) -> list[list[str]]:
    """Connected components (2+ members) of a pair graph (baselines have no clusters of their own)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        a, b = sorted(pair)
        parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for x in parent:
        groups.setdefault(find(x), []).append(x)
    return [sorted(g) for g in groups.values() if len(g) > 1]
