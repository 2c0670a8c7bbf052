# Shared harness of the sharing stage's end-to-end tests (share_hub, share_flood, share_fault),
# sourced, not run. share_test_begin NAME PARENT TAIL: a private run folder under PARENT that is
# entered and removed at exit (kept with KEEP_TMP=1), the started processes in pids[] killed at
# exit, fail MSG (prints the last TAIL lines of every *.err, exits 1) and wait_for COND SECONDS.
# SPDX-License-Identifier: GPL-2.0-or-later
share_test_begin() {
  share_test_name=$1 share_test_tail=$3
  mkdir -p "$2"
  tmp=$(mktemp -d "$2/run.XXXXXX")
  pids=()
  trap share_test_cleanup EXIT
  cd "$tmp" || exit 1
}
share_test_cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
fail() {
  echo "$share_test_name: FAIL: $*" >&2
  for f in "$tmp"/*.err; do
    [ -e "$f" ] && { echo "--- $f" >&2; tail -n "$share_test_tail" "$f" >&2; }
  done
  exit 1
}
# wait_for COND SECONDS: poll a shell condition every 0.1 s
wait_for() {
  local i
  for i in $(seq $(($2 * 10))); do eval "$1" && return 0; sleep 0.1; done
  return 1
}
