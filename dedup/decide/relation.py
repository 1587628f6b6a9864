"""Decide the one relation between two articles from their measured features.

The decision is a short, readable cascade over a few thresholds (a `Model`), fitted on labelled news
by `python -m benchmarks.quality.calibrate` and shipped as `dedup/calibration/model.json`:

- `exact`: identical after normalization;
- `near_duplicate`: both sides lie (almost) wholly in blocks the other shares, and neither adds
  blocks of its own (a site's header and footer make a `copy`, a few changed words do not);
- `copy`: one side lies wholly in shared blocks (trimmed, wrapped or embedded), or most of `derived`
  is reused with much of it verbatim;
- `rewrite`: most of `derived` retells the other's sentences in new words, with shared facts;
- `partial`: a real part of `derived` is copied or closely reworded, the rest is new (a few lines of
  a table count when they carry their precise figures).

Two single sentences are decided by the model's sentence-pair regression instead (see
`dedup.verify.sentence_pair`): a sentence retold in other words is a `rewrite`. Before the cascade,
two reports poured into one form (another company's dividend, another week's auction) are told from
one story by `dedup.decide.forms`, and are unrelated.

When the model carries a reuse-level regression (`dedup.decide.level`, fitted on METER), it decides
none / partial / whole for article pairs where the rules above would weigh reuse shares (after
`exact`, `near_duplicate` and `copy` of a wholly shared side): `whole` is a `copy` when the derived
side is mostly verbatim (`copy_min_verbatim`) and a `rewrite` otherwise.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, fields
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np

from dedup.decide.forms import formulaic_mismatch
from dedup.decide.level import LevelModel, evidence_features
from dedup.decide.screens import sentence_path
from dedup.errors import ConfigError
from dedup.verify.align import PairFeatures, Passage, SentenceMatch
from dedup.verify.evidence import SideEvidence, side_evidence
from dedup.verify.sentence_pair import SentencePairFeatures, SentencePairModel

__all__ = [
    "RELATIONS",
    "Decision",
    "Model",
    "Relation",
    "classify",
    "derived_evidence",
    "evidence_relation",
    "features_from_row",
    "is_close",
    "is_reworded",
    "load_model",
]

Relation = Literal["exact", "near_duplicate", "copy", "partial", "rewrite"]
RELATIONS: tuple[Relation, ...] = ("exact", "near_duplicate", "copy", "partial", "rewrite")
MODEL_VERSION = 3


@dataclass(frozen=True)
class Model:
    """Thresholds of the relation cascade; every share is of tokens, 0..1."""

    version: int = MODEL_VERSION
    near: float = 0.9
    near_max_added_tokens: int = 5
    full: float = 0.9
    reworded_similarity: float = 0.5
    min_shared_words: int = 3
    whole_reuse: float = 0.6
    partial_reuse: float = 0.15
    copy_min_verbatim: float = 0.35
    rewrite_min_cosine: float = 0.45  # of any rewrite; the scan's candidate stage prunes below it
    article_rewrite_cosine: float = 0.45  # of a rewrite between articles (never below the one above)
    rewrite_min_facts: int = 2
    rewrite_fact_share: float = 0.8
    rewrite_similarity: float = 0.35
    rewrite_min_sentences: int = 2
    rewrite_min_share: float = 0.2
    min_passage_tokens: int = 8
    short_tokens: int = 80
    partial_min_tokens: int = 25
    partial_min_figures: int = 2
    form_figures_kept: float = 0.75
    refill_hours: int = 12  # two articles this far apart are two editions of a form, not one story updated
    sentence_pair: SentencePairModel | None = None
    level: LevelModel | None = None

    def __post_init__(self) -> None:
        if self.version != MODEL_VERSION:
            raise ConfigError(
                f"version: model file is version {self.version}, this build reads {MODEL_VERSION}; "
                "refit it with `python -m benchmarks.quality.calibrate --write` (or set version to "
                f"{MODEL_VERSION} and add a level model with --write-level)"
            )
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("float",) and not 0.0 <= value <= 1.0:
                raise ConfigError(f"{f.name}: must be a share in [0, 1], got {value}")
        if self.min_passage_tokens < 8:
            raise ConfigError("min_passage_tokens: use at least 8; shorter shared runs are wire boilerplate")
        if not isinstance(self.refill_hours, int) or self.refill_hours < 0:
            raise ConfigError(f"refill_hours: must be a whole number of hours, 0 or more, got {self.refill_hours}")
        if self.partial_min_figures < 2:
            raise ConfigError("partial_min_figures: use at least 2; one shared figure is chance")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def load_model(path: Path | None = None) -> Model:
    """Load a model file; None loads the calibrated model shipped with the package."""
    if path is None:
        raw = resources.files("dedup.calibration").joinpath("model.json").read_text(encoding="utf-8")
    else:
        raw = Path(path).read_text(encoding="utf-8")
    data = json.loads(raw)
    params = data.get("params", data)
    known = {f.name for f in fields(Model)}
    unknown = set(params) - known
    if unknown:
        raise ConfigError(f"model file: unknown fields {sorted(unknown)}; refit it with benchmarks.quality.calibrate")
    for name, cls in (("sentence_pair", SentencePairModel), ("level", LevelModel)):
        nested = params.get(name)
        if nested is not None:
            params = {**params, name: _nested(name, cls, nested)}
    return Model(**params)


def _nested(name: str, cls: type[Any], value: Any) -> Any:
    """A nested model of the file, with the field named when it is malformed."""
    if not isinstance(value, dict):
        raise ConfigError(f"{name}: must be an object of fields, got {type(value).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(value) - known)
    missing = sorted(f.name for f in fields(cls) if f.name not in value and f.default is MISSING)
    if unknown or missing:
        raise ConfigError(
            f"{name}: unknown fields {unknown}, missing fields {missing}; refit it with benchmarks.quality.calibrate"
        )
    return cls(**value)


@dataclass(frozen=True)
class Decision:
    """The relation of a pair: `derived` is "a", "b" or None for symmetric relations."""

    relation: Relation
    derived: Literal["a", "b"] | None
    coverage: float
    score: float
    evidence: tuple[Passage, ...]


def features_from_row(row: dict[str, Any]) -> PairFeatures:
    """Rebuild features from a `features.jsonl` row (spans are not kept there; evidence will be empty)."""

    def sentences(rows: list[list[Any]]) -> tuple[SentenceMatch, ...]:
        # Rows written before the counterpart's index was kept have six fields: no counterpart known.
        return tuple(
            SentenceMatch(int(t), v, sim, int(sh), bool(ok), bool(nm), (0, 0), (0, 0), int(rest[0]) if rest else -1)
            for t, v, sim, sh, ok, nm, *rest in rows
        )

    # Fields with defaults may be missing from rows written before they existed.
    plain = {f.name: row[f.name] for f in fields(PairFeatures) if f.name not in _NESTED and f.name in row}
    pair = row.get("sentence_pair")
    return PairFeatures(
        **plain,
        tiles=(),
        sentences_a=sentences(row["sentences_a"]),
        sentences_b=sentences(row["sentences_b"]),
        sentence_pair=SentencePairFeatures(**pair) if pair else None,
    )


_NESTED = ("tiles", "sentences_a", "sentences_b", "sentence_pair")


def is_close(s: SentenceMatch, model: Model) -> bool:
    """A sentence that still pairs with one of the source's: the looser test used for rewrites."""
    return (
        s.similarity >= model.rewrite_similarity
        and s.shared_words >= model.min_shared_words
        and s.numbers_agree
        and s.names_agree
    )


def is_reworded(s: SentenceMatch, model: Model) -> bool:
    return (
        s.verbatim < 0.5
        and s.similarity >= model.reworded_similarity
        and s.shared_words >= model.min_shared_words
        and s.numbers_agree
        and s.names_agree
    )


def reuse_shares(sentences: tuple[SentenceMatch, ...], model: Model) -> tuple[float, float]:
    """(verbatim share, reworded share) of one side's sentence tokens."""
    total = sum(s.tokens for s in sentences)
    if total == 0:
        return 0.0, 0.0
    verbatim = sum(s.tokens * s.verbatim for s in sentences)
    reworded = sum(s.tokens * (1.0 - s.verbatim) for s in sentences if is_reworded(s, model))
    return verbatim / total, reworded / total


def _direction(f: PairFeatures, dates: tuple[datetime | None, datetime | None], model: Model) -> str:
    """The derived side: the later one when both dates are known, else the side more found in the other."""
    da, db = dates
    if da is not None and db is not None and da != db:
        return "a" if da > db else "b"
    ra = sum(reuse_shares(f.sentences_a, model)) + f.matched_a
    rb = sum(reuse_shares(f.sentences_b, model)) + f.matched_b
    if abs(ra - rb) > 1e-9:
        return "a" if ra > rb else "b"
    return "a" if f.a_tokens <= f.b_tokens else "b"


def _evidence(f: PairFeatures, derived: str, model: Model, relation: str) -> tuple[Passage, ...]:
    passages = list(f.tiles)
    if relation != "copy":
        side = f.sentences_a if derived == "a" else f.sentences_b
        for s in side:
            close = relation == "rewrite" and is_close(s, model)
            if s.verbatim < 0.5 and (is_reworded(s, model) or close):
                a, b = (s.span, s.other_span) if derived == "a" else (s.other_span, s.span)
                passages.append(Passage(a, b, "rewritten"))
    return tuple(sorted(passages, key=lambda p: (p.a, p.b)))


def _has_passage(e: SideEvidence, model: Model) -> bool:
    long_tiles = e.longest_tile >= 5 * model.min_passage_tokens
    return long_tiles or any(
        t >= model.min_passage_tokens and (v >= 0.5 or r)
        for t, v, r in zip(e.tokens.tolist(), e.verbatim.tolist(), e.reworded.tolist(), strict=True)
    )


def _derived_shares(e: SideEvidence) -> tuple[float, float]:
    """(verbatim share, reworded share) of the derived side's sentence tokens (as `reuse_shares`)."""
    tokens, verbatim = e.tokens.tolist(), e.verbatim.tolist()
    total = sum(tokens)
    if total == 0:
        return 0.0, 0.0
    copied = sum(t * v for t, v in zip(tokens, verbatim, strict=True))
    reworded = sum(t * (1.0 - v) for t, v, r in zip(tokens, verbatim, e.reworded.tolist(), strict=True) if r)
    return copied / total, reworded / total


def _retold(e: SideEvidence, model: Model) -> float:
    """Share of the derived side retold from the source: 0 unless the whole-text signals of a rewrite hold.

    A rewrite shares the story's facts (figures, dateline) and vocabulary, and some of its sentences
    still pair closely with the source's; independent reports of one event share names and facts but
    no such passages.
    """
    need = min(model.rewrite_min_facts, e.d_facts)
    # A retelling keeps its source's figures; independent reports share a few and add their own.
    kept = e.shared_facts / e.d_facts if e.d_facts else 1.0
    min_cosine = max(model.rewrite_min_cosine, model.article_rewrite_cosine)
    if e.cosine < min_cosine or e.shared_facts < need or kept < model.rewrite_fact_share:
        return 0.0
    total = int(e.tokens.sum())
    share = int(e.tokens[e.close].sum()) / total if total else 0.0
    if int(np.count_nonzero(e.close)) < model.rewrite_min_sentences or share < model.rewrite_min_share:
        return 0.0
    return share


def _reuse_relation(e: SideEvidence, model: Model) -> tuple[Relation, float] | None:
    """copy, rewrite or partial from sentence-level reuse of the derived side."""
    verbatim, reworded = _derived_shares(e)
    reuse = verbatim + reworded
    if reuse >= model.whole_reuse and verbatim >= model.copy_min_verbatim:
        return "copy", reuse
    if verbatim < model.copy_min_verbatim:
        retold = _retold(e, model)
        if retold > 0.0:
            return "rewrite", max(reuse, retold)
    # A paragraph copied verbatim is reuse however long the article around it is.
    copied_tokens = e.copied_tokens()
    if (reuse >= model.partial_reuse and _has_passage(e, model)) or copied_tokens >= model.partial_min_tokens:
        return "partial", reuse
    # So are a few lines of a table copied with their figures: a form filled in again changes them.
    if e.copied_figures >= model.partial_min_figures and copied_tokens >= model.min_passage_tokens:
        return "partial", reuse
    return None


def _level_relation(e: SideEvidence, model: Model, level: LevelModel) -> tuple[Relation, float] | None:
    """copy, rewrite or partial from the reuse-level regression: `whole` is a copy when the derived
    side is mostly verbatim, else a rewrite. A retelling the rewrite rule finds stays a rewrite."""
    x = evidence_features(e)
    if x.sentence_verbatim < model.copy_min_verbatim and (retold := _retold(e, model)) > 0.0:
        return "rewrite", max(x.sentence_verbatim + x.reworded, retold)
    decided, _ = level.decide(x)
    if decided == "none":
        return None
    reuse = x.sentence_verbatim + x.reworded
    if decided == "partial":
        return "partial", reuse
    if x.sentence_verbatim >= model.copy_min_verbatim:
        return "copy", reuse
    return "rewrite", max(reuse, x.close)


def evidence_relation(e: SideEvidence, model: Model, use_level: bool) -> tuple[Relation, float] | None:
    """copy, rewrite or partial (with the share of the derived side reused) from what one source, or
    several merged, account for of it: by the level regression when `use_level` and the model has
    one, else by the cascade's reuse rules."""
    if use_level and model.level is not None:
        return _level_relation(e, model, model.level)
    return _reuse_relation(e, model)


def derived_evidence(f: PairFeatures, derived: str, model: Model) -> SideEvidence:
    """The pair's evidence for its `derived` side, under the model's sentence tests."""
    return side_evidence(f, derived, lambda s: is_reworded(s, model), lambda s: is_close(s, model))


def classify(
    f: PairFeatures,
    exact: bool,
    dates: tuple[datetime | None, datetime | None] = (None, None),
    model: Model | None = None,
) -> Decision | None:
    """The relation between a and b, or None when they are unrelated."""
    model = model or Model()
    if exact:
        return Decision("exact", None, 1.0, 1.0, f.tiles)
    sentences = model.sentence_pair
    s = f.sentence_pair
    # Two sentences have their own look-alike rule (`SentencePairModel.different_news`).
    if sentences is not None and s is not None and sentence_path(f.a_tokens, f.b_tokens, True, model):
        return _sentence_pair(f, s, dates, model, sentences)
    if f.template or formulaic_mismatch(f, model, dates):
        return None
    return _cascade(f, dates, model)


def _sentence_pair(
    f: PairFeatures,
    s: SentencePairFeatures,
    dates: tuple[datetime | None, datetime | None],
    model: Model,
    sentences: SentencePairModel,
) -> Decision | None:
    """Two single sentences: related when the regression says one retells the other.

    Copied or lightly edited sentences keep the cascade's relation; a sentence retold in new words is
    a rewrite, which needs the whole-text cosine every rewrite needs (else the cascade's verdict).
    """
    if not f.titles_agree or sentences.different_news(s):
        return None
    p = sentences.probability(s)
    if p < sentences.threshold:
        return None
    found = _cascade(f, dates, model)
    if (found is not None and found.relation in ("near_duplicate", "copy")) or f.cosine < model.rewrite_min_cosine:
        return found
    derived = _direction(f, dates, model)
    side = f.sentences_a if derived == "a" else f.sentences_b
    retold = tuple(Passage(m.span, m.other_span, "rewritten") for m in side if m.other_index >= 0)
    if derived == "b":
        retold = tuple(Passage(r.b, r.a, r.kind) for r in retold)
    evidence = tuple(sorted((*f.tiles, *retold), key=lambda x: (x.a, x.b)))
    return Decision("rewrite", derived, 1.0, p, evidence)  # type: ignore[arg-type]


def _cascade(f: PairFeatures, dates: tuple[datetime | None, datetime | None], model: Model) -> Decision | None:
    """The article cascade: near_duplicate, copy, rewrite or partial from passages and sentences."""
    small_additions = max(f.added_a, f.added_b) <= model.near_max_added_tokens
    if f.matched_a >= model.near and f.matched_b >= model.near and small_additions:
        return Decision("near_duplicate", None, f.verbatim_a, min(f.verbatim_a, f.verbatim_b), f.tiles)
    derived = _direction(f, dates, model)
    matched_d = f.matched_a if derived == "a" else f.matched_b
    verbatim_d = f.verbatim_a if derived == "a" else f.verbatim_b
    if max(f.matched_a, f.matched_b) >= model.full:
        return Decision("copy", derived, verbatim_d, max(f.matched_a, f.matched_b), f.tiles)  # type: ignore[arg-type]
    use_level = model.level is not None and model.level.applies(f)
    found = evidence_relation(derived_evidence(f, derived, model), model, use_level)
    if found is None:
        return None
    relation, reuse = found
    evidence = _evidence(f, derived, model, relation)
    return Decision(relation, derived, min(1.0, reuse), max(reuse, matched_d), evidence)  # type: ignore[arg-type]
