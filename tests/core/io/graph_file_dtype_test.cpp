// Dtypes in graph files (issue 17): float32 nodes say so, float64 is the
// default, both round-trip bit for bit, and files from before dtypes load
// unchanged.
#include <cmath>
#include <cstring>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/graph_file.hpp"
#include "io/io.hpp"
#include "support/command.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;

// Same dtype, shape and bytes (NaN payloads included: the values are
// compared as memory, after the NaNs' bits are checked separately).
void expect_same_bits(const TensorView& a, const TensorView& b, const std::string& what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a.get(i))) {
      EXPECT_TRUE(std::isnan(b.get(i))) << what << "[" << i << "]";  // NaN payloads are not kept
      continue;
    }
    const std::size_t bytes = size_of(a.dtype());
    EXPECT_EQ(std::memcmp(static_cast<const char*>(a.raw()) + i * bytes, static_cast<const char*>(b.raw()) + i * bytes,
                          bytes),
              0)
        << what << "[" << i << "]: " << a.get(i) << " vs " << b.get(i);
  }
}

// Awkward float32 values: the extremes, subnormals, signed zero, the
// non-finite ones and values with no short decimal.
Tensor awkward_float32() {
  const float max = std::numeric_limits<float>::max();
  std::vector<float> values{0.1f, -0.0f, max, -max, std::numeric_limits<float>::min(),
                            std::numeric_limits<float>::denorm_min(), 1.0f / 3.0f, 16777217.0f, 3.0e38f,
                            std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity()};
  return Tensor(Shape{3, 4}, std::move(values));
}

TEST(GraphFileDtype, AFloat32GraphRoundTripsBitForBitAndSaysFloat32OnEveryNode) {
  Graph g;
  Expr x = g.input("x", awkward_float32());
  Rng rng(2);
  Expr W = g.parameter("W", random_normal(Shape{4, 2}, rng).to(DType::float32));
  Expr c = g.constant(Tensor(Shape{3, 2}, 0.1, DType::float32), "c");
  Expr out = sigmoid(matmul(x, W) + c, "out");
  std::string first = graph_to_json(g, std::span<const Expr>(&out, 1));
  LoadedGraph loaded = parse_graph(first);
  EXPECT_EQ(graph_to_json(*loaded.graph, loaded.outputs), first);
  for (const char* name : {"x", "W", "c"}) {
    expect_same_bits(g.find(name).value(), loaded.graph->find(name).value(), name);
  }
  // Every node, leaf or op, carries its dtype.
  for (int id = 0; id < loaded.graph->size(); ++id) EXPECT_EQ(loaded.graph->node(id).dtype(), DType::float32);
  std::size_t nodes = 0;
  for (std::size_t at = first.find("{\"name\""); at != std::string::npos; at = first.find("{\"name\"", at + 1)) {
    ++nodes;
    EXPECT_LT(first.find("\"dtype\": \"float32\"", at), first.find('}', at)) << first.substr(at, 80);
  }
  EXPECT_EQ(nodes, std::size_t(g.size()));
  // float32's own shortest digits: 0.1f is "0.1", not its double 0.10000000149011612.
  EXPECT_NE(first.find("\"value\": [0.1, -0.0, 3.4028235e+38, "), std::string::npos) << first;
  EXPECT_TRUE(std::signbit(loaded.graph->find("x").value().get(1)));
  // And it computes what the original computes, bit for bit.
  expect_same_bits(g.forward(out), loaded.graph->forward(loaded.outputs[0]), "out");
}

TEST(GraphFileDtype, AFloat64GraphWritesNoDtypeAndRoundTripsBitForBit) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 2}, {0.1, -0.0, 1e-310, std::numeric_limits<double>::max()}));
  Expr out = tanh(x, "out");
  std::string first = graph_to_json(g, std::span<const Expr>(&out, 1));
  EXPECT_EQ(first.find("dtype"), std::string::npos) << first;
  LoadedGraph loaded = parse_graph(first);
  EXPECT_EQ(graph_to_json(*loaded.graph, loaded.outputs), first);
  expect_same_bits(x.value(), loaded.graph->find("x").value(), "x");
  EXPECT_EQ(loaded.outputs[0].dtype(), DType::float64);
}

TEST(GraphFileDtype, AMixedGraphWithCastsRoundTripsAndComputesTheSameBits) {
  Graph g;
  Rng rng(4);
  Expr x = g.input("x", random_normal(Shape{3, 4}, rng));  // float64 data
  Expr W = g.parameter("W", random_normal(Shape{4, 2}, rng).to(DType::float32));
  Expr h = tanh(matmul(cast(x, DType::float32, "x32"), W), "h");  // float32 model
  Expr out = sum(cast(h, DType::float64, "h64"), "out");  // float64 again
  std::string first = graph_to_json(g, std::span<const Expr>(&out, 1));
  LoadedGraph loaded = parse_graph(first);
  EXPECT_EQ(graph_to_json(*loaded.graph, loaded.outputs), first);
  EXPECT_EQ(loaded.graph->find("x").dtype(), DType::float64);
  EXPECT_EQ(loaded.graph->find("x32").dtype(), DType::float32);
  EXPECT_EQ(loaded.graph->find("h").dtype(), DType::float32);
  EXPECT_EQ(loaded.graph->find("h64").dtype(), DType::float64);
  EXPECT_NE(first.find(R"({"name": "x32", "op": "cast", "dtype": "float32", "inputs": ["x"], )"), std::string::npos)
      << first;
  EXPECT_NE(first.find(R"({"name": "h64", "op": "cast", "inputs": ["h"], )"), std::string::npos) << first;
  expect_same_bits(g.forward(out), loaded.graph->forward(loaded.outputs[0]), "out");
  g.backward(out);
  loaded.graph->backward(loaded.outputs[0]);
  expect_same_bits(W.grad(), loaded.graph->find("W").grad(), "dW");
}

TEST(GraphFileDtype, AFileWrittenBeforeDtypesLoadsAsFloat64AndSavesToTheSameBytes) {
  const std::string path = fmt::format("{}/tests/core/io/graphs/float64_before_dtypes.json", DAGRAD_SOURCE_DIR);
  const std::string text = testing_support::read_text(path);
  ASSERT_EQ(text.find("dtype"), std::string::npos);
  LoadedGraph loaded = load_graph(path);
  for (int id = 0; id < loaded.graph->size(); ++id) EXPECT_EQ(loaded.graph->node(id).dtype(), DType::float64);
  EXPECT_EQ(graph_to_json(*loaded.graph, loaded.outputs), text);
  EXPECT_EQ(loaded.graph->find("x").value().get(2), 1e-300);  // not representable in float32: kept
}

TEST(GraphFileDtype, AValueThatDoesNotFitFloat32IsAnErrorNamingTheFileNodeAndPosition) {
  const std::string file = R"({"dagrad": 1, "nodes": [
    {"name": "x", "op": "input", "dtype": "float32", "shape": [3], "value": [1, 3.4028235e38, 1e300]}]})";
  EXPECT_EQ(error_message<FileError>([&] { parse_graph(file, "big.json"); }),
            "big.json: node \"x\" (nodes[0]): value[2] is 1e+300, which does not fit float32 (largest 3.4028235e+38)");
  // The same value is fine in float64, and a float32 leaf rounds what it can hold.
  std::string float64_file = file;
  float64_file.replace(float64_file.find(R"("dtype": "float32", )"), 20, "");
  EXPECT_EQ(parse_graph(float64_file).graph->find("x").value().get(2), 1e300);
  const std::string rounded = R"({"dagrad": 1, "nodes": [
    {"name": "x", "op": "input", "dtype": "float32", "shape": [3], "value": [0.1, "-Infinity", 1e-50]}]})";
  LoadedGraph loaded = parse_graph(rounded);
  const TensorView& value = loaded.graph->find("x").value();
  EXPECT_EQ(value.data<float>()[0], 0.1f);
  EXPECT_EQ(value.data<float>()[1], -std::numeric_limits<float>::infinity());
  EXPECT_EQ(value.data<float>()[2], 0.0f);  // below float32's smallest subnormal: rounds to zero, as a cast
}

TEST(GraphFileDtype, BadDtypesAreErrorsNamingTheNode) {
  auto load = [](const std::string& nodes) {
    return error_message<FileError>([&] { parse_graph(R"({"dagrad": 1, "nodes": [)" + nodes + "]}", "f.json"); });
  };
  EXPECT_EQ(load(R"({"name": "x", "op": "input", "dtype": "float16", "shape": [1], "value": [1]})"),
            "f.json: node \"x\" (nodes[0]): unknown dtype \"float16\": dagrad has float32 and float64");
  EXPECT_EQ(load(R"({"name": "x", "op": "input", "dtype": 32, "shape": [1], "value": [1]})"),
            "f.json: node \"x\" (nodes[0]): \"dtype\" must be \"float32\" or \"float64\", got the number 32");
  // On an op node the dtype follows from the inputs: a different one is a mistake.
  EXPECT_EQ(load(R"({"name": "x", "op": "input", "shape": [1], "value": [1]},
                   {"name": "y", "op": "sigmoid", "dtype": "float32", "inputs": ["x"]})"),
            "f.json: node \"y\" (nodes[1]): \"dtype\" says float32 but op \"sigmoid\" gives float64 from its inputs' "
            "dtypes (convert with a cast node)");
  // Mixing dtypes in one op is the op's error, naming the node.
  std::string mixed = load(R"({"name": "a", "op": "input", "dtype": "float32", "shape": [1], "value": [1]},
                              {"name": "b", "op": "input", "shape": [1], "value": [1]},
                              {"name": "c", "op": "add", "inputs": ["a", "b"]})");
  EXPECT_NE(mixed.find("\"c\""), std::string::npos) << mixed;
  EXPECT_NE(mixed.find("float32"), std::string::npos) << mixed;
}

TEST(IoNumbers, EveryFloat32ReadsBackBitForBitFromItsShortestForm) {
  // Through a double, as the readers read (strtod, then to the nearest float).
  auto round_trip = [](float value) {
    std::string text = io::format_number(value);
    if (text.front() == '"') return;  // non-finite: the strings of format_number(double)
    float back = *io::narrow_to_float32(std::strtod(text.c_str(), nullptr));
    EXPECT_EQ(std::memcmp(&back, &value, sizeof value), 0) << text;
    // At most 9 significant digits (float32's shortest round-trip bound).
    std::string digits = text.substr(0, text.find('e'));
    std::erase_if(digits, [](char c) { return c < '0' || c > '9'; });
    digits.erase(0, digits.find_first_not_of('0'));
    digits.erase(digits.find_last_not_of('0') + 1);
    EXPECT_LE(digits.size(), 9u) << text;
  };
  Rng rng(11);
  for (int i = 0; i < 200000; ++i) {
    std::uint32_t bits = std::uint32_t(rng());
    float value;
    std::memcpy(&value, &bits, sizeof value);
    round_trip(value);
  }
  for (float value : {0.0f, -0.0f, 1.0f, 0.1f, std::numeric_limits<float>::max(), std::numeric_limits<float>::min(),
                      std::numeric_limits<float>::denorm_min(), 16777217.0f}) {
    round_trip(value);
    round_trip(-value);
  }
  EXPECT_EQ(io::format_number(0.1f), "0.1");
  EXPECT_EQ(io::format_number(-0.0f), "-0.0");
  // Past float32's range, rounding to nearest still gives the largest float
  // up to half an ulp above it; beyond that a value does not fit.
  EXPECT_EQ(io::narrow_to_float32(3.4028235e38), std::numeric_limits<float>::max());
  EXPECT_EQ(io::narrow_to_float32(std::ldexp(1.0, 128) - std::ldexp(1.0, 103)), std::nullopt);
  EXPECT_EQ(io::narrow_to_float32(-1e39), std::nullopt);
}

}  // namespace
}  // namespace dagrad
