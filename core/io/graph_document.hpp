// A graph file with one more top-level value beside "dagrad", "nodes" and
// "outputs": how model files (dagrad/model.hpp) carry their metadata in the
// graph file format, read and written by the graph file code itself.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dagrad/graph_file.hpp"

namespace dagrad::io {

// parse_graph, also accepting the top-level key `extra_key` (when not
// empty), whose value is stored in `extra` (null when the file has none).
LoadedGraph parse_graph_document(const std::string& json_text, const std::string& source_name,
                                 std::string_view extra_key, nlohmann::json& extra);

// graph_to_json with `"extra_key": extra_json` written after "dagrad"
// (`extra_json` must be valid JSON; nothing is added when the key is empty).
std::string graph_document_json(const Graph& graph, std::span<const Expr> outputs, std::string_view extra_key,
                                std::string_view extra_json);

}  // namespace dagrad::io
