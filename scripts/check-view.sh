#!/usr/bin/env bash
# Checks the HTML view of a failing run in a real headless browser: builds
# the counter_racy example, finds a failing seed, writes its timeline with
# `view <seed> --html`, screenshots it with Chromium (Debian's package,
# installed when missing) and checks the PNG is not trivial. Look at
# target/dosim/view.png: the failure must be visible at the top, with its
# story listed under it, and the timeline must open on the story's first
# event, ringed in orange. Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
out=target/dosim
mkdir -p "$out"

if [ ! -x /usr/bin/chromium ]; then
    apt-get update && apt-get install -y chromium
fi

cargo build --release --example counter_racy
bin="$target/release/examples/counter_racy"

# The first seed of a short sweep that fails.
seed=$({ "$bin" run --seeds 20 --jobs 1 2>/dev/null || true; } | sed -n 's/^  failed: seed \(0x[0-9a-f]*\).*/\1/p' | head -n 1 || true)
if [ -z "$seed" ]; then
    echo "check-view: no failing seed of counter_racy in 20 seeds" >&2
    exit 1
fi
echo "check-view: failing seed $seed"

html="$out/view.html"
png="$out/view.png"
rm -f "$png"
"$bin" view "$seed" --html "$html"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --screenshot="$png" --window-size=1600,900 \
    "file://$(realpath "$html")" 2>/dev/null || true

if [ ! -f "$png" ]; then
    echo "check-view: chromium wrote no screenshot" >&2
    exit 1
fi
size=$(stat -c %s "$png")
if [ "$size" -lt 20000 ]; then
    echo "check-view: $png is only $size bytes: the page looks empty" >&2
    exit 1
fi
if ! grep -q '<div class="story">' "$html"; then
    echo "check-view: $html has no story" >&2
    exit 1
fi
echo "check-view: $png ($size bytes) — the failure and its story should be visible at the top, the timeline opened on the story's first event (ringed)"
