#!/bin/bash
# Generic prescript: flush dirty pages to disk before the plugin freezes the file systems.
# Fits applications that keep no unflushed state of their own; nothing is paused, so there is
# nothing for the postscript to undo.
set -euo pipefail
sync
echo "prescript(generic): file system buffers flushed" >&2
