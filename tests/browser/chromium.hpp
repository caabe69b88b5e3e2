// A headless Chromium driven through the DevTools protocol over a pipe
// (--remote-debugging-pipe: JSON messages ending in a NUL byte, on file
// descriptors 3 and 4), so the tests need no WebSocket client, no port and
// no npm package: only Debian's `chromium`.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <nlohmann/json.hpp>
#include <string>

namespace dagrad::browser {

using Json = nlohmann::json;

class Chromium {
 public:
  // Starts `program` headless with a new, empty profile directory.
  explicit Chromium(const std::string& program);
  ~Chromium();
  Chromium(const Chromium&) = delete;
  Chromium& operator=(const Chromium&) = delete;

  // Sends a command (to a page when `session` is set) and returns its
  // result; throws std::runtime_error on a protocol error or after 60 s.
  Json call(const std::string& method, const Json& params = Json::object(), const std::string& session = {});
  // Waits for an event of this name (earlier unread events included).
  Json wait_for_event(const std::string& method, const std::string& session = {});

 private:
  Json read_message(std::chrono::steady_clock::time_point deadline);

  pid_t pid_ = -1;
  int to_browser_ = -1, from_browser_ = -1;
  int next_id_ = 1;
  std::string buffer_, profile_;
  std::deque<Json> events_;
};

// One tab of a given size.
class Page {
 public:
  Page(Chromium& browser, int width, int height);
  // Loads a URL and waits for its load event.
  void navigate(const std::string& url);
  // Evaluates a JavaScript expression (promises awaited) and returns its value.
  Json evaluate(const std::string& expression);
  // A real mouse click (pointer and mouse events) at a point of the viewport.
  void click(double x, double y);
  // Types text into the focused element, then presses Enter.
  void type_and_enter(const std::string& text);
  void screenshot(const std::string& path);

 private:
  Chromium& browser_;
  std::string session_;
};

}  // namespace dagrad::browser
