# Every dependency comes from a Debian package; nothing is downloaded at
# configure time. A missing one stops here naming the package to install
# (tools/install-deps.sh installs them all).
macro(dagrad_require package debian_package)
  find_package(${package} ${ARGN} QUIET)
  if(NOT ${package}_FOUND)
    message(FATAL_ERROR "dagrad needs ${package}: install the Debian package '${debian_package}' "
                        "(apt-get install ${debian_package}), or run tools/install-deps.sh")
  endif()
endmacro()

dagrad_require(Eigen3 libeigen3-dev 3.4 NO_MODULE)
dagrad_require(fmt libfmt-dev)
dagrad_require(nlohmann_json nlohmann-json3-dev 3.10)

# Graphviz is optional: without it the dot component is not built
# (core/dot/CMakeLists.txt says so at configure time).
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(GRAPHVIZ QUIET IMPORTED_TARGET libgvc libcgraph)
endif()

if(DAGRAD_BUILD_TOOLS)
  dagrad_require(CLI11 libcli11-dev)
  dagrad_require(benchmark libbenchmark-dev)
endif()
if(DAGRAD_BUILD_TESTS)
  dagrad_require(GTest libgtest-dev)
  if(NOT GRAPHVIZ_FOUND)
    message(FATAL_ERROR "the test suite tests every component, diagrams included, and needs Graphviz: install "
                        "the Debian packages 'libgraphviz-dev graphviz' (or run tools/install-deps.sh), or "
                        "configure with -DDAGRAD_BUILD_TESTS=OFF to build without tests")
  endif()
else()
  # The testing component (GoogleTest assertions) is built when GTest is there.
  find_package(GTest QUIET)
endif()
