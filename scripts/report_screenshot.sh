#!/usr/bin/env bash
# Full-page PNG screenshot of a report page (e.g. for the README) with headless Chromium.
# Usage: scripts/report_screenshot.sh DIR/report.html OUT.png [WIDTH]   (WIDTH defaults to 1280)
# Chromium's --screenshot captures the window only, so the page height is measured first: a copy of
# the page with a one-line script that records document height in the DOM, read back by --dump-dom.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH]" >&2
  exit 2
fi
page=$1 out=$2 width=${3:-1280}
[ -f "$page" ] || { echo "$page: no such file" >&2; exit 1; }
chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "report_screenshot: chromium is not installed (Debian package chromium)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
page_abs=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
browser() {
  timeout 180 "$chromium" --headless --disable-gpu --no-sandbox --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.log"
}

# The copy sits next to the original so relative references (if any) resolve the same way.
probe=$(mktemp "$(dirname "$page_abs")/.report_height_XXXXXX.html")
trap 'rm -rf "$work" "$probe"' EXIT
sed 's|</body>|<script>document.body.setAttribute("data-page-height", document.documentElement.scrollHeight)</script></body>|' \
  "$page_abs" >"$probe"
height=$(browser --window-size="$width",1000 --dump-dom "file://$probe" |
  grep -o 'data-page-height="[0-9]*"' | head -1 | grep -o '[0-9]*' || true)
if [ -z "$height" ]; then
  echo "$page: could not measure the page height in Chromium (log: $(tail -1 "$work/chromium.log"))" >&2
  exit 1
fi

# Written to a temporary name and renamed: OUT.png is never half-written.
tmp_out="$out.tmp-$$.png"
browser --screenshot="$tmp_out" --window-size="$width,$height" "file://$page_abs" >/dev/null
if [ ! -s "$tmp_out" ]; then
  rm -f "$tmp_out"
  echo "$page: Chromium wrote no screenshot (log: $(tail -1 "$work/chromium.log"))" >&2
  exit 1
fi
mv "$tmp_out" "$out"
echo "report_screenshot: $out (${width}x${height})" >&2
