#!/usr/bin/env bash
# test.sh: build everything and run every test, as root.  This is what
# .ci/run calls.  Three passes, each driven by CTest:
#   1. RelWithDebInfo with -Werror: unit, integration and the cgroup v2 guest
#   2. ASan + UBSan (Debug): unit and integration again (not the heavy ones)
#   3. libFuzzer harnesses (clang), each for a bounded time
# The last line sums the three passes.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "test.sh: run as root (tasks need namespaces and cgroups)"; exit 1; }
./scripts/install-deps.sh || exit 1

total_pass=0 total_fail=0 status=0
run_pass() { # name build-dir ctest-args...
  local name=$1 dir=$2; shift 2
  echo "== $name"
  local log="$dir/ctest.log"
  (cd "$dir" && ctest --output-on-failure --timeout 1200 "$@") 2>&1 | tee "$log"
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n1)
  if [ -z "$line" ]; then status=1; return; fi
  local failed total
  failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
  total=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
  total_pass=$((total_pass + total - failed))
  total_fail=$((total_fail + failed))
  [ "$failed" = 0 ] || status=1
}

./scripts/build.sh build -DBERTH_WERROR=ON || exit 1
run_pass "main build" build -j2

export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if ./scripts/build.sh build-asan -DBERTH_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug; then
  run_pass "ASan+UBSan build" build-asan -j2 -LE 'vm|bench|heavy'
else
  status=1
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

if ./scripts/build.sh build-fuzz -DCMAKE_C_COMPILER=clang -DBERTH_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug; then
  run_pass "fuzzers" build-fuzz -L fuzz
else
  status=1
fi

echo "all passes: $total_pass passed, $total_fail failed"
exit $status
