# shellcheck shell=bash
# Helpers for the quiesce bats files, which run-config.sh runs inside test/harness/sandbox.sh
# against the server of one configuration. The jest wrapper renders the script variants with
# QuiesceScripts and binds them at $QTEST_DIR/scripts/<variant>/.

QTEST_LIB=$(dirname "${BASH_SOURCE[0]}")
# shellcheck source=servers.bash
. "$QTEST_LIB/servers.bash"
# shellcheck source=loopfs.bash
. "$QTEST_LIB/loopfs.bash"
# shellcheck source=cycle.bash
. "$QTEST_LIB/cycle.bash"
# shellcheck source=copy.bash
. "$QTEST_LIB/copy.bash"
# shellcheck source=engine-server.bash
. "$QTEST_LIB/engine-server.bash"

: "${QTEST_DIR:?set by the jest wrapper}"
QUIESCE_STATE=/run/app-consistent-snapshot

# pre VARIANT / post VARIANT: run a rendered script as the plugin would (no arguments).
pre() { "$QTEST_DIR/scripts/$1/prescript.sh"; }
post() { "$QTEST_DIR/scripts/$1/postscript.sh"; }

ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }

assert_status() {
  [ "$status" -eq "$1" ] || { echo "expected exit status $1, got $status; output: $output" >&2; return 1; }
}

assert_output_has() {
  [[ $output == *"$1"* ]] || { echo "expected the output to contain '$1'; output: $output" >&2; return 1; }
}

# assert_between VALUE MIN MAX WHAT
assert_between() {
  if [ "$1" -lt "$2" ] || [ "$1" -gt "$3" ]; then echo "$4: $1 not within [$2, $3]" >&2; return 1; fi
}

# bg_run NAME COMMAND...: runs COMMAND in the background; when it ends, NAME.done holds its exit
# status and end time (ms).
bg_run() {
  local name=$1
  shift
  (
    rc=0
    "$@" >"$BATS_TEST_TMPDIR/$name.out" 2>&1 || rc=$?
    echo "$rc $(ms)" >"$BATS_TEST_TMPDIR/$name.done"
  ) &
}

bg_done() { [ -e "$BATS_TEST_TMPDIR/$1.done" ]; }

assert_running() {
  if bg_done "$1"; then echo "$1 ended, it should still be waiting: $(cat "$BATS_TEST_TMPDIR/$1.out")" >&2; return 1; fi
}

# bg_wait NAME SECONDS: waits for NAME to end; sets BG_STATUS and BG_END_MS.
bg_wait() {
  wait_until "$2" bg_done "$1" || { echo "$1 still running after $2 s" >&2; return 1; }
  read -r BG_STATUS BG_END_MS <"$BATS_TEST_TMPDIR/$1.done"
}

# assert_nothing_held ENGINE: no process is left holding one of the engine's session FIFOs (the
# keeper, which is the watchdog, or the client). The server-side checks are the tests'.
assert_nothing_held() {
  local held
  held=$(find /proc/[0-9]*/fd -lname "$QUIESCE_STATE/$1/session.*" 2>/dev/null) || true
  if [ -n "$held" ]; then
    echo "processes still hold a session: $held" >&2
    return 1
  fi
}

# write_secret PATH MODE CONTENT: a credentials file for the tests.
write_secret() {
  install -m "$2" /dev/null "$1"
  printf '%s\n' "$3" >"$1"
}

# check_prescript_fails VARIANT STATUS MESSAGE MIN_MS MAX_MS: the prescript exits STATUS with
# MESSAGE after MIN_MS to MAX_MS and leaves no process holding anything.
check_prescript_fails() {
  local start
  start=$(ms)
  run pre "$1"
  assert_status "$2"
  assert_output_has "$3"
  assert_between $(($(ms) - start)) "$4" "$5" "prescript took (ms)"
  assert_nothing_held "$QTEST_ENGINE"
}

# check_late_postscript WATCHDOG_VARIANT NEXT_VARIANT: after the watchdog ended the hold, every
# postscript exits 6 until the next prescript, which works again (with NEXT_VARIANT's pair).
check_late_postscript() {
  run post "$1"
  assert_status 6
  assert_output_has "NOT application-consistent"
  run post "$1"
  assert_status 6
  run pre "$2"
  assert_status 0
  run post "$2"
  assert_status 0
}

# write_waits / write_went_through: the test file's probe_write is blocked now / went through
# since (check_repeats takes them as checks).
write_waits() { bg_run write probe_write; sleep 1; assert_running write; }
write_went_through() { bg_wait write 10; [ "$BG_STATUS" = 0 ]; }

# assert_probe_write_ms MIN MAX WHAT: the test file's probe_write takes MIN to MAX ms.
assert_probe_write_ms() {
  local start
  start=$(ms)
  probe_write
  assert_between $(($(ms) - start)) "$1" "$2" "$3 (ms)"
}

# check_repeats VARIANT NOTHING_MESSAGE HELD_CHECK RELEASED_CHECK: a postscript without a
# prescript exits 0 saying NOTHING_MESSAGE; a second prescript exits 5 and leaves the first
# hold (HELD_CHECK runs while it should hold, RELEASED_CHECK after the postscript); a second
# postscript exits 0.
check_repeats() {
  run post "$1"
  assert_status 0
  assert_output_has "$2"
  run pre "$1"
  assert_status 0
  run pre "$1"
  assert_status 5
  "$3"
  run post "$1"
  assert_status 0
  "$4"
  run post "$1"
  assert_status 0
  assert_output_has "$2"
}

# check_consistency ENGINE VARIANT: ENGINE's load for 10 s; after 3 s the plugin's sequence with
# VARIANT's pair; the copy (kept in $COPY_DIR) must be consistent (ENGINE_verify_copy
# sets VERIFY_JSON and the engine's VERIFY_* values).
check_consistency() {
  # On the outer file system (a reflink is instant), readable by the servers' own users.
  COPY_DIR=$LOOPFS_OUTER/copies/${BATS_TEST_FILENAME##*/}-$BATS_TEST_NUMBER
  rm -rf "$COPY_DIR"
  consistent_copy "$1" "$COPY_DIR" "pre $2" "post $2"
  check_copy "$1" "$COPY_DIR"
}

# traced ROLE VARIANT: runs the prescript or postscript under strace (every process start, every
# write, and what the script reads from its session), the trace in $BATS_TEST_TMPDIR/ROLE.trace.
# strace leaves a process at its execve, so that the long-lived session is not traced.
traced() {
  strace -f -b execve -tt -s 256 -e trace=execve,write,read -e read=5 -o "$BATS_TEST_TMPDIR/$1.trace" \
    "$QTEST_DIR/scripts/$2/$1.sh"
}

# assert_no_process_under_hold ROLE: in the trace of traced ROLE, no process starts while writers
# wait: in a prescript, from the write that takes the hold to the end; in a postscript, from the
# start to the answer of the write that releases it.
assert_no_process_under_hold() {
  node "$QTEST_LIB/../load/trace-check.js" "$1" "$BATS_TEST_TMPDIR/$1.trace"
}
