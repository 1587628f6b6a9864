"""Frozen, validated configuration for every stage of the detector."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dedup.errors import ConfigError

__all__ = ["SHARED_RUN_TOKENS", "DetectorConfig", "LSHConfig", "SegmentConfig", "ShingleConfig", "SignatureConfig"]


def _require(ok: bool, field_name: str, fix: str) -> None:
    if not ok:
        raise ConfigError(f"{field_name}: {fix}")


@dataclass(frozen=True)
class SegmentConfig:
    """How text is cut into blocks (paragraphs, or sentence windows for long unbroken text)."""

    max_block_chars: int = 1500
    window_sentences: int = 4

    def __post_init__(self) -> None:
        _require(self.max_block_chars >= 200, "max_block_chars", "use at least 200 characters")
        _require(self.window_sentences >= 1, "window_sentences", "use at least 1 sentence per window")


@dataclass(frozen=True)
class ShingleConfig:
    """Word k-gram shingling of normalized blocks."""

    k: int = 5
    seed: int = 0

    def __post_init__(self) -> None:
        _require(2 <= self.k <= 12, "k", "choose a shingle size between 2 and 12 words")
        _require(0 <= self.seed < 2**63, "seed", "use a non-negative seed below 2**63")


@dataclass(frozen=True)
class SignatureConfig:
    """MinHash parameters; `scheme` is datasketch 2.x's permutation scheme."""

    num_perm: int = 128
    seed: int = 1
    scheme: str = "affine32"

    def __post_init__(self) -> None:
        _require(16 <= self.num_perm <= 1024, "num_perm", "use between 16 and 1024 permutations")
        _require(self.scheme == "affine32", "scheme", "only 'affine32' is supported (datasketch 2.x default)")
        _require(0 <= self.seed < 2**32, "seed", "use a seed in [0, 2**32)")


# The shared-run path's word n-grams when it is asked for (`dedup scan --shared-runs`); off by default.
SHARED_RUN_TOKENS = 8


@dataclass(frozen=True)
class LSHConfig:
    """Target similarities from which LSH band/row parameters are derived."""

    block_threshold: float = 0.5
    doc_threshold: float = 0.7
    rewrite_threshold: float = 0.15
    rewrite_candidates: int = 10
    # Rewrite-path pairs that no verbatim path found are verified only from this TF-IDF cosine up
    # (the decision, not this gate, says what is a rewrite: the gate is low enough to keep the partial
    # reuse this path also finds).
    rewrite_min_cosine: float = 0.35
    # Rewrite-path pairs must keep this share of the smaller side's facts (figures, dateline, names
    # of record): look-alike forms with their own figures keep few. Kept below what the relation
    # model needs, so that the model, not the candidate stage, decides. A pair without facts never
    # passes it; 0 turns the gate off, for archives of texts without figures (their rewrites are found
    # from the cosine gate alone; on news it lets through independent reports of one event).
    rewrite_fact_share: float = 0.5
    false_negative_weight: float = 0.7
    # Paragraph and document buckets larger than this are joined as a star on their first article, not
    # pair by pair: a paragraph printed by so many articles is a site's header or a notice far more
    # often than one story (no related pair of the synthetic archives came from a bucket over 20), and
    # its pairs grow with the square of the corpus (1M archive at 200: 137,000 unrelated pairs from
    # buckets of 51 to 200). Copies of a story printed more widely still join one cluster, each
    # related to the star's centre.
    max_bucket: int = 50
    # Rewrite-path buckets larger than this are skipped: a name or figure shared by so many articles
    # does not point at a retelling, and keeping them would grow the pairs with the square of the
    # corpus (45M pairs among 100k archive articles at 200).
    rewrite_max_bucket: int = 32
    # Figure lines: paragraphs too short for the block path (below `min_block_tokens`) that carry at
    # least this many distinct figures, matched by their exact text. A few lines of a results table
    # spliced into another story are reuse only when their figures come along.
    line_min_figures: int = 2
    # A line printed in more articles than this is a form's fixed line, not a copied one: skipped.
    line_max_bucket: int = 32
    # Containment path: an article of at most `contain_max_tokens` tokens (a brief, a short table),
    # or one without facts, whose rarest content words are mostly found in another article, however
    # long. Short texts have too few shingles and names for the Jaccard paths to see them inside a long
    # source; an excerpt without figures or dateline, its sentences joined anew, has no facts for
    # the rewrite path's gate.
    contain_max_tokens: int = 150
    contain_query_terms: int = 12  # the short article's rarest terms it looks up
    contain_max_df: int = 16  # terms of more articles are skipped: pairs stay linear in the corpus
    contain_min_shared: int = 4
    contain_share: float = 0.6  # of the looked-up terms found in the other article
    contain_candidates: int = 3  # kept per short article, most contained first
    # Shared-run path: two articles that share a verbatim run of a sentence's length in prose too
    # edited for the paragraph path (a newspaper reusing wire copy in short, edited fragments). Word
    # `run_tokens`-grams are sampled by content (those whose hash is 0 modulo `run_sample`), so two texts
    # choose the same ones inside a shared run: a run of run_tokens + run_sample words holds one on
    # average. An article pairs with the earlier holders of a key while at most `run_max_bucket` hold it:
    # a run printed by more is a form's fixed sentence or a stock phrase, not one story's wording.
    # Off by default: on Reuters most of what it adds is other news through a stock phrase (RESULTS.md).
    run_tokens: int = 0  # 0: path off; SHARED_RUN_TOKENS (`dedup scan --shared-runs`) turns it on
    run_sample: int = 12
    run_max_bucket: int = 4

    def __post_init__(self) -> None:
        _require(self.rewrite_candidates >= 0, "rewrite_candidates", "use 0 (off) or more per article")
        _require(
            0.0 <= self.rewrite_fact_share <= 1.0, "rewrite_fact_share", "use a share in [0, 1] (0: no facts gate)"
        )
        _require(0.0 <= self.rewrite_min_cosine <= 1.0, "rewrite_min_cosine", "use a cosine in [0, 1] (0: no gate)")
        for name in ("block_threshold", "doc_threshold", "rewrite_threshold"):
            value = getattr(self, name)
            _require(0.05 <= value <= 0.99, name, f"use a Jaccard target in [0.05, 0.99], got {value}")
        _require(0.0 < self.false_negative_weight < 1.0, "false_negative_weight", "use a weight in (0, 1)")
        _require(self.max_bucket >= 2, "max_bucket", "allow at least 2 items per LSH bucket")
        _require(self.rewrite_max_bucket >= 2, "rewrite_max_bucket", "allow at least 2 items per LSH bucket")
        _require(self.contain_max_tokens >= 0, "contain_max_tokens", "use 0 (containment path off) or more")
        for name in ("contain_query_terms", "contain_min_shared", "contain_candidates"):
            _require(getattr(self, name) >= 1, name, "use at least 1")
        _require(self.contain_max_df >= 2, "contain_max_df", "allow at least 2 articles per term")
        _require(0.0 < self.contain_share <= 1.0, "contain_share", "use a share in (0, 1]")
        _require(self.line_min_figures >= 1, "line_min_figures", "use at least 1 figure per line")
        _require(0 <= self.run_tokens <= 64, "run_tokens", "use 0 (shared-run path off) or 1 to 64 words")
        _require(self.run_sample >= 1, "run_sample", "use 1 (every word n-gram) or more")
        _require(self.run_max_bucket >= 1, "run_max_bucket", "allow at least 1 earlier holder per run")
        _require(
            self.line_max_bucket == 0 or self.line_max_bucket >= 2,
            "line_max_bucket",
            "use 0 (figure-line path off) or at least 2 articles per line",
        )


@dataclass(frozen=True)
class DetectorConfig:
    """Everything that decides what the detector reports."""

    segment: SegmentConfig = field(default_factory=SegmentConfig)
    shingle: ShingleConfig = field(default_factory=ShingleConfig)
    signature: SignatureConfig = field(default_factory=SignatureConfig)
    lsh: LSHConfig = field(default_factory=LSHConfig)
    model_path: Path | None = None
    rewrites: bool = True
    max_doc_chars: int = 1_000_000
    min_block_tokens: int = 8
    # Clusters never join two articles further apart than this only through others: a daily form
    # whose days happen to print the same figures is not one story (an exact or near-duplicate
    # relation between the two themselves still joins them).
    cluster_window_days: float = 3.0

    def __post_init__(self) -> None:
        _require(self.max_doc_chars >= 1000, "max_doc_chars", "allow at least 1000 characters per article")
        _require(self.cluster_window_days > 0, "cluster_window_days", "use a positive number of days")
        _require(self.min_block_tokens >= 1, "min_block_tokens", "use at least 1 token")
        if self.model_path is not None:
            _require(Path(self.model_path).is_file(), "model_path", f"no model file at {self.model_path}")
