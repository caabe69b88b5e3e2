// The frame of every generated page: the style sheet and, for graph views,
// the script (view_script.inc), around the page's data as JSON.
#pragma once

#include <string>
#include <string_view>

namespace dagrad::dot {

// HTML-escapes text for element content and attribute values.
std::string escape_html(std::string_view text);

// A graph view: `data_json` is read by the script (view_script.inc);
// `data_elements` (more script elements the script reads) go before it.
std::string html_page(const std::string& title, std::string_view kind, const std::string& data_json,
                      const std::string& data_elements);

// A static page (training reports): `body` is HTML.
std::string static_page(const std::string& title, const std::string& body);

}  // namespace dagrad::dot
