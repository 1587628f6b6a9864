"""Service settings, read from `DEDUP_*` environment variables (or given to `create_app`)."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dedup.config import DetectorConfig
from dedup.errors import ConfigError
from dedup.sketch.lsh import lsh_params
from dedup.store import STORE_URL_FORMS, parse_store_url

__all__ = ["Settings", "load_settings"]

# The least value of each limit and its unit (max_doc_chars: DetectorConfig's own lower bound).
_LEAST = {
    "max_body_bytes": (1024, "bytes"),
    "max_doc_chars": (1000, "characters"),
    "budget_candidates": (1, "candidates"),
}
_POSITIVE = {
    "budget_seconds": "seconds, e.g. 5",
    "drain_seconds": "seconds, e.g. 30",
    "retention_days": "days, e.g. 30 (or leave it unset to keep everything)",
    "snapshot_seconds": "seconds, e.g. 300",
}


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
    api_key: SecretStr | None = None
    """When set, every route but /healthz and /readyz needs `Authorization: Bearer <key>`."""
    retention_days: float | None = None
    """Articles dated more than this many days before the newest one stored leave the index and the store."""
    budget_candidates: int = 2000
    """Candidates one request may verify; past it the report says `"truncated": true`."""
    budget_seconds: float = 5.0
    """Seconds of verification one request may spend; past it the report says `"truncated": true`."""
    snapshot: str | None = None
    """File for snapshots of the index (fast restarts): default beside a SQLite store (`PATH.db.index`),
    none for Redis or memory; `off` for none."""
    snapshot_seconds: float = 300.0
    """How often each worker writes its snapshot, when its index changed (and always at shutdown)."""
    drain_seconds: float = 10.0
    """On SIGTERM, requests in flight get this long to finish; work still running then is stopped."""

    @field_validator("store")
    @classmethod
    def _known_store(cls, value: str) -> str:
        # Parsed at startup, so that a bad value fails with the fix in the message, not on the first request.
        try:
            parse_store_url(value)
        except ConfigError as e:
            raise ValueError(f"store (DEDUP_STORE): {value!r} is not a store URL; use {STORE_URL_FORMS}") from e
        return value

    @field_validator("snapshot")
    @classmethod
    def _snapshot_folder(cls, value: str | None) -> str | None:
        if value not in (None, "off") and not Path(str(value)).expanduser().parent.is_dir():
            raise ValueError(
                f"snapshot (DEDUP_SNAPSHOT): the folder of {value!r} does not exist; create it, or use 'off'"
            )
        return value

    @property
    def snapshot_path(self) -> Path | None:
        """Where the index snapshot goes, if anywhere (see `snapshot`)."""
        if self.snapshot == "off":
            return None
        if self.snapshot is not None:
            return Path(self.snapshot).expanduser()
        kind, target = parse_store_url(self.store)
        return Path(target + ".index") if kind == "sqlite" and target != ":memory:" else None

    @field_validator("budget_seconds", "drain_seconds", "retention_days", "snapshot_seconds")
    @classmethod
    def _positive(cls, value: float | None, info: ValidationInfo) -> float | None:
        name = str(info.field_name)
        if value is not None and not value > 0:
            raise ValueError(f"{name} (DEDUP_{name.upper()}): use a positive number of {_POSITIVE[name]}")
        return value

    @field_validator("max_body_bytes", "max_doc_chars", "budget_candidates")
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
        config = DetectorConfig()
        most = lsh_params(config.lsh.block_threshold, config.signature.num_perm, config.lsh.false_negative_weight)[0]
        if value is not None and not 1 <= value <= most:
            raise ValueError(f"paragraph_bands (DEDUP_PARAGRAPH_BANDS): use 1 to {most}, or leave it unset for all")
        return value

    @property
    def store_kind(self) -> str:
        """The store's backend without its address (a Redis URL may carry a password)."""
        return parse_store_url(self.store).kind


def _setting_problem(loc: tuple[int | str, ...], msg: str) -> str:
    """Our validators' messages name the field and the fix; pydantic's own (a non-integer) get the name added."""
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    name = ".".join(str(part) for part in loc)
    return f"{name} (DEDUP_{name.upper()}): {msg}"


def load_settings() -> Settings:
    """Settings from `DEDUP_*`; on a bad one, one line per problem on stderr and exit code 2 (no traceback)."""
    try:
        return Settings()
    except ValidationError as err:
        for problem in err.errors(include_url=False):
            print(f"error: {_setting_problem(problem['loc'], problem['msg'])}", file=sys.stderr)
        raise SystemExit(2) from None
