"""`dedup serve`: the ingest service under uvicorn (the `service` package, started by name).

The settings are checked first in a separate process (`python -m service --check-settings`): a bad one is
one line and exit code 2 before any worker starts. `dedup` never imports `service`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

import typer

__all__ = ["serve"]


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    store: Annotated[
        str | None,
        typer.Option(help="Store URL: memory://, sqlite:///PATH.db, redis://HOST:PORT/DB (default: DEDUP_STORE)"),
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (several need a sqlite or redis store)")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Serve the HTTP API (/v1, /docs, /healthz, /readyz, /metrics); settings from DEDUP_* variables."""
    if store:
        os.environ["DEDUP_STORE"] = store  # read by every worker
    if workers < 1:
        print("error: --workers: use 1 or more", file=sys.stderr)
        raise typer.Exit(2)
    check = [sys.executable, "-m", "service", "--check-settings", "--workers", str(workers)]
    if subprocess.run(check, check=False).returncode != 0:
        raise typer.Exit(2)
    import uvicorn

    drain = float(os.environ.get("DEDUP_DRAIN_SECONDS", "10"))
    uvicorn.run(
        "service.app:create_app", factory=True, host=host, port=port, workers=workers, log_level=log_level,
        timeout_graceful_shutdown=max(1, round(drain)),
    )  # fmt: skip
