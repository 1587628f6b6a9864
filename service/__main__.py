"""`python -m service [--host H] [--port P] [--store URL]`: the ingest service under uvicorn."""

from __future__ import annotations

import argparse
import sys

import uvicorn
from pydantic import ValidationError

from service.app import create_app
from service.settings import Settings

__all__ = ["main"]


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    parser.add_argument("--store", help="store URL (default: DEDUP_STORE, else memory://)")
    parser.add_argument("--log-level", default="info", help="uvicorn log level (default: %(default)s)")
    return parser.parse_args(argv)


def _setting_problem(loc: tuple[int | str, ...], msg: str) -> str:
    """Our validators' messages name the field and the fix; pydantic's own (a non-integer) get the name added."""
    if msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    name = ".".join(str(part) for part in loc)
    return f"{name} (DEDUP_{name.upper()}): {msg}"


def main(argv: list[str] | None = None) -> int:
    """Validate the settings, then serve until interrupted."""
    args = _parse(argv)
    try:
        settings = Settings(**({"store": args.store} if args.store else {}))
    except ValidationError as err:
        # One line per bad setting, naming it and the fix; no traceback for a configuration mistake.
        for problem in err.errors(include_url=False):
            print(f"error: {_setting_problem(problem['loc'], problem['msg'])}", file=sys.stderr)
        return 2
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
