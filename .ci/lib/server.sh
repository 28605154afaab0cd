# Sourced by the CI steps that drive a live server (.ci/schemathesis, .ci/swagger-ui):
# a cdmx server on loopback with a fresh SQLite database in a temporary folder, the demo
# data, a fixed demo password and a fixed JWT secret, stopped and wiped on exit.
#
# Knob (environment): CDMX_CI_SERVER, a server binary already built. Without it the
# release binary is built here; .ci/run builds it once and passes it to every step.

CI_DEMO_PASSWORD=ci-demo-password

# Sets SERVER to the binary to run.
resolve_server() {
    SERVER="${CDMX_CI_SERVER:-}"
    if [ -z "$SERVER" ]; then
        echo "== cargo build --release -p cdmx-server"
        cargo build --release -p cdmx-server
        SERVER=target/release/cdmx
    fi
    [ -x "$SERVER" ] || { echo "no server binary at $SERVER" >&2; exit 1; }
}

SERVER_PID=""
SERVER_DATA_DIR=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    [ -z "$SERVER_DATA_DIR" ] || rm -rf "$SERVER_DATA_DIR"
}

# start_server LOG: starts $SERVER, logging to LOG, and waits until it is ready; sets BASE
# (e.g. http://127.0.0.1:41234) and stops the server when the calling script exits.
start_server() {
    local log="$1"
    SERVER_DATA_DIR="$(mktemp -d)"
    trap stop_server EXIT
    echo "== starting the server (SQLite in $SERVER_DATA_DIR, demo data)"
    : >"$log"
    CDMX_BIND=127.0.0.1:0 \
    CDMX_DATABASE_URL="sqlite://$SERVER_DATA_DIR/cdmx.db" \
    CDMX_DEMO_DATA=true \
    CDMX_DEMO_PASSWORD="$CI_DEMO_PASSWORD" \
    CDMX_JWT_SECRET=ci-fixed-jwt-secret-0123456789abcdef \
    CDMX_SHUTDOWN_TIMEOUT_SECONDS=5 \
    CDMX_RATE_LIMIT_LOGIN_PER_ADDRESS=0 \
    CDMX_RATE_LIMIT_LOGIN_PER_ACCOUNT=0 \
    CDMX_RATE_LIMIT_SIGNUP_PER_ADDRESS=0 \
    CDMX_RATE_LIMIT_SIGNUP_PER_ACCOUNT=0 \
    CDMX_RATE_LIMIT_ORGANIZATION_WRITES=0 \
    CDMX_RATE_LIMIT_ORGANIZATION_MATCHES=0 \
    CDMX_LOGIN_FAILURES_BEFORE_BACKOFF=0 \
    CDMX_LOG=warn \
        "$SERVER" >"$log" 2>&1 &
    SERVER_PID=$!

    BASE=""
    for _ in $(seq 1 120); do
        kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; echo "the server exited" >&2; exit 1; }
        BASE="$(sed -n 's|^cdmx listening on \(http://[^ ]*\)$|\1|p' "$log" | head -n 1)"
        [ -n "$BASE" ] && curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null && break
        BASE=""
        sleep 0.5
    done
    [ -n "$BASE" ] || { cat "$log" >&2; echo "the server did not become ready" >&2; exit 1; }
    echo "server ready at $BASE"
}

# token_for EMAIL: prints an access token for a demo account.
token_for() {
    curl -fsS "$BASE/v1/auth/token" -H 'content-type: application/json' \
        -d "{\"grant_type\": \"password\", \"email\": \"$1\", \"password\": \"$CI_DEMO_PASSWORD\"}" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}
