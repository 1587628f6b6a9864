"""The one record type that flows through every stage: an article."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dedup.errors import InputError

__all__ = ["Article", "article_from_mapping", "parse_published"]

_FIELDS = ("id", "text", "title", "source", "published", "url")


@dataclass(frozen=True, slots=True)
class Article:
    """An article as given: offsets in every output point into `text` exactly as it is here."""

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    published: datetime | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise InputError("id: every article needs a non-empty string id")
        if not isinstance(self.text, str):
            raise InputError(f"text of {self.id!r}: expected a string, got {type(self.text).__name__}")
        if not self.text.strip():
            raise InputError(f"text of {self.id!r} is empty or whitespace only")


def parse_published(value: Any, record_id: str = "?") -> datetime | None:
    """Parse an ISO 8601 date or datetime; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as err:
        raise InputError(f"published of {record_id!r}: {value!r} is not an ISO 8601 date") from err
    # Naive and aware datetimes cannot be compared; treat naive ones as UTC.
    if parsed.tzinfo is None:
        from datetime import UTC

        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def article_from_mapping(record: dict[str, Any], max_chars: int | None = None) -> Article:
    """Build an Article from a dict with the documented columns, with errors that say what is wrong."""
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {type(record).__name__}")
    unknown_id = record.get("id")
    if unknown_id is None:
        raise InputError("missing field 'id'")
    record_id = str(unknown_id)
    if "text" not in record or record["text"] is None:
        raise InputError(f"missing field 'text' in {record_id!r}")
    text = record["text"]
    if max_chars is not None and isinstance(text, str) and len(text) > max_chars:
        raise InputError(
            f"text of {record_id!r} has {len(text):,} characters, over the limit of {max_chars:,} "
            "(raise DetectorConfig.max_doc_chars / --max-chars to accept it)"
        )
    optional = {k: (None if record.get(k) in (None, "") else str(record[k])) for k in ("title", "source", "url")}
    return Article(
        id=record_id,
        text=text,
        published=parse_published(record.get("published"), record_id),
        **optional,
    )
