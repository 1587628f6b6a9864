"""The growing index an ingest service calls per article: score one article against everything added
before it, then add it (`incremental`), verifying its candidates (`verify`); its reports (`report`), the
keys stored beside each article (`keys`), snapshots (`snapshot`) and per-request work budget (`budget`)."""

from dedup.index.budget import WorkBudget
from dedup.index.incremental import Index
from dedup.index.keys import ArticleKeys, keys_tag
from dedup.index.memory import give_back_freed_memory, keep_heap_small, memory_per_article
from dedup.index.report import IndexReport, pack_terms, unpack_terms

__all__ = [
    "ArticleKeys",
    "Index",
    "IndexReport",
    "WorkBudget",
    "give_back_freed_memory",
    "keep_heap_small",
    "keys_tag",
    "memory_per_article",
    "pack_terms",
    "unpack_terms",
]
