# Tests of the installed package (included by tests/CMakeLists.txt).
#
# Two installs of this source tree, built once each as ctest fixtures into
# fresh prefixes: a shared one with the dagrad program and a static one.
# Both are built with -DDAGRAD_NATIVE=OFF, as a package is: the build under
# test may be native, and a consumer compiled without -march=native must not
# share Eigen objects with a library compiled with it. Neither is sanitized:
# they test packaging, and the sanitizer presets test the code.
#
#   package.installed_program_runs    bin/dagrad --help, LD_LIBRARY_PATH unset,
#                                     from the prefix and from a copy moved elsewhere
#   package.consumer_{shared,static}  find_package(dagrad), dagrad::dagrad: builds and runs
#   package.core_only_consumer_{shared,static}
#                                     find_package(dagrad COMPONENTS core) with Graphviz and
#                                     nlohmann-json unfindable: builds, runs, and its link
#                                     line and NEEDED entries name no Graphviz
#   package.testing_consumer_shared   find_package(dagrad COMPONENTS testing): a GoogleTest
#                                     program using EXPECT_GRADIENTS_OK builds and passes
#   package.hiding_has_teeth_static   the same hiding, asking for dot (Graphviz hidden) or io
#                                     (nlohmann-json hidden) of the static install: the configure
#                                     must fail, so the hiding above does hide them
#   package.configure_without_graphviz
#                                     this tree configures without Graphviz, says so, and
#                                     leaves out dagrad::dot and the programs that draw
set(package_work ${CMAKE_CURRENT_BINARY_DIR}/package)
set(package_script ${CMAKE_CURRENT_SOURCE_DIR}/package/package_step.cmake)
set(package_args -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DWORK_DIR=${package_work}
                 -DCXX_COMPILER=${CMAKE_CXX_COMPILER} "-DLAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}")

function(dagrad_package_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "STEP;LINKAGE;SETUP;REQUIRES" "")
  add_test(NAME package.${name}
           COMMAND ${CMAKE_COMMAND} ${package_args} -DSTEP=${arg_STEP} -DLINKAGE=${arg_LINKAGE}
                   -DWITH_PROGRAM=${DAGRAD_BUILD_TOOLS} -P ${package_script})
  # Building an install compiles the library: allow for a busy machine.
  set_tests_properties(package.${name} PROPERTIES TIMEOUT 1200 RESOURCE_LOCK dagrad_package_${arg_LINKAGE})
  if(arg_SETUP)
    set_tests_properties(package.${name} PROPERTIES FIXTURES_SETUP ${arg_SETUP})
  endif()
  if(arg_REQUIRES)
    set_tests_properties(package.${name} PROPERTIES FIXTURES_REQUIRED ${arg_REQUIRES})
  endif()
endfunction()

foreach(linkage IN ITEMS shared static)
  dagrad_package_test(install_${linkage} STEP install LINKAGE ${linkage} SETUP dagrad_installed_${linkage})
  dagrad_package_test(consumer_${linkage} STEP consumer LINKAGE ${linkage} REQUIRES dagrad_installed_${linkage})
  dagrad_package_test(core_only_consumer_${linkage} STEP core_only_consumer LINKAGE ${linkage}
                      REQUIRES dagrad_installed_${linkage})
endforeach()
if(TARGET dagrad_testing)
  dagrad_package_test(testing_consumer_shared STEP testing_consumer LINKAGE shared REQUIRES dagrad_installed_shared)
endif()
dagrad_package_test(hiding_has_teeth_static STEP hiding_has_teeth LINKAGE static
                    REQUIRES dagrad_installed_static)
if(DAGRAD_BUILD_TOOLS)
  dagrad_package_test(installed_program_runs STEP installed_program_runs LINKAGE shared
                      REQUIRES dagrad_installed_shared)
endif()
dagrad_package_test(configure_without_graphviz STEP configure_without_graphviz LINKAGE none)
