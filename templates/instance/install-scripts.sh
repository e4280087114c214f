# shellcheck shell=bash
# Script deployment: the body run by the ALIYUN::ECS::RunCommand that installs the quiesce
# scripts. The generated command puts the header and script-store.sh before this body, and
# after it the scripts gzip-compressed and Base64-encoded in a quoted here-document for
# `unpack_payloads` (to fit Cloud Assistant's 16 KB), one `stage_payload` call per script and
# `install_staged`. Exit status: 0 when both scripts are in place and verified,
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

# unpack_payloads < Base64 of the gzip-compressed scripts, one after the other (one stream,
# so that what the two scripts share is compressed once).
unpack_payloads() {
  if ! base64 -d | gunzip > "$STAGE_DIR/payloads"; then
    echo "install-scripts: the scripts could not be decoded (base64 and gzip are needed)" >&2
    exit 1
  fi
}

# stage_payload NAME SHA256 OFFSET LENGTH: one script, cut from the unpacked stream by bytes.
# The installed bytes are exactly the synthesized ones: store_install checks the checksum.
stage_payload() {
  local name="$1" sha="$2" offset="$3" length="$4" file="$STAGE_DIR/$1"
  tail -c +"$((offset + 1))" "$STAGE_DIR/payloads" | head -c "$length" > "$file"
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
