// Errors dagrad throws. Every message is a sentence a user can act on: it
// names the op, the node, the shapes or the file and line involved.
#pragma once

#include <stdexcept>
#include <string>

namespace dagrad {

// Base of every error dagrad throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A shape rule rejected its inputs, or a tensor was built with a value count
// that does not match its shape. Graph building prefixes the op and node:
// `l2 "loss": input shapes (1, 5) and (5, 1) differ`.
class ShapeError : public Error {
 public:
  using Error::Error;
};

// A graph file (JSON) or a data file could not be read; the message names
// the file and, where known, the line.
class FileError : public Error {
 public:
  using Error::Error;
};

// A size the user asked for is beyond what dagrad makes or can allocate: a
// shape over Shape::max_elements, a buffer the machine cannot provide. A user
// error (the CLI exits 2), detected before anything is half-written.
class LimitError : public Error {
 public:
  using Error::Error;
};

// An op broke the op contract (include/dagrad/op.hpp) in checked mode: it
// wrote a gradient slot it was not asked for, wrote outside a slot or its
// output, or left part of an assigned slot unwritten. The message names the
// op, the node and the slot.
class ContractError : public Error {
 public:
  using Error::Error;
};

// Anomaly mode (ForwardOptions/BackwardOptions::check_finite): the first
// node whose value or gradient holds NaN or Inf. The message names the node,
// its op, and its inputs' shapes and ranges.
class NonFiniteError : public Error {
 public:
  NonFiniteError(const std::string& message, std::string node) : Error(message), node_(std::move(node)) {}
  const std::string& node() const { return node_; }

 private:
  std::string node_;
};

}  // namespace dagrad
