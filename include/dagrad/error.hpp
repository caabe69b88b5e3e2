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

}  // namespace dagrad
