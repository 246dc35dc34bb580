#!/usr/bin/env bash
# The HTML report as a browser shows it: html_report_sample writes a page with every status, an
# alarm timeline and WebSocket frames; headless Chromium renders it to a PNG. The test fails when
# the screenshot is one flat colour (nothing drawn) or the page logged a console error, and is
# skipped (exit 77) only when chromium is not installed.
#
#   reports/html_browser_test.sh BUILD/bin/html_report_sample OUT_DIR
set -euo pipefail

sample=$1
out=$2

browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $browser ]]; then
  echo "SKIP: chromium is not installed (apt-get install chromium; tools/install-deps.sh does)"
  exit 77
fi

rm -rf "$out"
mkdir -p "$out"
"$sample" "$out/report.html"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

# render PAGE PNG LOG: a screenshot of PAGE, with Chromium's log (and the page's console) in LOG.
# No network and nothing in the background: a page must render from its file alone. The timeout
# is the reason ctest gives up rather than hangs when Chromium does (60 s: a cold start on a
# loaded 2-core machine takes about 5).
render() {
  local status=0
  rm -rf "$profile"/*
  timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --disable-extensions --hide-scrollbars --user-data-dir="$profile" \
    --enable-logging=stderr --v=0 --window-size=1400,2000 \
    --screenshot="$2" "file://$1" >/dev/null 2>"$3" || status=$?
  if [[ $status -ne 0 || ! -s $2 ]]; then
    echo "FAIL: chromium exited with $status and wrote no screenshot of $1; its log:"
    cat "$3"
    exit 1
  fi
}

# First a page that does log an error, so that a Chromium whose log format changed makes this
# test fail rather than pass without looking.
printf '<!DOCTYPE html><p>canary</p><script>console.error("canary-error")</script>' \
  >"$out/canary.html"
render "$out/canary.html" "$out/canary.png" "$out/canary.stderr"
if ! grep -q "CONSOLE.*canary-error" "$out/canary.stderr"; then
  echo "FAIL: this chromium does not log console errors as \"CONSOLE\" lines (see" \
    "$out/canary.stderr); the check below would see nothing"
  exit 1
fi

render "$out/report.html" "$out/screenshot.png" "$out/chromium.stderr"

# Chromium logs what the page writes to its console as lines with "CONSOLE"; the page has no
# script, so any such line is a parse or resource error.
if grep -n "CONSOLE" "$out/chromium.stderr"; then
  echo "FAIL: the page logged to the console (above; whole log in $out/chromium.stderr)"
  exit 1
fi

# Not blank: the PNG's pixels hold more than a few colours (a page that failed to render is one
# flat colour). A small decoder (zlib and the five PNG filters) rather than an image library, which
# the machine may not have.
python3 - "$out/screenshot.png" <<'EOF'
import struct, sys, zlib

data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, header = 8, b"", None
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        header = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
width, height, depth, colour, _, _, interlace = header
assert depth == 8 and colour in (2, 6) and interlace == 0, f"unexpected PNG format {header}"
channels = 3 if colour == 2 else 4
stride = width * channels
raw = zlib.decompress(idat)
previous = bytearray(stride)
colours = set()
for row in range(height):
    start = row * (stride + 1)
    kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
    for i in range(stride):
        left = line[i - channels] if i >= channels else 0
        up, corner = previous[i], previous[i - channels] if i >= channels else 0
        if kind == 1:
            line[i] = (line[i] + left) & 0xFF
        elif kind == 2:
            line[i] = (line[i] + up) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + (left + up) // 2) & 0xFF
        elif kind == 4:
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
    if row % 8 == 0:  # Every 8th row is plenty to tell a page from a blank.
        colours.update(bytes(line[i:i + 3]) for i in range(0, stride, channels))
    previous = line
print(f"screenshot {width}x{height}, {len(colours)} distinct colours in sampled rows")
# Text, status colours and borders give hundreds; a blank or failed page gives one or two.
if len(colours) < 16:
    sys.exit("FAIL: the screenshot is (nearly) one colour: the page did not render")
EOF

echo "PASS: $out/screenshot.png"
