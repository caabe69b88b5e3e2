#include "dot/html_page.hpp"

#include <fmt/format.h>

namespace dagrad::dot {
namespace {

// The page's style sheet and script, kept as raw string literals in files of
// their own so that they read (and diff) as CSS and JavaScript.
constexpr std::string_view style_sheet =
#include "dot/view_style.inc"
    ;
constexpr std::string_view graph_script =
#include "dot/view_script.inc"
    ;

// Inside <script>, the only sequence that ends the element early is "</";
// JSON allows "\/" for "/" in strings, and "</" can occur only in strings.
std::string script_safe(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    out += json[i];
    if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/') out += '\\';
  }
  return out;
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string html_page(const std::string& title, std::string_view kind, const std::string& data_json,
                      const std::string& data_elements) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n"
      "<style>\n{}</style>\n</head>\n<body class=\"{}\">\n"
      "<header><h1>{}</h1><input id=\"search\" type=\"search\" placeholder=\"Find a node by name\" "
      "list=\"names\" autocomplete=\"off\"><datalist id=\"names\"></datalist>"
      "<button id=\"fit\" title=\"Fit the drawing to the window\">Fit</button>"
      "<button id=\"expand-all\" title=\"Open every cluster\">Expand all</button>"
      "<button id=\"collapse-all\" title=\"Close every cluster\">Collapse all</button>"
      "<span id=\"status\"></span></header>\n"
      "<main><div id=\"pane\"><svg id=\"canvas\" xmlns=\"http://www.w3.org/2000/svg\">"
      "<g id=\"scene\"><g id=\"content\"></g></g></svg></div>"
      "<aside id=\"panel\"><p class=\"hint\">Click a node to see its values. Click a dashed box to open "
      "its cluster, and the cluster's frame to close it. Drag to pan, wheel to zoom.</p></aside></main>\n"
      "{}<script id=\"dagrad-data\" type=\"application/json\">{}</script>\n<script>\n{}</script>\n</body>\n</html>\n",
      escape_html(title), style_sheet, kind, escape_html(title), data_elements, script_safe(data_json), graph_script);
}

std::string static_page(const std::string& title, const std::string& body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n"
      "<style>\n{}</style>\n</head>\n<body class=\"report\">\n<h1>{}</h1>\n{}</body>\n</html>\n",
      escape_html(title), style_sheet, escape_html(title), body);
}

}  // namespace dagrad::dot
