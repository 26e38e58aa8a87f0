#!/usr/bin/env bash
# The HTML pages in a real browser: a compare report's and a suite report's page are opened in
# headless Chromium, which must build the expected sections (--dump-dom: the DOM after the
# page's own script ran) and draw something (--screenshot: a PNG much larger than the one of a
# blank page of the same size, which compresses to almost nothing).
# Usage: browser_test.sh CONVEQ_BINARY. Exit 77 (skipped) only when chromium is absent.
set -uo pipefail
cd "$(dirname "$0")/.."
conveq=$1
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "chromium not found: the browser test is skipped (scripts/setup.sh installs it)"
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# A new empty profile for every start, and no network of its own (no updates, no sync).
chromium_run() {
  local profile
  profile=$(mktemp -d "$tmp/profile.XXXXXX")
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1200,1600 "$@" 2>>"$tmp/chromium.log"
}

# check_page NAME FILE SECTION... : the DOM has every section, the screenshot is not blank.
check_page() {
  local name=$1 page=$2 failures_before=$failures
  shift 2
  chromium_run --dump-dom "file://$page" >"$tmp/$name.dom" || fail "$name: chromium --dump-dom failed"
  for section in "$@"; do
    grep -q -- "$section" "$tmp/$name.dom" || fail "$name: the DOM has no $section"
  done
  chromium_run --screenshot="$tmp/$name.png" "file://$page" >/dev/null ||
    fail "$name: chromium --screenshot failed"
  local size blank_size
  size=$(stat -c %s "$tmp/$name.png" 2>/dev/null || echo 0)
  blank_size=$(stat -c %s "$tmp/blank.png")
  [ "$(head -c 8 "$tmp/$name.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
    fail "$name: the screenshot is not a PNG"
  if [ "$size" -le $((blank_size * 4)) ]; then
    fail "$name: the screenshot ($size bytes) is no larger than 4 blank pages ($blank_size bytes)"
  fi
  [ "$failures" -eq "$failures_before" ] &&
    echo "ok   $name: $(wc -c <"$tmp/$name.dom") bytes of DOM, screenshot $size bytes (blank $blank_size)"
}

printf '<!DOCTYPE html><html><head><title>blank</title></head><body></body></html>\n' >"$tmp/blank.html"
chromium_run --screenshot="$tmp/blank.png" "file://$tmp/blank.html" >/dev/null ||
  { cat "$tmp/chromium.log"; echo "FAIL chromium cannot take a screenshot of a blank page"; exit 1; }

"$conveq" compare --in 16 --out 8 --length 64 --kernel 3 --repeat 1 --warmup 0 \
  --report "$tmp/compare.json" --html "$tmp/compare.html" >/dev/null || fail "compare did not pass"
"$conveq" run tests/data/suites/failing --report "$tmp/suite.json" >/dev/null
[ $? -eq 1 ] || fail "the failing suite did not exit 1"
"$conveq" show "$tmp/suite.json" --format html -o "$tmp/suite.html" || fail "show --format html"

check_page compare "$tmp/compare.html" 'id="verdict"' 'id="paths"' 'id="comparisons"' \
  'id="comparison-0"' '<svg' 'rigorous bound'
# class="sort" on the headings is added by the page's script: proof that it ran.
check_page suite "$tmp/suite.html" 'class="verdict failed"' 'id="problems"' 'id="speed"' \
  '<circle' 'class="sort"' 'zero_tolerance'

# A model report (conveq model's suite layout), where conveq was built with ONNX.
if "$conveq" model tests/data/models/speech_conv1d.onnx --repeat 1 --warmup 0 \
  --report "$tmp/model.json" --html "$tmp/model.html" >/dev/null 2>"$tmp/model.err"; then
  check_page model "$tmp/model.html" 'class="verdict passed"' 'id="problems"' '/dilated/Conv'
elif grep -q "built without ONNX" "$tmp/model.err"; then
  echo "note: conveq was built without ONNX; the model page went unchecked"
else
  fail "conveq model did not pass: $(cat "$tmp/model.err")"
fi

if [ "$failures" -gt 0 ]; then
  echo "--- chromium's messages"; tail -20 "$tmp/chromium.log"
  exit 1
fi
echo "the pages render in $("$browser" --version 2>/dev/null)"
