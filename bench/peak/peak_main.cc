// Prints this machine's measured per-core peaks (fp32 and int8 multiply-accumulate), the
// denominators of every "% of peak" and "x the bound" figure octet reports.
#include <cstdio>

#include "eval/peak.h"

int main() {
  octet::eval::Peak fp32 = octet::eval::measure_fp32_peak();
  octet::eval::Peak int8 = octet::eval::measure_int8_peak();
  std::printf("fp32 peak, one core: %7.1f G MAC/s  (%s)\n", fp32.gmacs, fp32.how);
  std::printf("int8 peak, one core: %7.1f G MAC/s  (%s)\n", int8.gmacs, int8.how);
  return 0;
}
