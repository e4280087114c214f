#!/bin/bash
# Installs what the tests need on a fresh Debian 12 machine: the database servers the quiesce
# scripts are proven against, the load generators, shellcheck and bats, xfsprogs for the
# loop-mounted file systems, and the npm packages. Idempotent: installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  mariadb-server mariadb-client postgresql postgresql-contrib redis-server sysbench
  shellcheck bats xfsprogs jq util-linux iproute2 coreutils procps strace
)
missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
