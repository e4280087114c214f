# shellcheck shell=bash
# Script store: the quiesce scripts where the plugin expects them, and a persistent,
# checksummed copy outside /tmp so that a later run can verify and repair them. Shared by the
# script deployment (install-scripts.sh adds store_install) and the snapshot wrapper
# (concatenated into both at synth time, after a header that sets PRESCRIPT_PATH,
# POSTSCRIPT_PATH, SCRIPT_MODE, SCRIPT_OWNER, SCRIPT_GROUP, PERSISTENT_SCRIPT_DIR and
# PERSISTENT_CHECKSUM_FILE).
#
# Each function prints what it found or did on stderr and returns non-zero on failure.

# The installed path of a script, by its name (prescript | postscript).
store_target_path() {
  case "$1" in
    prescript) printf '%s\n' "$PRESCRIPT_PATH" ;;
    postscript) printf '%s\n' "$POSTSCRIPT_PATH" ;;
    *) echo "script-store: unknown script name '$1'" >&2; return 2 ;;
  esac
}

store_sha256() {
  sha256sum "$1" | cut -d' ' -f1
}

# The checksum recorded for a script in the persistent store, or nothing.
store_recorded_sha256() {
  local sums="$PERSISTENT_SCRIPT_DIR/$PERSISTENT_CHECKSUM_FILE"
  [ -f "$sums" ] || return 0
  awk -v f="$1.sh" '$2 == f || $2 == "*" f { print $1; exit }' "$sums"
}

# Whether FILE is a regular file (not a symlink) owned by root:root with the plugin's mode
# and the given checksum. Prints the first problem found.
store_check_file() {
  local file="$1" want_sha="$2" owner mode
  if [ -L "$file" ]; then echo "is a symbolic link"; return 1; fi
  if [ ! -e "$file" ]; then echo "is missing"; return 1; fi
  if [ ! -f "$file" ]; then echo "is not a regular file"; return 1; fi
  owner=$(stat -c '%U:%G' "$file")
  if [ "$owner" != "$SCRIPT_OWNER:$SCRIPT_GROUP" ]; then echo "is owned by $owner, not $SCRIPT_OWNER:$SCRIPT_GROUP"; return 1; fi
  mode=$(stat -c '%a' "$file")
  if [ "$mode" != "$SCRIPT_MODE" ]; then echo "has mode $mode, not $SCRIPT_MODE"; return 1; fi
  if [ -n "$want_sha" ] && [ "$(store_sha256 "$file")" != "$want_sha" ]; then echo "has altered content (sha256 differs)"; return 1; fi
  return 0
}

# Copies SOURCE to DEST atomically: a temporary file in DEST's directory, owned and moded as
# the plugin requires, renamed into place (a rename replaces a symlink instead of following it).
store_place() {
  local source="$1" dest="$2" tmp
  tmp=$(mktemp "$(dirname "$dest")/.$(basename "$dest").XXXXXX") || return 1
  if ! { cat "$source" > "$tmp" && chown "$SCRIPT_OWNER:$SCRIPT_GROUP" "$tmp" && chmod "$SCRIPT_MODE" "$tmp"; }; then
    rm -f "$tmp"; return 1
  fi
  # Flush the new file before the rename makes it visible, so a crash leaves old or new.
  sync "$tmp" 2>/dev/null || sync
  if ! mv -f "$tmp" "$dest"; then rm -f "$tmp"; return 1; fi
}

# Verifies a script at its fixed path and repairs it from the persistent copy when it is
# missing or altered. WANT_SHA (optional) is the checksum the caller expects; the persistent
# copy must match it and its recorded checksum. Prints one of: ok, repaired.
store_ensure() {
  local name="$1" want_sha="${2:-}" target recorded problem copy_problem copy
  target=$(store_target_path "$name") || return 1
  recorded=$(store_recorded_sha256 "$name")
  if [ -z "$want_sha" ]; then want_sha="$recorded"; fi
  if [ -z "$want_sha" ]; then
    echo "script-store: $name: no checksum recorded in $PERSISTENT_SCRIPT_DIR (was the script deployment run?)" >&2; return 1
  fi
  if problem=$(store_check_file "$target" "$want_sha"); then
    echo ok; return 0
  fi
  echo "script-store: $name: $target $problem; repairing from the persistent copy" >&2
  copy="$PERSISTENT_SCRIPT_DIR/$name.sh"
  if [ "$recorded" != "$want_sha" ]; then
    echo "script-store: $name: the persistent copy is of another version (recorded sha256 ${recorded:-none}, expected $want_sha)" >&2; return 1
  fi
  if ! copy_problem=$(store_check_file "$copy" "$want_sha"); then
    echo "script-store: $name: the persistent copy $copy $copy_problem" >&2; return 1
  fi
  store_place "$copy" "$target" || { echo "script-store: $name: cannot write $target" >&2; return 1; }
  if ! problem=$(store_check_file "$target" "$want_sha"); then
    echo "script-store: $name: $target $problem after repair" >&2; return 1
  fi
  echo "script-store: $name: repaired $target from the persistent copy" >&2
  echo repaired
}
