// The deep-learning course's "Gradient Checking" assignment, rebuilt: the
// 3-layer network LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID with
// the cross-entropy cost, on 3 examples of 4 features. The correct network
// must pass with dagrad's defaults and with the course's settings (eps
// 1e-7, threshold 2e-7); the course's two planted bugs in backward,
//   dW2 = 1./m * np.dot(dZ2, A1.T) * 2
//   db1 = 4./m * np.sum(dZ1, axis=1, keepdims=True)
// must be found, naming both nodes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"

namespace dagrad {
namespace {

// Z = W A + b, b a column broadcast over the examples (the course's
// linear_forward). Its backward scales dW and db by the given factors: the
// course's bugs are dw_factor 2 (layer 2) and db_factor 4 (layer 1).
class Dense final : public Op {
 public:
  explicit Dense(double dw_factor = 1, double db_factor = 1) : dw_factor_(dw_factor), db_factor_(db_factor) {}
  std::string_view name() const override { return "dense"; }
  int arity() const override { return 3; }
  Shape infer_shape(std::span<const Shape> in) const override {
    if (in.size() != 3 || in[0].rank() != 2 || in[1].rank() != 2 || in[0].dims()[1] != in[1].dims()[0] ||
        in[2] != Shape{in[0].dims()[0], 1}) {
      throw ShapeError("dense takes W (n, k), A (k, m) and b (n, 1)");
    }
    return Shape{in[0].dims()[0], in[1].dims()[1]};
  }
  void forward(std::span<const TensorView> in, TensorView z) override {
    auto [n, k, m] = sizes(in);
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = 0; j < m; ++j) {
        double total = in[2][i];
        for (std::int64_t p = 0; p < k; ++p) total += in[0][i * k + p] * in[1][p * m + j];
        z[i * m + j] = total;
      }
    }
  }
  void backward(std::span<const TensorView> in, const TensorView&, const TensorView& dz,
                std::span<GradientSlot> grads) override {
    auto [n, k, m] = sizes(in);
    auto write = [&](GradientSlot& slot, std::int64_t index, double value) {
      slot.grad[index] = slot.accumulate ? slot.grad[index] + value : value;
    };
    if (grads[0].needed) {
      for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t p = 0; p < k; ++p) {
          double total = 0;
          for (std::int64_t j = 0; j < m; ++j) total += dz[i * m + j] * in[1][p * m + j];
          write(grads[0], i * k + p, dw_factor_ * total);
        }
      }
    }
    if (grads[1].needed) {
      for (std::int64_t p = 0; p < k; ++p) {
        for (std::int64_t j = 0; j < m; ++j) {
          double total = 0;
          for (std::int64_t i = 0; i < n; ++i) total += in[0][i * k + p] * dz[i * m + j];
          write(grads[1], p * m + j, total);
        }
      }
    }
    if (grads[2].needed) {
      for (std::int64_t i = 0; i < n; ++i) {
        double total = 0;
        for (std::int64_t j = 0; j < m; ++j) total += dz[i * m + j];
        write(grads[2], i, db_factor_ * total);
      }
    }
  }

 private:
  static std::array<std::int64_t, 3> sizes(std::span<const TensorView> in) {
    return {in[0].shape().dims()[0], in[0].shape().dims()[1], in[1].shape().dims()[1]};
  }
  double dw_factor_, db_factor_;
};

Tensor normal(const Shape& shape, std::uint64_t seed) {
  Rng rng(seed);
  return random_normal(shape, rng);
}

struct CourseNetwork {
  Graph graph;
  Expr cost;
};

// The course's gradient_check_n_test_case: X (4, 3), Y = [1, 1, 0], layers
// of 5, 3 and 1 units. `planted_bugs` uses the dense op with the course's
// two wrong backward lines; `builtin` builds each layer from matmul and add.
void build(CourseNetwork& net, bool builtin, bool planted_bugs) {
  Graph& g = net.graph;
  Expr x = g.input("X", normal({4, 3}, 1));
  Expr y = g.constant(Tensor{{1.0, 1.0, 0.0}}, "Y");
  const std::int64_t units[] = {4, 5, 3, 1};
  Expr a = x;
  for (int layer = 1; layer <= 3; ++layer) {
    auto scope = g.name_scope(fmt::format("layer{}", layer));
    Expr w = g.parameter("W", normal({units[layer], units[layer - 1]}, 10 + layer));
    Expr b = g.parameter("b", normal({units[layer], 1}, 20 + layer));
    Expr z;
    if (builtin) {
      z = add(matmul(w, a), b, "Z");
    } else {
      double dw_factor = planted_bugs && layer == 2 ? 2.0 : 1.0;
      double db_factor = planted_bugs && layer == 1 ? 4.0 : 1.0;
      z = g.add_op(std::make_unique<Dense>(dw_factor, db_factor), {w, a, b}, "Z");
    }
    a = layer < 3 ? relu(z, "A") : sigmoid(z, "A");
  }
  // cost = -1/m sum(Y log(A3) + (1 - Y) log(1 - A3))
  net.cost = neg(mean(y * log(a) + (1.0 - y) * log(1.0 - a)), "cost");
}

GradcheckOptions course_settings() {
  GradcheckOptions options;
  options.eps = 1e-7;
  options.threshold = 2e-7;
  return options;
}

TEST(CourseGradientChecking, CorrectNetworkPassesWithDefaultsAndWithTheCourseSettings) {
  for (bool builtin : {true, false}) {
    CourseNetwork net;
    build(net, builtin, false);
    for (const GradcheckOptions& options : {GradcheckOptions{}, course_settings()}) {
      std::vector<Expr> parameters = net.graph.parameters();
      GradcheckReport report = gradcheck(net.graph, net.cost, parameters, options);
      EXPECT_TRUE(report.passed()) << (builtin ? "matmul + add" : "dense") << "\n" << report.to_string();
      EXPECT_EQ(report.leaves.size(), 6u);  // W1, b1, W2, b2, W3, b3
      EXPECT_EQ(report.network.elements, 5 * 4 + 5 + 3 * 5 + 3 + 1 * 3 + 1);
      EXPECT_LT(report.network.difference, options.threshold) << report.to_string();
      EXPECT_EQ(report.vacuous_checks(), 0) << report.to_string();
    }
  }
}

TEST(CourseGradientChecking, BothPlantedBugsAreFoundAndTheirNodesNamed) {
  for (const GradcheckOptions& options : {GradcheckOptions{}, course_settings()}) {
    CourseNetwork net;
    build(net, false, true);
    std::vector<Expr> parameters = net.graph.parameters();
    GradcheckReport report = gradcheck(net.graph, net.cost, parameters, options);
    EXPECT_FALSE(report.passed());
    // The course's message: "There is a mistake in the backward propagation!"
    EXPECT_GT(report.network.difference, options.threshold);
    EXPECT_FALSE(report.network.passed);
    auto failing = report.failing_nodes();
    ASSERT_EQ(failing.size(), 2u) << report.to_string();
    EXPECT_EQ(describe(*failing[0]), "node \"layer1/Z\" (dense), input 2 \"layer1/b\"");
    EXPECT_EQ(describe(*failing[1]), "node \"layer2/Z\" (dense), input 0 \"layer2/W\"");
    EXPECT_NEAR(failing[0]->result.worst_analytic / failing[0]->result.worst_numeric, 4.0, 1e-6);
    EXPECT_NEAR(failing[1]->result.worst_analytic / failing[1]->result.worst_numeric, 2.0, 1e-6);
    std::string text = report.to_string();
    EXPECT_NE(text.find("first wrong backward: node \"layer1/Z\" (dense), input 2 \"layer1/b\""), std::string::npos)
        << text;
    EXPECT_NE(text.find("FAILED node \"layer2/Z\" (dense), input 0 \"layer2/W\""), std::string::npos) << text;
    for (const LeafCheck& leaf : report.leaves) {
      bool wrong = leaf.name == "layer1/b" || leaf.name == "layer2/W";
      EXPECT_EQ(leaf.result.passed, !wrong) << leaf.name << "\n" << text;
    }
    nlohmann::json json = nlohmann::json::parse(report.to_json());
    EXPECT_EQ(json["failing_nodes"][0]["input_name"], "layer1/b");
    EXPECT_EQ(json["failing_nodes"][1]["input_name"], "layer2/W");
    EXPECT_DOUBLE_EQ(json["difference"].get<double>(), report.network.difference);
    EXPECT_EQ(json["options"]["threshold"], options.threshold);
    EXPECT_EQ(json["options"]["eps"], options.eps);
  }
}

}  // namespace
}  // namespace dagrad
