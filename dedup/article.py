"""The one record type that flows through every stage: an article."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dedup.errors import InputError

__all__ = [
    "ID_GRAMMAR",
    "MAX_ID_CHARS",
    "Article",
    "article_from_mapping",
    "check_id",
    "id_from_value",
    "parse_published",
]

_FIELDS = ("id", "text", "title", "source", "published", "url")
MAX_ID_CHARS = 1024
ID_GRAMMAR = (
    f"1 to {MAX_ID_CHARS} printable Unicode characters, not all spaces: no control characters "
    "(tab, newline, NUL), no line or paragraph separators, no lone surrogates"
)
# Control characters, line/paragraph separators and surrogates: an id must survive a URL path, a log
# line, a Redis key and a header unchanged, and read back as sent.
_BAD_ID_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})


def check_id(value: str) -> str:
    """`value` if it is a valid article id (`ID_GRAMMAR`), else InputError saying why."""
    if not value.strip() or len(value) > MAX_ID_CHARS:
        raise InputError(f"id: {_shown(value)} is not an article id; use {ID_GRAMMAR}")
    if value.isascii() and value.isprintable():  # most ids: no character of a refused category
        return value
    for position, char in enumerate(value):
        if unicodedata.category(char) in _BAD_ID_CATEGORIES:
            raise InputError(f"id: {_shown(value)} has U+{ord(char):04X} at character {position}; use {ID_GRAMMAR}")
    return value


def id_from_value(value: Any) -> str:
    """An id as read from a record: a string as it is, an integer as its decimal digits; nothing else.

    `dedup scan` and the service both read ids through here, so a record is accepted by both or by neither.
    """
    if isinstance(value, str):
        return check_id(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise InputError(f"id: expected a string (or an integer), got {_json_type(value)}")


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", float: "a number with a fraction", list: "an array", dict: "an object"}
    return names.get(type(value), "null" if value is None else type(value).__name__)


def _shown(value: str) -> str:
    """A bad id for a message: escaped, so a control character or surrogate prints safely, and cut short."""
    shown = ascii(value[:60])
    return shown + ("..." if len(value) > 60 else "")


def _no_surrogates(name: str, value: str | None, record_id: str) -> None:
    """A lone surrogate (JSON `"\\ud800"`) cannot be stored or sent as UTF-8: refuse it on arrival."""
    if value is None:
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InputError(
            f"{name} of {record_id!r} has a lone surrogate U+{ord(value[err.start]):04X} at character {err.start}; "
            "send text as valid Unicode"
        ) from err


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
        if not isinstance(self.id, str):
            raise InputError("id: every article needs a string id")
        check_id(self.id)
        if not isinstance(self.text, str):
            raise InputError(f"text of {self.id!r}: expected a string, got {type(self.text).__name__}")
        if not self.text.strip():
            raise InputError(f"text of {self.id!r} is empty or whitespace only")
        for name in ("text", "title", "source", "url"):
            _no_surrogates(name, getattr(self, name), self.id)

    # Pickled as a plain tuple of the fields in `_FIELDS` order: tasks carry thousands of articles to
    # worker processes, and the dataclass's own state functions, which look up its fields for each
    # one, took twice the time (Reuters: 0.15 s CPU of the sign stage's pickling).
    def __getstate__(self) -> tuple[Any, ...]:
        return (self.id, self.text, self.title, self.source, self.published, self.url)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        put = object.__setattr__
        put(self, "id", state[0])
        put(self, "text", state[1])
        put(self, "title", state[2])
        put(self, "source", state[3])
        put(self, "published", state[4])
        put(self, "url", state[5])


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
    if record.get("id") is None:
        raise InputError("missing field 'id'")
    record_id = id_from_value(record["id"])
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
