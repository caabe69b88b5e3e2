// The dagrad program: `dagrad COMMAND [options]`.
//
// Exit statuses, the same for every command: 0 success; 2 a user error,
// which is any dagrad::Error (bad flags, bad or unreadable files, shapes
// that do not fit, sizes over a limit), printed as its message; 1 a
// failure the command found (a gradient check that fails, a training run
// that diverges, a NaN or infinity found by --check-finite) or a bug: any
// other exception is printed as an "internal error".
#include <algorithm>
#include <cstdio>

#include <fmt/format.h>

#include "command.hpp"
#include "dagrad/error.hpp"
#include "dagrad/plugin.hpp"

namespace dagrad::cli {
std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}
}  // namespace dagrad::cli

int main(int argc, char** argv) {
  using namespace dagrad::cli;
  CLI::App app{"dagrad: expression-graph autodiff for small models, graph diagrams and gradient checks", "dagrad"};
  app.require_subcommand(1);
  app.footer("Run `dagrad COMMAND --help` for a command's options.");
  std::vector<std::string> plugins;
  app.add_option("--plugin", plugins,
                 "Load ops from this shared library first (repeatable; also DAGRAD_PLUGINS, colon-separated)")
      ->type_name("LIBRARY");
  app.fallthrough();  // --plugin also after the command name
  auto& all = commands();
  std::sort(all.begin(), all.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, std::function<int()>>> runners;
  for (const Command& command : all) {
    CLI::App* sub = app.add_subcommand(command.name, command.help);
    runners.emplace_back(sub, command.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int status = app.exit(e);
    return status == 0 ? exit_ok : exit_usage;
  }
  try {
    dagrad::load_plugins_from_environment();
    for (const std::string& plugin : plugins) dagrad::load_plugin(plugin);
  } catch (const dagrad::Error& e) {
    fmt::print(stderr, "dagrad: error: {}\n", e.what());
    return exit_usage;
  }
  for (auto& [sub, run] : runners) {
    if (!sub->parsed()) continue;
    try {
      return run();
    } catch (const dagrad::NonFiniteError& e) {
      // --check-finite found a NaN or an infinity: a failure the command
      // found, not a usage error.
      fmt::print(stderr, "dagrad {}: {}\n", sub->get_name(), e.what());
      return exit_failed;
    } catch (const dagrad::Error& e) {
      fmt::print(stderr, "dagrad {}: error: {}\n", sub->get_name(), e.what());
      return exit_usage;
    } catch (const std::exception& e) {
      fmt::print(stderr, "dagrad {}: internal error: {}\n", sub->get_name(), e.what());
      return exit_failed;
    } catch (...) {
      fmt::print(stderr, "dagrad {}: internal error: an exception of unknown type\n", sub->get_name());
      return exit_failed;
    }
  }
  return exit_usage;
}
