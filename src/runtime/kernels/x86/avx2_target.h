// Functions that use AVX2 intrinsics carry this attribute instead of the whole file being built with
// -mavx2: inline functions from shared headers then stay baseline x86-64 code, so the linker can
// never hand an AVX2 copy of them to code that runs on older CPUs. No FMA on purpose: nothing here
// needs it, and without it the compiler cannot contract a multiply and an add into one rounding.
#pragma once

#define OCTET_TARGET_AVX2 __attribute__((target("avx2")))
