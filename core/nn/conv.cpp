// Conv2d, MaxPool2d and flatten: layers written with the public op builders only.
#include <cmath>

#include <fmt/format.h>

#include "dagrad/error.hpp"
#include "dagrad/nn.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {

Conv2d::Conv2d(Graph& graph, std::int64_t in_channels, std::int64_t out_channels, std::array<std::int64_t, 2> kernel,
               Rng& rng, std::string name, Conv2dOptions options, bool bias, DType dtype)
    : graph_(&graph), local_name_(std::move(name)), options_(options) {
  if (in_channels < 1 || out_channels < 1 || kernel[0] < 1 || kernel[1] < 1 || options.groups < 1 ||
      in_channels % options.groups != 0 || out_channels % options.groups != 0) {
    throw Error(fmt::format("Conv2d \"{}\": channels in {} and out {} must be positive multiples of groups {}, and the "
                            "kernel {}x{} positive",
                            local_name_, in_channels, out_channels, options.groups, kernel[0], kernel[1]));
  }
  const std::int64_t fan_in = in_channels / options.groups * kernel[0] * kernel[1];
  const double bound = 1.0 / std::sqrt(double(fan_in));
  auto scope = graph.name_scope(local_name_);
  const Shape weight_shape{out_channels, in_channels / options.groups, kernel[0], kernel[1]};
  weight_ = graph.parameter("W", init::uniform(weight_shape, rng, -bound, bound).to(dtype));
  if (bias) bias_ = graph.parameter("b", init::uniform(Shape{out_channels}, rng, -bound, bound).to(dtype));
  const std::string& full = weight_.name();
  name_ = full.substr(0, full.size() - 2);  // without "/W"
}

Expr Conv2d::operator()(Expr x) const {
  auto scope = graph_->name_scope(local_name_);
  return conv2d(x, weight_, bias_, options_);
}

std::vector<Expr> Conv2d::parameters() const {
  if (bias_) return {weight_, *bias_};
  return {weight_};
}

MaxPool2d::MaxPool2d(std::array<std::int64_t, 2> kernel, std::array<std::int64_t, 2> stride,
                     std::array<std::int64_t, 2> padding)
    : kernel_(kernel), stride_(stride), padding_(padding) {}

Expr MaxPool2d::operator()(Expr x) const { return max_pool2d(x, kernel_, stride_, padding_); }

Expr flatten(Expr x, std::string name) {
  std::int64_t features = 1;
  for (int axis = 1; axis < x.shape().rank(); ++axis) features *= x.shape()[axis];
  return reshape(x, {-1, features}, std::move(name));
}

}  // namespace dagrad
