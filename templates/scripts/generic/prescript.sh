#!/bin/bash
# Generic prescript: flush dirty pages to disk before the plugin freezes the file systems.
# Fits applications that keep no unflushed state of their own; nothing is paused, so there is
# nothing for the postscript to undo.
set -euo pipefail
rc=0
sync || rc=$?
if [ "$rc" != 0 ]; then
  echo "prescript(generic): FAILED: sync exited $rc" >&2
  exit 1
fi
echo "prescript(generic): file system buffers flushed" >&2
