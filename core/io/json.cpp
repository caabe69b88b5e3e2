// JSON parsing with positions for every error; see json.hpp.
#include "io/json.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "dagrad/error.hpp"
#include "io/io.hpp"

namespace dagrad::io {
namespace {

using Json = nlohmann::json;

// nlohmann's own document builder, except that an error is recorded with the
// byte offset where it happened instead of thrown: the parser passes the
// offset to this hook for every error, including the out-of-range numbers
// whose exceptions carry none.
class PositionedParser : public nlohmann::detail::json_sax_dom_parser<Json> {
 public:
  explicit PositionedParser(Json& result) : json_sax_dom_parser(result, /*allow_exceptions=*/false) {}

  template <class Exception>
  bool parse_error(std::size_t offset, const std::string&, const Exception& error) {
    offset_ = offset;
    message_ = error.what();
    return false;
  }
  std::size_t offset() const { return offset_; }
  const std::string& message() const { return message_; }

 private:
  std::size_t offset_ = 0;
  std::string message_;
};

// Line and column (1-based) of a byte offset.
std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  std::size_t line = 1, line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return {line, offset - line_start + 1};
}

}  // namespace

Json parse_json(std::string_view text, const std::string& source_name) {
  Json document;
  PositionedParser parser(document);
  if (Json::sax_parse(text, &parser)) return document;
  throw_json_error(text, parser.offset(), parser.message(), source_name);
}

void throw_json_error(std::string_view text, std::size_t offset, const std::string& message,
                      const std::string& source_name) {
  // The offset counts the byte just read; the error is at the one before.
  auto [line, column] = line_and_column(text, offset == 0 ? 0 : offset - 1);
  // nlohmann's message starts "[json.exception.parse_error.101] parse error
  // at line 1, column 2: "; the position is given in our own form instead.
  std::string detail = message;
  if (auto bracket = detail.find("] "); detail.starts_with("[json.exception") && bracket != std::string::npos) {
    detail = detail.substr(bracket + 2);
  }
  if (detail.starts_with("parse error")) {
    if (auto colon = detail.find(": "); colon != std::string::npos) detail = detail.substr(colon + 2);
  }
  throw FileError(fmt::format("{}:{}:{}: not valid JSON: {}", source_name, line, column, detail));
}

std::optional<double> json_number(const Json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) return special_number(value.get_ref<const std::string&>());
  return std::nullopt;
}

std::string describe_json(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return fmt::format("the string {}", value.dump(-1, ' ', false, Json::error_handler_t::replace));
    case Json::value_t::array: return "a list";
    case Json::value_t::object: return "an object";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return fmt::format("the number {}", value.dump());
    default: return "an unsupported value";
  }
}

Shape json_shape(const Json& value, std::string_view where) {
  if (!value.is_array()) {
    throw Error(fmt::format("{}: \"shape\" must be a list of dimensions, got {}", where, describe_json(value)));
  }
  if (value.size() > std::size_t(Shape::max_rank)) {
    throw Error(fmt::format("{}: \"shape\" has {} dimensions; at most {} are supported", where, value.size(),
                            Shape::max_rank));
  }
  std::vector<std::int64_t> dims;
  std::int64_t elements = 1;
  for (const Json& d : value) {
    // An unsigned number above INT64_MAX would read as a negative one.
    if (!d.is_number_integer() || (d.is_number_unsigned() && d.get<std::uint64_t>() > std::uint64_t(INT64_MAX)) ||
        d.get<std::int64_t>() < 0) {
      throw Error(fmt::format("{}: \"shape\" dimensions must be non-negative integers, got {}", where,
                              describe_json(d)));
    }
    dims.push_back(d.get<std::int64_t>());
    // An overflowing element count could wrap around to match a short value list.
    if (__builtin_mul_overflow(elements, dims.back(), &elements)) {
      throw Error(fmt::format("{}: \"shape\" [{}] has more elements than a tensor can hold", where,
                              fmt::join(dims, ", ")));
    }
  }
  return Shape(std::span<const std::int64_t>(dims));
}

std::string json_string(std::string_view text) {
  try {
    return Json(std::string(text)).dump();
  } catch (const Json::type_error&) {
    throw Error(fmt::format("the name \"{}\" is not valid UTF-8, which JSON files require",
                            Json(std::string(text)).dump(-1, ' ', false, Json::error_handler_t::replace)));
  }
}

}  // namespace dagrad::io
