#!/usr/bin/env bash
# make test: the tests that need no Asterisk and the real-call tests, at once.
#
# The real-call tests (pytest -m asterisk) take some 23 minutes, and most of
# it is waiting: prompts, rings and faxes run at the speed of sound.  The
# rest (unit, bench, PostgreSQL) is CPU work of about 3.5 minutes on two
# cores.  Run one after the other they took about 35 minutes; side by side
# the second part costs almost nothing.  It runs at the lowest CPU priority
# (nice 19), so Asterisk, Hotline and the phones keep the clock-bound media
# in time, and its report follows the real-call tests' own.  Both parts
# always run to the end, so one report says everything.
set -uo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
workers="${TEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}"
report="$(mktemp -t hotline-tests-without-asterisk.XXXXXX)"
without_asterisk=""

stop_background() {
  if [[ -n "$without_asterisk" ]] && kill -0 "$without_asterisk" 2>/dev/null; then
    kill -- "-$without_asterisk" 2>/dev/null || kill "$without_asterisk" 2>/dev/null
  fi
  rm -f "$report"
}
trap stop_background EXIT
trap 'exit 130' INT TERM

# Its own process group (set -m), so an interrupted make stops all its workers.
set -m
nice -n 19 "$PY" -m pytest -q -n "$workers" --dist loadgroup -m "not asterisk" \
  --durations=15 tests >"$report" 2>&1 &
without_asterisk=$!
set +m
echo "make test: the tests without Asterisk run alongside (pid $without_asterisk, nice 19);"
echo "           their report follows the real-call tests'."

status=0
"$PY" -m pytest -q -m asterisk --durations=25 tests/integration || status=1

wait "$without_asterisk" || status=1
without_asterisk=""
echo
echo "==================== the tests without Asterisk ===================="
cat "$report"
exit "$status"
