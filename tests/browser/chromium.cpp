#include "chromium.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace dagrad::browser {
namespace {

constexpr auto reply_timeout = std::chrono::seconds(60);

std::string base64_decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  int bits = 0, buffer = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) continue;  // '=' padding
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((buffer >> bits) & 0xff);
    }
  }
  return out;
}

}  // namespace

Chromium::Chromium(const std::string& program) {
  char dir_template[] = "/tmp/dagrad-chromium-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("cannot create a profile directory for Chromium");
  profile_ = dir_template;
  int to[2], from[2];
  if (pipe(to) != 0 || pipe(from) != 0) throw std::runtime_error("cannot create pipes for Chromium");
  std::vector<std::string> args{program,
                                "--headless",
                                "--no-sandbox",  // the tests may run as root (CI containers)
                                "--disable-gpu",
                                "--disable-quic",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync",
                                "--hide-scrollbars",
                                "--mute-audio",
                                "--disable-dev-shm-usage",  // containers often have a 64 MB /dev/shm
                                "--remote-debugging-pipe",
                                "--user-data-dir=" + profile_,
                                "about:blank"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("cannot start Chromium (fork failed)");
  if (pid_ == 0) {
    // Chromium reads commands from fd 3 and writes replies to fd 4.
    int read_end = dup(to[0]), write_end = dup(from[1]);
    dup2(read_end, 3);
    dup2(write_end, 4);
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    for (int fd = 5; fd < 1024; ++fd) close(fd);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  close(to[0]);
  close(from[1]);
  to_browser_ = to[1];
  from_browser_ = from[0];
  signal(SIGPIPE, SIG_IGN);  // a browser that died is reported by read/write, not by a signal
}

Chromium::~Chromium() {
  try {
    call("Browser.close");
  } catch (const std::exception&) {
  }
  close(to_browser_);
  close(from_browser_);
  // Give it a few seconds to exit by itself, then stop it.
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(profile_, ignored);
}

Json Chromium::read_message(std::chrono::steady_clock::time_point deadline) {
  while (true) {
    auto end = buffer_.find('\0');
    if (end != std::string::npos) {
      Json message = Json::parse(buffer_.substr(0, end));
      buffer_.erase(0, end + 1);
      return message;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) throw std::runtime_error("Chromium did not answer within 60 s");
    pollfd fd{from_browser_, POLLIN, 0};
    int ready = poll(&fd, 1, int(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char chunk[65536];
    ssize_t n = read(from_browser_, chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error("Chromium closed the DevTools pipe (did it start? is it installed?)");
    buffer_.append(chunk, std::size_t(n));
  }
}

Json Chromium::call(const std::string& method, const Json& params, const std::string& session) {
  int id = next_id_++;
  Json message{{"id", id}, {"method", method}, {"params", params}};
  if (!session.empty()) message["sessionId"] = session;
  std::string text = message.dump();
  text += '\0';
  for (std::size_t sent = 0; sent < text.size();) {
    ssize_t n = write(to_browser_, text.data() + sent, text.size() - sent);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("cannot write to Chromium's DevTools pipe");
    sent += std::size_t(n);
  }
  auto deadline = std::chrono::steady_clock::now() + reply_timeout;
  while (true) {
    Json reply = read_message(deadline);
    if (!reply.contains("id")) {
      events_.push_back(std::move(reply));
      continue;
    }
    if (reply["id"] != id) continue;
    if (reply.contains("error")) throw std::runtime_error(method + ": " + reply["error"].dump());
    return reply.value("result", Json::object());
  }
}

Json Chromium::wait_for_event(const std::string& method, const std::string& session) {
  auto matches = [&](const Json& event) {
    return event.value("method", "") == method && (session.empty() || event.value("sessionId", "") == session);
  };
  for (auto it = events_.begin(); it != events_.end(); ++it) {
    if (matches(*it)) {
      Json event = *it;
      events_.erase(it);
      return event;
    }
  }
  auto deadline = std::chrono::steady_clock::now() + reply_timeout;
  while (true) {
    Json message = read_message(deadline);
    if (matches(message)) return message;
    if (!message.contains("id")) events_.push_back(std::move(message));
  }
}

Page::Page(Chromium& browser, int width, int height) : browser_(browser) {
  std::string target = browser_.call("Target.createTarget", {{"url", "about:blank"}})["targetId"];
  session_ = browser_.call("Target.attachToTarget", {{"targetId", target}, {"flatten", true}})["sessionId"];
  browser_.call("Page.enable", Json::object(), session_);
  browser_.call("Runtime.enable", Json::object(), session_);
  browser_.call("Emulation.setDeviceMetricsOverride",
                {{"width", width}, {"height", height}, {"deviceScaleFactor", 1}, {"mobile", false}}, session_);
}

void Page::navigate(const std::string& url) {
  Json result = browser_.call("Page.navigate", {{"url", url}}, session_);
  if (result.contains("errorText")) throw std::runtime_error("cannot open " + url + ": " + result["errorText"].dump());
  browser_.wait_for_event("Page.loadEventFired", session_);
}

Json Page::evaluate(const std::string& expression) {
  Json result = browser_.call("Runtime.evaluate",
                              {{"expression", expression}, {"returnByValue", true}, {"awaitPromise", true}}, session_);
  if (result.contains("exceptionDetails")) {
    throw std::runtime_error("JavaScript error in `" + expression + "`: " + result["exceptionDetails"].dump());
  }
  return result["result"].value("value", Json());
}

void Page::click(double x, double y) {
  for (const char* type : {"mouseMoved", "mousePressed", "mouseReleased"}) {
    browser_.call("Input.dispatchMouseEvent",
                  {{"type", type},
                   {"x", x},
                   {"y", y},
                   {"button", "left"},
                   {"buttons", std::string(type) == "mousePressed" ? 1 : 0},
                   {"clickCount", 1}},
                  session_);
  }
}

void Page::type_and_enter(const std::string& text) {
  browser_.call("Input.insertText", {{"text", text}}, session_);
  for (const char* type : {"keyDown", "keyUp"}) {
    browser_.call("Input.dispatchKeyEvent",
                  {{"type", type}, {"key", "Enter"}, {"code", "Enter"}, {"windowsVirtualKeyCode", 13}}, session_);
  }
}

void Page::screenshot(const std::string& path) {
  Json result = browser_.call("Page.captureScreenshot", {{"format", "png"}}, session_);
  std::ofstream out(path, std::ios::binary);
  out << base64_decode(result["data"].get<std::string>());
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace dagrad::browser
