"""The inputs of a streamed scan: read once in shards for signing, and again (or kept) for verification."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import overload

from dedup.article import Article
from dedup.detector import Detector
from dedup.io.readers import RecordError, read_inputs
from dedup.io.sources import InputFile
from dedup.scan.tasks import SignTask

__all__ = ["KEEP_TEXT_CHARS", "InputStream", "LoadedArticles"]

# Inputs whose texts add up to no more than this many characters are kept from the first read for
# verification; larger ones are read a second time (an archive's texts are never all held at once).
KEEP_TEXT_CHARS = 64_000_000


class InputStream:
    """The inputs read in shards for signing, keeping ids and dates, and the articles verification
    needs read again, unless all the texts fit in `keep_chars` (then they are kept from the first read).
    A large archive's texts are never all in memory."""

    def __init__(
        self,
        inputs: Iterable[Path | str | InputFile],
        detector: Detector,
        on_error: Callable[[RecordError], None] | None,
        shard_size: int,
        keep_chars: int | None = None,
    ) -> None:
        self.inputs, self.detector, self.on_error = list(inputs), detector, on_error
        self.ids: list[str] = []
        self.published: list[datetime | None] = []
        self.errors: list[RecordError] = []
        self.loaded: dict[int, Article] = {}
        self.read_seconds = 0.0
        self.kept: list[Article] | None = []
        self.shard_size = shard_size
        self.room = KEEP_TEXT_CHARS if keep_chars is None else keep_chars

    def _keep(self, chunk: list[Article]) -> None:
        if self.kept is None:
            return
        self.room -= sum(len(a.text) for a in chunk)
        if self.room < 0:
            self.kept = None  # too large: verification reads its articles again
        else:
            self.kept += chunk

    def tasks(self) -> Iterator[SignTask]:
        """Sign tasks of `shard_size` articles, recording ids, dates and record errors as they pass."""
        chunk: list[Article] = []
        reader = read_inputs(self.inputs, self.detector.config.max_doc_chars)
        while True:
            t = time.perf_counter()
            item = next(reader, None)
            self.read_seconds += time.perf_counter() - t
            if item is None:
                break
            if not isinstance(item, Article):
                self.errors.append(item)
                if self.on_error:
                    self.on_error(item)
                continue
            self.ids.append(item.id)
            self.published.append(item.published)
            chunk.append(item)
            if len(chunk) == self.shard_size:
                self._keep(chunk)
                yield SignTask(self.detector.config, self.detector.model, chunk)
                chunk = []
        if chunk:
            self._keep(chunk)
            yield SignTask(self.detector.config, self.detector.model, chunk)

    def signed_state(self) -> tuple[list[str], list[datetime | None], list[RecordError]]:
        """What signing learnt of the inputs besides the signatures: ids, dates and record errors."""
        return self.ids, self.published, self.errors

    def resume(self, ids: list[str], published: list[datetime | None], errors: list[RecordError]) -> None:
        """Take up the state of an earlier signing (a resumed scan); verification then reads the
        inputs again. The record errors are reported again."""
        if ids is self.ids:
            return
        self.ids, self.published, self.errors, self.kept = ids, published, errors, None
        for e in errors if self.on_error else ():
            self.on_error(e)  # type: ignore[misc]

    def load(self, wanted: set[int]) -> Sequence[Article]:
        """The articles at corpus positions `wanted`, kept from the first read or read again."""
        t = time.perf_counter()
        if self.kept is not None:
            self.loaded = {i: self.kept[i] for i in sorted(wanted)}
        else:
            items = read_inputs(self.inputs, self.detector.config.max_doc_chars)
            self.loaded = {i: a for i, a in enumerate(a for a in items if isinstance(a, Article)) if i in wanted}
        self.kept = None
        self.read_seconds += time.perf_counter() - t
        return LoadedArticles(len(self.ids), self.loaded)


class LoadedArticles(Sequence[Article]):
    """Articles by corpus position, of which only some were read again."""

    def __init__(self, n: int, loaded: dict[int, Article]) -> None:
        self.n, self.loaded = n, loaded

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, i: int) -> Article: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Article]: ...
    def __getitem__(self, i: int | slice) -> Article | Sequence[Article]:
        if isinstance(i, slice):
            raise TypeError("positions only: this corpus holds just the articles verification reads")
        return self.loaded[i]
