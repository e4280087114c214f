#!/bin/bash
# PostgreSQL postscript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Strict mode: calls pg_backup_stop from the session the prescript opened, waits until the WAL
# the backup needs is archived, prints the backup label and saves it (with the tablespace map)
# under the backup label directory: restore it as backup_label in the data directory when
# recovering from the snapshot with the archived WAL.
# Exits 0 when nothing was held (default mode, or no prescript), 6 when the backup ended before
# this script ran (the snapshot is then not application-consistent), 7 when the backup could not
# be stopped or its WAL was not archived in time (the label is then not usable).
# Options and exit statuses: docs/quiesce-scripts.md.
set -euo pipefail

# quiesce:options

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=../lib/session.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/session.sh"
# shellcheck source=postgresql.sh
. "$(dirname "${BASH_SOURCE[0]}")/postgresql.sh"

quiesce_init postscript postgresql
label="" version_num=150000
timeout_ms=$((QUIESCE_POSTGRESQL_TIMEOUT_SECONDS * 1000))

if ! hold_load || [ "$status" = released ]; then
  log "no backup recorded: nothing to stop"
  exit 0
fi
hold_require_held
now_ms
if [ "$NOW_MS" -ge "$deadline_ms" ]; then
  session_end
  hold_lost "the hold timeout passed before the postscript ran, so the watchdog ended the backup"
fi
if ! session_alive || ! session_attach; then
  session_end
  hold_lost "the session holding the backup ended before the postscript ran"
fi

stop_call="pg_backup_stop(false)"
if [ "$version_num" -lt 150000 ]; then stop_call="pg_stop_backup(false, false)"; fi
# Stopping without waiting for the archiver (which PostgreSQL checks once a second): the wait
# for the archived WAL follows, in steps of 20 ms.
session_nonce
session_send "SELECT 'QUIESCE-HELD-$SESSION_NONCE';" \
  "SELECT labelfile AS qs_label, coalesce(spcmapfile, '') AS qs_map, pg_walfile_name(lsn) AS qs_wal FROM $stop_call \\gset" \
  '\echo QUIESCE-LABEL' '\qecho -n :qs_label' '\echo QUIESCE-MAP' '\qecho -n :qs_map' \
  "\\echo QUIESCE-STOPPED-$SESSION_NONCE :qs_wal"
rc=0
session_read "QUIESCE-STOPPED-$SESSION_NONCE " "$timeout_ms" || rc=$?
held=false
for line in "${SESSION_LINES[@]}"; do
  if [ "$line" = "QUIESCE-HELD-$SESSION_NONCE" ]; then held=true; fi
done
if [ "$rc" != 0 ]; then
  error=$(session_error)
  session_end
  pg_end_hold_sessions
  if [ "$held" = false ]; then
    hold_lost "the session holding the backup did not answer (it ended, or took over $QUIESCE_POSTGRESQL_TIMEOUT_SECONDS s): $error"
  fi
  hold_save status=released "label=$label"
  fail RELEASE_FAILED "pg_backup_stop failed or took over $QUIESCE_POSTGRESQL_TIMEOUT_SECONDS s; the backup is aborted: $error"
fi
wal=${SESSION_MARK##* }
section="" backup_label="" tablespace_map=""
for line in "${SESSION_LINES[@]}"; do
  case "$line" in
    QUIESCE-LABEL) section=label ;;
    QUIESCE-MAP) section=map ;;
    *)
      case "$section" in
        label) backup_label+="$line"$'\n' ;;
        map) tablespace_map+="$line"$'\n' ;;
      esac
      ;;
  esac
done
hold_save status=released "label=$label"

# The label is usable only with every WAL file up to the end of the backup archived.
now_ms
until_ms=$((NOW_MS + timeout_ms))
while true; do
  session_send "SELECT CONCAT_WS(' ', 'QUIESCE-ARCHIVER', coalesce(last_archived_wal, '-'), coalesce(last_failed_wal, '-')) FROM pg_stat_archiver;"
  session_read 'QUIESCE-ARCHIVER ' "$timeout_ms" || break
  read -r _ archived failed <<<"$SESSION_MARK"
  if [ "$archived" != - ] && [[ ! ${archived:0:24} < $wal ]]; then
    archived_ok=true
    break
  fi
  now_ms
  [ "$NOW_MS" -lt "$until_ms" ] || break
  session_sleep 20
done
session_end
if [ "${archived_ok:-false}" != true ]; then
  fail RELEASE_FAILED "the backup is stopped, but WAL file $wal was not archived within $QUIESCE_POSTGRESQL_TIMEOUT_SECONDS s (last archived: ${archived:-?}, last failed: ${failed:-?}): the backup label cannot be restored without it"
fi

printf '%s' "$backup_label" >"$QUIESCE_DIR/backup_label"
printf '%s' "$tablespace_map" >"$QUIESCE_DIR/tablespace_map"
mkdir -p "$QUIESCE_POSTGRESQL_BACKUP_LABEL_DIR"
cp "$QUIESCE_DIR/backup_label" "$QUIESCE_POSTGRESQL_BACKUP_LABEL_DIR/$label.backup_label"
if [ -s "$QUIESCE_DIR/tablespace_map" ]; then
  cp "$QUIESCE_DIR/tablespace_map" "$QUIESCE_POSTGRESQL_BACKUP_LABEL_DIR/$label.tablespace_map"
fi
echo "backup label ($QUIESCE_POSTGRESQL_BACKUP_LABEL_DIR/$label.backup_label):"
printf '%s' "$backup_label"
log "backup $label stopped; WAL archived up to $wal"
