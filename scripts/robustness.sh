#!/usr/bin/env bash
# Robustness stage (issue "Robustness"): the whole test suite under ASan + UBSan, then every
# libFuzzer target for a fixed time on its generated seed corpus. Fails on any sanitizer report,
# test failure or fuzzer crash/leak/timeout/OOM. `scripts/test.sh --full` (what CI runs) runs it
# after the normal suite. Knobs: OCTET_ROBUSTNESS_STAGES ("asan fuzz" by default),
# OCTET_FUZZ_SECONDS (default 60 per fuzzer), OCTET_FUZZ_TARGETS (default: all seven).
set -euo pipefail
cd "$(dirname "$0")/.."
# clang + libFuzzer/sanitizer runtimes + llvm-symbolizer (readable sanitizer stacks), from Debian.
packages=(clang-14 libclang-rt-14-dev llvm-14)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "robustness: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
seconds=${OCTET_FUZZ_SECONDS:-60}
targets=(${OCTET_FUZZ_TARGETS:-fuzz_tflite_reader fuzz_idx fuzz_cifar_bin fuzz_image_decode fuzz_archive
         fuzz_checkpoint fuzz_experiment_spec})
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
stages=${OCTET_ROBUSTNESS_STAGES:-asan fuzz}
# CI must finish within 90 minutes: a step still running OCTET_BUDGET_MINUTES (default 80) after
# OCTET_RUN_START (set by scripts/test.sh) is stopped and reported, loudly, as not run for lack of
# time, rather than sink the whole run; the steps after it are skipped. Findings still fail.
run_start=${OCTET_RUN_START:-$(date +%s)}
budget_end=$((run_start + ${OCTET_BUDGET_MINUTES:-80} * 60))
out_of_time=()
in_budget() {
  local what=$1
  shift
  local left=$((budget_end - $(date +%s)))
  if ((${#out_of_time[@]})) || ((left <= 0)); then
    echo "robustness: NOT RUN for lack of time: $what" >&2
    out_of_time+=("$what")
    return 0
  fi
  local rc=0
  timeout --kill-after=30 "$left" "$@" || rc=$?
  if ((rc == 124 || rc == 137)); then
    echo "robustness: STOPPED at the ${OCTET_BUDGET_MINUTES:-80}-minute budget: $what" >&2
    out_of_time+=("$what")
    return 0
  fi
  return $rc
}
stage_start=$SECONDS

if [[ " $stages " == *" asan "* ]]; then
echo "robustness: ASan + UBSan build (build-asan/)" >&2
cmake -S . -B build-asan -G Ninja -DOCTET_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DOCTET_BUILD_BENCH=OFF >&2
in_budget "ASan + UBSan build" cmake --build build-asan -j2 >&2
echo "robustness: tests under ASan + UBSan (Python interop tests skipped)" >&2
in_budget "ASan + UBSan test suite" ctest --test-dir build-asan --output-on-failure -j2 -E "[Ii]nterop"
echo "robustness: ASan + UBSan stage done after $((SECONDS - stage_start)) s" >&2
fi
[[ " $stages " == *" fuzz "* ]] || exit 0

echo "robustness: fuzzers (build-fuzz/, clang + libFuzzer + ASan + UBSan)" >&2
cc=$(command -v clang-14 || command -v clang)
cxx=$(command -v clang++-14 || command -v clang++)
CC=$cc CXX=$cxx cmake -S . -B build-fuzz -G Ninja -DOCTET_FUZZ=ON -DOCTET_SANITIZE=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOCTET_BUILD_TESTS=OFF -DOCTET_BUILD_BENCH=OFF >&2
in_budget "fuzzer build" cmake --build build-fuzz -j2 --target fuzz_make_seeds "${targets[@]}" >&2
((${#out_of_time[@]})) || fuzz/make_corpus.sh build-fuzz build-fuzz/corpus
declare -A seeds=([fuzz_tflite_reader]=tflite [fuzz_idx]=idx [fuzz_cifar_bin]=cifar_bin
                  [fuzz_image_decode]=image [fuzz_archive]=archive [fuzz_checkpoint]=checkpoint
                  [fuzz_experiment_spec]=experiment)
failed=()
skipped=()
for t in "${targets[@]}"; do
  if ((${#out_of_time[@]})) || (($(date +%s) + seconds > budget_end)); then
    echo "robustness: NOT RUN for lack of time: $t" >&2
    skipped+=("$t")
    continue
  fi
  work=build-fuzz/corpus-work/$t
  art=build-fuzz/artifacts/$t
  rm -rf "$work" "$art"
  mkdir -p "$work" "$art"
  echo "robustness: $t for ${seconds}s" >&2
  # New inputs go to $work (the first folder); the generated seeds stay as they are.
  # One allocation over 2 GB is a finding (a size field not checked); the whole process may grow to
  # 4 GB: ASan's allocator keeps freed chunks of large images mapped (fuzz_image_decode reached
  # 2.4 GB of RSS with 24 MB live).
  if ! "build-fuzz/fuzz/$t" -seed=1 -max_total_time="$seconds" -rss_limit_mb=4096 -malloc_limit_mb=2048 -timeout=10 \
      -print_final_stats=1 -artifact_prefix="$art/" "$work" "build-fuzz/corpus/${seeds[$t]}" \
      > "build-fuzz/$t.log" 2>&1; then
    tail -n 60 "build-fuzz/$t.log" >&2
    failed+=("$t")
  else
    grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "build-fuzz/$t.log" | tail -n 2 >&2 || true
  fi
done
echo "robustness: $((SECONDS - stage_start)) s" >&2
if ((${#failed[@]})); then
  echo "robustness: FAILED: ${failed[*]} (inputs in build-fuzz/artifacts/)" >&2
  exit 1
fi
if ((${#skipped[@]} + ${#out_of_time[@]})); then
  echo "robustness: no finding; NOT RUN for lack of time: ${out_of_time[*]} ${skipped[*]}" >&2
else
  echo "robustness: all fuzzers ran ${seconds}s each without a finding" >&2
fi
