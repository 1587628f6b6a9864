"""The units of reading: a record as given, or the error that rejects it (or warns about it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dedup.io.sources import InputFile

__all__ = ["Record", "RecordError", "file_error"]


@dataclass(frozen=True)
class RecordError:
    """A record that was rejected (severity "error") or kept with a caveat ("warning"); `line` is
    None when the whole file is concerned."""

    source: str
    line: int | None
    id: str | None
    reason: str
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "line": self.line, "id": self.id,
            "reason": self.reason, "severity": self.severity,
        }  # fmt: skip


@dataclass(frozen=True)
class Record:
    """A record as read, every field as given (the deduplicated archive keeps them all)."""

    source: str
    line: int | None
    fields: dict[str, Any]
    ignored: tuple[str, ...] = ()  # fields kept in the record but not read into the article
    offset: int | None = None  # where a JSON line starts in its file, to read it again directly


def file_error(inp: InputFile | str, reason: str, severity: str = "error") -> RecordError:
    """An error about a whole file."""
    return RecordError(inp if isinstance(inp, str) else inp.name, None, None, reason, severity)
