#!/usr/bin/env bash
# Install everything the test suite needs, then run it. README's test command and CI both call this.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q --disable-pip-version-check -e ".[dev,service,redis,dask,bench,fit]"
if ! command -v redis-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq redis-server >/dev/null) || echo "warning: could not install redis-server; Redis tests will be skipped" >&2
  fi
fi
# report.html is checked in a real browser (tests/test_html_report.py).
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || echo "warning: could not install chromium; browser tests will be skipped" >&2
  fi
fi
python3 -m pytest -q "$@"
