// Measures this machine's per-core arithmetic peaks with chains of independent register-only
// instructions, so benchmarks and `octet bench` can report "% of peak" and "x the bound" from
// figures measured here rather than from a data sheet. Uses the widest ISA the CPU has. Each takes
// about 0.15 s, short enough to measure on every `octet bench`.
#pragma once

namespace octet::eval {

struct Peak {
  double gmacs = 0;       // G MAC/s of one core
  const char* how = "";   // the instruction measured
};

// fp32: vfmadd on zmm (16 MACs) with AVX-512F, else on ymm (8 MACs) with AVX2+FMA.
Peak measure_fp32_peak();
// int8: vpdpbusd on zmm (64 u8 x s8 MACs) with AVX-512 VNNI, else vpmaddubsw + vpmaddwd + vpaddd
// on ymm (32 MACs per triple) with AVX2.
Peak measure_int8_peak();

}  // namespace octet::eval
