#!/bin/bash
# Runs a command as root in a throwaway copy of this machine, so that what the command writes
# (the scripts under /tmp, state under /run, the persistent copy under /var/lib, a database's
# lock) never reaches the host, and no traffic leaves the machine.
#
#   test/harness/sandbox.sh [--bind HOST_DIR[:SANDBOX_DIR]]... [--path DIR]... -- COMMAND [ARG...]
#
# Inside: new mount, network and PID namespaces (`unshare`); an overlay with the host's `/` as
# its read-only lower layer and a private tmpfs as its upper layer; fresh tmpfs on /tmp, /run
# and /dev/shm; /proc of the new PID namespace; /dev and /sys from the host (for loop devices);
# only a loopback interface, brought up. `--bind` shares a host directory read-write (for
# results the test reads back); `--path` puts a directory in front of PATH. The command's exit
# status is the sandbox's. Everything else disappears with the namespaces.
set -euo pipefail

binds=()
paths=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bind) binds+=("$2"); shift 2 ;;
    --path) paths+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "sandbox: unknown option $1 (usage: sandbox.sh [--bind DIR[:DIR]]... [--path DIR]... -- COMMAND...)" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || { echo "sandbox: no command given" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "sandbox: must run as root (it mounts and chroots)" >&2; exit 2; }

workdir=$(mktemp -d /tmp/app-snapshot-sandbox.XXXXXX)
trap 'rmdir "$workdir" 2>/dev/null || true' EXIT

# The repository must stay visible inside: it is, through the overlay, unless it lies under one
# of the directories the sandbox replaces with a fresh tmpfs (a clone under /tmp, say); then it
# is bound in at its own path.
repo=$(cd "$(dirname "$0")/../.." && pwd)
case "$repo/" in
  /tmp/*|/run/*|/dev/shm/*) binds=("$repo:$repo" "${binds[@]}") ;;
esac

export SANDBOX_WORKDIR="$workdir"
export SANDBOX_BINDS="${binds[*]:-}"
export SANDBOX_PATHS="${paths[*]:-}"

status=0
unshare --mount --net --pid --fork --propagation private -- bash -s "$@" <<'INNER' || status=$?
set -euo pipefail
w="$SANDBOX_WORKDIR"
mount -t tmpfs -o mode=0700 sandbox "$w"
mkdir -p "$w/upper" "$w/work" "$w/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$w/upper,workdir=$w/work" "$w/root"
r="$w/root"
mount -t proc proc "$r/proc"
mount --rbind /dev "$r/dev"
mount --make-rslave "$r/dev"
mount --rbind /sys "$r/sys"
mount --make-rslave "$r/sys"
mount -t tmpfs -o mode=1777 tmpfs "$r/tmp"
mount -t tmpfs -o mode=0755 tmpfs "$r/run"
mount -t tmpfs -o mode=1777 tmpfs "$r/dev/shm"
for b in $SANDBOX_BINDS; do
  src="${b%%:*}"; dst="${b#*:}"
  [ "$b" = "$src" ] && dst="$src"
  mkdir -p "$r$dst"
  mount --bind "$src" "$r$dst"
done
ip link set lo up
p="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
for d in $SANDBOX_PATHS; do p="$d:$p"; done
exec chroot "$r" /usr/bin/env -i PATH="$p" HOME=/root LANG=C.UTF-8 TERM=dumb \
  SANDBOXED=1 "$@"
INNER
exit "$status"
