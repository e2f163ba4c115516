#include "cli/held_out.h"

namespace octet::cli {

Result<HeldOutCalibration> calibrate_with_held_out(const runtime::Graph& graph, const std::string& model,
                                                   const data::DataSplits& splits, int64_t held_out,
                                                   const quant::CalibrationOptions& options) {
  HeldOutCalibration r;
  r.dataset = splits.name;
  auto split = eval::split_held_out(splits.train, held_out);
  if (!split.ok()) return split.status().with_context(splits.source + " (--held-out)");
  r.split = std::move(split).value();
  auto calib = quant::calibrate(graph, r.split.calibration, options);
  if (!calib.ok()) return calib.status().with_context(model + " (calibration on " + splits.name + ")");
  r.calibration = std::move(calib).value();
  return r;
}

}  // namespace octet::cli
