// Dtypes in parameter files (issue 17): float32 tensors say so and
// round-trip bit for bit; loading into a parameter of the other dtype
// converts, and a value too large for a float32 parameter is an error.
#include <cmath>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/command.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;
using testing_support::read_text;

class ParameterFileDtypes : public testing_support::ScratchDirectoryTest {};

TEST_F(ParameterFileDtypes, Float32AndFloat64ParametersRoundTripBitForBit) {
  const float max = std::numeric_limits<float>::max();
  Graph g;
  Expr a = g.parameter("a", Tensor(Shape{2, 3}, std::vector<float>{0.1f, -0.0f, max, 1.0f / 3.0f,
                                                                      std::numeric_limits<float>::denorm_min(),
                                                                      std::numeric_limits<float>::infinity()}));
  Expr b = g.parameter("b", Tensor(Shape{3}, {0.1, 1e-300, -1.0 / 3.0}));
  std::vector<Expr> parameters{a, b};
  save_parameters(path("p.json"), parameters);
  const std::string text = read_text(path("p.json"));
  EXPECT_NE(text.find(R"("a": {"dtype": "float32", "shape": [2,3], "values": [0.1,-0.0,3.4028235e+38,)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"("b": {"shape": [3], "values": [0.1,1e-300,)"), std::string::npos) << text;

  TensorFile file = load_tensor_file(path("p.json"));
  ASSERT_EQ(file.tensors.at("a").dtype(), DType::float32);
  ASSERT_EQ(file.tensors.at("b").dtype(), DType::float64);
  EXPECT_EQ(std::memcmp(file.tensors.at("a").view().raw(), a.value().raw(), 6 * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(file.tensors.at("b").view().raw(), b.value().raw(), 3 * sizeof(double)), 0);

  Graph other;
  std::vector<Expr> fresh{other.parameter("a", Tensor(Shape{2, 3}, DType::float32)),
                          other.parameter("b", Tensor(Shape{3}))};
  load_parameters(path("p.json"), fresh);
  EXPECT_EQ(std::memcmp(fresh[0].value().raw(), a.value().raw(), 6 * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(fresh[1].value().raw(), b.value().raw(), 3 * sizeof(double)), 0);
  save_parameters(path("again.json"), fresh);
  EXPECT_EQ(read_text(path("again.json")), text);
}

TEST_F(ParameterFileDtypes, LoadingIntoTheOtherDtypeConverts) {
  // float64 file -> float32 parameter: rounded to nearest; float32 file ->
  // float64 parameter: exact. The parameter keeps its own dtype.
  Graph g;
  Expr w64 = g.parameter("w", Tensor(Shape{2}, {0.1, -2.5}));
  std::vector<Expr> saved{w64};
  save_parameters(path("w64.json"), saved);
  Graph g32;
  std::vector<Expr> as32{g32.parameter("w", Tensor(Shape{2}, DType::float32))};
  load_parameters(path("w64.json"), as32);
  EXPECT_EQ(as32[0].dtype(), DType::float32);
  EXPECT_EQ(as32[0].value().data<float>()[0], 0.1f);
  EXPECT_EQ(as32[0].value().data<float>()[1], -2.5f);

  save_parameters(path("w32.json"), as32);
  Graph back;
  std::vector<Expr> as64{back.parameter("w", Tensor(Shape{2}))};
  load_parameters(path("w32.json"), as64);
  EXPECT_EQ(as64[0].dtype(), DType::float64);
  EXPECT_EQ(as64[0].value().get(0), double(0.1f));  // exactly the float, not 0.1
}

TEST_F(ParameterFileDtypes, ValuesTooLargeForFloat32AreErrorsNamingFileTensorAndPosition) {
  const std::string file = write("big.json", R"({"format": "dagrad-tensors", "version": 1, "tensors": {
    "w": {"dtype": "float32", "shape": [2], "values": [1, 1e300]}}})");
  EXPECT_EQ(error_message<FileError>([&] { load_tensor_file(file); }),
            file + ": tensor \"w\": value [1] is 1e+300, which does not fit float32 (largest 3.4028235e+38)");

  // A float64 file whose value a float32 parameter cannot hold: an error,
  // and nothing is changed.
  Graph g;
  std::vector<Expr> saved{g.parameter("w", Tensor(Shape{2}, {1.0, -1e300}))};
  save_parameters(path("w64.json"), saved);
  Graph g32;
  std::vector<Expr> as32{g32.parameter("w", Tensor(Shape{2}, 7.0, DType::float32))};
  EXPECT_EQ(error_message<FileError>([&] { load_parameters(path("w64.json"), as32); }),
            path("w64.json") + ": parameter \"w\" is float32 in the model, but its value [1] in the file, -1e+300, "
                               "does not fit float32");
  EXPECT_EQ(as32[0].value().get(0), 7.0);

  const std::string bad_dtype = write("bad.json", R"({"format": "dagrad-tensors", "version": 1, "tensors": {
    "w": {"dtype": "int8", "shape": [1], "values": [1]}}})");
  EXPECT_EQ(error_message<FileError>([&] { load_tensor_file(bad_dtype); }),
            bad_dtype + ": tensor \"w\": unknown dtype \"int8\": dagrad has float32 and float64");
}

}  // namespace
}  // namespace dagrad
