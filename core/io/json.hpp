// JSON reading shared by graph files and parameter files: one parser that
// reports every problem with the file's name, line and column, and one
// reader of numbers that accepts the non-finite spellings io::format_number
// writes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dagrad/tensor.hpp"

namespace dagrad::io {

// Parses `text`. Throws FileError "SOURCE:LINE:COLUMN: not valid JSON: ..."
// for bad syntax and for numbers no double can hold (1e400), which
// nlohmann-json reports without a position.
nlohmann::json parse_json(std::string_view text, const std::string& source_name);

// Throws the FileError of parse_json for an error nlohmann-json reported at
// byte `offset` of `text` with `message`: for other parsers built on
// nlohmann's SAX interface.
[[noreturn]] void throw_json_error(std::string_view text, std::size_t offset, const std::string& message,
                                   const std::string& source_name);

// A JSON number, or one of the strings "NaN", "Infinity", "-Infinity";
// nullopt for anything else.
std::optional<double> json_number(const nlohmann::json& value);

// A tensor's "shape": a list of at most Shape::max_rank non-negative
// integers whose product does not overflow. Throws Error "WHERE: ...".
Shape json_shape(const nlohmann::json& value, std::string_view where);

// `text` as a JSON string literal. Throws Error if it is not valid UTF-8
// (JSON text must be).
std::string json_string(std::string_view text);

// "null", "a boolean", "the string \"x\"", "the number 3", ...: a value's
// kind, for messages.
std::string describe_json(const nlohmann::json& value);

}  // namespace dagrad::io
