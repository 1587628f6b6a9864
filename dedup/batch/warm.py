"""Verification's per-document inputs for all documents of a verify task at once.

Content-word ids, name masks and names per sentence, and the word 3-gram view are each a dozen numpy
calls per document; over the documents of a verify task they are a dozen in all. Each is stored where
the per-document code keeps it (`Document.content_ids`, `name_mask`, `sentence_names`,
`dedup.detect.view.view`), and equals what that code computes (tests check).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np

from dedup.arrays import offsets
from dedup.detect.view import views_many
from dedup.document import CONTENT_TABLE, Document, join_documents, mark_names, names_by_sentence

__all__ = ["content_ids_many", "name_masks_many", "warm_documents"]


def warm_documents(docs: Sequence[Document]) -> None:
    """Compute and store the verification inputs of every document not holding them yet."""
    content_ids_many(docs)
    name_masks_many(docs)
    views_many(docs)


def content_ids_many(docs: Sequence[Document]) -> None:
    """Store `content_ids` on every document that has none yet (one table lookup for all)."""
    todo = [d for d in docs if "content_ids" not in d.__dict__]
    if not todo:
        return
    tokens = list(chain.from_iterable(d.tokens for d in todo))
    ids = CONTENT_TABLE.lookup(np.concatenate([d.token_hashes for d in todo]), tokens.__getitem__)
    cuts = offsets([d.n_tokens for d in todo]).tolist()
    for d, lo, hi in zip(todo, cuts[:-1], cuts[1:], strict=True):
        d.__dict__["content_ids"] = ids[lo:hi]


def name_masks_many(docs: Sequence[Document]) -> None:
    """Store `name_mask` and `sentence_names` on every ASCII document with tokens that has no mask
    yet: one text of them all, joined by newlines, and token spans shifted into it."""
    todo = [d for d in docs if d.n_tokens and "name_mask" not in d.__dict__ and d.text.isascii()]
    if not todo:
        return
    joined = join_documents(todo)
    sizes = [d.n_tokens for d in todo]
    text_at = offsets([len(d.text) + 1 for d in todo])
    spans = np.concatenate([d.token_spans for d in todo]) + np.repeat(text_at[:-1], sizes)[:, None]
    tokens = list(chain.from_iterable(d.tokens for d in todo))
    bounds = joined.sentence_bounds
    mask = mark_names("\n".join(d.text for d in todo), spans, bounds[:, 0], joined.hashes, tokens)
    names = names_by_sentence(mask, bounds, tokens)
    cuts, sentence_cuts = offsets(sizes).tolist(), offsets([len(d.sentence_bounds) for d in todo]).tolist()
    for k, d in enumerate(todo):
        d.__dict__["name_mask"] = mask[cuts[k] : cuts[k + 1]]
        d.__dict__["sentence_names"] = names[sentence_cuts[k] : sentence_cuts[k + 1]]
