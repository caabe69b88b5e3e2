// Class labels stored as floats, shared by the ops that read them
// (softmax_cross_entropy and its gradient's sub_one_hot): the shape rule,
// the check of each label, and gradient-check examples.
#pragma once

#include <cstdint>
#include <vector>

#include "dagrad/op.hpp"

namespace dagrad {

// Labels fit scores (batch, classes) when they are (batch) or (batch, 1);
// throws ShapeError otherwise, and for empty scores (no row or no class).
void check_label_shape(const Shape& scores, const Shape& labels);
// The class index a label holds; throws Error "label 3 in row 1 is not a
// class index: ..." when it is not a whole number 0 to classes - 1 (NaN too).
std::int64_t class_index(double label, std::int64_t row, std::int64_t classes);
// Normal scores of a few batch and class sizes with labels drawn from the
// classes, in both label layouts.
std::vector<OpExample> class_label_examples(Rng& rng);

}  // namespace dagrad
