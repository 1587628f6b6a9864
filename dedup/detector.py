"""The detector: configuration, hashers and the relation model, shared by scan, compare and the index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dedup.article import Article
from dedup.config import DetectorConfig
from dedup.decide.evidence import Evidence, measure_evidence
from dedup.decide.model import RelationModel, load_model
from dedup.decide.relation import Decision, classify, decide, is_form_frame, is_refilled_lead, is_short_other_news
from dedup.prepare.document import Document, prepare, prepare_many
from dedup.sketch.idf import IdfTable
from dedup.sketch.lsh import lsh_params
from dedup.sketch.minhash import MinHasher
from dedup.sketch.shingle import TokenHasher, kgram_multipliers
from dedup.verify.align import (
    PairFeatures,
    Passage,
    compare_documents,
    figures_kept,
    lead_words_shared,
    leads_swapped,
    numbers_contained,
    titles_agree,
)
from dedup.verify.tiling import Tiling, tile_documents

__all__ = ["Detector", "is_exact", "relation_record"]


class Detector:
    """Prepares articles and decides the relation between two of them.

    A decision depends on the two articles alone: words are weighed alike (no corpus statistics), so
    a scan, the streaming index and `dedup compare` decide one pair the same way.
    """

    def __init__(self, config: DetectorConfig | None = None, model: RelationModel | None = None) -> None:
        self.config = config or DetectorConfig()
        self.model = model or load_model(self.config.model_path)
        self.hasher = TokenHasher(self.config.shingle)
        self.minhasher = MinHasher(self.config.signature)
        num_perm, lsh = self.config.signature.num_perm, self.config.lsh
        self.block_bands = lsh_params(lsh.block_threshold, num_perm, lsh.false_negative_weight)
        self.doc_bands = lsh_params(lsh.doc_threshold, num_perm, lsh.false_negative_weight)
        self.topic_bands = lsh_params(lsh.rewrite_threshold, num_perm, lsh.false_negative_weight)
        # Relations further apart than the clusters' window join them only as one story (`joins_story`).
        self._window = 24.0 * self.config.cluster_window_days
        # The shared-run path's word n-grams, hashed apart from the shingles (another seed).
        self.run_multipliers = kgram_multipliers(lsh.run_tokens, self.config.shingle.seed + 0x52554E)
        # Uniform word weights (a table that is never counted): what makes decisions pair-local.
        self.weights = IdfTable()

    def prepare(self, article: Article) -> Document:
        return prepare(article, self.config, self.hasher)

    def prepare_many(self, articles: Sequence[Article]) -> list[Document]:
        """`prepare` of each article, their tokens hashed together (see `dedup.prepare.document.prepare_many`)."""
        return prepare_many(articles, self.config, self.hasher)

    def measure(self, da: Document, db: Document) -> PairFeatures:
        """Exact features of a candidate pair (see `dedup.verify.align`)."""
        return compare_documents(da, db, self.weights)

    def evidence(self, da: Document, db: Document, features: PairFeatures) -> Evidence:
        return measure_evidence(features, _dates(da, db))

    def decide(self, da: Document, db: Document, features: PairFeatures | None = None) -> Decision | None:
        """Verify a candidate pair and decide its relation (None when unrelated)."""
        if features is None:
            screened = self.screen(da, db)
            return self.decide_tiled(da, db, screened) if isinstance(screened, Tiling) else screened
        if da.n_tokens == 0 or db.n_tokens == 0:
            return None
        return self.exact(da, db) or decide(
            features, measure_evidence(features, _dates(da, db)), self.model, self._window
        )

    def screen(self, da: Document, db: Document) -> Decision | Tiling | None:
        """The first part of `decide`: the decision where it needs no sentence alignment (an empty
        side, an exact pair, a veto on the tiles), else the pair's tiling for `decide_tiled`."""
        if da.n_tokens == 0 or db.n_tokens == 0:
            return None
        exact = self.exact(da, db)
        if exact is not None:
            return exact
        tiling = tile_documents(da, db)
        return None if self._vetoed_by_tiles(da, db, tiling) else tiling

    def decide_tiled(self, da: Document, db: Document, tiling: Tiling) -> Decision | None:
        """The rest of `decide`, for a pair `screen` left to align."""
        features = compare_documents(da, db, self.weights, tiling)
        return decide(features, measure_evidence(features, _dates(da, db)), self.model, self._window)

    def exact(self, da: Document, db: Document) -> Decision | None:
        """`exact` when the two are identical after normalization (short items: and their headlines agree)."""
        short = da.n_tokens < self.model.short_tokens
        if not is_exact(da, db) or (short and not titles_agree(da.article.title, db.article.title)):
            return None
        span_a, span_b = da.span_of_tokens(0, da.n_tokens), db.span_of_tokens(0, db.n_tokens)
        why = ("exact: identical after normalization",)
        return Decision("exact", None, 1.0, 1.0, (Passage(span_a, span_b, "verbatim"),), why)

    def explain(self, da: Document, db: Document, features: PairFeatures) -> tuple[Decision | None, Evidence, str]:
        """The decision with its evidence, and why in words (also for unrelated pairs)."""
        e = measure_evidence(features, _dates(da, db))
        decision = self.exact(da, db) or decide(features, e, self.model, self._window)
        return decision, e, "; ".join(decision.why if decision else classify(e, self.model)[2])

    def _vetoed_by_tiles(self, da: Document, db: Document, tiling: Tiling) -> bool:
        """Whether a veto that needs no sentence alignment fires (`short_other_news`, `form_only`,
        `refilled_lead`): the same tests on the same measures, made before the costly part."""
        vetoes, model = self.model.vetoes, self.model
        longest = max((hi - lo for lo, hi, _, _ in tiling.tiles), default=0)
        fewest = min(len(da.sentence_bounds), len(db.sentence_bounds))
        if "short_other_news" in vetoes and max(da.n_tokens, db.n_tokens) < model.short_tokens:
            agree = titles_agree(da.article.title, db.article.title)
            if is_short_other_news(
                max(da.n_tokens, db.n_tokens), agree and numbers_contained(da, db), agree, longest, model
            ):
                return True
        if "form_only" in vetoes and is_form_frame(tiling.template, fewest):
            return True
        if "refilled_lead" not in vetoes or fewest < 2 or longest >= model.prose_run or not leads_swapped(da, db):
            return False
        return is_refilled_lead(True, lead_words_shared(da, db), figures_kept(da, db), longest, fewest, model)


def is_exact(da: Document, db: Document) -> bool:
    """Identical after normalization (the hash is checked against the tokens, never trusted alone).
    Tokens first (list equality compares lengths before items): two documents of a candidate pair
    differ in them at once, and then neither needs its normalized text."""
    return da.tokens == db.tokens and da.norm_hash == db.norm_hash


def _dates(da: Document, db: Document) -> tuple[datetime | None, datetime | None]:
    return da.article.published, db.article.published


def _passage(p: Passage) -> dict[str, Any]:
    return {"a": list(p.a), "b": list(p.b), "kind": p.kind}


def relation_record(a: str, b: str, d: Decision) -> dict[str, Any]:
    """The output-contract form of a decision between articles a and b."""
    derived = None if d.derived is None else (a if d.derived == "a" else b)
    return {
        "a": a,
        "b": b,
        "relation": d.relation,
        "derived": derived,
        "coverage": round(float(d.coverage), 4),
        "score": round(float(min(1.0, d.score)), 4),
        "evidence": [_passage(p) for p in d.evidence],
        "why": list(d.why),
        "one_story": d.one_story,
    }
