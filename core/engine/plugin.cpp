// Loading plugins (include/dagrad/plugin.hpp): dlopen, the ABI check, and
// the entry point called with the global registry.
#include "dagrad/plugin.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <set>

namespace dagrad {

LoadedPlugin load_plugin(const std::string& path) {
  if (path.empty()) throw PluginError("cannot load a plugin with an empty path");
  // dlopen searches the library path for a bare name; a name with a slash
  // is a file, which is what a user pointing at "libmyops.so" in the
  // current directory means.
  std::string file = path.find('/') == std::string::npos ? "./" + path : path;
  // RTLD_NOW: a missing symbol is an error here, not a crash later.
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = dlerror();
    throw PluginError(fmt::format("cannot load plugin \"{}\": {}", path, reason ? reason : "unknown reason"));
  }
  auto abi = reinterpret_cast<int (*)()>(dlsym(handle, "dagrad_plugin_abi"));
  auto entry = reinterpret_cast<void (*)(OpRegistry&)>(dlsym(handle, "dagrad_register_ops"));
  if (abi == nullptr || entry == nullptr) {
    throw PluginError(fmt::format("plugin \"{}\" defines no dagrad entry point: a plugin defines "
                                  "DAGRAD_PLUGIN(registry) {{ registry.add<MyOp>(\"my_op\"); }} "
                                  "(include <dagrad/plugin.hpp>)",
                                  path));
  }
  if (abi() != DAGRAD_PLUGIN_ABI) {
    throw PluginError(fmt::format("plugin \"{}\" was built for dagrad plugin ABI {}, this dagrad has ABI {}: "
                                  "rebuild it against this dagrad's headers",
                                  path, abi(), DAGRAD_PLUGIN_ABI));
  }
  OpRegistry& registry = OpRegistry::global();
  std::vector<std::string> before = registry.names();
  try {
    entry(registry);
  } catch (const std::exception& e) {
    throw PluginError(fmt::format("plugin \"{}\" failed to register its ops: {}", path, e.what()));
  }
  LoadedPlugin loaded{path, {}};
  for (const std::string& name : registry.names()) {
    if (!std::binary_search(before.begin(), before.end(), name)) loaded.ops.push_back(name);
  }
  return loaded;
}

std::vector<LoadedPlugin> load_plugins_from_environment() {
  std::vector<LoadedPlugin> loaded;
  const char* list = std::getenv(std::string(plugin_environment_variable).c_str());
  if (list == nullptr) return loaded;
  std::string_view rest = list;
  while (!rest.empty()) {
    std::size_t colon = rest.find(':');
    std::string_view entry = rest.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    if (entry.empty()) continue;
    try {
      loaded.push_back(load_plugin(std::string(entry)));
    } catch (const PluginError& e) {
      throw PluginError(fmt::format("{} (listed in {})", e.what(), plugin_environment_variable));
    }
  }
  return loaded;
}

}  // namespace dagrad
