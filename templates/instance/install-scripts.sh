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

# Installs a staged script: checks it against the expected checksum, stores the persistent
# copy and its checksum, then places the script at its fixed path and verifies the result.
store_install() {
  local name="$1" staged="$2" want_sha="$3" target got problem sums tmp_sums
  target=$(store_target_path "$name") || return 1
  got=$(store_sha256 "$staged")
  if [ "$got" != "$want_sha" ]; then
    echo "script-store: $name: staged content has sha256 $got, expected $want_sha" >&2; return 1
  fi
  install -d -o root -g root -m 700 "$PERSISTENT_SCRIPT_DIR" || return 1
  store_place "$staged" "$PERSISTENT_SCRIPT_DIR/$name.sh" || { echo "script-store: $name: cannot write the persistent copy" >&2; return 1; }
  sums="$PERSISTENT_SCRIPT_DIR/$PERSISTENT_CHECKSUM_FILE"
  tmp_sums=$(mktemp "$PERSISTENT_SCRIPT_DIR/.sums.XXXXXX") || return 1
  { [ -f "$sums" ] && awk -v f="$name.sh" '$2 != f' "$sums"; printf '%s  %s\n' "$want_sha" "$name.sh"; } | sort -k2 > "$tmp_sums"
  if ! { chmod 600 "$tmp_sums" && mv -f "$tmp_sums" "$sums"; }; then rm -f "$tmp_sums"; return 1; fi
  store_place "$staged" "$target" || { echo "script-store: $name: cannot write $target" >&2; return 1; }
  if ! problem=$(store_check_file "$target" "$want_sha"); then
    echo "script-store: $name: $target $problem after installation" >&2; return 1
  fi
  echo "script-store: $name: installed $target (sha256 $want_sha, $SCRIPT_OWNER:$SCRIPT_GROUP, mode $SCRIPT_MODE) and its persistent copy" >&2
}

# Exit status 0 or 1 only, whatever status a failing tool gave under set -e: never one after
# which Cloud Assistant would power off or reboot the instance (193, 194).
STAGE_DIR=""
on_exit() {
  local status=$?
  [ -z "$STAGE_DIR" ] || rm -rf "$STAGE_DIR"
  [ "$status" = 0 ] || exit 1
}
trap on_exit EXIT
STAGE_DIR=$(mktemp -d /tmp/.app-snapshot-stage.XXXXXX)
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
