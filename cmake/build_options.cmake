# Compiler settings, applied per target: warnings, -march=native and the
# sanitizers. Nothing here touches CMAKE_CXX_FLAGS, and nothing is PUBLIC or
# INTERFACE: a consumer of an installed dagrad compiles with its own flags.
include(CheckCXXCompilerFlag)

set(DAGRAD_SANITIZE "" CACHE STRING
    "Sanitizers for every target of the build: empty, \"address,undefined\" or \"thread\"")
set_property(CACHE DAGRAD_SANITIZE PROPERTY STRINGS "" "address" "undefined" "address,undefined" "thread")
if(DAGRAD_SANITIZE)
  string(REPLACE "," ";" _dagrad_sanitizers "${DAGRAD_SANITIZE}")
  foreach(sanitizer IN LISTS _dagrad_sanitizers)
    if(NOT sanitizer MATCHES "^(address|undefined|thread)$")
      message(FATAL_ERROR "DAGRAD_SANITIZE: unknown sanitizer \"${sanitizer}\" "
                          "(use \"address,undefined\" or \"thread\")")
    endif()
  endforeach()
  if("thread" IN_LIST _dagrad_sanitizers AND "address" IN_LIST _dagrad_sanitizers)
    message(FATAL_ERROR "DAGRAD_SANITIZE: ThreadSanitizer cannot be combined with AddressSanitizer")
  endif()
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    message(FATAL_ERROR "DAGRAD_SANITIZE needs GCC or Clang (the compiler is ${CMAKE_CXX_COMPILER_ID})")
  endif()
endif()

if(DAGRAD_NATIVE)
  check_cxx_compiler_flag(-march=native DAGRAD_COMPILER_HAS_MARCH_NATIVE)
  if(NOT DAGRAD_COMPILER_HAS_MARCH_NATIVE)
    message(WARNING "DAGRAD_NATIVE is on but ${CMAKE_CXX_COMPILER} does not accept -march=native: "
                    "building portable code")
  endif()
endif()

# The options every target of this build gets. They are the same for all of
# them on purpose: Eigen's fixed-size types change layout and alignment with
# -march, so a library and a program built with different -march flags that
# pass Eigen objects between them break at run time.
function(dagrad_apply_build_options target)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY" OR type STREQUAL "UTILITY")
    return()
  endif()
  get_target_property(already ${target} DAGRAD_BUILD_OPTIONS_APPLIED)
  if(already)
    return()
  endif()
  set_target_properties(${target} PROPERTIES DAGRAD_BUILD_OPTIONS_APPLIED ON)

  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  endif()
  if(DAGRAD_NATIVE AND DAGRAD_COMPILER_HAS_MARCH_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
      # GCC 12's AVX-512 intrinsics (`__m512d __Y = __Y;`, GCC PR 105593)
      # warn wherever Eigen inlines them. Portable builds keep the warnings.
      target_compile_options(${target} PRIVATE -Wno-uninitialized -Wno-maybe-uninitialized)
    endif()
  endif()
  if(DAGRAD_SANITIZE)
    set(flags -fsanitize=${DAGRAD_SANITIZE} -fno-omit-frame-pointer)
    if(DAGRAD_SANITIZE MATCHES "undefined")
      # A UBSan finding fails the run instead of printing and going on.
      list(APPEND flags -fno-sanitize-recover=undefined)
    endif()
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
      # Line tables are all a sanitizer's stack trace needs; full debug
      # information for Eigen's templates only slows the build CI waits for.
      list(APPEND flags -gline-tables-only)
    endif()
    target_compile_options(${target} PRIVATE ${flags})
    # Linking a static library only archives: its sanitizer runtime comes
    # with the program that links it (which gets these options too).
    if(NOT type STREQUAL "STATIC_LIBRARY" AND NOT type STREQUAL "OBJECT_LIBRARY")
      target_link_options(${target} PRIVATE -fsanitize=${DAGRAD_SANITIZE})
    endif()
  endif()
endfunction()

# Applies dagrad_apply_build_options to every target defined in `directory`
# and below. The top-level CMakeLists.txt calls it once at the end, so a
# target added anywhere (a test, an example, a README example, a fuzz target
# of tests/fuzz) cannot miss the build's flags.
function(dagrad_apply_build_options_recursively directory)
  get_property(targets DIRECTORY ${directory} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(target IN LISTS targets)
    dagrad_apply_build_options(${target})
  endforeach()
  get_property(subdirectories DIRECTORY ${directory} PROPERTY SUBDIRECTORIES)
  foreach(subdirectory IN LISTS subdirectories)
    dagrad_apply_build_options_recursively(${subdirectory})
  endforeach()
endfunction()
