"""The detector: configuration, hashers and the relation model, shared by scan, compare and the index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dedup.article import Article
from dedup.config import DetectorConfig
from dedup.decide.relation import (
    Decision,
    Model,
    classify,
    load_model,
)
from dedup.decide.screens import unrelated_after_tiling, unrelated_before_alignment
from dedup.prepare.document import Document, prepare, prepare_many
from dedup.sketch.idf import IdfTable
from dedup.sketch.lsh import lsh_params
from dedup.sketch.minhash import MinHasher
from dedup.sketch.shingle import TokenHasher
from dedup.verify.align import (
    PairFeatures,
    Passage,
    compare_documents,
    numbers_contained,
    titles_agree,
)
from dedup.verify.sentence_pair import is_sentence_pair
from dedup.verify.tiling import Tiling, tile_documents

__all__ = ["Detector", "is_exact", "relation_record"]


class Detector:
    """Prepares articles and decides the relation between two of them."""

    def __init__(self, config: DetectorConfig | None = None, model: Model | None = None) -> None:
        self.config = config or DetectorConfig()
        self.model = model or load_model(self.config.model_path)
        self.hasher = TokenHasher(self.config.shingle)
        self.minhasher = MinHasher(self.config.signature)
        num_perm, lsh = self.config.signature.num_perm, self.config.lsh
        self.block_bands = lsh_params(lsh.block_threshold, num_perm, lsh.false_negative_weight)
        self.doc_bands = lsh_params(lsh.doc_threshold, num_perm, lsh.false_negative_weight)
        self.topic_bands = lsh_params(lsh.rewrite_threshold, num_perm, lsh.false_negative_weight)

    def prepare(self, article: Article) -> Document:
        return prepare(article, self.config, self.hasher)

    def prepare_many(self, articles: Sequence[Article]) -> list[Document]:
        """`prepare` of each article, their tokens hashed together (see `dedup.prepare.document.prepare_many`)."""
        return prepare_many(articles, self.config, self.hasher)

    def measure(self, da: Document, db: Document, idf: IdfTable) -> PairFeatures:
        """Exact features of a candidate pair (see `dedup.verify.align`)."""
        return compare_documents(da, db, idf)

    def decide(
        self, da: Document, db: Document, idf: IdfTable, features: PairFeatures | None = None
    ) -> Decision | None:
        """Verify a candidate pair and decide its relation (None when unrelated)."""
        if da.n_tokens == 0 or db.n_tokens == 0:
            return None
        short = da.n_tokens < self.model.short_tokens
        if is_exact(da, db) and (not short or titles_agree(da.article.title, db.article.title)):
            span_a, span_b = da.span_of_tokens(0, da.n_tokens), db.span_of_tokens(0, db.n_tokens)
            return Decision("exact", None, 1.0, 1.0, (Passage(span_a, span_b, "verbatim"),))
        if features is None:
            if self._unrelated_unmeasured(da, db):
                return None
            tiling = tile_documents(da, db)
            if self._unrelated_tiled(da, db, tiling):
                return None
            features = compare_documents(da, db, idf, tiling)
        return classify(features, False, _dates(da, db), self.model)

    def _unrelated_unmeasured(self, da: Document, db: Document) -> bool:
        """Decided None by document-level facts alone (`unrelated_before_alignment`)."""
        if max(da.n_tokens, db.n_tokens) >= self.model.short_tokens:
            return False
        agree = _figures_and_titles_agree(da, db)
        return unrelated_before_alignment(da.n_tokens, db.n_tokens, is_sentence_pair(da, db), agree, self.model)

    def _unrelated_tiled(self, da: Document, db: Document, tiling: Tiling) -> bool:
        """Decided None by a's tiles in b and document-level facts (`unrelated_after_tiling`)."""
        if not tiling.template and min(da.n_tokens, db.n_tokens) >= self.model.short_tokens:
            return False
        agree = _figures_and_titles_agree(da, db)
        sentence_pair = is_sentence_pair(da, db)
        return unrelated_after_tiling(
            da.n_tokens, db.n_tokens, sentence_pair, tiling.template, agree, tiling.copied_figures, self.model
        )


def _figures_and_titles_agree(da: Document, db: Document) -> bool:
    """`numbers_contained` and `titles_agree`: headlines first, as they are cheap to compare and a
    short item whose headline disagrees then never needs its figures found."""
    return titles_agree(da.article.title, db.article.title) and numbers_contained(da, db)


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
    }
