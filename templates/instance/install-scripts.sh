# shellcheck shell=bash
# Script deployment: the body run by the ALIYUN::ECS::RunCommand that installs the quiesce
# scripts. The generated command puts the header and script-store.sh before this body, and
# after it one `stage_payload` call per script (with the content as a quoted here-document)
# followed by `install_staged`. Exit status: 0 when both scripts are in place and verified,
# 1 on any failure (with the reason on stderr).
set -euo pipefail
umask 077

if [ "$(id -u)" != 0 ]; then
  echo "install-scripts: must run as root (Cloud Assistant runs RunShellScript as root by default)" >&2
  exit 1
fi

STAGE_DIR=$(mktemp -d /tmp/.app-snapshot-stage.XXXXXX)
trap 'rm -rf "$STAGE_DIR"' EXIT
STAGED_NAMES=()

# stage_payload NAME SHA256 STRIP_FINAL_NEWLINE < content
# A here-document always ends with a newline: STRIP_FINAL_NEWLINE=1 removes it again for a
# script whose content has none, so the installed bytes are exactly the synthesized ones.
stage_payload() {
  local name="$1" sha="$2" strip="$3" file="$STAGE_DIR/$1"
  cat > "$file"
  if [ "$strip" = 1 ]; then truncate -s -1 "$file"; fi
  printf '%s\n' "$sha" > "$file.sha256"
  STAGED_NAMES+=("$name")
}

install_staged() {
  local name failed=0
  for name in "${STAGED_NAMES[@]}"; do
    store_install "$name" "$STAGE_DIR/$name" "$(cat "$STAGE_DIR/$name.sha256")" || failed=1
  done
  if [ "$failed" != 0 ]; then
    echo "install-scripts: FAILED: see the messages above" >&2
    exit 1
  fi
  echo "install-scripts: OK: ${STAGED_NAMES[*]} installed and verified"
}
