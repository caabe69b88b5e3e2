// Everything a model-building program needs, in one include.
#pragma once

#include "dagrad/error.hpp"
#include "dagrad/graph.hpp"
#include "dagrad/op.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/tensor.hpp"
