#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;

void expect_values(const TensorView& actual, const std::vector<double>& expected, const char* what) {
  ASSERT_EQ(actual.size(), std::int64_t(expected.size())) << what;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual.get(std::int64_t(i)), expected[i], 1e-13 * (1.0 + std::abs(expected[i]))) << what << " " << i;
  }
}

// The (N, C) case of tests/ops/reference/normalization_reference.py (NumPy,
// staged chain rule; output in normalization_reference.txt).
struct BatchNorm2d {
  Graph g;
  Tensor batch{{1.0, -2.0, 0.5}, {3.0, 0.0, 1.5}, {-1.0, 4.0, 2.5}, {0.5, 1.0, -0.5}};
  Expr x = g.input("x", batch, true);
  Expr w = g.parameter("w", Tensor{1.5, -1.0, 0.5});
  Expr b = g.parameter("b", Tensor{0.2, 0.0, -0.3});
  Expr running_mean = g.input("running_mean", Tensor{0.0, 0.0, 0.0});
  Expr running_var = g.input("running_var", Tensor{1.0, 1.0, 1.0});
  Expr y = batch_norm(x, w, b, running_mean, running_var, 0.1, 1e-5, "bn");
  Expr loss = sum(y * g.constant(Tensor{{0.3, -0.1, 0.2}, {1.0, 0.5, -0.4}, {-0.7, 0.2, 0.9}, {0.1, -1.2, 0.6}}));
};

TEST(BatchNorm, TrainingMatchesTheNumPyReferenceInValueGradientsAndRunningStatistics) {
  BatchNorm2d m;
  m.g.forward(m.loss);
  m.g.backward(m.loss);
  expect_values(m.y.value(), {0.33105528836449116, 1.2701692373707127, -0.5236059033281545, 2.42793990219635,
                              0.3464097920101944, -0.07639409667184549, -1.7658293254673676, -1.5011090987108424,
                              0.37081770998446345, -0.19316586509347344, -0.11546993067006481, -0.9708177099844635},
                "y");
  expect_values(m.x.grad(), {0.07603234450675869, -0.04002953983644124, -0.04919335239718145, -0.0704251423758093,
                             -0.30484060711555805, -0.3309366832606812, -0.09204286068545195, -0.14164315765340274,
                             0.23702241852280612, 0.08643565855450255, 0.486513304605402, 0.14310761713505651},
                "dx");
  expect_values(m.w.grad(), {2.4026802866823376, 0.11546993067006484, 0.13416354199689262}, "dw");
  expect_values(m.b.grad(), {0.7000000000000001, -0.5999999999999999, 1.2999999999999998}, "db");
  expect_values(m.running_mean.value(), {0.08750000000000001, 0.07500000000000001, 0.1}, "running_mean");
  expect_values(m.running_var.value(), {1.1729166666666666, 1.525, 1.0666666666666667}, "running_var (unbiased)");
}

TEST(BatchNorm, RunningStatisticsOverThreeStepsThenEvaluationUsesThem) {
  BatchNorm2d m;
  m.g.forward(m.loss);
  for (double step : {2.0, 3.0}) {
    Tensor batch = m.batch;
    for (std::int64_t i = 0; i < batch.size(); ++i) batch.set(i, batch.get(i) * step + step);
    m.g.set_value(m.x, batch);
    m.g.forward(m.loss);
  }
  expect_values(m.running_mean.value(), {0.9708749999999999, 0.90075, 1.0410000000000001}, "running_mean step 3");
  expect_values(m.running_var.value(), {4.3888125, 9.11025, 2.964}, "running_var step 3");

  m.g.set_training(false);
  m.g.set_value(m.x, m.batch);
  m.g.forward(m.loss);
  m.g.backward(m.loss);
  expect_values(m.y.value(), {0.22085370303468022, 0.9610476367898743, -0.4571185408422481, 1.6528676453303135,
                              0.29842753041057635, -0.16669609935934962, -1.2111602392609533, -1.0268126823480197,
                              0.12372634212354888, -0.13714978253922816, -0.032882522779072644, -0.7475409823251467},
                "evaluation y");
  expect_values(m.x.grad(), {0.214802091344345, 0.0331310053189649, 0.0580844882965797, 0.7160069711478168,
                             -0.1656550265948245, -0.1161689765931594, -0.5012048798034716, -0.0662620106379298,
                             0.26138019733460865, 0.07160069711478168, 0.39757206382757876, 0.17425346488973908},
                "evaluation dx");
  // Evaluation runs leave the running statistics alone.
  expect_values(m.running_mean.value(), {0.9708749999999999, 0.90075, 1.0410000000000001}, "running_mean after evaluation");
}

TEST(BatchNorm, FourDimensionalInputMatchesTheNumPyReference) {
  Graph g;
  Tensor x_values(Shape{2, 2, 2, 3}), seed(Shape{2, 2, 2, 3});
  for (std::int64_t i = 0; i < 24; ++i) {
    x_values.set(i, (i * 0.25 - 2.0) * (i * 0.25 - 2.0) / 4.0);
    seed.set(i, std::cos(double(i)));
  }
  Expr x = g.input("x", x_values, true);
  Expr w = g.parameter("w", Tensor{0.5, 2.0});
  Expr b = g.parameter("b", Tensor{1.0, -1.0});
  Expr running_mean = g.input("running_mean", Tensor{0.0, 0.0});
  Expr running_var = g.input("running_var", Tensor{1.0, 1.0});
  Expr y = batch_norm(x, w, b, running_mean, running_var, 0.2);
  g.forward(y);
  g.backward(y, seed);
  expect_values(y.value(), {1.5756978078252684, 1.2279608769240995, 0.9265888701430867, 0.6715817874822296,
                            0.4629396289415284, 0.300662394520983, -2.8442173204137395, -2.9159147540367356,
                            -2.939813898577734, -2.9159147540367356, -2.8442173204137395, -2.7247215977087453,
                            0.4629396289415284, 0.6715817874822296, 0.9265888701430867, 1.2279608769240995,
                            1.5756978078252684, 1.9697996628465928, -0.5498994444778564, -0.048017409116882126,
                            0.5016629153260899, 1.0991415288510593, 1.7444184314580262, 2.4374936231469904},
                "y");
  expect_values(x.grad(), {1.6810350210725433, 0.9051962122913051, -0.5951554924003686, -1.515340904712593,
                           -1.0725850115679412, 0.274303287827097, 1.2872227184441845, 0.9636799607353803,
                           -0.41467869368700666, -1.583062616595527, -1.4647990555247323, -0.16122109705711196,
                           1.1492185611709507, 1.2998471960688867, 0.2251461794703047, -1.0235701188517452,
                           -1.2235004431929741, -0.10459448717546507, 1.0860700949261641, 1.6446795427071463,
                           0.8182806613259229, -0.5766221023060444, -1.1959125296821775, -0.4036368832861986},
                "dx");
  expect_values(w.grad(), {-1.0907961593005706, -1.7609645725005822}, "dw");
  expect_values(b.grad(), {-0.340291235523115, -0.20062330449618285}, "db");
  expect_values(running_mean.value(), {0.12239583333333333, 0.25364583333333335}, "running_mean");
  expect_values(running_var.value(), {0.8247765743371213, 1.1730365175189394}, "running_var");
}

TEST(BatchNorm, ChangingModeMakesOldValuesStale) {
  BatchNorm2d m;
  m.g.forward(m.loss);
  m.g.set_training(false);
  EXPECT_FALSE(m.g.value_is_fresh(m.y));
  EXPECT_THROW(m.g.backward(m.loss), Error);
  m.g.forward(m.loss);
  EXPECT_TRUE(m.g.value_is_fresh(m.y));
  // A node built in evaluation mode starts in it: with running statistics 0 and 1, y = x * w + b.
  Expr y2 = batch_norm(m.x, m.w, m.b, m.running_mean, m.running_var);
  m.g.set_value(m.running_mean, Tensor{0.0, 0.0, 0.0});
  m.g.set_value(m.running_var, Tensor{1.0, 1.0, 1.0});
  m.g.forward(y2);
  EXPECT_NEAR(y2.value().get(0), 1.0 * 1.5 / std::sqrt(1.0 + 1e-5) + 0.2, 1e-15);
}

TEST(BatchNorm, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("batch_norm"); }

TEST(BatchNorm, ErrorsNameTheNode) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{4, 3}));
  Expr c3 = g.input("c3", Tensor(Shape{3})), c2 = g.input("c2", Tensor(Shape{2}));
  EXPECT_EQ(error_message<ShapeError>([&] { batch_norm(x, c3, c3, c2, c3, 0.1, 1e-5, "bn"); }),
            "batch_norm \"bn\": running_mean must have shape (3,) for x (4, 3), got (2,)");
  EXPECT_EQ(error_message<ShapeError>([&] { batch_norm(g.input("v", Tensor(Shape{3})), c3, c3, c3, c3, 0.1, 1e-5, "bn"); }),
            "batch_norm \"bn\": needs x of shape (N, C) or (N, C, H, W), got (3,)");
  EXPECT_EQ(error_message<ShapeError>([&] { batch_norm(x, c3, c3, c3, c3, 1.5, 1e-5, "bn"); }),
            "batch_norm \"bn\": needs eps > 0 and momentum in [0, 1], got eps 1e-05 and momentum 1.5");
  // One value per channel: no batch variance (PyTorch refuses it too); fine in evaluation mode.
  Expr one = g.input("one", Tensor(Shape{1, 3}));
  Expr y = batch_norm(one, c3, c3, c3, c3, 0.1, 1e-5, "bn1");
  EXPECT_EQ(error_message([&] { g.forward(y); }),
            "batch_norm \"bn1\": expected more than 1 value per channel when training, got x of shape (1, 3)");
  g.set_training(false);
  EXPECT_NO_THROW(g.forward(y));
}

}  // namespace
}  // namespace dagrad
