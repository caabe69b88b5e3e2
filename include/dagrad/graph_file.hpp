// Graph files: a whole graph as JSON (structure plus the values of inputs,
// parameters and constants), round-tripping exactly.
//
// INTERFACE FIXED BY THE FOUNDATION; implemented in core/graph_file.cpp.
// The format is documented in README ("Graph files").
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dagrad/graph.hpp"

namespace dagrad {

// A graph read from a file, with its outputs in file order.
struct LoadedGraph {
  std::unique_ptr<Graph> graph;
  std::vector<Expr> outputs;
};

// Throws FileError naming the file (and line and column for bad JSON) and
// the problem: unknown op (listing the known ones), missing or duplicate
// name, a cycle (naming a node on it), a value count that does not match the
// shape, shapes that do not fit an op (the C++ API's message).
LoadedGraph load_graph(const std::string& path);
LoadedGraph parse_graph(const std::string& json_text, const std::string& source_name = "<string>");

// JSON text of the nodes the outputs need (every node if `outputs` is
// empty), deterministic: saving, loading and saving again gives the same
// bytes, and every double survives bit for bit.
std::string graph_to_json(const Graph& graph, std::span<const Expr> outputs);
// Written whole or not at all (a temporary file, then rename).
void save_graph(const Graph& graph, std::span<const Expr> outputs, const std::string& path);

// Writes `content` to `path` whole or not at all: a temporary file created
// exclusively beside it (never through a planted symbolic link), flushed to
// disk, then renamed over `path`. The target must be absent or a regular
// file; a symbolic link, directory, FIFO or device there is refused and left
// untouched. Throws FileError naming the path and the reason. (README,
// "Reliability", states the rule.)
void write_file_atomically(const std::string& path, const std::string& content);

}  // namespace dagrad
