# dagrad is built as components, one per core/ sub-folder (the layers):
#
#   core       core/engine + ops/: tensor, graph, executor, registry, every op
#              (Eigen and fmt only)
#   io         core/io: graph files and the I/O module (nlohmann-json, private)
#   gradcheck  core/gradcheck: gradient checks and their reports
#   dot        core/dot: diagrams (Graphviz; optional)
#   nn         core/nn: layers, initializers, optimizers, data, training
#   testing    include/dagrad/testing.hpp: GoogleTest assertions (header only)
#
# Each core/NAME/CMakeLists.txt calls dagrad_add_component. The function
# builds the library, gives it its alias (dagrad::NAME) and records what an
# installed package needs to load it: the components it requires and the
# packages to find. cmake/install.cmake turns the records into the package's
# config file, so find_package(dagrad COMPONENTS core) looks for Eigen and
# fmt and nothing else.

set_property(GLOBAL PROPERTY DAGRAD_COMPONENTS "")
set_property(GLOBAL PROPERTY DAGRAD_UNAVAILABLE_HEADERS "")

# dagrad_add_component(NAME
#   [SOURCES file...]            default: every .cpp in the calling folder
#   [HEADERS header...]          public headers it owns, relative to include/
#   [COMPONENTS name...]         components its headers use (linked PUBLIC)
#   [PRIVATE_COMPONENTS name...] components only its sources use
#   [PUBLIC_LIBRARIES target...] [PRIVATE_LIBRARIES target...]
#   [FIND_DEPENDENCY "args"...]  what a consumer's find_package needs for the
#                                PUBLIC libraries, one find_dependency() each
#   [STATIC_DEPENDENCY_CODE code] CMake code that recreates the PRIVATE
#                                libraries' targets for a static build, whose
#                                consumers link them too; it may set
#                                _dagrad_missing to a message to fail the find
#   [INTERFACE])                 header only (no sources, no library file)
function(dagrad_add_component name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "INTERFACE" "STATIC_DEPENDENCY_CODE"
    "SOURCES;HEADERS;COMPONENTS;PRIVATE_COMPONENTS;PUBLIC_LIBRARIES;PRIVATE_LIBRARIES;FIND_DEPENDENCY")
  set(target dagrad_${name})
  if(arg_INTERFACE)
    add_library(${target} INTERFACE)
    set(scope INTERFACE)
  else()
    if(NOT arg_SOURCES)
      file(GLOB arg_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
    endif()
    if(DAGRAD_SHARED)
      add_library(${target} SHARED)
    else()
      add_library(${target} STATIC)
    endif()
    target_sources(${target} PRIVATE ${arg_SOURCES})
    set(scope PUBLIC)
    set_target_properties(${target} PROPERTIES
      VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
      # Static and shared objects compile alike (no dagrad_NAME_EXPORTS
      # define, position-independent code), so ccache serves both builds
      # of the package test from one compile.
      DEFINE_SYMBOL "" POSITION_INDEPENDENT_CODE ON
      # An installed component finds the components it needs beside itself.
      INSTALL_RPATH "$ORIGIN")
    # Private headers of the layers (core/NAME/*.hpp), never installed.
    target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/core)
    if(DAGRAD_SHARED AND NOT DAGRAD_SANITIZE AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
      # Every symbol a component uses must come from a library it links:
      # a missing link dependency between layers fails here, not in a
      # consumer's build.
      target_link_options(${target} PRIVATE -Wl,--no-undefined)
    endif()
  endif()
  target_compile_features(${target} ${scope} cxx_std_20)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${name})
  add_library(dagrad::${name} ALIAS ${target})

  if(arg_HEADERS)
    list(TRANSFORM arg_HEADERS PREPEND ${PROJECT_SOURCE_DIR}/include/)
    target_sources(${target} ${scope} FILE_SET HEADERS BASE_DIRS ${PROJECT_SOURCE_DIR}/include
                   FILES ${arg_HEADERS})
  endif()
  foreach(component IN LISTS arg_COMPONENTS)
    target_link_libraries(${target} ${scope} dagrad::${component})
  endforeach()
  foreach(component IN LISTS arg_PRIVATE_COMPONENTS)
    target_link_libraries(${target} PRIVATE dagrad::${component})
  endforeach()
  target_link_libraries(${target} ${scope} ${arg_PUBLIC_LIBRARIES})
  target_link_libraries(${target} PRIVATE ${arg_PRIVATE_LIBRARIES})

  set_property(GLOBAL APPEND PROPERTY DAGRAD_COMPONENTS ${name})
  set_property(GLOBAL PROPERTY DAGRAD_COMPONENT_${name}_REQUIRES ${arg_COMPONENTS} ${arg_PRIVATE_COMPONENTS})
  set_property(GLOBAL PROPERTY DAGRAD_COMPONENT_${name}_HEADERS ${arg_HEADERS})
  set_property(GLOBAL PROPERTY DAGRAD_COMPONENT_${name}_FIND_DEPENDENCY ${arg_FIND_DEPENDENCY})
  set_property(GLOBAL PROPERTY DAGRAD_COMPONENT_${name}_STATIC_DEPENDENCY_CODE "${arg_STATIC_DEPENDENCY_CODE}")
endfunction()

# An optional component whose dependencies are missing: say so once at
# configure time, and remember its headers so that programs of this tree that
# include them are left out (dagrad_sources_without_unavailable_components).
function(dagrad_component_unavailable name reason)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "" "HEADERS")
  message(STATUS "dagrad: the ${name} component (dagrad::${name}) is NOT built: ${reason}")
  set_property(GLOBAL APPEND PROPERTY DAGRAD_UNAVAILABLE_COMPONENTS ${name})
  set_property(GLOBAL APPEND PROPERTY DAGRAD_UNAVAILABLE_HEADERS ${arg_HEADERS})
endfunction()

# Sets `out` to the files of `sources` that include no header of an
# unavailable component, and lists the files left out in the configure log.
function(dagrad_sources_without_unavailable_components out sources)
  get_property(headers GLOBAL PROPERTY DAGRAD_UNAVAILABLE_HEADERS)
  set(kept "")
  foreach(source IN LISTS sources)
    set(usable TRUE)
    if(headers)
      file(READ ${source} text)
      foreach(header IN LISTS headers)
        string(FIND "${text}" "${header}" position)
        if(NOT position EQUAL -1)
          set(usable FALSE)
          file(RELATIVE_PATH shown ${PROJECT_SOURCE_DIR} ${source})
          message(STATUS "dagrad: not building ${shown}: it includes ${header}")
          break()
        endif()
      endforeach()
    endif()
    if(usable)
      list(APPEND kept ${source})
    endif()
  endforeach()
  set(${out} ${kept} PARENT_SCOPE)
endfunction()
