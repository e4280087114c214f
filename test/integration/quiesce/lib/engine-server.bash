# shellcheck shell=bash
# The server of one configuration of the matrix on a new loop file system, for the scripts that
# run against one (run-config.sh, make-copy.sh, bench/restore/bench.sh):
#
#   engine_server_start ENGINE CONFIG   sources lib/ENGINE.bash, creates the loop file system and
#                                       starts ENGINE's server in CONFIG; returns 2 for an unknown
#                                       engine
#   engine_server_stop                  thaws, stops the server (and the one that checks a copy),
#                                       releases and destroys everything: for a trap on EXIT, set
#                                       before engine_server_start

ENGINE_FIXTURE=""
ENGINE_COPY_SERVER=""

engine_server_start() {
  local size
  case "$1" in
    mysql) ENGINE_FIXTURE=mysql ENGINE_COPY_SERVER=m2 size=512 ;;
    postgresql) ENGINE_FIXTURE=pg ENGINE_COPY_SERVER=p2 size=1024 ;;
    redis) ENGINE_FIXTURE=redis ENGINE_COPY_SERVER=r2 size=512 ;;
    *) echo "unknown engine $1" >&2; return 2 ;;
  esac
  # shellcheck source=/dev/null
  . "$QTEST_LIB/$1.bash"
  loopfs_create "$size" && "${ENGINE_FIXTURE}_config_start" "$2"
}

engine_server_stop() {
  loopfs_thaw
  if [ -n "$ENGINE_FIXTURE" ]; then
    server_stop "$ENGINE_COPY_SERVER"
    "${ENGINE_FIXTURE}_server_stop"
  fi
  stock_data_dir_release
  loopfs_destroy
}
