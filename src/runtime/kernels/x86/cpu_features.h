// What the CPU we run on can execute, read once (cpuid via the compiler's builtins). Optimized
// kernels are compiled for their instruction set with target attributes and registered with the
// predicate that says whether this machine can run them, so one binary runs everywhere.
#pragma once

#include <string>

namespace octet::kernels {

struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512vnni = false;
};

const CpuFeatures& cpu_features();

// Predicates for OpRegistration::cpu_supported.
bool cpu_has_avx2_fma();
bool cpu_has_avx512_vnni();  // AVX-512 F + BW + VL + VNNI

// "avx2 fma avx512f ..." of the features present, for reports.
std::string cpu_features_string();

}  // namespace octet::kernels
