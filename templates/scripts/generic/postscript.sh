#!/bin/bash
# Generic postscript: the generic prescript pauses nothing, so there is nothing to resume.
set -euo pipefail
echo "postscript(generic): nothing to resume" >&2
