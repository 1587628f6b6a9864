"""Service settings, read from `DEDUP_*` environment variables (or given to `create_app`)."""

from __future__ import annotations

from pydantic import ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dedup.errors import ConfigError
from dedup.store import STORE_URL_FORMS, parse_store_url

__all__ = ["Settings"]

# The least value of each limit and its unit (max_doc_chars: DetectorConfig's own lower bound).
_LEAST = {"max_body_bytes": (1024, "bytes"), "max_doc_chars": (1000, "characters")}


class Settings(BaseSettings):
    """What the service needs to start: the store, and the limits on what a client may send."""

    model_config = SettingsConfigDict(env_prefix="DEDUP_", extra="ignore")

    store: str = "memory://"
    """Store URL for `dedup.store.open_store`: memory://, sqlite:///PATH.db or redis://HOST:PORT/DB."""
    max_body_bytes: int = 2_000_000
    """Request bodies above this many bytes are refused with 413 (the batch endpoint included)."""
    max_doc_chars: int = 1_000_000
    """Articles with longer texts are refused with 422 (`DetectorConfig.max_doc_chars`)."""
    paragraph_bands: int | None = None
    """Paragraph LSH bands the index keeps (`Index(paragraph_bands=...)`; default all): fewer save memory."""

    @field_validator("store")
    @classmethod
    def _known_store(cls, value: str) -> str:
        # Parsed at startup, so that a bad value fails with the fix in the message, not on the first request.
        try:
            parse_store_url(value)
        except ConfigError as e:
            raise ValueError(f"store (DEDUP_STORE): {value!r} is not a store URL; use {STORE_URL_FORMS}") from e
        return value

    @field_validator("max_body_bytes", "max_doc_chars")
    @classmethod
    def _at_least(cls, value: int, info: ValidationInfo) -> int:
        name = str(info.field_name)
        least, unit = _LEAST[name]
        if value < least:
            raise ValueError(f"{name} (DEDUP_{name.upper()}): use at least {least} {unit}")
        return value

    @field_validator("paragraph_bands")
    @classmethod
    def _bands(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("paragraph_bands (DEDUP_PARAGRAPH_BANDS): use 1 or more, or leave it unset for all")
        return value

    @property
    def store_kind(self) -> str:
        """The store's backend without its address (a Redis URL may carry a password)."""
        return parse_store_url(self.store).kind
