// Function attributes for the AVX2 kernels. Only the attributed functions use the extra
// instructions: inline functions from shared headers stay baseline code, so no AVX2 copy of them
// can be picked by the linker for callers on CPUs without AVX2 (a risk of -mavx2 on whole files).
// Callers run these kernels only after kernels::cpu_has_avx2_fma().
#pragma once

// Integer kernels: no FMA, so the compiler can never contract a multiply and an add into one
// rounding in their float/double epilogues.
#define OCTET_TARGET_AVX2 __attribute__((target("avx2")))
// Float kernels that want fused multiply-add.
#define OCTET_TARGET_AVX2_FMA __attribute__((target("avx2,fma")))
