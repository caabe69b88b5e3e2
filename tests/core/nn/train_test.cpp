// Training helpers: minibatches, accuracy, the progress bar, parameter files.
#include "dagrad/train.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "dagrad/nn.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {
namespace {

// A (n, 1) column of labels or logits.
Tensor column(std::vector<double> values) {
  Shape shape{std::int64_t(values.size()), 1};
  return Tensor(shape, std::move(values));
}

namespace fs = std::filesystem;

Dataset counting(std::int64_t rows) {
  Dataset data;
  data.x = Tensor(Shape{rows, 2});
  data.y = Tensor(Shape{rows, 1});
  for (std::int64_t i = 0; i < rows; ++i) {
    data.x.at({i, 0}) = double(i);
    data.x.at({i, 1}) = -double(i);
    data.y[i] = double(i % 2);
  }
  data.classes = {"0", "1"};
  return data;
}

TEST(Minibatches, EveryRowOncePerEpochInANewOrder) {
  Dataset data = counting(10);
  Rng rng(1);
  Minibatches batches(data, 4, rng);
  EXPECT_EQ(batches.batches_per_epoch(), 3);
  std::vector<std::vector<double>> epochs;
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<std::int64_t> sizes;
    std::vector<double> seen;
    for (const Batch& batch : batches) {
      sizes.push_back(batch.x.shape()[0]);
      ASSERT_EQ(batch.y.shape(), (Shape{batch.x.shape()[0], 1}));
      for (std::int64_t r = 0; r < batch.x.shape()[0]; ++r) {
        double row = batch.x[r * 2];
        EXPECT_EQ(batch.x[r * 2 + 1], -row);        // the row stays whole
        EXPECT_EQ(batch.y[r], double(int(row) % 2));  // with its label
        seen.push_back(row);
      }
    }
    EXPECT_EQ(sizes, (std::vector<std::int64_t>{4, 4, 2}));
    EXPECT_EQ(std::set<double>(seen.begin(), seen.end()).size(), 10u);
    epochs.push_back(seen);
  }
  EXPECT_NE(epochs[0], epochs[1]);
}

TEST(Minibatches, InOrderWithoutShuffle) {
  Dataset data = counting(5);
  Rng rng(1);
  std::vector<double> seen;
  for (const Batch& batch : Minibatches(data, 2, rng, false)) {
    for (std::int64_t r = 0; r < batch.x.shape()[0]; ++r) seen.push_back(batch.x[r * 2]);
  }
  EXPECT_EQ(seen, (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_THROW(Minibatches(data, 0, rng), Error);
}

TEST(Accuracy, OneLogitColumnOrArgMax) {
  EXPECT_EQ(predicted_classes(column({-1.0, 0.5, 0.0})), (std::vector<std::int64_t>{0, 1, 0}));
  EXPECT_EQ(predicted_classes(Tensor{{1.0, 3.0, 2.0}, {5.0, 5.0, 1.0}}), (std::vector<std::int64_t>{1, 0}));
  EXPECT_DOUBLE_EQ(accuracy(column({-1.0, 0.5, 2.0, -3.0}), column({0, 0, 1, 1})), 0.5);
  EXPECT_DOUBLE_EQ(accuracy(Tensor{{1.0, 3.0, 2.0}, {0.0, 1.0, 9.0}}, Tensor{1, 2}), 1.0);
  EXPECT_THROW(accuracy(column({1.0, 2.0}), Tensor{1, 0, 1}), ShapeError);
}

std::string progress_text(bool enabled) {
  std::FILE* file = std::tmpfile();
  {
    ProgressBar bar(3, file, enabled);
    bar.update(1, 0.5, 0.25);
    bar.update(3, 0.125, 0.75);
  }
  std::rewind(file);
  std::string text;
  for (int c = std::fgetc(file); c != EOF; c = std::fgetc(file)) text += char(c);
  std::fclose(file);
  return text;
}

TEST(ProgressBar, RedrawsOneLineInPlaceWhenEnabled) {
  EXPECT_EQ(progress_text(true),
            "\repoch 1/3 [========>               ]  loss 0.5000  accuracy 0.2500"
            "\repoch 3/3 [========================]  loss 0.1250  accuracy 0.7500\n");
}

TEST(ProgressBar, QuietWhenNotATerminal) {
  EXPECT_EQ(progress_text(false), "");
  std::FILE* file = std::tmpfile();
  ProgressBar bar(3, file);  // a file is not a terminal
  EXPECT_FALSE(bar.enabled());
  std::fclose(file);
}

class ParameterFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / fmt::format("dagrad_params_{}_{}",
                                                        ::testing::UnitTest::GetInstance()->current_test_info()->name(),
                                                        ::getpid());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

TEST_F(ParameterFiles, ASavedModelLoadsAndPredictsTheSame) {
  Dataset data = two_moons(50, 0.2, 2);
  Tensor trained_logits;
  {
    Graph g;
    Rng rng(3);
    MLP model(g, {2, 6, 1}, Activation::tanh, rng);
    Expr logits = model(g.input("x", data.x));
    Expr loss = bce_with_logits(logits, g.input("y", data.y));
    for (int i = 0; i < 20; ++i) {  // a few steps, so the values are not the initial ones
      g.forward(loss);
      g.backward(loss);
      for (Expr p : model.parameters()) {
        ValueWriter w = g.write_value(p);
        for (std::int64_t k = 0; k < w.size(); ++k) w[k] -= 0.5 * p.grad()[k];
      }
    }
    trained_logits = Tensor::from(g.forward(logits));
    save_parameters(path("model.json"), model.parameters(), {{"note", "two moons"}});
  }
  Graph g;
  Rng other_seed(99);
  MLP model(g, {2, 6, 1}, Activation::tanh, other_seed);
  Expr logits = model(g.input("x", data.x));
  EXPECT_FALSE(g.forward(logits) == trained_logits);
  load_parameters(path("model.json"), model.parameters());
  EXPECT_TRUE(g.forward(logits) == trained_logits);  // bit for bit
  EXPECT_EQ(load_tensor_file(path("model.json")).info.at("note"), "two moons");
  // Only the file itself is left: no temporary.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(ParameterFiles, MismatchesChangeNothing) {
  Graph g;
  Expr a = g.parameter("a", Tensor{1.0, 2.0});
  Expr b = g.parameter("b", Tensor{3.0});
  save_parameters(path("ab.json"), std::vector<Expr>{a});
  Expr list[] = {a, b};
  try {
    load_parameters(path("ab.json"), list);
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_EQ(std::string(e.what()), path("ab.json") + ": no tensor for parameter \"b\"");
  }
  Graph other;
  Expr wide = other.parameter("a", Tensor{1.0, 2.0, 3.0});
  Expr wide_list[] = {wide};
  try {
    load_parameters(path("ab.json"), wide_list);
    FAIL() << "no error";
  } catch (const FileError& e) {
    EXPECT_EQ(std::string(e.what()),
              path("ab.json") + ": parameter \"a\" has shape (2,) in the file but (3,) in the model");
  }
  EXPECT_TRUE(wide.value() == (Tensor{1.0, 2.0, 3.0}));
}

TEST_F(ParameterFiles, BadFilesAreFileErrors) {
  std::ofstream(path("junk.json")) << "{not json";
  EXPECT_THROW(load_tensor_file(path("junk.json")), FileError);
  std::ofstream(path("other.json")) << R"({"format": "something else"})";
  EXPECT_THROW(load_tensor_file(path("other.json")), FileError);
  std::ofstream(path("count.json"))
      << R"({"format": "dagrad-tensors", "version": 1, "tensors": {"w": {"shape": [2], "values": [1]}}})";
  EXPECT_THROW(load_tensor_file(path("count.json")), FileError);
  EXPECT_THROW(load_tensor_file(path("missing.json")), FileError);
  // An unwritable destination: nothing is created.
  TensorFile file;
  file.tensors["w"] = Tensor{1.0};
  EXPECT_THROW(save_tensor_file(path("no/such/folder/w.json"), file), FileError);
}

}  // namespace
}  // namespace dagrad
