#!/usr/bin/env bash
# Sets up and builds octet (scripts/setup.sh), then runs every test through CTest.
# Tests that need ../shared/datasets or PyPI skip with a message when those are absent.
# Usage: scripts/test.sh [--full] [ctest args...]
#   --full  afterwards runs scripts/robustness.sh: the whole suite under ASan + UBSan and every
#           fuzzer for 60 s (CI runs this; it installs clang itself and fails on any report).
set -euo pipefail
cd "$(dirname "$0")/.."
full=0
# Wall-clock start of the whole run: robustness.sh keeps the CI run inside its 90-minute limit.
export OCTET_RUN_START=${OCTET_RUN_START:-$(date +%s)}
if [[ "${1:-}" == "--full" ]]; then full=1; shift; fi
scripts/setup.sh
# Two test processes at once: the machine has 2 cores and the tests are mostly single-threaded.
ctest --test-dir build --output-on-failure -j2 "$@"
if ((full)); then scripts/robustness.sh; fi
