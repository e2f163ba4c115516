// Interpreter::invoke_timed: the same results as invoke(), one accumulated time per op.
#include <gtest/gtest.h>

#include "core/rng.h"
#include "runtime/interpreter.h"
#include "test_util.h"

namespace octet::runtime {
namespace {

using testing::GraphBuilder;

TEST(InvokeTimed, SameOutputsAndOneAccumulatedTimePerOp) {
  Rng rng(3);
  GraphBuilder b;
  int32_t in = b.input({1, 6});
  int32_t fc = b.op(OpType::kFullyConnected, {in, b.f32({4, 6}, testing::random_vector(rng, 24)), -1});
  b.output(b.op(OpType::kSoftmax, {fc}));
  InterpreterOptions o;
  o.batch = 3;
  auto interp = std::move(Interpreter::create(b.g, o)).value();
  std::vector<float> x = testing::random_vector(rng, 18);
  std::copy(x.begin(), x.end(), interp->input_f32(0));

  ASSERT_TRUE(interp->invoke().ok());
  const std::vector<float> plain(interp->output_f32(0), interp->output_f32(0) + 12);
  std::vector<double> seconds(2, 0.0);
  ASSERT_TRUE(interp->invoke_timed(seconds).ok());
  EXPECT_EQ(std::vector<float>(interp->output_f32(0), interp->output_f32(0) + 12), plain);
  const std::vector<double> first = seconds;
  ASSERT_TRUE(interp->invoke_timed(seconds).ok());
  for (size_t i = 0; i < seconds.size(); ++i) {
    EXPECT_GE(first[i], 0.0);
    EXPECT_GE(seconds[i], first[i]) << "op " << i << ": times add up over invokes";
  }

  std::vector<double> wrong(3, 0.0);
  Status s = interp->invoke_timed(wrong);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("needs 2 op times"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace octet::runtime
