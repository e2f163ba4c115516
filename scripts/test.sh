#!/usr/bin/env bash
# Sets up and builds octet (scripts/setup.sh), then runs every test through CTest.
# Tests that need ../shared/datasets or PyPI skip with a message when those are absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Two test processes at once: the machine has 2 cores and the tests are mostly single-threaded.
ctest --test-dir build --output-on-failure -j2 "$@"
