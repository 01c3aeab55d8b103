#!/usr/bin/env bash
# Peak resident memory of the CLI streaming 10,000 and then 100,000
# connectors as ndjson to /dev/null.
#
# The sandbox runs as a process of its own (`totalcloud sandbox serve`), so
# the data it serves is not counted in the client's peak. The stream holds a
# few pages at a time, never the listing; what grows with the listing is the
# set of connector ids already yielded, 16 bytes a UUID plus the hash set's
# slack: about 3.5 MB at 100,000, at the peak of a resize.
#
# Goal: each peak under 30 MB, and the 100,000 peak within 5 MB of the 10,000
# one.
#
# Run from the repository: bash benches/rss.sh
# It builds the release binary first; K and the page size can be changed with
# RSS_MAX_IN_FLIGHT (default 4) and RSS_PAGE_SIZE (default 100).
set -euo pipefail

cd "$(dirname "$0")/.."
cargo build --release --quiet --bin totalcloud
bin="${CARGO_TARGET_DIR:-target}/release/totalcloud"
max_in_flight="${RSS_MAX_IN_FLIGHT:-4}"
page_size="${RSS_PAGE_SIZE:-100}"

source benches/support/sandbox.sh

# Lists $1 connectors under /usr/bin/time, checks the count, and leaves the
# peak RSS in kB and the wall time in $work/rss.$1 and $work/wall.$1.
measure() {
    local count=$1
    start_sandbox "$count" 0
    # `-v` logs the count at the end, to check that the listing was complete;
    # the log is colourless so that the count can be read back.
    QUALYS_USERNAME="$username" QUALYS_PASSWORD="$password" NO_COLOR=1 \
        /usr/bin/time -v -o "$work/time.$count" \
        "$bin" --base-url "$url" -v connectors list \
        --page-size "$page_size" --max-in-flight "$max_in_flight" --format ndjson \
        >/dev/null 2>"$work/client.$count"
    stop_sandbox

    local listed
    listed=$(sed 's/\x1b\[[0-9;]*m//g' "$work/client.$count" | grep -o 'connectors=[0-9]*' |
        tail -n 1 | cut -d= -f2)
    if [[ "$listed" != "$count" ]]; then
        cat "$work/client.$count" >&2
        echo "expected $count connectors, but the CLI listed ${listed:-none}" >&2
        exit 1
    fi
    grep 'Maximum resident set size' "$work/time.$count" | awk '{print $NF}' >"$work/rss.$count"
    grep 'Elapsed (wall clock)' "$work/time.$count" | awk '{print $NF}' >"$work/wall.$count"
}

mib() { awk -v kb="$1" 'BEGIN { printf "%.1f MiB", kb / 1024 }'; }

measure 10000
measure 100000
small=$(<"$work/rss.10000")
large=$(<"$work/rss.100000")

echo "page size $page_size, $max_in_flight pages in flight, ndjson to /dev/null"
echo "10000 connectors:  Maximum resident set size $small kB ($(mib "$small")), wall $(<"$work/wall.10000")"
echo "100000 connectors: Maximum resident set size $large kB ($(mib "$large")), wall $(<"$work/wall.100000")"
echo "difference: $((large - small)) kB ($(mib $((large - small))))"
echo "goal: each under 30 MB, difference under 5 MB"
