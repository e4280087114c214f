#!/bin/bash
# PostgreSQL postscript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Strict mode: calls pg_backup_stop from the session the prescript opened, prints the backup
# label and saves it (with the tablespace map) under the backup label directory: restore it as
# backup_label in the data directory when recovering from the snapshot with archived WAL.
# Exits 0 when nothing was held (default mode, or no prescript), 6 when the backup ended before
# this script ran (the snapshot is then not application-consistent).
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
pg_setup
label=""

if ! hold_load; then
  log "no backup recorded: nothing to stop"
  exit 0
fi
hold_require_held
session_check_held

out=$QUIESCE_DIR/session.out
session_send "SELECT labelfile AS qs_label, coalesce(spcmapfile, '') AS qs_map FROM pg_backup_stop(true) \gset" \
  '\echo QUIESCE-LABEL' '\qecho -n :qs_label' '\echo QUIESCE-MAP' '\qecho -n :qs_map' '\echo QUIESCE-STOPPED'
if ! session_expect QUIESCE-STOPPED "$QUIESCE_POSTGRESQL_TIMEOUT_SECONDS"; then
  session_end
  rm -f "$QUIESCE_DIR/hold"
  fail RELEASE_FAILED "pg_backup_stop failed or took over $QUIESCE_POSTGRESQL_TIMEOUT_SECONDS s (is WAL archiving failing?): $(session_error)"
fi
session_end
sed -n '/^QUIESCE-LABEL$/,/^QUIESCE-MAP$/p' "$out" | sed '1d;$d' >"$QUIESCE_DIR/backup_label"
sed -n '/^QUIESCE-MAP$/,/^QUIESCE-STOPPED$/p' "$out" | sed '1d;$d' >"$QUIESCE_DIR/tablespace_map"
rm -f "$QUIESCE_DIR/hold"

mkdir -p "$QUIESCE_POSTGRESQL_BACKUP_LABEL_DIR"
cp "$QUIESCE_DIR/backup_label" "$QUIESCE_POSTGRESQL_BACKUP_LABEL_DIR/$label.backup_label"
if [ -s "$QUIESCE_DIR/tablespace_map" ]; then
  cp "$QUIESCE_DIR/tablespace_map" "$QUIESCE_POSTGRESQL_BACKUP_LABEL_DIR/$label.tablespace_map"
fi
echo "backup label ($QUIESCE_POSTGRESQL_BACKUP_LABEL_DIR/$label.backup_label):"
cat "$QUIESCE_DIR/backup_label"
log "backup $label stopped"
