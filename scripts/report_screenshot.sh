#!/usr/bin/env bash
# Render a scan's report.html in headless Chromium (Debian `chromium`) and save a screenshot.
#   scripts/report_screenshot.sh SCAN_DIR OUT.png [WIDTH,HEIGHT] [#FRAGMENT]
# e.g. dedup scan corpora/seeds --out /tmp/seeds && scripts/report_screenshot.sh /tmp/seeds docs/report-seeds.png
# The fragment picks a view: #tab=clusters, #q=harbour, #rel=rewrite, #page=2, #sel=5.
set -euo pipefail
dir=$(cd "$1" && pwd); out=$2; size=${3:-1400,1800}; fragment=${4:-}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then echo "error: chromium is not installed (apt-get install -y chromium)" >&2; exit 1; fi
profile=$(mktemp -d); trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$profile" --hide-scrollbars \
  --screenshot="$(realpath -m "$out")" --window-size="$size" "file://$dir/report.html$fragment" 2>/dev/null
echo "$out"
