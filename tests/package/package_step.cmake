# One step of the package tests (tests/package/package_tests.cmake says what
# each proves). Run as:
#   cmake -DSOURCE_DIR=... -DWORK_DIR=... -DCXX_COMPILER=... [-DLAUNCHER=ccache]
#         -DSTEP=... -DLINKAGE=shared|static -DWITH_PROGRAM=ON|OFF -P package_step.cmake
cmake_minimum_required(VERSION 3.25)
set(build_dir ${WORK_DIR}/${LINKAGE}-build)
set(prefix ${WORK_DIR}/${LINKAGE}-prefix)
# The static and the shared install compile the same objects (see
# dagrad_add_component): the build's own launcher (ccache) serves the second
# from the first; without one, a ccache private to these tests does, if the
# machine has ccache.
set(launcher "")
set(launcher_env "")
if(LAUNCHER)
  set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
else()
  find_program(package_ccache ccache)
  if(package_ccache)
    set(launcher -DCMAKE_CXX_COMPILER_LAUNCHER=${package_ccache})
    set(launcher_env ${CMAKE_COMMAND} -E env CCACHE_DIR=${WORK_DIR}/ccache CCACHE_BASEDIR=${WORK_DIR}
                     CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime)
  endif()
endif()

# Runs a command; stops the test with its output unless it exits 0.
# Sets `output` in the caller to what it printed.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(output "${out}${err}" PARENT_SCOPE)
  if(NOT status EQUAL 0)
    list(JOIN ARGN " " shown)
    message(FATAL_ERROR "failed (${status}): ${shown}\n${out}${err}")
  endif()
endfunction()

function(require_match text pattern what)
  if(NOT text MATCHES "${pattern}")
    message(FATAL_ERROR "${what}: expected to match \"${pattern}\" in:\n${text}")
  endif()
endfunction()

function(require_no_match text pattern what)
  if(text MATCHES "${pattern}")
    message(FATAL_ERROR "${what}: \"${CMAKE_MATCH_0}\" must not appear in:\n${text}")
  endif()
endfunction()

# Graphviz (pkg-config, and PkgConfig itself) and nlohmann-json made
# unfindable for a consumer's configure.
set(hide_graphviz -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=ON)
set(hide_json -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON)
set(hide_env ${CMAKE_COMMAND} -E env PKG_CONFIG_LIBDIR=${WORK_DIR}/no-pkg-config PKG_CONFIG_PATH=)

# Configures and builds tests/package against the install; sets `consumer`.
function(build_consumer name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "CONFIGURE_PREFIX;ARGS")
  set(dir ${WORK_DIR}/consumer-${LINKAGE}-${name})
  file(REMOVE_RECURSE ${dir})
  run(${arg_CONFIGURE_PREFIX} ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package -B ${dir} -G Ninja
      -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${prefix} ${arg_ARGS})
  message("${output}")
  run(${CMAKE_COMMAND} --build ${dir} --verbose)
  message("${output}")
  set(consumer ${dir}/consumer PARENT_SCOPE)
  set(build_log "${output}" PARENT_SCOPE)
endfunction()

function(needed_libraries binary out)
  run(readelf -d ${binary})
  string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*" needed "${output}")
  set(${out} "${needed}" PARENT_SCOPE)
endfunction()

if(STEP STREQUAL "install")
  # A portable package build of this tree, installed into a fresh prefix.
  if(LINKAGE STREQUAL "shared")
    set(shared ON)
    set(tools ${WITH_PROGRAM})
  else()
    set(shared OFF)
    set(tools OFF)
  endif()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${build_dir} -G Ninja -DCMAKE_BUILD_TYPE=Release
      -DCMAKE_CXX_COMPILER=${CXX_COMPILER} ${launcher}
      -DDAGRAD_NATIVE=OFF -DDAGRAD_SHARED=${shared} -DDAGRAD_BUILD_TESTS=OFF -DDAGRAD_BUILD_TOOLS=${tools}
      -DDAGRAD_INSTALL=ON -DDAGRAD_SANITIZE=)
  message("${output}")
  if(tools)
    run(${launcher_env} ${CMAKE_COMMAND} --build ${build_dir} --target dagrad_cli)
  else()
    run(${launcher_env} ${CMAKE_COMMAND} --build ${build_dir})
  endif()
  file(READ ${build_dir}/build.ninja rules)
  require_no_match("${rules}" "[^\n]*-march=native" "the package build must be portable: its build.ninja")
  file(REMOVE_RECURSE ${prefix})
  run(${CMAKE_COMMAND} --install ${build_dir} --prefix ${prefix})
  message("${output}")

elseif(STEP STREQUAL "installed_program_runs")
  set(program ${prefix}/bin/dagrad)
  run(readelf -d ${program})
  require_match("${output}" "RUNPATH[^\n]*\\[\\$ORIGIN/\\.\\./lib[^\n]*\\]" "the installed program's run path")
  # From the prefix, and from a copy of it somewhere else.
  set(moved ${WORK_DIR}/moved-prefix/elsewhere)
  file(REMOVE_RECURSE ${WORK_DIR}/moved-prefix)
  file(MAKE_DIRECTORY ${WORK_DIR}/moved-prefix)
  file(COPY ${prefix}/ DESTINATION ${moved})
  foreach(root IN ITEMS ${prefix} ${moved})
    run(${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ${root}/bin/dagrad --help)
    require_match("${output}" "dagrad: expression-graph autodiff" "${root}/bin/dagrad --help")
    run(${CMAKE_COMMAND} -E env --unset=LD_LIBRARY_PATH ldd ${root}/bin/dagrad)
    string(REGEX REPLACE "([][+.*?()^$|\\])" "\\\\\\1" root_pattern "${root}")
    require_match("${output}" "libdagrad_core[^\n]*=> ${root_pattern}/bin/\\.\\./lib/"
                  "${root}/bin/dagrad loads its own libraries")
    message("${root}/bin/dagrad --help runs, with ${root}/lib's libraries")
  endforeach()
  file(REMOVE_RECURSE ${WORK_DIR}/moved-prefix)

elseif(STEP STREQUAL "consumer")
  build_consumer(whole)
  run(${consumer})
  message("${output}")

elseif(STEP STREQUAL "testing_consumer")
  build_consumer(testing ARGS -DDAGRAD_COMPONENTS=testing)
  run(${consumer})
  require_match("${output}" "\\[  PASSED  \\] 1 test" "the GoogleTest consumer's run")
  message("${output}")

elseif(STEP STREQUAL "core_only_consumer")
  build_consumer(core CONFIGURE_PREFIX ${hide_env} ARGS -DDAGRAD_COMPONENTS=core ${hide_graphviz} ${hide_json})
  run(${consumer})
  message("${output}")
  # The link line and the program: dagrad's core and nothing that draws.
  string(REGEX MATCH "[^\n]*-o consumer [^\n]*" link_line "${build_log}")
  require_match("${link_line}" "dagrad_core" "the consumer's link line")
  require_no_match("${link_line}" "gvc|cgraph|graphviz|dagrad_dot|dagrad_io|dagrad_nn|dagrad_gradcheck"
                   "the core-only consumer's link line")
  needed_libraries(${consumer} needed)
  require_no_match("${needed}" "gvc|cgraph|cdt|pathplan|dagrad_dot|dagrad_io|dagrad_nn|dagrad_gradcheck"
                   "the core-only consumer's NEEDED libraries")
  if(LINKAGE STREQUAL "shared")
    require_match("${needed}" "libdagrad_core" "the core-only consumer's NEEDED libraries")
  endif()
  message("core-only consumer links: ${link_line}\nNEEDED: ${needed}")

elseif(STEP STREQUAL "hiding_has_teeth")
  # With one dependency hidden, a component that needs it cannot be found.
  foreach(case IN ITEMS "dot;graphviz;PkgConfig" "io;json;nlohmann_json")
    list(GET case 0 component)
    list(GET case 1 hidden)
    list(GET case 2 named)
    set(dir ${WORK_DIR}/consumer-${LINKAGE}-${component})
    file(REMOVE_RECURSE ${dir})
    execute_process(COMMAND ${hide_env} ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/package -B ${dir} -G Ninja
                            -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_PREFIX_PATH=${prefix}
                            -DDAGRAD_COMPONENTS=core\;${component} ${hide_${hidden}}
                    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
    if(status EQUAL 0)
      message(FATAL_ERROR "find_package(dagrad COMPONENTS core ${component}) of a static dagrad succeeded with "
                          "${hidden} hidden: the core-only test would not prove ${hidden} unneeded\n${out}${err}")
    endif()
    require_match("${out}${err}" "${named}" "the failed configure names what is missing")
    message("as expected, ${component} cannot be found with ${hidden} hidden:\n${err}")
    file(REMOVE_RECURSE ${dir})
  endforeach()

elseif(STEP STREQUAL "configure_without_graphviz")
  set(dir ${WORK_DIR}/no-graphviz-build)
  file(REMOVE_RECURSE ${dir})
  run(${hide_env} ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${dir} -G Ninja -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
      -DDAGRAD_NATIVE=OFF -DDAGRAD_BUILD_TESTS=OFF -DDAGRAD_BUILD_TOOLS=${WITH_PROGRAM} -DDAGRAD_INSTALL=ON)
  message("${output}")
  set(configure_log "${output}")
  require_match("${output}" "the dot component \\(dagrad::dot\\) is NOT built[^\n]*libgraphviz-dev"
                "the configure log says why diagrams are not built")
  run(${CMAKE_COMMAND} --build ${dir} --target help)
  require_match("${output}" "dagrad_core" "the targets of a build without Graphviz")
  require_no_match("${output}" "dagrad_dot" "the targets of a build without Graphviz")
  if(WITH_PROGRAM)
    require_match("${output}" "dagrad_cli" "the targets of a build without Graphviz")
    require_match("${configure_log}" "not building tools/dagrad/dot.cpp" "the configure log")
  endif()
  file(READ ${dir}/dagradConfig.cmake config)
  require_no_match("${config}" "set\\(_dagrad_installed[^\n]*dot" "the package's component list")
  file(REMOVE_RECURSE ${dir})

else()
  message(FATAL_ERROR "unknown STEP \"${STEP}\"")
endif()
