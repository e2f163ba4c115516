#!/usr/bin/env bash
# Renders a sample report.html (every element of the report module) in headless Chromium:
# the screenshot must exist, be large and not blank, show the embedded images and charts, and the
# DOM must hold the inline <svg> charts and data: images. Exits 77 (skip) without Chromium.
# Usage: chromium_test.sh path/to/octet_report_sample
sample=$1
here=$(cd "$(dirname "$0")" && pwd)
chromium=$(command -v chromium || command -v chromium-browser)
if [ -z "$chromium" ]; then
  echo "SKIP: chromium is not installed (Debian package chromium; scripts/setup.sh installs it)"
  exit 77
fi
source "$here/../cli/check_lib.sh"

browser() {
  timeout 180 "$chromium" --headless --disable-gpu --no-sandbox --hide-scrollbars --no-first-run \
    --user-data-dir="$work/profile" "$@" 2>>"$work/chromium.log"
}

run "sample page written" "$sample" "$work/report.html"
check "no network references" bash -c "! grep -Eq 'https?://' '$work/report.html'"

run "screenshot" browser --screenshot="$work/shot.png" --window-size=1280,4000 "file://$work/report.html"
check "screenshot exists and is larger than 50 kB" test "$(stat -c %s "$work/shot.png" 2>/dev/null || echo 0)" -gt 50000
run "screenshot rendered (size, not blank, images and charts visible)" \
  python3 "$here/check_screenshot.py" "$work/shot.png" 1280 4000
cat "$work/last.out"

run "dump DOM" browser --dump-dom "file://$work/report.html"
cp "$work/last.out" "$work/dom.html"
check "DOM holds the 4 inline SVG figures" test "$(grep -o '<svg' "$work/dom.html" | wc -l)" -eq 4
check "DOM holds the <img> with a data: PNG" grep -q '<img src="data:image/png;base64,' "$work/dom.html"
check "DOM holds 16 grid images with data: PNGs" \
  test "$(grep -o '<image [^>]*href="data:image/png;base64,' "$work/dom.html" | wc -l)" -eq 16
check "DOM holds the flipped-samples <details>" grep -q '<summary>13 flipped samples</summary>' "$work/dom.html"
# The full-page script measures the page: the whole sample (about 2300 px tall at 1280) in one PNG.
run "full-page screenshot script" "$here/../../scripts/report_screenshot.sh" "$work/report.html" "$work/full.png"
check "full-page screenshot is 1280 wide and as tall as the page" python3 -c "
import struct, sys
d = open(sys.argv[1], 'rb').read(24)
w, h = struct.unpack('>II', d[16:24])
sys.exit(0 if w == 1280 and 1500 < h < 4000 else 1)" "$work/full.png"
finish report_chromium
