// training: y = x * m / (1 - p), m_i ~ Bernoulli(1 - p); evaluation: y = x; dx = dy * m / (1 - p) (dy in evaluation)
//
// Inverted dropout, as PyTorch's F.dropout; p = 0 is the identity, p = 1
// gives zeros and a zero gradient (PyTorch's special cases). The op owns a
// std::mt19937_64 seeded with "seed": the k-th training-mode forward run of a
// node draws the k-th mask of that stream (one 64-bit draw per element in
// row-major order, kept when (draw >> 11) * 2^-53 >= p), so a seed and a run
// count fix every mask. With "redraw": false the first mask is kept for
// later runs (a new shape draws again): a fixed mask, as the course fixes
// np.random.seed for its dropout gradient check; the gradient checker needs
// it, since it re-runs forward many times and compares the runs. The
// symbolic backward replays the forward run's own mask (dropout_replay.hpp).
#include "dropout_replay.hpp"

namespace {
using namespace dagrad;

class Dropout final : public UnaryOp<Dropout> {
 public:
  Dropout(double p = 0.5, std::int64_t seed = 0, bool redraw = true)
      : p_(p), seed_(seed), redraw_(redraw), generator_(std::uint64_t(seed)) {}
  explicit Dropout(const Attrs& attrs)
      : Dropout((attrs.expect_only("dropout", {"p", "seed", "redraw"}), attrs.get_double("dropout", "p", 0.5)),
                attrs.get_int("dropout", "seed", 0), attrs.get_bool("dropout", "redraw", true)) {}

  std::string_view name() const override { return "dropout"; }
  Attrs attrs() const override { return {{"p", p_}, {"seed", seed_}, {"redraw", redraw_}}; }
  std::string label() const override { return fmt::format("dropout p={}", p_); }
  void set_training(bool training) override { training_ = training; }
  // Checked here, where the graph names the node in the error.
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (!(p_ >= 0.0 && p_ <= 1.0)) throw ShapeError(fmt::format("p must be in [0, 1], got {}", p_));
    return inputs[0];
  }

  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    run_->identity = !training_ || p_ == 0.0;
    if (!run_->identity && (redraw_ || run_->scaled_mask.size() != inputs[0].size())) draw_mask(inputs[0].size());
    run_->apply<T>(inputs[0], output);
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    run_->apply_gradient<T>(dy, grads[0]);
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr>, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {graph.add_op(std::make_unique<dropout_detail::DropoutReplay>(run_), {dy, y})};
  }

  // A fixed mask per example (redraw false), at p = 0.3, 0 and 1.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    std::int64_t seed = 0;
    for (Shape shape : standard_shapes(rng)) {
      cases.push_back({{random_normal(shape, rng)}, {{"p", 0.3}, {"seed", ++seed}, {"redraw", false}}, {}});
    }
    for (double p : {0.0, 1.0}) cases.push_back({{random_normal(Shape{3, 4}, rng)}, {{"p", p}, {"redraw", false}}, {}});
    return cases;
  }

 private:
  // m / (1 - p) for the next mask; 1 / (1 - p) is not taken at p = 1.
  void draw_mask(std::int64_t size) {
    run_->scaled_mask.resize(size);
    const double keep_scale = p_ == 1.0 ? 0.0 : 1.0 / (1.0 - p_);
    for (std::int64_t i = 0; i < size; ++i) {
      const double u = double(generator_() >> 11) * 0x1.0p-53;
      run_->scaled_mask(i) = u >= p_ ? keep_scale : 0.0;
    }
  }

  double p_;
  std::int64_t seed_;
  bool redraw_;
  bool training_ = true;
  std::mt19937_64 generator_;
  // What the last forward run did, for backward and for replaying nodes.
  std::shared_ptr<dropout_detail::Run> run_ = std::make_shared<dropout_detail::Run>();
};
}  // namespace

namespace dagrad {
Expr dropout(Expr x, double p, std::int64_t seed, std::string name) {
  return x.graph().add_op(std::make_unique<Dropout>(p, seed), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(dropout, Dropout)
