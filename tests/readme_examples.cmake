# Every ```cpp block of README.md is compiled here, so the front door cannot
# rot: a block with main() becomes a program that ctest runs (exit 0
# expected); a block with TEST(...) becomes a GoogleTest program whose tests
# ctest lists. Re-runs when README.md changes.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/README.md)
file(READ ${PROJECT_SOURCE_DIR}/README.md readme)
# CMake lists split on ';' and treat brackets specially: mask them first.
string(REPLACE ";" "@SEMICOLON@" readme "${readme}")
string(REPLACE "[" "@LBRACKET@" readme "${readme}")
string(REPLACE "]" "@RBRACKET@" readme "${readme}")
string(REGEX MATCHALL "```cpp\n[^`]*```" blocks "${readme}")
set(index 0)
foreach(block IN LISTS blocks)
  math(EXPR index "${index} + 1")
  string(REGEX REPLACE "^```cpp\n" "" code "${block}")
  string(REGEX REPLACE "```$" "" code "${code}")
  string(REPLACE "@SEMICOLON@" ";" code "${code}")
  string(REPLACE "@LBRACKET@" "[" code "${code}")
  string(REPLACE "@RBRACKET@" "]" code "${code}")
  set(source ${CMAKE_CURRENT_BINARY_DIR}/readme/example_${index}.cpp)
  file(CONFIGURE OUTPUT ${source} CONTENT "// README.md, C++ example ${index}\n${code}" @ONLY)
  add_executable(readme_example_${index} ${source})
  target_link_libraries(readme_example_${index} PRIVATE dagrad::dagrad)
  if(code MATCHES "TEST\\(")
    target_link_libraries(readme_example_${index} PRIVATE dagrad::testing GTest::gtest_main)
    gtest_discover_tests(readme_example_${index} TEST_PREFIX "readme.example_${index}." DISCOVERY_TIMEOUT 60)
  else()
    add_test(NAME readme.example_${index} COMMAND readme_example_${index}
             WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  endif()
endforeach()
if(index EQUAL 0)
  message(FATAL_ERROR "README.md has no C++ example: the front door must show one")
endif()
