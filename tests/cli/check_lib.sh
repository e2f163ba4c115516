# Shared by the command-line test scripts (source it): a temporary work dir and three checks.
#   run NAME CMD...              CMD must succeed; its stdout is kept in $work/last.out
#   check NAME CMD...            an assertion; must succeed; leaves $work/last.out alone
#   expect_error NAME PAT CMD... CMD must exit 1 and print PAT on stderr
# finish LABEL prints "LABEL: N passed, M failed" and returns non-zero on any failure.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0 checks=0

run() {
  checks=$((checks + 1))
  if ! "${@:2}" >"$work/last.out" 2>"$work/last.err"; then
    echo "FAIL: $1"; sed 's/^/  | /' "$work/last.err" | tail -5; failures=$((failures + 1))
  fi
}
check() {
  checks=$((checks + 1))
  if ! "${@:2}" >/dev/null 2>"$work/check.err"; then
    echo "FAIL: $1"; sed 's/^/  | /' "$work/check.err" | tail -5; failures=$((failures + 1))
  fi
}
expect_error() {
  checks=$((checks + 1))
  "${@:3}" >"$work/last.out" 2>"$work/last.err"
  local rc=$?
  if [ $rc -ne 1 ] || ! grep -q -- "$2" "$work/last.err"; then
    echo "FAIL: $1 (exit $rc, stderr:)"; sed 's/^/  | /' "$work/last.err" | tail -5; failures=$((failures + 1))
  fi
}
finish() {
  echo "$1: $((checks - failures)) passed, $failures failed"
  [ "$failures" -eq 0 ]
}
