// Everything a model-building program needs, in one include.
#pragma once

#include "dagrad/autodiff.hpp"
#include "dagrad/data.hpp"
#include "dagrad/error.hpp"
#include "dagrad/graph.hpp"
#include "dagrad/init.hpp"
#include "dagrad/model.hpp"
#include "dagrad/nn.hpp"
#include "dagrad/op.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/optim.hpp"
#include "dagrad/parallel.hpp"
#include "dagrad/tensor.hpp"
#include "dagrad/train.hpp"
