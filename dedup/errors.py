"""The one exception hierarchy of the package: everything raised on purpose is a DedupError."""

from __future__ import annotations

__all__ = ["ConfigError", "DedupError", "DuplicateIdError", "InputError", "StoreError"]


class DedupError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(DedupError, ValueError):
    """A configuration field is out of range; the message names the field and the fix."""


class InputError(DedupError, ValueError):
    """A record or file cannot be used; the message says which and why."""


class StoreError(DedupError):
    """A store backend failed or is misused (duplicate id, unknown id)."""


class DuplicateIdError(StoreError):
    """An article id is already stored or indexed: a client's conflict, not a backend failure."""
