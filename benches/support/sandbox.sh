# Sourced by the benchmark scripts: runs `totalcloud sandbox serve` as a
# process of its own, so that what it serves never counts against the client.
#
# Needs `$bin`, the release binary. Gives `$work`, a scratch folder removed on
# exit (with the sandbox stopped), `start_sandbox CONNECTORS LATENCY_MS`, which
# sets `$url`, `$username` and `$password`, and `stop_sandbox`.

work=$(mktemp -d)
server=""
cleanup() {
    if [[ -n "$server" ]]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# Starts a sandbox and waits for its first line, which says where it listens
# and with which credentials.
start_sandbox() {
    "$bin" sandbox serve --connectors "$1" --latency-ms "$2" >"$work/serve.out" 2>"$work/serve.err" &
    server=$!
    # Generating 100,000 connectors takes a few seconds.
    for _ in $(seq 600); do
        if [[ -s "$work/serve.out" ]]; then
            read -r url username password <"$work/serve.out"
            return
        fi
        if ! kill -0 "$server" 2>/dev/null; then
            cat "$work/serve.err" >&2
            echo "the sandbox exited before saying where it listens" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "the sandbox did not start within 60 s" >&2
    exit 1
}

stop_sandbox() {
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
}
