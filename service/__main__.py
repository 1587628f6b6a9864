"""`python -m service [--host H] [--port P] [--store URL] [--workers N]`: the same as `dedup serve`.

`python -m service --check-settings` only validates the `DEDUP_*` settings and reaches the store: one line
per problem on stderr and exit code 2, or exit 0 (what `dedup serve` runs before it starts uvicorn).
"""

from __future__ import annotations

import argparse
import os
import sys

import uvicorn

from dedup.errors import DedupError
from dedup.store import open_store
from service.settings import load_settings

__all__ = ["check_settings", "main", "run"]


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    parser.add_argument("--store", help="store URL (default: DEDUP_STORE, else memory://)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default: %(default)s)")
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default: %(default)s)")
    parser.add_argument("--check-settings", action="store_true", help="validate settings and the store, then exit")
    return parser.parse_args(argv)


def check_settings(workers: int = 1) -> int:
    """Validate the settings and open and ping the store; 0 when all is well, else 2 after one line each."""
    settings = load_settings()
    if workers > 1 and settings.store_kind == "memory":
        print(
            "error: store (DEDUP_STORE): memory:// cannot be shared by several workers; "
            "use sqlite:///PATH.db or redis://HOST:PORT/DB, or --workers 1",
            file=sys.stderr,
        )
        return 2
    try:
        store = open_store(settings.store)
        try:
            store.ping()
        finally:
            store.close()
    except DedupError as e:
        # The store's own message may name a file or host: fine here, for the operator at the console.
        message = str(e)
        print(
            f"error: {message if message.startswith('store (') else 'store (DEDUP_STORE): ' + message}", file=sys.stderr
        )
        return 2
    return 0


def run(host: str, port: int, workers: int, log_level: str) -> None:
    """uvicorn over `service.app:create_app` (by name, so each worker process builds its own app)."""
    settings = load_settings()
    uvicorn.run(
        "service.app:create_app", factory=True, host=host, port=port, workers=workers, log_level=log_level,
        timeout_graceful_shutdown=int(settings.drain_seconds),
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Validate the settings, then serve until interrupted."""
    args = _parse(argv)
    if args.store:
        os.environ["DEDUP_STORE"] = args.store  # the workers read their settings from the environment
    if args.workers < 1:
        print("error: --workers: use 1 or more", file=sys.stderr)
        return 2
    status = check_settings(args.workers)
    if status or args.check_settings:
        return status
    run(args.host, args.port, args.workers, args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
