// Subcommands of the dagrad program. Each command lives in its own file and
// registers itself here; main.cpp knows none of them by name.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace dagrad::cli {

// Exit statuses shared by every command.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failed = 1;  // the command ran and found a failure (a gradient check failed)
inline constexpr int exit_usage = 2;   // bad flags, bad files, bad input

// A command adds its options to its subcommand and returns the function that
// runs it once the command line is parsed.
using CommandSetup = std::function<std::function<int()>(CLI::App& subcommand)>;

struct Command {
  std::string name;
  std::string help;
  CommandSetup setup;
};

std::vector<Command>& commands();

struct CommandRegistration {
  CommandRegistration(std::string name, std::string help, CommandSetup setup) {
    commands().push_back({std::move(name), std::move(help), std::move(setup)});
  }
};

}  // namespace dagrad::cli
