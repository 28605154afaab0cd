# Sourced by the CI steps that drive Debian's Chromium with playwright-core
# (.ci/swagger-ui, .ci/report-html): installs Chromium when missing, and the
# playwright-core pinned in .ci/swagger-ui.d into target/ (never into the repository),
# reinstalled only when the committed lock file changes.

CHROMIUM=/usr/bin/chromium
PACKAGE=.ci/swagger-ui.d
NODE_DIR=target/swagger-ui-node

ensure_browser() {
    if [ ! -x "$CHROMIUM" ]; then
        echo "== installing Chromium"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    fi
    echo "== $("$CHROMIUM" --version 2>/dev/null)"
    if ! cmp -s "$PACKAGE/package-lock.json" "$NODE_DIR/package-lock.json" ||
        [ ! -d "$NODE_DIR/node_modules/playwright-core" ]; then
        echo "== npm ci (playwright-core, into $NODE_DIR)"
        rm -rf "$NODE_DIR"
        mkdir -p "$NODE_DIR"
        cp "$PACKAGE/package.json" "$PACKAGE/package-lock.json" "$NODE_DIR/"
        (cd "$NODE_DIR" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    fi
}
