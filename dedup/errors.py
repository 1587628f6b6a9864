"""The one exception hierarchy of the package: everything raised on purpose is a DedupError."""

from __future__ import annotations

__all__ = ["ConfigError", "DedupError", "DuplicateIdError", "InputError", "StoreError", "StoreUnavailable"]


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


class StoreUnavailable(StoreError):
    """The store's backend failed (a database error, a server down or refusing): the request may be
    retried later. Backends raise it in place of their library's exceptions, which never escape a
    store; the message is for logs, as it may name the backend's file or host."""
