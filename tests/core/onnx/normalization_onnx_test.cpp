// ONNX export of the ops that depend on Graph::set_training: inference
// models only (evaluation mode), and an imported inference model is in
// evaluation mode. The values themselves are checked against ONNX Runtime
// by the dropout, layer_norm and batch_norm cases of onnx_test.cpp.
#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/onnx.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;

TEST(OnnxNormalization, TrainingModeDropoutAndBatchNormRefuseToExportNamingTheNode) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{4, 3}, 1.0));
  Expr d = dropout(x, 0.5, 1, "drop");
  Expr c = g.input("c", Tensor(Shape{3}, 1.0));
  Expr bn = batch_norm(x, c, c, c, c, 0.1, 1e-5, "bn");
  const std::vector<Expr> dropped{d}, normalized{bn};
  EXPECT_EQ(error_message([&] { onnx_model_bytes(g, dropped); }),
            "cannot export node \"drop\" (dropout, p = 0.5) in training mode: its random masks cannot be reproduced "
            "in ONNX; call Graph::set_training(false) first");
  EXPECT_EQ(error_message([&] { onnx_model_bytes(g, normalized); }),
            "cannot export node \"bn\" (batch_norm) in training mode: call Graph::set_training(false) first, as "
            "for inference");
  // A dropout of p = 0 is the identity in both modes and exports.
  const std::vector<Expr> identity{dropout(x, 0.0, 1, "keep")};
  EXPECT_NO_THROW(onnx_model_bytes(g, identity));
}

TEST(OnnxNormalization, AnImportedInferenceModelIsInEvaluationModeWithItsAttributes) {
  Graph g;
  g.set_training(false);
  Expr x = g.input("x", Tensor(Shape{4, 3}, 1.0));
  Expr c = g.input("c", Tensor(Shape{3}, 1.0));
  const std::vector<Expr> outputs{dropout(batch_norm(x, c, c, c, c, 0.25, 1e-3, "bn"), 0.2, 7, "drop")};
  LoadedGraph loaded = parse_onnx(onnx_model_bytes(g, outputs));
  EXPECT_FALSE(loaded.graph->training());
  EXPECT_EQ(loaded.graph->node(loaded.graph->find("bn")).op()->attrs(), (Attrs{{"momentum", 0.25}, {"eps", 1e-3}}));
  EXPECT_EQ(loaded.graph->node(loaded.graph->find("drop")).op()->attrs(),
            (Attrs{{"p", 0.2}, {"seed", std::int64_t{7}}, {"redraw", true}}));
}

}  // namespace
}  // namespace dagrad
