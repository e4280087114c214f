# shellcheck shell=bash
# A consistent copy of a server under write load, as a snapshot would make it: the engine's load
# runs; after a few seconds the plugin's sequence (prescript, freeze, block-level copy, thaw,
# postscript) runs; the frozen image is kept with what restoring it needs. The quiesce tests
# check every copy they make this way; other tests (restore drills) can make their own.
#
#   consistent_copy ENGINE DEST PRE POST [LOAD_SECONDS]
#
# ENGINE's server must run (ENGINE_config_start) on the loop file system. PRE and POST are
# commands (strings run by eval, "" for none), the pair's scripts. Leaves in DEST:
#   disk.img      the frozen copy of the data file system (XFS): the engine's data directory is
#                 the directory "dataDir" of copy.json in it
#   copy.json     {"engine", "config", "serverVersion", "prescriptExit", "postscriptExit",
#                  "holdStatus", cycle times (ms), and the engine's fields: mysql "accounts",
#                  "balanceSum", "binlogPosition"; postgresql "backupLabel", "walArchive";
#                  redis "appendonly", "mode", "keys", "minCommands", "maxCommands"}
#   binlog-position (mysql), backup_label and wal-archive/ (postgresql, strict mode and
#   archiving), writer.log (redis: the write loop's log)
# Returns non-zero when the load or the copy failed (the pair's exit statuses are in copy.json).
# ENGINE_verify_copy DEST then starts a server on the copy and checks it.

QUIESCE_STATE_DIR=/run/app-consistent-snapshot

# note_hold ENGINE: what the prescript's hold record says (builtins only: it runs between the
# prescript and the freeze).
note_hold() {
  local line
  CYCLE_HOLD_STATUS=none
  if [ -f "$QUIESCE_STATE_DIR/$1/hold" ]; then
    while IFS= read -r line; do
      if [[ $line == status=* ]]; then CYCLE_HOLD_STATUS=${line#status=}; fi
    done <"$QUIESCE_STATE_DIR/$1/hold"
  fi
}

consistent_copy() {
  local engine=$1 dest=$2 pre=$3 post=$4 seconds=${5:-10} fields version
  mkdir -p "$dest" || return 1
  rm -f "$QUIESCE_STATE_DIR/$engine/binlog-position" "$QUIESCE_STATE_DIR/$engine/backup_label"
  case "$engine" in mysql | postgresql | redis) ;; *) echo "consistent_copy: unknown engine $engine" >&2; return 1 ;; esac
  local fixture=$engine
  [ "$engine" = postgresql ] && fixture=pg
  version=$("${fixture}_server_version") || return 1
  "${fixture}_load_start" "$seconds"
  sleep 3
  snapshot_cycle "$pre" "note_hold $engine" "$post" || { "${fixture}_load_wait"; return 1; }
  "${fixture}_load_wait" || return 1
  loopfs_keep_copy "$dest" || return 1
  if [ -s "$QUIESCE_STATE_DIR/$engine/binlog-position" ]; then cp "$QUIESCE_STATE_DIR/$engine/binlog-position" "$dest/"; fi
  fields=$("${fixture}_record_copy" "$dest") || return 1
  printf '{"engine":"%s","config":"%s","serverVersion":"%s","holdStatus":"%s",%s,%s}\n' \
    "$engine" "${QTEST_CONFIG:-}" "$version" "$CYCLE_HOLD_STATUS" "$(cycle_json)" "$fields" >"$dest/copy.json"
}

# check_copy ENGINE DEST: the pair exited 0 twice and ENGINE_verify_copy accepts the copy.
check_copy() {
  local fixture=$1
  [ "$1" = postgresql ] && fixture=pg
  grep -q '"preStatus":0,"postStatus":0' "$2/copy.json" || { echo "the pair failed: $(cat "$2/copy.json")" >&2; return 1; }
  "${fixture}_verify_copy" "$2"
}
