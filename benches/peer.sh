#!/usr/bin/env bash
# Side by side with the Python SDK: the same 5,000 connectors, from the same
# sandbox with 50 ms before every answer, in pages of 100, listed by the
# `totalcloud` CLI (4 pages in flight) and by qualysdk 0.3.17 (one page after
# another). Prints both wall times, medians of a few alternating runs, and
# their ratio.
#
# Goal: ours at least 3× faster. Counting latency alone, qualysdk waits 50
# times and we wait 14 (the first page alone, then ⌈49/4⌉ waves), about 3.6×;
# each client's own work per page moves the ratio from there.
#
# For people, not CI: the first run installs qualysdk (and pandas, which it
# pulls in, about 400 MB) into a virtual environment under target/.
#
# Run from the repository: bash benches/peer.sh
# PEER_RUNS (default 3) sets the runs per client, PEER_MAX_IN_FLIGHT (default
# 4) our K.
set -euo pipefail

cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
bin="$target/release/totalcloud"
venv="$target/peer-venv"
runs="${PEER_RUNS:-3}"
max_in_flight="${PEER_MAX_IN_FLIGHT:-4}"
connectors=5000
page_size=100

cargo build --release --quiet --bin totalcloud
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import qualysdk' 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'qualysdk==0.3.17'
fi

source benches/support/sandbox.sh
start_sandbox "$connectors" 50

# Our whole process is timed, start-up included; the peer times only its
# listing call (see peer.py).
ours() {
    local started ended count
    started=$(date +%s%N)
    QUALYS_USERNAME="$username" QUALYS_PASSWORD="$password" \
        "$bin" --base-url "$url" connectors list \
        --page-size "$page_size" --max-in-flight "$max_in_flight" --format ndjson >"$work/ours.ndjson"
    ended=$(date +%s%N)
    count=$(wc -l <"$work/ours.ndjson")
    check "totalcloud" "$count"
    awk -v ns=$((ended - started)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

peer() {
    local count seconds
    read -r count seconds < <("$venv/bin/python" benches/peer.py "$url" "$username" "$password" "$page_size")
    check "qualysdk" "$count"
    echo "$seconds"
}

check() {
    if [[ "$2" -ne "$connectors" ]]; then
        echo "$1 listed $2 connectors, expected $connectors" >&2
        exit 1
    fi
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$work/ours.times"
: >"$work/peer.times"
for run in $(seq "$runs"); do
    ours >>"$work/ours.times"
    peer >>"$work/peer.times"
    echo "run $run: totalcloud $(tail -n 1 "$work/ours.times") s, qualysdk $(tail -n 1 "$work/peer.times") s"
done

ours_median=$(median <"$work/ours.times")
peer_median=$(median <"$work/peer.times")
echo "$connectors connectors, pages of $page_size, 50 ms latency, medians of $runs runs:"
echo "totalcloud (K=$max_in_flight): $ours_median s"
echo "qualysdk 0.3.17:   $peer_median s"
awk -v o="$ours_median" -v p="$peer_median" \
    'BEGIN { printf "ratio: ours %.2f× faster (goal: at least 3×)\n", p / o }'
