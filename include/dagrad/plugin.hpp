// Plugins: ops built outside dagrad, in a shared library loaded at run time,
// so that `dagrad gradcheck`, `eval`, `grad`, `dot` and `train` (and any
// program that calls load_plugin) see them by name.
//
// The contract. A plugin is a shared library that defines, once,
//
//   DAGRAD_PLUGIN(registry) {
//     registry.add<MyOp>("my_op");   // OpRegistry::add, as for built-in ops
//   }
//
// which expands to two C functions the loader looks up by name:
// `dagrad_plugin_abi` (the DAGRAD_PLUGIN_ABI the plugin was compiled
// against; a mismatch is refused) and `dagrad_register_ops` (called once,
// with the global registry). Nothing else in the library may register ops:
// static initializers would run inside dlopen, before the loader can report
// a clash. The library resolves dagrad's symbols against the program that
// loads it (it need not link libdagrad itself), and it is never unloaded,
// since the registry holds its factories.
//
// Errors are PluginError (a dagrad::Error, exit status 2 in the CLI): a file
// that cannot be loaded (dlerror's reason), a library without the entry
// point, an ABI mismatch, or an op name already registered (built in or by
// an earlier plugin).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dagrad/error.hpp"
#include "dagrad/op.hpp"

// Bumped whenever the Op contract changes in a way that breaks compiled ops
// (2: Op::scratch_bytes, a new virtual function).
#define DAGRAD_PLUGIN_ABI 2

#define DAGRAD_PLUGIN(registry)                                                          \
  extern "C" int dagrad_plugin_abi() { return DAGRAD_PLUGIN_ABI; }                      \
  extern "C" void dagrad_register_ops(::dagrad::OpRegistry& registry)

namespace dagrad {

class PluginError : public Error {
 public:
  using Error::Error;
};

struct LoadedPlugin {
  std::string path;
  std::vector<std::string> ops;  // the names it registered, sorted
};

// Loads one plugin and registers its ops in OpRegistry::global(). Loading
// the same path twice is a duplicate-name error like any other.
LoadedPlugin load_plugin(const std::string& path);

// The environment variable listing plugins to load, colon-separated (empty
// entries ignored): DAGRAD_PLUGINS=/opt/ops/libmyops.so:./libmore.so
inline constexpr std::string_view plugin_environment_variable = "DAGRAD_PLUGINS";
// Loads every plugin DAGRAD_PLUGINS names, in order.
std::vector<LoadedPlugin> load_plugins_from_environment();

}  // namespace dagrad
