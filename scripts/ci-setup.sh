#!/usr/bin/env bash
# Installs what the e2e tests (npm run test:e2e) need on a clean Debian machine, as root.
# Idempotent: each step is skipped when already done. Called by .ci/run before the tests.
#   - Debian's Chromium (playwright-core drives it; no browser download)
#   - a C/C++ toolchain and Python for compiling n8n's sqlite3 and isolated-vm against Node 24
#   - Redis and PostgreSQL for the queue-mode test (npm run test:e2e:queue); it creates, starts and
#     removes its own throwaway instances, so the services the packages bring are not used
#   - the n8n runtime cache: Node 24 + n8n 2.41.1 in .cache/n8n-runtime (about 4-6 minutes once)
#   - n8n 1.123.81 on Node 22 in .cache/n8n-runtime-1.123.81, and verdaccio in .cache/verdaccio
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v make >/dev/null 2>&1 || need+=(make)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v curl >/dev/null 2>&1 || need+=(curl) # the e2e test runs npm start's printed curl line
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# Debian keeps initdb and pg_ctl in /usr/lib/postgresql/<version>/bin, off PATH.
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || need+=(postgresql)
if ((${#need[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "Missing: ${need[*]}. Install them once as root (Debian): apt-get update && apt-get install -y ${need[*]}" >&2
		exit 1
	fi
	echo "== apt-get install ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# redis-server and postgresql start system services on install; the tests start their own.
	# Debian's policy-rc.d hook (exit 101 = "not allowed") keeps invoke-rc.d from starting them.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod +x /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	apt-get update -qq
	# With recommends: Chromium's fonts come along (as on the machines the tests were written on).
	apt-get install -y -qq "${need[@]}" >/dev/null
fi
chromium --version 2>/dev/null | head -1 || true

echo "== n8n runtime (Node 24 + n8n) in .cache/n8n-runtime"
started=$(date +%s)
bash scripts/ensure-n8n-runtime.sh >/dev/null
echo "n8n runtime ready ($(( $(date +%s) - started )) s)"

echo "== n8n 1.x runtime (Node 22 + n8n 1.123.81) in .cache/n8n-runtime-1.123.81"
started=$(date +%s)
EMARSYS_N8N_VERSION=1.123.81 bash scripts/ensure-n8n-runtime.sh >/dev/null
echo "n8n 1.x runtime ready ($(( $(date +%s) - started )) s)"

# The registry-install e2e test makes a throwaway TLS certificate with openssl.
if ! command -v openssl >/dev/null 2>&1; then
	if [[ $(id -u) -ne 0 ]]; then
		echo "Missing: openssl. Install it once as root (Debian): apt-get update && apt-get install -y openssl" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi

echo "== local npm registry (verdaccio) in .cache/verdaccio"
started=$(date +%s)
bash scripts/ensure-verdaccio.sh >/dev/null
echo "verdaccio ready ($(( $(date +%s) - started )) s)"
